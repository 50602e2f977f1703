/*
 * dns - the suite's one resolver (c-ares): every lookup of every milter,
 * and of libspf2 and libopendkim through their adapters, goes through it.
 *
 * SYNOPSIS
 *	struct dns *d;
 *	dns_new(&conf, &d, &error);          (in the worker, at start())
 *
 *	struct dns_batch *b = dns_batch_new(d, msg_budget);
 *	size_t a = dns_batch_add(b, "example.org", DNS_T_MX);
 *	size_t t = dns_batch_add(b, "2.0.0.127.zen.test", DNS_T_A);
 *	dns_batch_wait(b);                   (all of them, in parallel)
 *	const struct dns_answer *ans = dns_batch_get(b, a);
 *	dns_batch_free(b);
 *
 * DESCRIPTION
 *	dns_new() makes a resolver from struct dns_conf: the name servers
 *	("host:port" or "[v6addr]:port" entries, or a bare address for
 *	port 53; an entry that is not an address is refused here; an
 *	empty list means the system's resolver configuration,
 *	/etc/resolv.conf, as admins expect; every test sets the list), the
 *	timeout of one try in milliseconds and the number of tries.
 *	Responses are not checked by c-ares (ARES_FLAG_NOCHECKRESP) so that
 *	SERVFAIL and REFUSED are told apart from an unreachable server;
 *	search domains and aliases are off.  One struct dns serves every
 *	thread of the worker: c-ares 1.18 channels are not thread-safe, so
 *	it keeps a pool of channels and each batch takes one for its life.
 *
 *	Every lookup has exactly three outcomes, never a bare "not found"
 *	for a failure:
 *	    DNS_OK        an answer with at least one record of the type
 *	    DNS_NXDOMAIN  the name does not exist      } "does not exist",
 *	    DNS_NODATA    the name exists, no record   } kept apart
 *	                  of that type
 *	    DNS_TEMPFAIL  try later; error says why: "timeout", "SERVFAIL",
 *	                  "REFUSED", "FORMERR", "NOTIMP", "malformed
 *	                  answer", "no server reachable", "DNS budget
 *	                  exhausted", "too many queries in one batch"
 *	A name that cannot be put in a query (a label over 63 bytes, a
 *	name over 253) is DNS_NXDOMAIN with error "invalid domain name",
 *	and nothing is asked: such a name cannot exist.
 *
 *	A batch issues every query at once and waits for all of them
 *	together: ten lookups to a server that answers after 300 ms cost
 *	about 300 ms, not 3 s.  A budget (struct deadline, clock.h; at == 0:
 *	none) bounds the whole batch: what is still unanswered when it
 *	passes is DNS_TEMPFAIL with error "DNS budget exhausted"; a batch
 *	made when it has passed asks nothing.  The queries of a batch are
 *	also bounded by timeout x tries, counted from the first query sent
 *	while none was pending ("timeout"); with several servers, c-ares
 *	moves to the next one after each try that timed out, so the tries
 *	are spread over them.  A batch holds at most 4096 queries.  The
 *	message's budget is [common] dns_budget from MAIL FROM (or from
 *	connect, for checks made before MAIL), so that one message never
 *	spends more than that on DNS in total.
 *
 *	Records: A and AAAA give addr (4 or 16 bytes) and text (the address
 *	in text form); MX gives pref and text (the exchange); PTR, CNAME
 *	and NS give text (the name); TXT (and the old SPF type 99) gives
 *	text and len, the character-strings of one record concatenated
 *	(RFC 7208 3.3; len counts NUL bytes in it); SOA gives text "mname
 *	rname serial refresh retry expire minimum"; any other type its raw
 *	RDATA in text and len.  Only records of the type asked are
 *	returned (the CNAMEs of a chain are not, unless CNAME was asked).
 *	Names are given without the trailing dot (the root is "").  ttl is
 *	per record; struct dns_answer.ttl is the smallest, or for NXDOMAIN
 *	and NODATA the negative TTL, min(TTL, MINIMUM) of the SOA in the
 *	authority section (RFC 2308 5), when the server sent one (else 0).
 *
 *	dns_lookup() is a batch of one.  dns_query_raw() returns the
 *	answer as wire-format bytes (for libopendkim's query hooks).
 *
 *	dns_reverse_name() returns the name to query for an address under
 *	a zone: "4.3.2.1.zone" for IPv4, the 32 nibbles for IPv6
 *	(RFC 3596; an IPv4-mapped address too), "in-addr.arpa"/"ip6.arpa"
 *	when zone is NULL, no suffix when zone is ""; a trailing dot of
 *	zone is dropped.  NULL when ip is not an address.
 *
 *	dns_thread_budget_set() sets the budget that lookups made through
 *	the library adapters (spf.h, dns_dkim_attach()) use on the calling
 *	thread: those libraries give their DNS callbacks no context.
 *
 * OWNERSHIP
 *	A batch owns its answers until dns_batch_free(), which also
 *	cancels what is still pending; a batch is used by one thread at a
 *	time.  An answer filled by dns_lookup() is the caller's, freed with
 *	dns_answer_free().  dns_reverse_name()'s result is the caller's.
 *	error strings are static.  dns_free() after the last use.
 */
#ifndef SLUICE_DNS_H
#define SLUICE_DNS_H

#include <stddef.h>

#include "cfg.h"
#include "clock.h"

enum dns_status {
    DNS_OK = 0,
    DNS_NXDOMAIN,
    DNS_NODATA,
    DNS_TEMPFAIL,
};

/* Record types (the RFC 1035/3596 numbers). */
enum dns_type {
    DNS_T_A = 1,
    DNS_T_NS = 2,
    DNS_T_CNAME = 5,
    DNS_T_SOA = 6,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
};

struct dns_rr {
    int type;
    unsigned ttl;
    char *text;  /* see DESCRIPTION; NUL terminated */
    size_t len;  /* length of text (TXT may hold NUL bytes) */
    int pref;    /* MX preference */
    unsigned char addr[16];
};

struct dns_answer {
    enum dns_status status;
    const char *error; /* DNS_TEMPFAIL: "timeout", "SERVFAIL", ... */
    unsigned ttl;
    size_t n;
    struct dns_rr *rr;
};

struct dns_conf {
    const struct cfg_list *servers; /* NULL or empty: the system's */
    long long timeout_ms;           /* one try */
    int tries;
};

struct dns;
struct dns_batch;

int dns_new(const struct dns_conf *c, struct dns **dns_r,
            const char **error_r);
void dns_free(struct dns *d);

struct dns_batch *dns_batch_new(struct dns *d, struct deadline budget);
size_t dns_batch_add(struct dns_batch *b, const char *name, int type);
void dns_batch_wait(struct dns_batch *b);
const struct dns_answer *dns_batch_get(const struct dns_batch *b, size_t i);
void dns_batch_free(struct dns_batch *b);

enum dns_status dns_lookup(struct dns *d, const char *name, int type,
                           struct deadline budget, struct dns_answer *ans_r);
void dns_answer_free(struct dns_answer *a);

/* 0 with *len_r bytes of the DNS message in buf (answer, NXDOMAIN or
 * NODATA: *st_r says which), or -1 (DNS_TEMPFAIL, buf too small, or a
 * name that cannot be asked). */
int dns_query_raw(struct dns *d, const char *name, int type,
                  struct deadline budget, unsigned char *buf, size_t buflen,
                  size_t *len_r, enum dns_status *st_r);

char *dns_reverse_name(const char *ip, const char *zone);
const char *dns_status_name(enum dns_status s);

void dns_thread_budget_set(struct deadline budget);
struct deadline dns_thread_budget(void);

#endif
