/*
 * spf_test - libcommon/spf.c (libspf2 through dns.c) against a real
 * unbound (run by t/unit/spf.sh; zones sender.test, other.test and
 * spf.test in t/data/dns).  Clients are TEST-NET addresses: libspf2
 * passes every loopback client.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "spf.h"
#include "tap.h"

#define RECEIVER "mx.test.example"

static struct spf *spf;

struct c {
    enum spf_identity id;
    const char *ip, *helo, *sender;
    enum spf_result want;
    const char *what;
};

static const struct c cases[] = {
    {SPF_ID_MAILFROM, "192.0.2.10", "mail.sender.test", "alice@sender.test",
     SPF_RES_PASS, "pass by ip4"},
    {SPF_ID_MAILFROM, "2001:db8::10", "mail.sender.test", "alice@sender.test",
     SPF_RES_PASS, "pass by ip6"},
    {SPF_ID_MAILFROM, "192.0.2.11", "mail.sender.test", "alice@sender.test",
     SPF_RES_PASS, "pass by mx"},
    {SPF_ID_MAILFROM, "192.0.2.13", "mail.sender.test", "alice@sender.test",
     SPF_RES_PASS, "pass by include"},
    {SPF_ID_MAILFROM, "192.0.2.12", "mail.sender.test", "alice@sender.test",
     SPF_RES_PASS, "pass by a:"},
    {SPF_ID_MAILFROM, "192.0.2.99", "mail.sender.test", "alice@sender.test",
     SPF_RES_FAIL, "fail (-all)"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@softfail.spf.test",
     SPF_RES_SOFTFAIL, "softfail (~all)"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@alias.spf.test",
     SPF_RES_SOFTFAIL, "softfail through a CNAME"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@neutral.spf.test",
     SPF_RES_NEUTRAL, "neutral (?all)"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@norecord.spf.test",
     SPF_RES_NONE, "none: no TXT record"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@nospf.spf.test",
     SPF_RES_NONE, "none: TXT, but no SPF record"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@nx.spf.test",
     SPF_RES_NONE, "none: NXDOMAIN"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@two.spf.test",
     SPF_RES_PERMERROR, "permerror: two SPF records"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@syntax.spf.test",
     SPF_RES_PERMERROR, "permerror: syntax error"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@x.timeout.test",
     SPF_RES_TEMPERROR, "temperror: the record's lookup times out"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@tmp.spf.test",
     SPF_RES_TEMPERROR, "temperror: an include times out"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@sfail.spf.test",
     SPF_RES_TEMPERROR, "temperror: an include gets SERVFAIL"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@x.servfail.test",
     SPF_RES_TEMPERROR, "temperror: the record's lookup gets SERVFAIL"},
    {SPF_ID_HELO, "192.0.2.50", "helo.spf.test", "carol@sender.test",
     SPF_RES_PASS, "HELO identity: pass by a"},
    {SPF_ID_HELO, "192.0.2.51", "helo.spf.test", "carol@sender.test",
     SPF_RES_FAIL, "HELO identity: fail"},
    {SPF_ID_MAILFROM, "192.0.2.50", "helo.spf.test", "", SPF_RES_PASS,
     "null sender: postmaster@HELO passes"},
    {SPF_ID_MAILFROM, "192.0.2.51", "helo.spf.test", "<>", SPF_RES_FAIL,
     "null sender \"<>\": postmaster@HELO fails"},
    {SPF_ID_MAILFROM, "127.0.0.1", "h.example", "alice@sender.test",
     SPF_RES_PASS, "loopback client: libspf2's own pass"},
    {SPF_ID_MAILFROM, "192.0.2.99", "h.example", "alice@localhost",
     SPF_RES_NONE, "a single-label domain: none, nothing asked"},
    {SPF_ID_HELO, "192.0.2.99", "[192.0.2.99]", "alice@sender.test",
     SPF_RES_NONE, "an address-literal HELO: none"},
};
#define NCASES (sizeof cases / sizeof cases[0])

static struct deadline budget(void)
{
    return deadline_in(5000);
}

static void test_cases(void)
{
    size_t i;

    for (i = 0; i < NCASES; i++) {
        struct spf_out o;

        spf_check(spf, cases[i].id, cases[i].ip, cases[i].helo, cases[i].sender,
                  budget(), &o);
        ok(o.result == cases[i].want, "%s: %s (got %s; %s)", cases[i].what,
           spf_result_name(cases[i].want), spf_result_name(o.result),
           o.comment ? o.comment : "no comment");
        spf_out_free(&o);
    }
}

static void test_details(void)
{
    struct spf_out o;
    double t0, t;

    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.10", "mail.sender.test",
              "alice@sender.test", budget(), &o);
    is_str(o.received_spf,
           "pass (mx.test.example: domain of sender.test designates "
           "192.0.2.10 as permitted sender) client-ip=192.0.2.10; "
           "envelope-from=\"alice@sender.test\"; helo=mail.sender.test; "
           "receiver=mx.test.example; identity=mailfrom;",
           "Received-SPF of a pass (RFC 7208 9.1)");
    is_str(o.domain, "sender.test", "domain: the sender's");
    ok(o.explanation == NULL, "no explanation for a pass");
    spf_out_free(&o);

    spf_check(spf, SPF_ID_MAILFROM, "2001:db8::99", "mail.sender.test",
              "alice@sender.test", budget(), &o);
    ok(o.result == SPF_RES_FAIL && o.received_spf &&
           strstr(o.received_spf, " client-ip=\"2001:db8::99\";") &&
           !strncmp(o.received_spf, "fail (", 6),
       "an IPv6 client-ip is a quoted-string: %s", o.received_spf);
    is_str(o.explanation,
           "2001:db8::99 is not one of sender.test's designated mail servers.",
           "fail without exp=: our default explanation");
    spf_out_free(&o);

    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@exp.spf.test",
              budget(), &o);
    is_str(o.explanation, "192.0.2.99 may not send for exp.spf.test",
           "fail with exp=: the domain's explanation, macros expanded");
    spf_out_free(&o);

    spf_check(spf, SPF_ID_HELO, "192.0.2.50", "helo.spf.test", "carol@sender.test",
              budget(), &o);
    is_str(o.domain, "helo.spf.test", "HELO identity: the domain is the HELO name");
    ok(o.received_spf && strstr(o.received_spf, " identity=helo;") &&
           strstr(o.received_spf, " helo=helo.spf.test;"),
       "HELO identity: identity=helo (%s)", o.received_spf);
    spf_out_free(&o);

    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.50", "helo.spf.test", "", budget(), &o);
    is_str(o.domain, "helo.spf.test", "null sender: the domain is the HELO name");
    ok(o.received_spf &&
           strstr(o.received_spf, " envelope-from=\"postmaster@helo.spf.test\";") &&
           strstr(o.received_spf, " identity=mailfrom;"),
       "null sender: envelope-from=postmaster@HELO, identity=mailfrom (%s)",
       o.received_spf);
    spf_out_free(&o);

    /* the trap: the record's own lookup timed out */
    t0 = clock_mono();
    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@x.timeout.test",
              budget(), &o);
    t = clock_mono() - t0;
    ok(o.result == SPF_RES_TEMPERROR && o.comment &&
           strstr(o.comment, "temporary error looking up the SPF policy of "
                             "x.timeout.test"),
       "libspf2's (invalid) + SPF_E_DNS_ERROR is mapped: temperror, our comment "
       "(%s)", o.comment ? o.comment : "-");
    ok(!strncmp(o.received_spf, "temperror (", 11),
       "... and the Received-SPF says temperror");
    ok(t < 0.6 + 0.5, "... within timeout x tries (%.3f s)", t);
    spf_out_free(&o);

    t0 = clock_mono();
    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.99", "h.example", "bob@tmp.spf.test",
              deadline_in(150), &o);
    t = clock_mono() - t0;
    ok(o.result == SPF_RES_TEMPERROR && t < 0.15 + 0.3,
       "a 150 ms budget bounds the check (%.3f s)", t);
    spf_out_free(&o);

    spf_check(spf, SPF_ID_MAILFROM, "not-an-ip", "h.example", "bob@sender.test",
              budget(), &o);
    ok(o.result == SPF_RES_TEMPERROR, "a client address that is not one: temperror");
    spf_out_free(&o);

    spf_check(spf, SPF_ID_MAILFROM, "192.0.2.99", "h.example",
              "\"a(b)\\\"c\r\n\"@softfail.spf.test", budget(), &o);
    ok(o.result == SPF_RES_SOFTFAIL && o.received_spf &&
           !strpbrk(o.received_spf, "\r\n") &&
           strstr(o.received_spf, "envelope-from=\"\\\"a(b)\\\\\\\"c??\\\"@"),
       "a hostile local part: quoted, no CR/LF (%s)", o.received_spf);
    spf_out_free(&o);
    ok(dns_thread_budget().at == 0, "spf_check leaves the thread's budget as it was");
}

static void test_names(void)
{
    enum spf_result r;
    int i, good = 1;

    for (i = SPF_RES_NONE; i <= SPF_RES_PERMERROR; i++)
        good &= spf_result_parse(spf_result_name((enum spf_result)i), &r) == 0 &&
                r == (enum spf_result)i;
    ok(good, "spf_result_name and spf_result_parse are inverse");
    ok(spf_result_parse("SoftFail", &r) == 0 && r == SPF_RES_SOFTFAIL,
       "spf_result_parse ignores case");
    ok(spf_result_parse("invalid", &r) == -1, "unknown result names: -1");
}

/* 4 threads, one struct spf, the fast cases again and again. */
static void *thr_main(void *arg)
{
    int *bad = arg, k;
    size_t i;

    for (k = 0; k < 10; k++) {
        for (i = 0; i < NCASES; i++) {
            struct spf_out o;

            if (strstr(cases[i].what, "times out"))
                continue;
            spf_check(spf, cases[i].id, cases[i].ip, cases[i].helo,
                      cases[i].sender, budget(), &o);
            *bad += o.result != cases[i].want;
            spf_out_free(&o);
        }
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t id[4];
    int bad[4] = {0}, i, total = 0;
    double t0 = clock_mono();

    for (i = 0; i < 4; i++)
        pthread_create(&id[i], NULL, thr_main, &bad[i]);
    for (i = 0; i < 4; i++) {
        pthread_join(id[i], NULL);
        total += bad[i];
    }
    ok(total == 0, "4 threads x 10 rounds of %d checks on one struct spf: %d "
       "mismatches", (int)NCASES - 2, total);
    diag("threads: %.0f ms", (clock_mono() - t0) * 1000);
}

int main(void)
{
    const char *srv = getenv("SLUICE_DNS_SERVER"), *err = NULL;
    char *v[1] = {(char *)srv};
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, 300, 2};
    struct dns *d = NULL;

    if (srv == NULL || dns_new(&c, &d, &err) < 0 ||
        spf_new(d, RECEIVER, &spf, &err) < 0) {
        printf("Bail out! %s\n", srv ? err : "run me through t/unit/spf.sh");
        return 1;
    }
    {
        struct spf *s2 = NULL;

        ok(spf_new(d, "", &s2, &err) < 0 && s2 == NULL,
           "spf_new refuses an empty receiver name (%s)", err);
    }
    test_cases();
    test_details();
    test_names();
    test_threads();
    spf_free(spf);
    dns_free(d);
    return done_testing();
}
