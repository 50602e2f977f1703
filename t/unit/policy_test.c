/*
 * policy_test - sluice-policy's decisions as plain functions: access
 * values, relaying, HELO, the sender-domain verdict, SPF overrides,
 * explicit replies, the DNSBL threshold, Authentication-Results.  DMARC:
 * policy_dmarc_test.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "inside.h"
#include "policy.h"
#include "../tap.h"
#include "util.h"

static void test_access(void)
{
    static const struct {
        const char *v;
        int rc;
        enum access_kind k;
        const char *text, *code;
    } c[] = {
        {"OK", 0, ACCESS_OK, "", ""},
        {"ok", 0, ACCESS_OK, "", ""},
        {"DUNNO", 0, ACCESS_NONE, "", ""},
        {"REJECT", 0, ACCESS_REJECT, "", ""},
        {"REJECT Go away, spammer", 0, ACCESS_REJECT, "Go away, spammer", ""},
        {"TEMPFAIL busy", 0, ACCESS_TEMPFAIL, "busy", ""},
        {"DEFER", 0, ACCESS_TEMPFAIL, "", ""},
        {"SCORE 2.5", 0, ACCESS_SCORE, "", ""},
        {"SCORE x", -1, ACCESS_NONE, "", ""},
        {"550 5.7.1 Access denied", 0, ACCESS_REJECT, "Access denied", "550"},
        {"454 4.7.1 later", 0, ACCESS_TEMPFAIL, "later", "454"},
        {"OKAY", -1, ACCESS_NONE, "", ""},
        {"PERMIT", -1, ACCESS_NONE, "", ""},
    };
    struct access_value v;
    size_t i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        int rc = access_parse(c[i].v, &v);

        ok(rc == c[i].rc && (rc < 0 || (v.kind == c[i].k &&
                                        strcmp(v.text, c[i].text) == 0 &&
                                        strcmp(v.code, c[i].code) == 0)),
           "access value \"%s\"", c[i].v);
    }
    access_parse("SCORE -3", &v);
    ok(v.score == -3, "SCORE -3 gives -3");
}

static struct cfg *load_conf(const char *text, char *path)
{
    const struct cfg_section *secs[] = {&common_section, &policy_section};
    struct cfg_errors e = {0};
    struct cfg *c;
    FILE *f;

    snprintf(path, 64, "/tmp/policy_test.XXXXXX");
    close(mkstemp(path));
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    c = cfg_load(path, secs, 2, NULL, &e);
    for (size_t i = 0; i < e.n; i++)
        diag("%s", e.v[i]);
    cfg_errors_free(&e);
    unlink(path);
    return c;
}

static void test_relay(void)
{
    char path[64];
    struct cfg *c = load_conf("[common]\nlocal_domains = rcpt.test\n"
                              "internal_networks = 127.0.0.0/8 10.1.0.0/16\n",
                              path);
    struct cfg_errors e = {0};
    struct inside *in = NULL;

    if (!ok(c != NULL && inside_new(c, &in, &e) == 0, "config for relay tests")) {
        cfg_errors_free(&e);
        return;
    }
    ok(!relay_denied(in, "192.0.2.7", NULL, "bob@rcpt.test"), "local rcpt ok");
    ok(!relay_denied(in, "192.0.2.7", NULL, "bob@sub.rcpt.test"),
       "subdomain of a local domain ok");
    ok(relay_denied(in, "192.0.2.7", NULL, "bob@elsewhere.example"),
       "foreign rcpt from outside: denied");
    ok(relay_denied(in, "192.0.2.7", "", "bob@elsewhere.example"),
       "empty auth user is not authenticated");
    ok(!relay_denied(in, "192.0.2.7", "alice", "bob@elsewhere.example"),
       "authenticated client may relay");
    ok(!relay_denied(in, "10.1.2.3", NULL, "bob@elsewhere.example"),
       "internal client may relay");
    ok(relay_denied(in, "", NULL, "bob@elsewhere.example"),
       "unknown client may not relay");
    inside_free(in);
    cfg_release(c);
}

static void test_helo(void)
{
    static const struct {
        const char *helo, *client;
        int not_fqdn, is_us, bad_ip;
    } c[] = {
        {"mail.example.net", "192.0.2.7", 0, 0, 0},
        {"localhost", "192.0.2.7", 1, 0, 0},
        {"mx.rcpt.test", "192.0.2.7", 0, 1, 0},
        {"MX.RCPT.TEST", "192.0.2.7", 0, 1, 0},
        {"[192.0.2.7]", "192.0.2.7", 0, 0, 0},
        {"[192.0.2.8]", "192.0.2.7", 0, 0, 1},
        {"[198.51.100.25]", "192.0.2.7", 0, 1, 0},
        {"192.0.2.7", "192.0.2.7", 1, 0, 0},
        {"203.0.113.9", "192.0.2.7", 1, 0, 1},
        {"[IPv6:2001:db8::1]", "2001:db8::1", 0, 0, 0},
        {"ex_ample.test", "192.0.2.7", 0, 0, 0},
        {"-bad.example", "192.0.2.7", 1, 0, 0},
        {"a..b", "192.0.2.7", 1, 0, 0},
        {"host.123", "192.0.2.7", 1, 0, 0},
    };
    struct helo_findings f;
    size_t i;

    for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        helo_examine(c[i].helo, c[i].client, "mx.rcpt.test", "198.51.100.25",
                     &f);
        ok(f.not_fqdn == c[i].not_fqdn && f.is_us == c[i].is_us &&
               f.bad_ip == c[i].bad_ip,
           "HELO %s from %s: not_fqdn=%d is_us=%d bad_ip=%d", c[i].helo,
           c[i].client, f.not_fqdn, f.is_us, f.bad_ip);
    }
}

static struct dns_answer ans(enum dns_status st, const char *mx)
{
    static struct dns_rr rr[4];
    static int k;
    struct dns_answer a = {st, st == DNS_TEMPFAIL ? "timeout" : NULL, 0, 0, NULL};

    if (st == DNS_OK) {
        k = (k + 1) % 4;
        memset(&rr[k], 0, sizeof(rr[k]));
        rr[k].text = (char *)(mx ? mx : "192.0.2.1");
        a.n = 1;
        a.rr = &rr[k];
    }
    return a;
}

static void test_sender(void)
{
    struct dns_answer mx, a, a6;
    const char *why = "";

    mx = ans(DNS_OK, "mx.example.net"), a = ans(DNS_NXDOMAIN, 0), a6 = a;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_OK, "MX: ok");
    mx = ans(DNS_NODATA, 0), a = ans(DNS_OK, 0), a6 = ans(DNS_NODATA, 0);
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_OK, "A only: ok");
    mx = ans(DNS_NXDOMAIN, 0), a = mx, a6 = mx;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_NXDOMAIN, "NXDOMAIN");
    mx = ans(DNS_NODATA, 0), a = mx, a6 = mx;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_NXDOMAIN,
       "no MX, A or AAAA");
    mx = ans(DNS_OK, ""), a = ans(DNS_OK, 0), a6 = ans(DNS_NODATA, 0);
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_NULLMX, "null MX");
    mx = ans(DNS_TEMPFAIL, 0), a = ans(DNS_NXDOMAIN, 0), a6 = a;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_TEMPFAIL,
       "MX timeout and no address: tempfail, never NXDOMAIN");
    mx = ans(DNS_NXDOMAIN, 0), a = ans(DNS_TEMPFAIL, 0), a6 = mx;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_TEMPFAIL,
       "A timeout: tempfail");
    mx = ans(DNS_TEMPFAIL, 0), a = ans(DNS_OK, 0), a6 = mx;
    ok(sender_domain_judge(&mx, &a, &a6, &why) == SENDER_OK,
       "an address answers even when MX failed");
}

static void test_spf_override(void)
{
    struct spf_decision d;

    memset(&d, 0, sizeof(d));
    ok(spf_override_parse("neutral=ERROR:\"550 AOL mail must get SPF PASS\"",
                          SPF_RES_NEUTRAL, &d) == 1 &&
           d.act == POLICY_REJECT &&
           strcmp(d.text, "550 AOL mail must get SPF PASS") == 0,
       "override with an explicit reply");
    ok(spf_override_parse("neutral=ERROR:\"550 x\" temperror=accept",
                          SPF_RES_TEMPERROR, &d) == 1 &&
           d.act == POLICY_ACCEPT,
       "per-domain temperror policy");
    ok(spf_override_parse("fail=tag", SPF_RES_SOFTFAIL, &d) == 0,
       "an override for another result does not apply");
    ok(spf_override_parse("fail=bounce", SPF_RES_FAIL, &d) < 0,
       "unknown action is an error");
    ok(spf_override_parse("neutral=ERROR:\"550 x", SPF_RES_NEUTRAL, &d) < 0,
       "unbalanced quote is an error");
    ok(spf_override_parse("fail=ERROR:\"451 4.7.1 later\"", SPF_RES_FAIL, &d) ==
               1 &&
           d.act == POLICY_TEMPFAIL,
       "a 4xx explicit reply is a tempfail");
}

static void test_reply_explicit(void)
{
    struct mod_out o;

    memset(&o, 0, sizeof(o));
    policy_reply_explicit(&o, "550 AOL mail must get SPF PASS", 1);
    ok(strcmp(o.reply.rcode, "550") == 0 && strcmp(o.reply.xcode, "5.7.1") == 0 &&
           strcmp(o.reply.text, "AOL mail must get SPF PASS") == 0,
       "explicit 550 reply");
    policy_reply_explicit(&o, "554 5.7.9 go %s\r\naway", 1);
    ok(strcmp(o.reply.rcode, "554") == 0 && strcmp(o.reply.xcode, "5.7.9") == 0 &&
           strchr(o.reply.text, '%') == NULL && strchr(o.reply.text, '\r') == NULL,
       "explicit reply made safe (%s)", o.reply.text);
    policy_reply_explicit(&o, "250 fine", 1);
    ok(strcmp(o.reply.rcode, "550") == 0, "a 2xx code is not a refusal: 550");
    policy_reply_explicit(&o, "Nope", 0);
    ok(strcmp(o.reply.rcode, "451") == 0 && strcmp(o.reply.text, "Nope") == 0,
       "text only, temporary: 451 4.7.1");
}

static void test_dnsbl(void)
{
    struct dnsxl_hit h[2] = {{"zen.test", "n", "127.0.0.2", NULL, 3, 0},
                             {"wl.test", "n", "127.0.0.1", NULL, -2, 1}};
    struct dnsxl_result r = {1, 2, h, 0, NULL};
    char *v[] = {"zen.test=https://lookup.example/?ip=%s"};
    struct cfg_list urls = {1, v};
    const char *zone;

    ok(!dnsbl_refuses(&r, 0, &zone), "threshold 0 never refuses");
    ok(!dnsbl_refuses(&r, 2, &zone), "score 1 (3 - 2) below 2");
    r.score = 3;
    ok(dnsbl_refuses(&r, 3, &zone) && strcmp(zone, "zen.test") == 0,
       "score reaches the threshold: names the blocking list");
    ok(dnsbl_url_for(&urls, "zen.test") != NULL &&
           dnsbl_url_for(&urls, "zen.tes") == NULL,
       "lookup URL per zone");
}

static void test_authres(void)
{
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct policy_conn pc = {0};
    struct policy_msg pm = {0};
    struct policy_dkim_sig sig = {"example.net", "sel1", "AbCdEf12", AUTH_PASS,
                                  NULL};
    char *ar;

    conn.client_addr = "192.0.2.7";
    m.conn = &conn;
    m.from = "alice@example.net";
    ar = authres_format("mx.rcpt.test", &conn, &m, NULL, NULL);
    is_str(ar, "mx.rcpt.test; none", "A-R with no check");
    free(ar);
    pc.iprev = IPREV_PASS;
    pc.ptr = "mail.example.net";
    pm.spf_done = 1;
    pm.spf.result = SPF_RES_PASS;
    pm.dkim_done = 1;
    pm.sigs = &sig;
    pm.nsigs = 1;
    pm.dmarc_done = 1;
    pm.dmarc.result = AUTH_PASS;
    pm.dmarc.from_domain = "example.net";
    pm.dmarc.policy_domain = "example.net";
    pm.dmarc.policy = 'r';
    ar = authres_format("mx.rcpt.test", &conn, &m, &pc, &pm);
    is_str(ar,
           "mx.rcpt.test;\n\tiprev=pass policy.iprev=192.0.2.7 "
           "(mail.example.net);\n\tspf=pass smtp.mailfrom=alice@example.net;\n"
           "\tdkim=pass header.d=example.net header.s=sel1 header.b=AbCdEf12;\n"
           "\tdmarc=pass (p=reject) header.from=example.net",
           "A-R with every method");
    free(ar);
    ok(authres_is_ours("mx.rcpt.test; spf=pass", "mx.rcpt.test"), "ours");
    ok(authres_is_ours("  MX.Rcpt.Test 1 ; spf=pass", "mx.rcpt.test"),
       "ours, with case and a version");
    ok(authres_is_ours("(forged) mx.rcpt.test; dkim=pass", "mx.rcpt.test"),
       "ours after a comment");
    ok(!authres_is_ours("mx.rcpt.test.evil; spf=pass", "mx.rcpt.test"),
       "a longer id is not ours");
    ok(!authres_is_ours("lists.example.org; spf=pass", "mx.rcpt.test"),
       "another id is kept");
}

/* The shipped examples (etc/policy) load and answer as documented. */
static void test_examples(void)
{
    static const struct {
        const char *spec, *key;
        enum access_kind want; /* ACCESS_ERROR: any value, found */
    } c[] = {
        {"cidr:access_client.cidr", "203.0.113.9", ACCESS_REJECT},
        {"cidr:access_client.cidr", "192.0.2.3", ACCESS_OK},
        {"cidr:access_client.cidr", "198.51.100.1", ACCESS_SCORE},
        {"pcre:access_client_name.pcre", "a.dynamic.example.net", ACCESS_SCORE},
        {"domain:access_helo.domain", "x.bad-helo.example", ACCESS_REJECT},
        {"domain:access_helo.domain", "bad-helo.example", ACCESS_NONE},
        {"addr:access_sender.addr", "robot-7@example.org", ACCESS_NONE},
        {"addr:access_sender.addr", "alice@example.org", ACCESS_REJECT},
        {"addr:access_sender.addr", "a@mail.example.net", ACCESS_SCORE},
        {"addr:access_recipient.addr", "noreply@example.org", ACCESS_REJECT},
        {"pcre:dynamic_ptr.pcre", "dsl-12.pool.example", ACCESS_ERROR},
        {"domain:spf_overrides.domain", "aol.com", ACCESS_ERROR},
        {"domain:cbv_domains.domain", "bank.example", ACCESS_ERROR},
        {"domain:rcpt_cbv.domain", "u@example.org", ACCESS_ERROR},
    };
    const char *top = getenv("top_srcdir"), *err = NULL, *v;
    char base[1024];
    struct access_value av;
    struct spf_decision d;

    snprintf(base, sizeof(base), "%s/etc/policy/base", top ? top : ".");
    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct map *m = map_open(c[i].spec, base, &err);
        enum access_kind k;

        if (!ok(m != NULL, "example %s loads%s%s", c[i].spec, m ? "" : ": ",
                m ? "" : err))
            continue;
        if (c[i].want == ACCESS_ERROR)
            ok(map_lookup(m, c[i].key, &v, &err) == MAP_FOUND,
               "example %s: %s listed", c[i].spec, c[i].key);
        else {
            k = access_check(m, c[i].key, &av, &err);
            ok(k == c[i].want, "example %s: %s -> %d", c[i].spec, c[i].key,
               (int)k);
        }
        if (strncmp(c[i].spec, "domain:spf", 10) == 0 &&
            map_lookup(m, "aol.com", &v, &err) == MAP_FOUND)
            ok(spf_override_parse(v, SPF_RES_NEUTRAL, &d) == 1 &&
                   strstr(d.text, "AOL") != NULL,
               "example spf_overrides: the AOL line parses");
        map_close(m);
    }
}

int main(void)
{
    test_access();
    test_relay();
    test_helo();
    test_sender();
    test_spf_override();
    test_reply_explicit();
    test_dnsbl();
    test_authres();
    test_examples();
    return done_testing();
}
