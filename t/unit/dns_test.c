/*
 * dns_test - libcommon/dns.c against a real unbound (run by t/unit/dns.sh,
 * which starts it with the zones of t/data/dns; see t/lib/dnstest.sh).
 *
 * Every outcome of dns.h on real answers: records and TTLs of each
 * type, NXDOMAIN vs NODATA with the negative TTL, SERVFAIL, REFUSED,
 * a dropped query (timeout within timeout x tries, or within a smaller
 * budget), parallel lookups to a zone that answers after 300 ms, the
 * raw interface, hostile messages to the parser, reverse names, and
 * several threads on one struct dns.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"
#include "dns_int.h"
#include "tap.h"
#include "util.h"

static const char *server, *slow_server;

static struct dns *dns_make(const char *srv, long long timeout_ms, int tries)
{
    char *v[1] = {(char *)srv};
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, timeout_ms, tries};
    struct dns *d = NULL;
    const char *err = NULL;

    if (dns_new(&c, &d, &err) < 0) {
        printf("Bail out! dns_new(%s): %s\n", srv, err);
        exit(1);
    }
    return d;
}

static struct deadline none(void)
{
    struct deadline d = {0};

    return d;
}

static void test_conf(void)
{
    char *bad[] = {"not-an-address:53"}, *two[] = {"127.0.0.1:53", "[::1]:53"};
    char *blank[] = {"127.0.0.1 53"};
    struct cfg_list lb = {1, bad}, l2 = {2, two}, lbl = {1, blank};
    struct dns_conf c = {&lb, 500, 2};
    struct dns *d = NULL;
    const char *err = NULL;
    int r;


    r = dns_new(&c, &d, &err);
    ok(r < 0 && err && strstr(err, "dns_servers"),
       "a server that is not an address is refused (%s)", err ? err : "");
    c.servers = &lbl;
    err = NULL;
    ok(dns_new(&c, &d, &err) < 0 && err != NULL,
       "a server entry with a blank is refused");
    c.servers = &l2;
    ok(dns_new(&c, &d, &err) == 0, "IPv4 and [IPv6]:port servers accepted");
    dns_free(d);
    c.servers = NULL;
    d = NULL;
    ok(dns_new(&c, &d, &err) == 0 && d != NULL,
       "no servers: the system's configuration (not queried here)");
    dns_free(d);
    c.timeout_ms = 0;
    ok(dns_new(&c, &d, &err) < 0, "timeout 0 is refused");
}

static void test_records(struct dns *d)
{
    struct dns_answer a;
    int i, found;

    is_int(dns_lookup(d, "host.dns.test", DNS_T_A, none(), &a), DNS_OK, "A: ok");
    ok(a.n == 2 && a.ttl == 600 && a.rr[0].ttl == 600, "A: 2 records, TTL 600");
    found = 0;
    for (i = 0; i < (int)a.n; i++)
        found += strcmp(a.rr[i].text, "192.0.2.10") == 0 &&
                 memcmp(a.rr[i].addr, "\xc0\x00\x02\x0a", 4) == 0;
    ok(found == 1, "A: 192.0.2.10 as text and as bytes");
    dns_answer_free(&a);

    dns_lookup(d, "host.dns.test", DNS_T_AAAA, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 && a.ttl == 200 &&
           strcmp(a.rr[0].text, "2001:db8::10") == 0 && a.rr[0].addr[15] == 0x10,
       "AAAA: 2001:db8::10, TTL 200");
    dns_answer_free(&a);

    dns_lookup(d, "dns.test", DNS_T_MX, none(), &a);
    found = 0;
    for (i = 0; i < (int)a.n; i++)
        found += (a.rr[i].pref == 10 && !strcmp(a.rr[i].text, "mx1.dns.test")) +
                 (a.rr[i].pref == 20 && !strcmp(a.rr[i].text, "mx2.dns.test"));
    ok(a.status == DNS_OK && a.n == 2 && found == 2,
       "MX: 10 mx1.dns.test and 20 mx2.dns.test (no trailing dot)");
    dns_answer_free(&a);

    dns_lookup(d, "txt.dns.test", DNS_T_TXT, none(), &a);
    found = 0;
    for (i = 0; i < (int)a.n; i++)
        found += !strcmp(a.rr[i].text, "v=spf1 ip4:192.0.2.0/24 -all") +
                 !strcmp(a.rr[i].text, "second record");
    ok(a.status == DNS_OK && a.n == 2 && found == 2 && a.ttl == 250,
       "TXT: a 3-string record concatenated, and a second record, TTL 250");
    dns_answer_free(&a);

    dns_lookup(d, "long.dns.test", DNS_T_TXT, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 && a.rr[0].len == 260 &&
           strlen(a.rr[0].text) == 260 && !strcmp(a.rr[0].text + 255, "bbbbb"),
       "TXT: a 255-byte string and a 5-byte one make 260 bytes");
    dns_answer_free(&a);

    dns_lookup(d, "big.dns.test", DNS_T_TXT, none(), &a);
    ok(a.status == DNS_OK && a.n == 10,
       "TXT: a 700-byte answer (truncated over UDP, then TCP) has all 10 records");
    dns_answer_free(&a);

    dns_lookup(d, "alias.dns.test", DNS_T_A, none(), &a);
    ok(a.status == DNS_OK && a.n == 2 && a.rr[0].type == DNS_T_A,
       "A through a CNAME: the target's records only");
    dns_answer_free(&a);
    dns_lookup(d, "alias.dns.test", DNS_T_CNAME, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 && !strcmp(a.rr[0].text, "host.dns.test") &&
           a.ttl == 120,
       "CNAME: host.dns.test, TTL 120");
    dns_answer_free(&a);

    dns_lookup(d, "dns.test", DNS_T_SOA, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 &&
           !strcmp(a.rr[0].text,
                   "ns.dns.test hostmaster.dns.test 1 3600 600 86400 120"),
       "SOA as text (names without the trailing dot)");
    dns_answer_free(&a);
}

static void test_ptr(struct dns *d)
{
    struct dns_answer a;
    char *n = dns_reverse_name("192.0.2.10", NULL);

    dns_lookup(d, n, DNS_T_PTR, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 && !strcmp(a.rr[0].text, "host.dns.test"),
       "PTR of 192.0.2.10: host.dns.test");
    dns_answer_free(&a);
    free(n);
    n = dns_reverse_name("2001:db8::10", NULL);
    dns_lookup(d, n, DNS_T_PTR, none(), &a);
    ok(a.status == DNS_OK && a.n == 1 && !strcmp(a.rr[0].text, "host.dns.test"),
       "PTR of 2001:db8::10: host.dns.test");
    dns_answer_free(&a);
    free(n);
}

static void test_negative(struct dns *d)
{
    struct dns_answer a;

    dns_lookup(d, "nothere.dns.test", DNS_T_A, none(), &a);
    ok(a.status == DNS_NXDOMAIN && a.n == 0 && a.ttl == 120,
       "NXDOMAIN, negative TTL 120 from the SOA (got %s, %u)",
       dns_status_name(a.status), a.ttl);
    dns_answer_free(&a);
    dns_lookup(d, "nodata.dns.test", DNS_T_TXT, none(), &a);
    ok(a.status == DNS_NODATA && a.n == 0 && a.ttl == 120,
       "NODATA (the name has only an A record), negative TTL 120 (got %s)",
       dns_status_name(a.status));
    dns_answer_free(&a);
    dns_lookup(d, "nodata.dns.test", DNS_T_MX, none(), &a);
    ok(a.status == DNS_NODATA, "NODATA for MX too");
    dns_answer_free(&a);
    dns_lookup(d, "x.servfail.test", DNS_T_A, none(), &a);
    ok(a.status == DNS_TEMPFAIL && a.error && !strcmp(a.error, "SERVFAIL"),
       "SERVFAIL is TEMPFAIL \"SERVFAIL\" (got %s)", a.error ? a.error : "-");
    dns_answer_free(&a);
    dns_lookup(d, "x.refused.test", DNS_T_A, none(), &a);
    ok(a.status == DNS_TEMPFAIL && a.error && !strcmp(a.error, "REFUSED"),
       "REFUSED is TEMPFAIL \"REFUSED\"");
    dns_answer_free(&a);
    dns_lookup(d, "example.com", DNS_T_A, none(), &a);
    ok(a.status == DNS_TEMPFAIL, "a name the server does not serve: TEMPFAIL");
    dns_answer_free(&a);
    dns_lookup(d, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.dns.test",
               DNS_T_A, none(), &a);
    ok(a.status == DNS_NXDOMAIN && a.error && !strcmp(a.error, "invalid domain name"),
       "a 64-byte label: NXDOMAIN \"invalid domain name\", nothing asked");
    dns_answer_free(&a);
}

static void test_timeouts(void)
{
    struct dns *d = dns_make(server, 200, 2);
    struct dns_answer a;
    double t0, t;

    t0 = clock_mono();
    dns_lookup(d, "x.timeout.test", DNS_T_A, none(), &a);
    t = clock_mono() - t0;
    ok(a.status == DNS_TEMPFAIL && a.error && !strcmp(a.error, "timeout"),
       "a dropped query: TEMPFAIL \"timeout\" (got %s)", a.error ? a.error : "-");
    ok(t >= 0.35 && t < 0.4 + 0.5,
       "within timeout x tries (200 ms x 2): %.3f s", t);
    dns_answer_free(&a);

    t0 = clock_mono();
    dns_lookup(d, "x.timeout.test", DNS_T_A, deadline_in(150), &a);
    t = clock_mono() - t0;
    ok(a.status == DNS_TEMPFAIL && a.error && !strcmp(a.error, "DNS budget exhausted"),
       "a budget smaller than timeout x tries: \"DNS budget exhausted\" (got %s)",
       a.error ? a.error : "-");
    ok(t >= 0.14 && t < 0.15 + 0.3, "within the 150 ms budget: %.3f s", t);
    dns_answer_free(&a);

    t0 = clock_mono();
    dns_lookup(d, "host.dns.test", DNS_T_A, deadline_in(0), &a);
    t = clock_mono() - t0;
    ok(a.status == DNS_TEMPFAIL && a.error && !strcmp(a.error, "DNS budget exhausted") &&
           t < 0.05,
       "an exhausted budget: TEMPFAIL at once, nothing asked (%.3f s)", t);
    dns_answer_free(&a);
    dns_free(d);

    d = dns_make("127.0.0.1:9", 200, 2);
    t0 = clock_mono();
    dns_lookup(d, "host.dns.test", DNS_T_A, none(), &a);
    t = clock_mono() - t0;
    ok(a.status == DNS_TEMPFAIL && t < 1.0,
       "no server listening: TEMPFAIL \"%s\" in %.3f s", a.error ? a.error : "-", t);
    dns_answer_free(&a);
    dns_free(d);
}

static void test_parallel(void)
{
    struct dns *d = dns_make(slow_server, 2000, 1);
    struct dns_batch *b = dns_batch_new(d, deadline_in(5000));
    size_t idx[10];
    char name[64];
    double t0, t;
    int i, okc = 0;

    t0 = clock_mono();
    for (i = 0; i < 10; i++) {
        snprintf(name, sizeof name, "q%d.slow.test", i);
        idx[i] = dns_batch_add(b, name, DNS_T_A);
    }
    dns_batch_wait(b);
    t = clock_mono() - t0;
    for (i = 0; i < 10; i++)
        okc += dns_batch_get(b, idx[i])->status == DNS_OK;
    ok(okc == 10, "10 lookups to a zone that answers after 300 ms: all answered");
    ok(t >= 0.29 && t < 1.0, "... together in %.3f s (< 1 s; one at a time: 3 s)", t);
    diag("10 parallel lookups, 300 ms each: %.0f ms", t * 1000);
    dns_batch_free(b);

    /* one batch, every outcome at once */
    b = dns_batch_new(d, deadline_in(800));
    idx[0] = dns_batch_add(b, "host.dns.test", DNS_T_A);
    idx[1] = dns_batch_add(b, "nothere.dns.test", DNS_T_A);
    idx[2] = dns_batch_add(b, "x.servfail.test", DNS_T_A);
    idx[3] = dns_batch_add(b, "x.timeout.test", DNS_T_A);
    idx[4] = dns_batch_add(b, "a.slow.test", DNS_T_A);
    t0 = clock_mono();
    dns_batch_wait(b);
    t = clock_mono() - t0;
    ok(dns_batch_get(b, idx[0])->status == DNS_OK &&
           dns_batch_get(b, idx[1])->status == DNS_NXDOMAIN &&
           dns_batch_get(b, idx[2])->status == DNS_TEMPFAIL &&
           dns_batch_get(b, idx[4])->status == DNS_OK,
       "one batch: ok, NXDOMAIN, SERVFAIL and a slow answer each get their own");
    ok(dns_batch_get(b, idx[3])->status == DNS_TEMPFAIL &&
           !strcmp(dns_batch_get(b, idx[3])->error, "DNS budget exhausted") &&
           t < 0.8 + 0.3,
       "... and the dropped one ends with the 800 ms budget (%.3f s)", t);
    ok(dns_batch_get(b, 99) == NULL, "dns_batch_get past the end: NULL");
    dns_batch_free(b);
    dns_free(d);
}

static void test_raw(struct dns *d)
{
    unsigned char buf[4096];
    size_t len = 0;
    enum dns_status st;
    struct dns_answer a;
    int r;

    r = dns_query_raw(d, "txt.dns.test", DNS_T_TXT, none(), buf, sizeof buf, &len,
                      &st);
    ok(r == 0 && st == DNS_OK && len > 12, "raw: TXT answer, %zu bytes", len);
    dns_parse_answer(buf, len, DNS_T_TXT, &a);
    ok(a.status == DNS_OK && a.n == 2, "raw: the bytes parse to the same 2 records");
    dns_answer_free(&a);
    ok(dns_query_raw(d, "nothere.dns.test", DNS_T_TXT, none(), buf, sizeof buf, &len,
                     &st) == 0 && st == DNS_NXDOMAIN && (buf[3] & 0xf) == 3,
       "raw: NXDOMAIN comes back as a message with RCODE 3");
    ok(dns_query_raw(d, "x.servfail.test", DNS_T_TXT, none(), buf, sizeof buf, &len,
                     &st) == -1 && st == DNS_TEMPFAIL,
       "raw: SERVFAIL is -1, TEMPFAIL");
    ok(dns_query_raw(d, "txt.dns.test", DNS_T_TXT, none(), buf, 20, &len, &st) == -1 &&
           st == DNS_TEMPFAIL,
       "raw: a buffer too small is -1");
}

/* Hand-made messages: the header, the question "a.", then the answer. */
static size_t msg_make(unsigned char *m, int rcode, const unsigned char *an,
                       size_t anlen, int ancount)
{
    static const unsigned char hq[] = {0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0,
                                       1, 'a', 0, 0, 16, 0, 1};

    memcpy(m, hq, sizeof hq);
    m[3] = (unsigned char)(0x80 | rcode);
    m[7] = (unsigned char)ancount;
    if (anlen > 0)
        memcpy(m + sizeof hq, an, anlen);
    return sizeof hq + anlen;
}

static void test_parser(void)
{
    /* name (pointer to "a."), TXT, IN, TTL 60, RDLEN, RDATA */
    static const unsigned char txt_bad[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60,
                                            0, 4, 9, 'a', 'b', 'c'};
    static const unsigned char txt_ok[] = {0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60,
                                           0, 7, 2, 'a', 'b', 3, 'c', 0, 'd'};
    static const unsigned char a_bad[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60,
                                          0, 3, 1, 2, 3};
    static const unsigned char loop[] = {0xc0, 19, 0, 12, 0, 1, 0, 0, 0, 60,
                                         0, 2, 0xc0, 31};
    unsigned char m[512];
    struct dns_answer a;
    size_t n;

    n = msg_make(m, 0, txt_bad, sizeof txt_bad, 1);
    dns_parse_answer(m, n, DNS_T_TXT, &a);
    ok(a.status == DNS_TEMPFAIL && !strcmp(a.error, "malformed answer"),
       "a TXT string longer than its record: malformed answer");
    n = msg_make(m, 0, txt_ok, sizeof txt_ok, 1);
    dns_parse_answer(m, n, DNS_T_TXT, &a);
    ok(a.status == DNS_OK && a.n == 1 && a.rr[0].len == 5 &&
           !memcmp(a.rr[0].text, "abc\0d", 5),
       "TXT with a NUL byte: len counts it");
    dns_answer_free(&a);
    n = msg_make(m, 0, a_bad, sizeof a_bad, 1);
    dns_parse_answer(m, n, DNS_T_A, &a);
    ok(a.status == DNS_TEMPFAIL, "an A record of 3 bytes: malformed answer");
    n = msg_make(m, 0, loop, sizeof loop, 1);
    dns_parse_answer(m, n, DNS_T_PTR, &a);
    ok(a.status == DNS_TEMPFAIL, "a PTR whose name points at itself: malformed");
    n = msg_make(m, 0, txt_ok, sizeof txt_ok, 3);
    dns_parse_answer(m, n, DNS_T_TXT, &a);
    ok(a.status == DNS_TEMPFAIL, "ANCOUNT larger than the records sent: malformed");
    n = msg_make(m, 0, txt_ok, 0, 0);
    dns_parse_answer(m, 5, DNS_T_TXT, &a);
    ok(a.status == DNS_TEMPFAIL, "5 bytes: malformed");
    dns_parse_answer(m, n, DNS_T_TXT, &a);
    ok(a.status == DNS_NODATA && a.ttl == 0, "no answer, no SOA: NODATA, TTL 0");
    n = msg_make(m, 4, NULL, 0, 0);
    dns_parse_answer(m, n, DNS_T_TXT, &a);
    ok(a.status == DNS_TEMPFAIL && !strcmp(a.error, "NOTIMP"), "RCODE 4: NOTIMP");
}

static void test_reverse(void)
{
    struct {
        const char *ip, *zone, *want;
    } c[] = {
        {"192.0.2.1", NULL, "1.2.0.192.in-addr.arpa"},
        {"192.0.2.1", "zen.example", "1.2.0.192.zen.example"},
        {"192.0.2.1", "zen.example.", "1.2.0.192.zen.example"},
        {"10.0.0.255", "", "255.0.0.10"},
        {"2001:db8::1", NULL,
         "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
        {"2001:DB8::abcd", "bl.example",
         "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.example"},
        {"::ffff:192.0.2.1", "x",
         "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.x"},
        {"192.0.2", NULL, NULL},
        {"192.0.2.256", NULL, NULL},
        {"example.com", NULL, NULL},
        {"", NULL, NULL},
    };
    size_t i;
    char name[160];

    for (i = 0; i < sizeof c / sizeof c[0]; i++) {
        char *r = dns_reverse_name(c[i].ip, c[i].zone);

        snprintf(name, sizeof name, "dns_reverse_name(\"%s\", %s%s%s)", c[i].ip,
                 c[i].zone ? "\"" : "", c[i].zone ? c[i].zone : "NULL",
                 c[i].zone ? "\"" : "");
        is_str(r, c[i].want, name);
        free(r);
    }
}

/* Several threads, one struct dns: every answer must be the right one. */
struct thr {
    struct dns *d;
    int bad, done;
};

static void *thr_main(void *arg)
{
    struct thr *t = arg;
    int i;

    for (i = 0; i < 40; i++) {
        struct dns_batch *b = dns_batch_new(t->d, deadline_in(5000));
        size_t x = dns_batch_add(b, "host.dns.test", DNS_T_AAAA);
        size_t y = dns_batch_add(b, "mx1.dns.test", DNS_T_A);
        size_t z = dns_batch_add(b, "nothere.dns.test", DNS_T_TXT);
        const struct dns_answer *a;

        dns_batch_wait(b);
        a = dns_batch_get(b, x);
        t->bad += !(a->status == DNS_OK && !strcmp(a->rr[0].text, "2001:db8::10"));
        a = dns_batch_get(b, y);
        t->bad += !(a->status == DNS_OK && !strcmp(a->rr[0].text, "192.0.2.21"));
        t->bad += dns_batch_get(b, z)->status != DNS_NXDOMAIN;
        t->done++;
        dns_batch_free(b);
    }
    return NULL;
}

static void test_threads(struct dns *d)
{
    struct thr t[4];
    pthread_t id[4];
    int i, bad = 0, done = 0;
    double t0 = clock_mono();

    for (i = 0; i < 4; i++) {
        t[i].d = d;
        t[i].bad = t[i].done = 0;
        pthread_create(&id[i], NULL, thr_main, &t[i]);
    }
    for (i = 0; i < 4; i++) {
        pthread_join(id[i], NULL);
        bad += t[i].bad;
        done += t[i].done;
    }
    ok(done == 160 && bad == 0,
       "4 threads x 40 batches of 3 lookups on one struct dns: %d wrong", bad);
    diag("480 lookups in 4 threads: %.0f ms", (clock_mono() - t0) * 1000);
}

/* The cost of one lookup on a warm pool (the channel is reused). */
static void test_cost(struct dns *d)
{
    struct dns_answer a;
    double t0 = clock_mono();
    int i, good = 0;

    for (i = 0; i < 200; i++) {
        good += dns_lookup(d, "host.dns.test", DNS_T_A, none(), &a) == DNS_OK;
        dns_answer_free(&a);
    }
    ok(good == 200, "200 lookups one after another: all answered");
    diag("one lookup after another (pooled channel): %.0f us each",
         (clock_mono() - t0) / 200 * 1e6);
}

static void test_thread_budget(void)
{
    struct deadline b = deadline_in(1000);

    ok(dns_thread_budget().at == 0, "the thread budget starts unset");
    dns_thread_budget_set(b);
    ok(dns_thread_budget().at == b.at, "dns_thread_budget_set sets it");
    dns_thread_budget_set(none());
    is_str(dns_status_name(DNS_NODATA), "nodata", "dns_status_name");
}

int main(void)
{
    struct dns *d;

    server = getenv("SLUICE_DNS_SERVER");
    slow_server = getenv("SLUICE_DNS_SLOW_SERVER");
    if (server == NULL || slow_server == NULL) {
        printf("Bail out! run me through t/unit/dns.sh (no SLUICE_DNS_SERVER)\n");
        return 1;
    }
    d = dns_make(server, 1000, 2);
    test_conf();
    test_records(d);
    test_ptr(d);
    test_negative(d);
    test_raw(d);
    test_timeouts();
    test_parallel();
    test_parser();
    test_reverse();
    test_threads(d);
    test_cost(d);
    test_thread_budget();
    dns_free(d);
    return done_testing();
}
