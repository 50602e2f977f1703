/*
 * policy_dnsbl - DNSBL and DNSWL scores of the client, over libcommon's
 * dnsxl (postscreen's dnsbl_sites syntax, every zone queried at once).
 *
 * DESCRIPTION
 *	The lists are parsed once in setup() (dnsxl_parse) and queried at
 *	connect, once per connection: the time is that of the slowest zone,
 *	bounded by the connection's DNS budget.
 *
 *	dnsbl_report() adds POLICY_DNSBL (positive weights) or POLICY_DNSWL
 *	(negative weights) per matching entry, with the zone as detail and
 *	the entry's weight times the symbol's score (1 by default) as
 *	score, and POLICY_DNSBL_TEMPFAIL (detail: the first zone that could
 *	not be asked) when a zone failed: never "not listed" in silence.
 *
 *	dnsbl_refuses() is true when threshold > 0 and the sum of the
 *	weights reaches it; *zone_r is the listing zone with the largest
 *	weight, which the reply names.  dnsbl_url_for() gives the lookup
 *	URL of a zone from dnsbl_urls ("zone=URL"; "%s" in the URL becomes
 *	the client address), or NULL.
 *
 * OWNERSHIP
 *	*zone_r points into r.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

void dnsbl_report(const struct policy_state *st, const struct dnsxl_result *r,
                  struct result *res)
{
    size_t i;

    for (i = 0; i < r->nhits; i++) {
        const struct dnsxl_hit *h = &r->hits[i];
        enum policy_symbol s = h->weight < 0 ? SYM_DNSWL : SYM_DNSBL;

        policy_sym_score(res, s, h->weight * (st ? st->score[s] : 1.0),
                         h->zone);
    }
    if (r->ntempfail > 0)
        policy_sym(st, res, SYM_DNSBL_TEMPFAIL, r->tempfail_zone);
}

int dnsbl_refuses(const struct dnsxl_result *r, double threshold,
                  const char **zone_r)
{
    double best = 0;
    size_t i;

    *zone_r = NULL;
    if (threshold <= 0 || r->score < threshold)
        return 0;
    for (i = 0; i < r->nhits; i++)
        if (r->hits[i].weight > best) {
            best = r->hits[i].weight;
            *zone_r = r->hits[i].zone;
        }
    return *zone_r != NULL;
}

const char *dnsbl_url_for(const struct cfg_list *urls, const char *zone)
{
    size_t i, n = strlen(zone);

    for (i = 0; i < urls->n; i++)
        if (strncasecmp(urls->v[i], zone, n) == 0 && urls->v[i][n] == '=')
            return urls->v[i] + n + 1;
    return NULL;
}
