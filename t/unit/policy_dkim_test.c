/*
 * policy_dkim_test - DKIM verification (policy_dkim.c, libopendkim through
 * our resolver) on third-party vectors whose keys a real unbound serves
 * (t/unit/policy_dkim.sh, zones by t/lib/dkimzones.py): dkimpy's RFC 6376
 * / RFC 8463 messages (ed25519-sha256 and rsa-sha256) and stalwart
 * mail-auth's DKIM cases, each with its expected result per signature;
 * tampered copies; the minimum key size; key retrieval failure as
 * temperror.  And the DNSBL time per connection: eight zones, one of them
 * answering after 300 ms, cost about 300 ms, not 2.4 s; the lists are
 * asked once per connection, not per message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "clock.h"
#include "policy_harness.h"
#include "util.h"

static char *slurp(const char *path)
{
    const char *why;
    size_t len;

    return file_read(path, 0, &len, &why);
}

/* The message of a file; stalwart's files start with key lines. */
static char *message_of(const char *path, int keys_first)
{
    char *all = slurp(path), *p, *m;

    if (all == NULL || !keys_first)
        return all;
    p = strstr(all, "\n\n");
    m = xstrdup(p ? p + 2 : "");
    /* the message proper may use CRLF */
    free(all);
    return m;
}

/* expect: one letter per signature, in order: p pass, f fail, t
 * temperror, e permerror. */
static void vector(struct policy_dkim *k, const char *name, const char *text,
                   const char *expect)
{
    struct sl_msg m = {0};
    struct policy_dkim_sig *sigs = NULL;
    size_t n = 0, i;
    const char *err = NULL;
    char got[16] = "";

    ph_build(&m, text);
    m.qid = "DKIMTEST";
    if (policy_dkim_verify(k, &m, deadline_in(5000), &sigs, &n, &err) < 0) {
        ok(0, "%s: %s", name, err);
        ph_free_msg(&m);
        return;
    }
    for (i = 0; i < n && i + 1 < sizeof(got); i++)
        got[i] = "?pftep"[sigs[i].result == AUTH_PASS        ? 1
                          : sigs[i].result == AUTH_FAIL      ? 2
                          : sigs[i].result == AUTH_TEMPERROR ? 3
                          : sigs[i].result == AUTH_PERMERROR ? 4
                                                             : 0];
    got[i] = '\0';
    ok(strcmp(got, expect) == 0, "%s: %s (expected %s)%s%s%s%s", name, got,
       expect, n ? " d=" : "", n ? sigs[0].d : "", n ? " " : "",
       n && sigs[0].why ? sigs[0].why : "");
    policy_dkim_sigs_free(sigs, n);
    ph_free_msg(&m);
}

static void file_vector(struct policy_dkim *k, const char *td, const char *rel,
                        int keys_first, const char *expect)
{
    char path[1024], *text;

    snprintf(path, sizeof(path), "%s/%s", td, rel);
    if ((text = message_of(path, keys_first)) == NULL) {
        ok(0, "%s: cannot read", path);
        return;
    }
    vector(k, rel, text, expect);
    free(text);
}

static void test_vectors(const char *td)
{
    struct policy_dkim *k = NULL, *k2 = NULL;
    struct dns *d = ph_dns("SLUICE_DNS_SERVER");
    const char *err = NULL;
    char path[1024], *text, *p;

    if (!ok(policy_dkim_open(d, 1024, &k, &err) == 0,
            "libopendkim with our resolver")) {
        dns_free(d);
        return;
    }
    file_vector(k, td, "dkim-dkimpy/rfc6376.signed.msg", 0, "pp");
    file_vector(k, td, "dkim-dkimpy/rfc6376.signed.rsa.msg", 0, "p");
    file_vector(k, td, "dkim-dkimpy/ed25519test2.msg", 0, "p");
    file_vector(k, td, "dkim-dkimpy/rfc6376.msg", 0, "");
    file_vector(k, td, "mail-auth-stalwart/dkim/001.txt", 1, "pp");
    /* a bare PKCS#1 RSAPublicKey: dkimpy takes it, libopendkim 2.11 does
     * not ("unable to apply public key"): a library limit */
    file_vector(k, td, "mail-auth-stalwart/dkim/002.txt", 1, "e");
    file_vector(k, td, "mail-auth-stalwart/dkim/003.txt", 1, "pp");
    file_vector(k, td, "mail-auth-stalwart/dkim/004.txt", 1, "p");
    /* x=1667930064: expired */
    file_vector(k, td, "mail-auth-stalwart/dkim/005.txt", 1, "f");
    file_vector(k, td, "mail-auth-stalwart/dkim/006.txt", 1, "p");
    snprintf(path, sizeof(path), "%s/dkim-dkimpy/rfc6376.signed.msg", td);
    if ((text = slurp(path)) != NULL) {
        p = strstr(text, "\n\n");
        if (p && p[2])
            p[2] = p[2] == 'X' ? 'Y' : 'X';
        vector(k, "rfc6376.signed.msg, body changed", text, "ff");
        free(text);
    }
    if ((text = slurp(path)) != NULL) {
        while ((p = strstr(text, "football.example.com")) != NULL)
            memcpy(p, "fffffff.timeout.test", 20);
        vector(k, "key lookup times out", text, "tt");
        free(text);
    }
    if (policy_dkim_open(d, 2048, &k2, &err) == 0) {
        file_vector(k2, td, "dkim-dkimpy/rfc6376.signed.msg", 0, "pe");
        policy_dkim_close(k2);
    }
    policy_dkim_close(k);
    dns_free(d);
}

static void test_dnsbl_time(void)
{
    static char *zones[] = {"slow.test", "bl.test",  "wl.test",  "dbl.test",
                            "fast.test", "blocked.test", "other.test",
                            "sender.test"};
    struct cfg_list l = {8, zones};
    struct dns *slow = ph_dns("SLUICE_DNS_SLOW_SERVER");
    struct dnsxl *x = NULL;
    struct dnsxl_result r;
    char *err = NULL;
    double t0, t;

    if (!ok(dnsxl_parse(&l, &x, &err) == 0, "eight DNSBL zones"))
        return;
    t0 = clock_mono();
    dnsxl_query_ip(x, slow, "192.0.2.99", 0, deadline_in(5000), &r);
    t = clock_mono() - t0;
    ok(t >= 0.29 && t < 0.9,
       "8 zones, one answering after 300 ms: %.0f ms in all (not 2.4 s)",
       t * 1000);
    diag("DNSBL time per connection, 8 zones, one 300 ms slow: %.0f ms",
         t * 1000);
    ok(r.nhits >= 2, "listed in slow.test and bl.test (%zu hits)", r.nhits);
    dnsxl_result_free(&r);
    dnsxl_free(x);
    dns_free(slow);
}

/* DNSBL results belong to the connection: looked up once at connect,
 * carried by every message of the connection without a new lookup. */
static void test_dnsbl_once(void)
{
    static const char *const rcpt[] = {"bob@rcpt.test", NULL};
    struct dns *slow = ph_dns("SLUICE_DNS_SLOW_SERVER");
    struct ph h = {0};
    struct ph_sess s;
    struct ph_msg r1, r2;
    double t0, tc, tm;

    if (ph_open(&h, "dnsbl_sites = slow.test bl.test") < 0) {
        ok(0, "configuration for the DNSBL-once test");
        dns_free(slow);
        return;
    }
    h.env.dns = slow;
    t0 = clock_mono();
    ph_connect(&s, &h, "192.0.2.99", "mail.example.net");
    tc = clock_mono() - t0;
    t0 = clock_mono();
    ph_message(&s, "a@good.policy.test", rcpt, NULL, &r1);
    ph_message(&s, "b@good.policy.test", rcpt, NULL, &r2);
    tm = clock_mono() - t0;
    ok(tc >= 0.29, "connect: the DNS lists asked (%.0f ms, one list slow)",
       tc * 1000);
    ok(tm < 0.25, "two messages: no further DNSBL lookup (%.0f ms)", tm * 1000);
    ok(result_has(&r1.res, "POLICY_DNSBL") && result_has(&r2.res, "POLICY_DNSBL"),
       "both messages carry the connection's DNSBL symbols");
    ph_msg_free(&r1);
    ph_msg_free(&r2);
    ph_disconnect(&s);
    ph_close(&h);
    dns_free(slow);
}

int main(void)
{
    const char *td = getenv("SLUICE_TESTDATA");

    ph_init();
    test_vectors(td ? td : "../shared/testdata");
    test_dnsbl_time();
    test_dnsbl_once();
    return done_testing();
}
