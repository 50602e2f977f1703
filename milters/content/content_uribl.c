/*
 * content_uribl - URI blocklists: the registrable domains of a message's
 * URLs (SURBL/DBL style) and its address hosts (IP-based lists).
 *
 * DESCRIPTION
 *	XXX waiting for libcommon dns/dnsxl (branch dns): until it is on
 *	main, a configuration with uribl or uribl_ip is refused by
 *	setup(), and the check does nothing.
 */
#include "content.h"

int content_url_setup(struct content_state *st, const struct cfg *cfg,
                      struct cfg_errors *errs)
{
    if (st->conf->uribl.n == 0 && st->conf->uribl_ip.n == 0)
        return 0;
    cfg_errors_add(errs,
                   "%s: [content] uribl, uribl_ip: URI blocklists need the "
                   "resolver, not in this build yet",
                   cfg_path(cfg));
    return -1;
}

void content_url_teardown(struct content_state *st)
{
    (void)st;
}

enum mod_rc content_uribl_check(struct content_scan *s)
{
    (void)s;
    return MOD_CONTINUE;
}
