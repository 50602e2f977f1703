/*
 * dnsxl_test - libcommon/dnsxl.c: postscreen's list syntax, and lookups
 * against a real unbound (run by t/unit/dnsxl.sh; zones bl.test,
 * wl.test, dbl.test, blocked.test, slow.test, fast.test in t/data/dns).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "dnsxl.h"
#include "tap.h"
#include "util.h"

static struct dns *dns_fast, *dns_slow;

static struct dns *dns_make(const char *srv)
{
    char *v[1] = {(char *)srv};
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, 500, 2};
    struct dns *d = NULL;
    const char *err = NULL;

    if (srv == NULL || dns_new(&c, &d, &err) < 0) {
        printf("Bail out! no resolver (run me through t/unit/dnsxl.sh): %s\n",
               err ? err : "no SLUICE_DNS_SERVER");
        exit(1);
    }
    return d;
}

/* A list from a NULL-terminated array of entries; NULL and *err when
 * it does not parse. */
static struct dnsxl *list(const char *const *e, char **err)
{
    struct cfg_list l = {0, (char **)e};
    struct dnsxl *x = NULL;

    while (e[l.n] != NULL)
        l.n++;
    *err = NULL;
    if (dnsxl_parse(&l, &x, err) < 0)
        return NULL;
    return x;
}

static void test_parse(void)
{
    static const struct {
        const char *entry, *error; /* error: NULL when good */
    } c[] = {
        {"bl.test", NULL},
        {"zen.spamhaus.org=127.0.0.[2..11]*3", NULL},
        {"list.dnswl.org=127.0.[0..255].[1..3]*-2", NULL},
        {"bl.test=127.0.0.[2;4;10..11]", NULL},
        {"bl.test*0.5", NULL},
        {"BL.Test.", NULL},
        {"b.example=[1;2].[0..255].0.[0..255]*+7", NULL},
        {"", "no zone"},
        {"=127.0.0.2", "no zone"},
        {"bl.test=", "an empty filter after \"=\""},
        {"bl.test*", "an empty weight after \"*\""},
        {"bl.test*x", "the weight is not a number from -1000 to 1000"},
        {"bl.test*1e9", "the weight is not a number from -1000 to 1000"},
        {"bl.test*2*3", "the weight is not a number from -1000 to 1000"},
        {"bl.test=127.0.0", "the filter needs four octets d.d.d.d"},
        {"bl.test=127.0.0.256",
         "an octet is not a number from 0 to 255 or a [...] list"},
        {"bl.test=127.0.0.0002",
         "an octet is not a number from 0 to 255 or a [...] list"},
        {"bl.test=127.0.0.[2..1]", "a range ends below its start"},
        {"bl.test=127.0.0.[2..300]", "a range end is not a number from 0 to 255"},
        {"bl.test=127.0.0.[2",
         "a [...] list needs \";\" between items and a closing \"]\""},
        {"bl.test=127.0.0.[]", "a [...] item is not a number from 0 to 255"},
        {"bl.test=127.0.0.2.5", "trailing text after the filter's four octets"},
        {"bl.test=127.0.0.2=3", "trailing text after the filter's four octets"},
        {"bl..test", "the zone has an empty label"},
        {".bl.test", "the zone has an empty label"},
        {"bl test", "the zone holds a character that is not a letter, a digit, "
                    "\"-\", \"_\" or \".\""},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.test",
         "a label of the zone is longer than 63"},
    };
    size_t i;

    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        const char *e[2] = {c[i].entry, NULL};
        char *err, *want = NULL;
        struct dnsxl *x = list(e, &err);

        if (c[i].error != NULL)
            want = xasprintf("DNS list entry \"%s\": %s", c[i].entry, c[i].error);
        if (c[i].error == NULL)
            ok(x != NULL && dnsxl_count(x) == 1, "good: %s%s%s", c[i].entry,
               err ? " -- " : "", err ? err : "");
        else
            is_str(err, want, c[i].entry[0] ? c[i].entry : "(empty entry)");
        free(want);
        free(err);
        dnsxl_free(x);
    }
}

static int has_hit(const struct dnsxl_result *r, size_t entry, const char *answer)
{
    size_t i;

    for (i = 0; i < r->nhits; i++)
        if (r->hits[i].entry == entry && !strcmp(r->hits[i].answer, answer))
            return 1;
    return 0;
}

static void test_ip(void)
{
    static const char *const e[] = {
        "bl.test=127.0.0.2*3",          "bl.test=127.0.0.4*2",
        "bl.test=127.0.0.[10..11]*5",   "wl.test=127.0.5.[2..3]*-4",
        "bl.test=127.0.[1..255].[0..255]*100", NULL};
    struct dnsxl_result r;
    char *err;
    struct dnsxl *x = list(e, &err);
    struct deadline b = deadline_in(5000);

    ok(x != NULL && dnsxl_count(x) == 5, "a list of 5 entries over 2 zones");
    dnsxl_query_ip(x, dns_fast, "192.0.2.99", 0, b, &r);
    ok(r.score == 1.0 && r.nhits == 3 && r.ntempfail == 0,
       "192.0.2.99: 127.0.0.2 (3) + 127.0.0.4 (2) + allow list (-4) = 1 (got "
       "%.2f, %zu hits)", r.score, r.nhits);
    ok(has_hit(&r, 0, "127.0.0.2") && has_hit(&r, 1, "127.0.0.4") &&
           has_hit(&r, 3, "127.0.5.2") && !has_hit(&r, 2, "127.0.0.2"),
       "... each hit names its entry and answer; the filters kept the rest out");
    ok(r.nhits > 0 && !strcmp(r.hits[0].name, "99.2.0.192.bl.test") &&
           !strcmp(r.hits[0].zone, "bl.test") && r.hits[0].txt == NULL,
       "... the name queried and the zone; no TXT unless asked");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "192.0.2.98", 0, b, &r);
    ok(r.score == 5 && r.nhits == 1 && has_hit(&r, 2, "127.0.0.10"),
       "192.0.2.98: a range [10..11] matches 127.0.0.10");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "192.0.2.97", 0, b, &r);
    ok(r.score == -4 && r.nhits == 1, "192.0.2.97: only the allow list, -4");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "192.0.2.1", 0, b, &r);
    ok(r.score == 0 && r.nhits == 0 && r.ntempfail == 0 && !r.tempfail_zone,
       "192.0.2.1: listed nowhere");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "::ffff:192.0.2.98", 0, b, &r);
    ok(r.score == 5, "an IPv4-mapped IPv6 client is looked up as IPv4");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "not-an-ip", 0, b, &r);
    ok(r.nhits == 0 && r.ntempfail == 0, "not an address: nothing asked");
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "192.0.2.99", 1, b, &r);
    ok(r.nhits == 3 && r.hits[0].txt &&
           strstr(r.hits[0].txt, "listed: spam source") &&
           strstr(r.hits[0].txt, "listed: exploited host"),
       "with TXT: both TXT records of the listing (%s)",
       r.nhits && r.hits[0].txt ? r.hits[0].txt : "-");
    ok(r.nhits == 3 && has_hit(&r, 3, "127.0.5.2") && r.hits[2].txt == NULL,
       "... and none for a listing without TXT");
    dnsxl_result_free(&r);
    dnsxl_free(x);
}

static void test_ipv6_and_failures(void)
{
    static const char *const e[] = {"bl.test", "x.timeout.test*7",
                                    "x.servfail.test", "blocked.test*9", NULL};
    struct dnsxl_result r;
    char *err;
    struct dnsxl *x = list(e, &err);
    double t0 = clock_mono(), t;

    dnsxl_query_ip(x, dns_fast, "2001:db8::99", 1, deadline_in(5000), &r);
    t = clock_mono() - t0;
    ok(r.nhits == 1 && !strcmp(r.hits[0].answer, "127.0.0.3") &&
           !strncmp(r.hits[0].name, "9.9.0.0.0", 9) && r.hits[0].txt &&
           !strcmp(r.hits[0].txt, "v6 listing"),
       "IPv6 client: nibble name, 127.0.0.3, TXT \"v6 listing\"");
    ok(r.ntempfail == 3 && r.tempfail_zone &&
           !strcmp(r.tempfail_zone, "x.timeout.test"),
       "timeout, SERVFAIL and a 127.255.255.254 answer are 3 tempfails; the "
       "first is named (%zu, %s)", r.ntempfail, r.tempfail_zone ? r.tempfail_zone : "-");
    ok(r.score == 1, "a tempfail zone adds nothing to the score (%.2f)", r.score);
    ok(t < 1.0 + 0.5 + 0.5, "the timeout costs timeout x tries once (%.3f s)", t);
    dnsxl_result_free(&r);
    dnsxl_query_ip(x, dns_fast, "192.0.2.1", 0, deadline_in(200), &r);
    ok(r.nhits == 0 && r.ntempfail == 3,
       "a 200 ms budget: the dropped zone is a tempfail, never \"not listed\"");
    dnsxl_result_free(&r);
    dnsxl_free(x);
}

static void test_names(void)
{
    static const char *const e[] = {"dbl.test=127.0.1.2*4",
                                    "dbl.test=127.0.1.[2..5]", NULL};
    const char *names[] = {"evil.example", "EVIL.example.", "phish.example",
                           "good.example", "bad..name", "", "x y.example"};
    struct dnsxl_result r;
    char *err;
    struct dnsxl *x = list(e, &err);

    dnsxl_query_names(x, dns_fast, names, 7, 1, deadline_in(5000), &r);
    ok(r.score == 5 && r.ntempfail == 0,
       "names: evil.example (4 + 1) and phish.example (entry 2, counted once): "
       "score 5 (got %.2f)", r.score);
    ok(r.nhits == 3 && has_hit(&r, 0, "127.0.1.2") && has_hit(&r, 1, "127.0.1.5"),
       "... 3 hits: the same name twice is asked once (%zu)", r.nhits);
    ok(r.nhits > 0 && !strcmp(r.hits[0].name, "evil.example.dbl.test") &&
           r.hits[0].txt && !strcmp(r.hits[0].txt, "evil.example is a spam domain"),
       "... name and TXT of the hit");
    dnsxl_result_free(&r);
    dnsxl_query_names(x, dns_fast, names, 0, 0, deadline_in(5000), &r);
    ok(r.nhits == 0 && r.score == 0, "no names: nothing");
    dnsxl_result_free(&r);
    dnsxl_free(x);
}

static void test_parallel(void)
{
    static const char *const all_slow[] = {
        "z1.slow.test", "z2.slow.test", "z3.slow.test", "z4.slow.test",
        "z5.slow.test", "z6.slow.test", "z7.slow.test", "z8.slow.test", NULL};
    static const char *const one_slow[] = {
        "z1.fast.test", "z2.fast.test", "z3.fast.test", "z4.fast.test",
        "z5.fast.test", "z6.fast.test", "z7.fast.test", "z8.slow.test", NULL};
    struct dnsxl_result r;
    char *err;
    struct dnsxl *x = list(all_slow, &err);
    double t0 = clock_mono(), t;

    dnsxl_query_ip(x, dns_slow, "192.0.2.99", 0, deadline_in(5000), &r);
    t = clock_mono() - t0;
    ok(r.nhits == 8 && r.score == 8, "8 zones that answer after 300 ms: 8 hits");
    ok(t >= 0.29 && t < 1.0, "... in %.3f s, not 8 x 300 ms", t);
    diag("8 zones x 300 ms, queried at once: %.0f ms", t * 1000);
    dnsxl_result_free(&r);
    dnsxl_free(x);

    x = list(one_slow, &err);
    t0 = clock_mono();
    dnsxl_query_ip(x, dns_slow, "192.0.2.99", 1, deadline_in(5000), &r);
    t = clock_mono() - t0;
    ok(r.nhits == 8 && r.nhits && r.hits[7].txt != NULL,
       "7 fast zones and 1 slow one, with TXT: 8 hits, the slow one's TXT too");
    ok(t < 1.0, "... the slow zone costs two rounds of 300 ms, once: %.3f s", t);
    diag("7 fast + 1 slow zone, A then TXT: %.0f ms", t * 1000);
    dnsxl_result_free(&r);
    dnsxl_free(x);
}

int main(void)
{
    dns_fast = dns_make(getenv("SLUICE_DNS_SERVER"));
    dns_slow = dns_make(getenv("SLUICE_DNS_SLOW_SERVER"));
    test_parse();
    test_ip();
    test_ipv6_and_failures();
    test_names();
    test_parallel();
    dns_free(dns_fast);
    dns_free(dns_slow);
    return done_testing();
}
