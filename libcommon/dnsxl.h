/*
 * dnsxl - DNS block and allow lists (DNSBL, DNSWL, URI lists), postscreen's
 * syntax, queried in parallel through dns.h.
 *
 * SYNOPSIS
 *	struct dnsxl *x;
 *	dnsxl_parse(cfg_list, &x, &error);    (in setup(): parsed once)
 *	struct dnsxl_result r;
 *	dnsxl_query_ip(x, dns, "192.0.2.99", budget, &r);
 *	... r.score, r.hits[i].zone, r.ntempfail ...
 *	dnsxl_result_free(&r);
 *
 * DESCRIPTION
 *	A list entry is postscreen's dnsbl_sites syntax (postconf(5)):
 *	    zone[=filter][*weight]
 *	e.g. "zen.spamhaus.org=127.0.0.[2..11]*3",
 *	"list.dnswl.org=127.0.[0..255].[1..3]*-2", "bl.example.net".  The
 *	filter is an IPv4 address pattern whose octets are numbers or
 *	"[" ";"-separated numbers and "lo..hi" ranges "]"; an entry without
 *	a filter matches any A answer, as in postscreen (127.255.255.254
 *	and 127.255.255.255, the "query refused/blocked" answers of
 *	Spamhaus and others, never match: they are logged (log_warn) and
 *	count as a tempfail of that zone); weight defaults to 1 and may be
 *	negative (allow lists); unlike postscreen's it may have decimals
 *	("*0.5"), from -1000 to 1000.  The same zone may appear with
 *	several filters and weights: it is asked once, and each entry that
 *	matches adds its weight once.
 *
 *	dnsxl_query_ip() queries every zone for an IPv4 (reversed octets)
 *	or IPv6 (nibbles) client at once and waits once: the time is about
 *	that of the slowest zone.  An IPv4-mapped IPv6 client
 *	(::ffff:192.0.2.1) is looked up as IPv4; a string that is not an
 *	address asks nothing.  dnsxl_query_names() does the same for
 *	domain-based lists (URI lists: "example.com.dbl.test"), every name
 *	in every zone in one batch (names lower-cased, a trailing dot
 *	dropped, the same name asked once, names that cannot be domain
 *	names skipped).
 *
 *	struct dnsxl_result: score (the sum of the weights of the matching
 *	entries; an entry counts once however many names it lists); hits
 *	(one per matching entry and name: zone, the name queried, the
 *	answer address, weight, and when with_txt the list's TXT records
 *	joined by "; ", bytes that are not printable ASCII as "?", at most
 *	512 bytes; the TXT lookups are a second round, for the matching
 *	names only, so a clean client costs one round); ntempfail (the
 *	lookups that failed) and tempfail_zone (the first zone, in list
 *	order, whose lookup failed): a zone that could not be asked is
 *	never "not listed" silently.
 *
 *	dnsxl_parse() returns 0, or -1 with *error_r (DNS list entry
 *	"ENTRY": what is wrong; caller frees).
 *
 * OWNERSHIP
 *	struct dnsxl is read-only after parsing and safe across threads;
 *	dnsxl_free() frees it.  A struct dnsxl_result holds copies.
 */
#ifndef SLUICE_DNSXL_H
#define SLUICE_DNSXL_H

#include <stddef.h>

#include "cfg.h"
#include "clock.h"
#include "dns.h"

struct dnsxl_hit {
    char *zone;
    char *name;   /* the name queried */
    char *answer; /* "127.0.0.2" */
    char *txt;    /* the list's TXT, or NULL */
    double weight;
    size_t entry; /* index of the list entry that matched */
};

struct dnsxl_result {
    double score;
    size_t nhits;
    struct dnsxl_hit *hits;
    size_t ntempfail;
    char *tempfail_zone;
};

struct dnsxl;

int dnsxl_parse(const struct cfg_list *entries, struct dnsxl **x_r,
                char **error_r);
void dnsxl_free(struct dnsxl *x);
size_t dnsxl_count(const struct dnsxl *x);

void dnsxl_query_ip(const struct dnsxl *x, struct dns *d, const char *ip,
                    int with_txt, struct deadline budget,
                    struct dnsxl_result *r);
void dnsxl_query_names(const struct dnsxl *x, struct dns *d,
                       const char *const *names, size_t nnames, int with_txt,
                       struct deadline budget, struct dnsxl_result *r);
void dnsxl_result_free(struct dnsxl_result *r);

#endif
