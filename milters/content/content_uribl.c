/*
 * content_uribl - URI blocklists: the registrable domains of a message's
 * URLs (SURBL, Spamhaus DBL and their like) and the hosts that are
 * addresses (IP-based lists), through libcommon's dnsxl.
 *
 * SYNOPSIS
 *	content_url_setup(state, cfg, &errs);   (setup(): lists parsed once)
 *	enum mod_rc content_uribl_check(struct content_scan *s);
 *
 * DESCRIPTION
 *	uribl and uribl_ip are lists in postscreen's syntax
 *	(zone[=filter][*weight], dnsxl.h), parsed once by setup(); the
 *	weight of an entry is the score of its symbol.  A configuration
 *	with either list needs the resolver ([common] dns_*: the module's
 *	needs_of asks the glue for it).
 *
 *	content_uribl_check() asks every list about every distinct
 *	registrable domain of the message's URLs (those url_allow did not
 *	exempt), in one batch (dnsxl_query_names(): all names in all zones
 *	at once, within the message's DNS budget), then each address host
 *	in uribl_ip (dnsxl_query_ip()).  Each matching entry is a symbol
 *	CONTENT_URIBL (or CONTENT_URIBL_IP) with the name queried as its
 *	detail.  A zone that could not be asked (timeout, SERVFAIL, the
 *	budget spent) is never "not listed": CONTENT_URIBL_TEMPFAIL (score
 *	0, the zone as detail) says the check did not run there, and the
 *	message goes on: one list down does not hold mail back.
 */
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "dnsxl.h"
#include "log.h"

int content_url_setup(struct content_state *st, const struct cfg *cfg,
                      struct cfg_errors *errs)
{
    const struct content_conf *c = st->conf;
    char *err = NULL;
    int bad = 0;

    if (c->uribl.n > 0 && dnsxl_parse(&c->uribl, &st->uribl, &err) < 0) {
        cfg_errors_add(errs, "%s: [content] uribl: %s", cfg_path(cfg), err);
        free(err);
        bad = 1;
    }
    if (c->uribl_ip.n > 0 &&
        dnsxl_parse(&c->uribl_ip, &st->uribl_ip, &err) < 0) {
        cfg_errors_add(errs, "%s: [content] uribl_ip: %s", cfg_path(cfg), err);
        free(err);
        bad = 1;
    }
    return bad ? -1 : 0;
}

void content_url_teardown(struct content_state *st)
{
    dnsxl_free(st->uribl);
    dnsxl_free(st->uribl_ip);
    st->uribl = st->uribl_ip = NULL;
}

unsigned content_url_needs(const struct content_state *st)
{
    return st->uribl != NULL || st->uribl_ip != NULL ? MOD_NEED_DNS : 0;
}

static void uribl_report(struct content_scan *s, const struct dnsxl_result *r,
                         const char *sym)
{
    for (size_t i = 0; i < r->nhits; i++)
        result_add(s->x->res, sym, r->hits[i].weight, r->hits[i].name);
    if (r->ntempfail > 0) {
        result_add(s->x->res, "CONTENT_URIBL_TEMPFAIL", 0, r->tempfail_zone);
        log_warn(s->m->qid, "content: URI list %s could not be asked",
                 r->tempfail_zone ? r->tempfail_zone : "?");
    }
}

static size_t uribl_names(const struct content_scan *s, const char **names)
{
    size_t n = 0, i, j;

    for (i = 0; i < s->nurls; i++) {
        const struct content_url *cu = &s->urls[i];

        if (cu->allowed || cu->u.is_ip)
            continue;
        for (j = 0; j < n && strcmp(names[j], cu->u.domain) != 0; j++)
            ;
        if (j == n)
            names[n++] = cu->u.domain;
    }
    return n;
}

enum mod_rc content_uribl_check(struct content_scan *s)
{
    struct content_state *st = s->st;
    struct dnsxl_result r;
    const char **names;
    size_t n;

    if ((st->uribl == NULL && st->uribl_ip == NULL) || s->nurls == 0)
        return MOD_CONTINUE;
    if (s->x->env->dns == NULL) {
        result_add(s->x->res, "CONTENT_URIBL_TEMPFAIL", 0, "no resolver");
        return MOD_CONTINUE;
    }
    names = xcalloc(s->nurls, sizeof(*names));
    n = uribl_names(s, names);
    if (st->uribl != NULL && n > 0) {
        dnsxl_query_names(st->uribl, s->x->env->dns, names, n, 0,
                          s->m->dns_budget, &r);
        uribl_report(s, &r, "CONTENT_URIBL");
        dnsxl_result_free(&r);
    }
    free(names);
    for (size_t i = 0; st->uribl_ip != NULL && i < s->nurls; i++) {
        if (!s->urls[i].u.is_ip || s->urls[i].allowed)
            continue;
        dnsxl_query_ip(st->uribl_ip, s->x->env->dns, s->urls[i].u.host, 0,
                       s->m->dns_budget, &r);
        uribl_report(s, &r, "CONTENT_URIBL_IP");
        dnsxl_result_free(&r);
    }
    return MOD_CONTINUE;
}
