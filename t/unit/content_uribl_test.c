/*
 * content_uribl_test - sluice-content's URI blocklists against a private
 * unbound (t/unit/content_uribl.sh): a listed domain and a listed address
 * give their symbols, an unlisted one none, a list that times out gives
 * CONTENT_URIBL_TEMPFAIL and never "not listed".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "content_msg.h"
#include "dns.h"

int main(void)
{
    const char *server = getenv("SLUICE_DNS_SERVER");
    struct cfg_list servers;
    struct dns_conf dc;
    struct dns *d;
    const char *err;
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    if (server == NULL) {
        printf("Bail out! no SLUICE_DNS_SERVER (run content_uribl.sh)\n");
        return 1;
    }
    servers.n = 1;
    servers.v = (char **)&server;
    dc.servers = &servers;
    dc.timeout_ms = 300;
    dc.tries = 1;
    if (!ok(dns_new(&dc, &d, &err) == 0, "resolver on %s", server))
        return done_testing();
    c = cmsg_load("[content]\nuribl = dbl.test=127.0.1.[2..10]*4 timeout.test\n"
                  "uribl_ip = bl.test*3\n",
                  &st, NULL);
    if (!ok(c != NULL, "configuration with URI lists loads")) {
        dns_free(d);
        return done_testing();
    }
    ok(content_module.needs_of(st) & MOD_NEED_DNS, "it asks for the resolver");
    cmsg_env_dns(st, d);
    raw = cmsg_build(NULL,
                     "Look: http://www.evil.example/win and "
                     "https://phish.example/login, http://192.0.2.99/x, "
                     "http://ok.example/ too.",
                     NULL, 0);
    cmsg_run(st, raw, NULL, &r);
    ok(cmsg_has(&r, "CONTENT_URIBL", "evil.example.dbl.test"),
       "a listed registrable domain (www.evil.example -> evil.example)");
    ok(cmsg_has(&r, "CONTENT_URIBL", "phish.example.dbl.test"),
       "a second listed domain, same batch");
    ok(cmsg_score(&r, "CONTENT_URIBL") == 4, "scored by the entry's weight");
    ok(!cmsg_has(&r, "CONTENT_URIBL", "ok.example"),
       "an unlisted domain: none");
    ok(cmsg_has(&r, "CONTENT_URIBL_IP", "99.2.0.192.bl.test") &&
           cmsg_score(&r, "CONTENT_URIBL_IP") == 3,
       "an address host in the IP list");
    ok(cmsg_has(&r, "CONTENT_URIBL_TEMPFAIL", "timeout.test"),
       "a list that times out: CONTENT_URIBL_TEMPFAIL, not \"not listed\"");
    ok(r.rc == MOD_CONTINUE, "the message goes on");
    cmsg_run_free(&r);
    free(raw);
    cmsg_env_dns(st, NULL);
    cmsg_unload(c, st);
    dns_free(d);
    return done_testing();
}
