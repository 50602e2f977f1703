/*
 * dkim_dns_test - libopendkim's key lookups through libcommon/dns_dkim.c
 * and a real unbound (run by t/unit/dkim_dns.sh, which makes an RSA and
 * an Ed25519 key and publishes them in dkim.test).  The test signs with
 * libopendkim itself and verifies: pass, a tampered body fails, a
 * missing key is "no key", a key lookup that times out or gets SERVFAIL
 * is "key retrieval failed" (KEYFAIL, a temperror), within the budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "clock.h"
#include "dns.h"
#include "dns_dkim.h"
#include "tap.h"
#include "util.h"

static DKIM_LIB *lib;
static char *rsa_key, *ed_key;

static const char *const headers[] = {
    "From: Alice <alice@dkim.test>",
    "To: bob@rcpt.test",
    "Subject: DKIM through dns.c",
    "Date: Mon, 01 Jan 2024 00:00:00 +0000",
    "Message-ID: <1@dkim.test>",
};
#define NHEADERS (sizeof headers / sizeof headers[0])
static const char body[] = "Hello Bob,\r\nthis message is signed.\r\n";
static const char tampered[] = "Hello Bob,\r\nthis message is signed!\r\n";

static char *slurp(const char *path)
{
    const char *why;
    size_t len;

    return file_read(path, 0, &len, &why);
}

/* The DKIM-Signature value for the message, signed by key as s=sel d=dom. */
static char *sign(const char *key, const char *sel, const char *dom,
                  dkim_alg_t alg)
{
    DKIM_STAT st;
    DKIM *dk = dkim_sign(lib, (unsigned char *)"sign", NULL,
                         (dkim_sigkey_t)key, (unsigned char *)sel,
                         (unsigned char *)dom, DKIM_CANON_RELAXED,
                         DKIM_CANON_RELAXED, alg, -1, &st);
    unsigned char buf[4096];
    size_t i;
    char *r = NULL;

    if (dk == NULL) {
        diag("dkim_sign: %s", dkim_getresultstr(st));
        return NULL;
    }
    dkim_set_margin(dk, 0);
    for (i = 0; i < NHEADERS; i++)
        dkim_header(dk, (unsigned char *)headers[i], strlen(headers[i]));
    dkim_eoh(dk);
    dkim_body(dk, (unsigned char *)body, strlen(body));
    st = dkim_eom(dk, NULL);
    if (st == DKIM_STAT_OK &&
        dkim_getsighdr(dk, buf, sizeof buf, strlen("DKIM-Signature: ")) ==
            DKIM_STAT_OK)
        r = xstrdup((char *)buf);
    else
        diag("signing failed: %s", dkim_getresultstr(st));
    dkim_free(dk);
    return r;
}

struct verdict {
    DKIM_STAT st;
    int sigerr;
    double secs;
};

static struct verdict verify(const char *sig, const char *b)
{
    struct verdict v = {DKIM_STAT_INTERNAL, -1, 0};
    DKIM_STAT st;
    DKIM *dk = dkim_verify(lib, (unsigned char *)"verify", NULL, &st);
    char *h = xasprintf("DKIM-Signature: %s", sig ? sig : "");
    DKIM_SIGINFO *si;
    double t0 = clock_mono();
    size_t i;

    if (dk == NULL)
        return v;
    dkim_header(dk, (unsigned char *)h, strlen(h));
    for (i = 0; i < NHEADERS; i++)
        dkim_header(dk, (unsigned char *)headers[i], strlen(headers[i]));
    dkim_eoh(dk);
    dkim_body(dk, (unsigned char *)b, strlen(b));
    v.st = dkim_eom(dk, NULL);
    v.secs = clock_mono() - t0;
    si = dkim_getsignature(dk);
    if (si != NULL)
        v.sigerr = dkim_sig_geterror(si);
    dkim_free(dk);
    free(h);
    return v;
}

/* sig with its "s=" or "d=" tag replaced (tag "s" or "d"). */
static char *retag(const char *sig, char tag, const char *val)
{
    char key[4] = {' ', tag, '=', 0};
    const char *p = strstr(sig, key), *end;

    if (p == NULL && strncmp(sig, key + 1, 2) == 0)
        p = sig - 1;
    if (p == NULL)
        return xstrdup(sig);
    end = strchr(p + 3, ';');
    return xasprintf("%.*s%s%s", (int)(p + 3 - sig), sig, val, end ? end : "");
}

static void test_rsa(void)
{
    char *sig = sign(rsa_key, "sel-rsa", "dkim.test", DKIM_SIGN_RSASHA256);
    struct verdict v;
    char *other;

    ok(sig != NULL, "signed with rsa-sha256 (s=sel-rsa d=dkim.test)");
    if (sig == NULL)
        return;
    v = verify(sig, body);
    ok(v.st == DKIM_STAT_OK && v.sigerr == DKIM_SIGERROR_OK,
       "rsa-sha256: pass (a key of 2 TXT strings, fetched through dns.c): %s",
       dkim_getresultstr(v.st));
    v = verify(sig, tampered);
    ok(v.st == DKIM_STAT_BADSIG && v.sigerr == DKIM_SIGERROR_BADSIG,
       "tampered body: fail, \"%s\" (%s)", dkim_getresultstr(v.st),
       dkim_sig_geterrorstr(v.sigerr));
    other = retag(sig, 's', "nosuch");
    v = verify(other, body);
    ok(v.st == DKIM_STAT_NOKEY && v.sigerr == DKIM_SIGERROR_NOKEY,
       "missing key (NXDOMAIN): no key, a permanent result (%s)",
       dkim_sig_geterrorstr(v.sigerr));
    free(other);
    other = retag(sig, 's', "revoked");
    v = verify(other, body);
    ok(v.st != DKIM_STAT_OK && v.sigerr == DKIM_SIGERROR_KEYREVOKED,
       "an empty p=: key revoked (%s)", dkim_sig_geterrorstr(v.sigerr));
    free(other);
    other = retag(sig, 's',
                  "a123456789012345678901234567890123456789012345678901234567890123");
    v = verify(other, body);
    ok(v.st == DKIM_STAT_NOKEY,
       "a selector no query can carry (64-byte label): no key, not a "
       "temporary error (%s)", dkim_getresultstr(v.st));
    free(other);

    dns_thread_budget_set(deadline_in(3000));
    other = retag(sig, 'd', "x.timeout.test");
    v = verify(other, body);
    ok(v.st == DKIM_STAT_KEYFAIL && v.sigerr == DKIM_SIGERROR_KEYFAIL,
       "key lookup times out: key retrieval failed (KEYFAIL: temperror, not "
       "fail): %s", dkim_sig_geterrorstr(v.sigerr));
    ok(v.secs >= 0.35 && v.secs < 0.4 + 0.5,
       "... after timeout x tries (200 ms x 2): %.3f s", v.secs);
    free(other);
    other = retag(sig, 'd', "x.servfail.test");
    v = verify(other, body);
    ok(v.st == DKIM_STAT_KEYFAIL && v.sigerr == DKIM_SIGERROR_KEYFAIL,
       "key lookup gets SERVFAIL: key retrieval failed");
    free(other);
    dns_thread_budget_set(deadline_in(100));
    other = retag(sig, 'd', "x.timeout.test");
    v = verify(other, body);
    ok(v.st == DKIM_STAT_KEYFAIL && v.secs < 0.1 + 0.3,
       "a 100 ms thread budget bounds the key lookup: %.3f s", v.secs);
    free(other);
    dns_thread_budget_set(deadline_in(5000));
    v = verify(sig, body);
    ok(v.st == DKIM_STAT_OK, "and the next message passes again");
    free(sig);
}

static void test_ed25519(void)
{
    char *sig = sign(ed_key, "sel-ed", "dkim.test", DKIM_SIGN_ED25519SHA256);
    struct verdict v;

    ok(sig != NULL && strstr(sig, "a=ed25519-sha256") != NULL,
       "signed with ed25519-sha256 (RFC 8463)");
    if (sig == NULL)
        return;
    v = verify(sig, body);
    ok(v.st == DKIM_STAT_OK, "ed25519-sha256: pass: %s", dkim_getresultstr(v.st));
    v = verify(sig, tampered);
    ok(v.st == DKIM_STAT_BADSIG, "ed25519-sha256, tampered body: fail");
    free(sig);
}

int main(void)
{
    const char *srv = getenv("SLUICE_DNS_SERVER"), *dir = getenv("SLUICE_DNS_DIR");
    const char *err = NULL;
    char *v[1] = {(char *)srv}, *p;
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, 200, 2};
    struct dns *d = NULL;

    if (srv == NULL || dir == NULL || dns_new(&c, &d, &err) < 0) {
        printf("Bail out! run me through t/unit/dkim_dns.sh (%s)\n",
               err ? err : "no SLUICE_DNS_SERVER");
        return 1;
    }
    p = xasprintf("%s/keys/rsa.pem", dir);
    rsa_key = slurp(p);
    free(p);
    p = xasprintf("%s/keys/ed.pem", dir);
    ed_key = slurp(p);
    free(p);
    lib = dkim_init(NULL, NULL);
    if (rsa_key == NULL || ed_key == NULL || lib == NULL) {
        printf("Bail out! no keys in %s/keys, or no libopendkim\n", dir);
        return 1;
    }
    ok(dns_dkim_attach(NULL, d, &err) == -1, "dns_dkim_attach(NULL): -1 (%s)", err);
    ok(dns_dkim_attach(lib, d, &err) == 0, "dns_dkim_attach");
    dns_thread_budget_set(deadline_in(5000));
    test_rsa();
    test_ed25519();
    dkim_close(lib);
    dns_free(d);
    free(rsa_key);
    free(ed_key);
    return done_testing();
}
