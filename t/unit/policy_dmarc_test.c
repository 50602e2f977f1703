/*
 * policy_dmarc_test - DMARC as RFC 9989 defines it, over an injected
 * lookup (no DNS): records (with the opendmarc record-parse and
 * From-domain cases from $SLUICE_TESTDATA/dmarc-opendmarc), the tree walk
 * for the policy and the organizational domain (PSD, psd=n, the 8-query
 * cap), strict and relaxed alignment (including the case libopendmarc
 * 1.4.2 gets wrong), np, t=y, and temperror never becoming none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "policy.h"
#include "../tap.h"
#include "util.h"

/* The fake DNS: "_dmarc.NAME" -> record; "TEMPFAIL" fails the lookup. */
struct fake {
    const char *const *zone; /* name, record, name, record, ..., NULL */
    int n;
    char log[1024];
};

static enum walk_rc fake_lookup(void *arg, const char *name, char **rec_r)
{
    struct fake *f = arg;
    size_t l = strlen(f->log);

    f->n++;
    snprintf(f->log + l, sizeof(f->log) - l, "%s%s", l ? " " : "", name + 7);
    *rec_r = NULL;
    for (const char *const *z = f->zone; z && *z; z += 2) {
        if (strcasecmp(z[0], name + 7) != 0)
            continue;
        if (strcmp(z[1], "TEMPFAIL") == 0)
            return WALK_TEMPFAIL;
        *rec_r = xstrdup(z[1]);
        return WALK_FOUND;
    }
    return WALK_NONE;
}

static void test_records(void)
{
    struct dmarc_rec r;
    const char *why;

    ok(dmarc_rec_parse("v=DMARC1; p=reject; sp=quarantine; np=none; "
                       "adkim=s; aspf=r; psd=n; t=y; pct=20",
                       &r, &why) == 0 &&
           r.p == 'r' && r.sp == 'q' && r.np == 'n' && r.adkim == 's' &&
           r.aspf == 'r' && r.psd == 'n' && r.t == 1 && r.pct == 20,
       "every RFC 9989 tag read");
    ok(dmarc_rec_parse("v=DMARC1;p=none", &r, &why) == 0 && r.adkim == 'r' &&
           r.psd == 'u' && r.t == 0 && r.np == 0 && r.sp == 0,
       "defaults: relaxed, psd=u, t=n");
    ok(dmarc_rec_parse("v=DMARC1; p=none; p=reject", &r, &why) < 0,
       "a tag twice is invalid");
    ok(dmarc_rec_parse("v=DMARC1; p=none; psd=x", &r, &why) < 0, "bad psd");
    ok(dmarc_rec_parse("v=DMARC1; p=none; t=maybe", &r, &why) < 0, "bad t");
    ok(dmarc_rec_parse("v=DMARC1; p=bogus; rua=mailto:d@example.com", &r,
                       &why) == 0 &&
           r.p == 'n',
       "no valid p but a rua: p=none (RFC 9989 4.7)");
    ok(dmarc_rec_parse("v=spf1 -all", &r, &why) < 0, "not a DMARC record");
    ok(dmarc_rec_parse("p=reject; v=DMARC1", &r, &why) < 0, "v= must be first");
}

/* RFC 9989 dropped pct, rf and ri: values opendmarc refuses are ignored. */
static int parse_differs(const char *rec)
{
    return strstr(rec, "pct=500") || strstr(rec, "rf=") || strstr(rec, "ri=");
}

static void test_opendmarc_cases(void)
{
    const char *td = getenv("SLUICE_TESTDATA");
    char path[1024];
    json_error_t err;
    json_t *root, *cases, *c;
    size_t i, n = 0, diff = 0;

    snprintf(path, sizeof(path), "%s/dmarc-opendmarc/opendmarc-cases.json",
             td ? td : "../shared/testdata");
    root = json_load_file(path, 0, &err);
    if (!ok(root != NULL, "opendmarc cases at %s", path))
        return;
    cases = json_object_get(json_object_get(root, "dmarc_record_parse"), "cases");
    json_array_foreach(cases, i, c) {
        const char *rec = json_string_value(json_object_get(c, "record"));
        const char *exp = json_string_value(json_object_get(c, "expect"));
        int want = strcmp(exp, "DMARC_PARSE_OKAY") == 0, got;
        struct dmarc_rec r;
        const char *why = "";

        got = dmarc_rec_parse(rec, &r, &why) == 0;
        if (!want && parse_differs(rec)) {
            diff++;
            ok(got && !want, "record \"%s\": accepted (RFC 9989 ignores "
                             "pct/rf/ri; opendmarc: %s)", rec, exp);
        } else {
            ok(got == want, "record \"%s\": %s (opendmarc: %s)", rec,
               got ? "valid" : why, exp);
        }
        n++;
    }
    diag("opendmarc record-parse cases: %zu, %zu of them differ by RFC 9989",
         n, diff);
    cases = json_object_get(json_object_get(root, "from_header_domain"), "cases");
    json_array_foreach(cases, i, c) {
        const char *from = json_string_value(json_object_get(c, "from"));
        const char *want = json_string_value(json_object_get(c, "domain"));
        char *got = dmarc_from_value_domain(from);

        is_str(got ? got : "(none)", want, from);
        free(got);
    }
    json_decref(root);
    ok(dmarc_from_value_domain("nobody") == NULL, "no address: no domain");
    ok(dmarc_from_value_domain("") == NULL, "empty: no domain");
}

static void walk_case(const char *name, const char *const *zone,
                      const char *domain, enum walk_rc rc, const char *pd,
                      const char *queried)
{
    struct fake f = {zone, 0, ""};
    struct walk_out o;

    dmarc_walk_policy(fake_lookup, &f, domain, &o);
    ok(o.rc == rc &&
           ((pd == NULL && o.policy_domain == NULL) ||
            (pd && o.policy_domain && strcmp(pd, o.policy_domain) == 0)) &&
           strcmp(f.log, queried) == 0 && o.queries <= 8,
       "policy walk: %s (asked: %s)", name, f.log);
    walk_out_free(&o);
}

static void org_case(const char *name, const char *const *zone,
                     const char *domain, enum walk_rc rc, const char *org,
                     int queries)
{
    struct fake f = {zone, 0, ""};
    char *got = NULL;
    int q = 0;
    enum walk_rc r = dmarc_org_domain(fake_lookup, &f, domain, &got, &q);

    ok(r == rc && (rc != WALK_FOUND || strcmp(got, org) == 0) &&
           (queries < 0 || q == queries),
       "org domain: %s -> %s (%d queries: %s)", name, got ? got : "-", q,
       f.log);
    free(got);
}

static void test_walk(void)
{
    static const char *const org[] = {"example.com", "v=DMARC1; p=reject",
                                      NULL};
    static const char *const psd[] = {"com", "v=DMARC1; p=reject; psd=y",
                                      NULL};
    static const char *const psdn[] = {
        "example.com", "v=DMARC1; p=none; psd=n", "com",
        "v=DMARC1; p=reject; psd=y", NULL};
    static const char *const two[] = {"sub.example.com", "v=DMARC1; p=none",
                                      "example.com", "v=DMARC1; p=reject",
                                      NULL};
    static const char *const tf[] = {"b.example.com", "TEMPFAIL", NULL};
    static const char *const psd_mid[] = {
        "example.com", "v=DMARC1; p=quarantine", "com",
        "v=DMARC1; p=reject; psd=y", NULL};

    walk_case("record at the author domain", org, "example.com", WALK_FOUND,
              "example.com", "example.com");
    walk_case("record at a parent", org, "a.b.example.com", WALK_FOUND,
              "example.com", "a.b.example.com b.example.com example.com");
    walk_case("no record anywhere", NULL, "a.example.com", WALK_NONE, NULL,
              "a.example.com example.com com");
    walk_case("a long name jumps to 7 labels, 8 queries at most", NULL,
              "a.b.c.d.e.f.g.h.i.example.com", WALK_NONE, NULL,
              "a.b.c.d.e.f.g.h.i.example.com e.f.g.h.i.example.com "
              "f.g.h.i.example.com g.h.i.example.com h.i.example.com "
              "i.example.com example.com com");
    walk_case("PSD policy found at the top", psd, "x.example.com", WALK_FOUND,
              "com", "x.example.com example.com com");
    walk_case("a failed lookup is tempfail, never none", tf, "a.b.example.com",
              WALK_TEMPFAIL, NULL, "a.b.example.com b.example.com");
    org_case("psd=y: one label below the PSD", psd, "mail.example.com",
             WALK_FOUND, "example.com", 3);
    org_case("psd=n stops the walk", psdn, "a.b.example.com", WALK_FOUND,
             "example.com", 3);
    org_case("no psd: fewest labels with a record", two, "x.sub.example.com",
             WALK_FOUND, "example.com", 4);
    org_case("no record: the domain itself", NULL, "mail.example.net",
             WALK_FOUND, "mail.example.net", 3);
    org_case("psd=y above an org record", psd_mid, "a.b.example.com",
             WALK_FOUND, "example.com", 4);
    org_case("a failed lookup", tf, "x.b.example.com", WALK_TEMPFAIL, NULL, 2);
    org_case("long name, capped", NULL, "1.2.3.4.5.6.7.8.9.10.example.com",
             WALK_FOUND, "1.2.3.4.5.6.7.8.9.10.example.com", 8);
}

static int exists_yes(void *a, const char *d) { return (void)a, (void)d, 1; }
static int exists_no(void *a, const char *d) { return (void)a, (void)d, 0; }

static int eval(const char *const *zone, const char *from, const char *spfd,
                int spf, const char *dkimd, int dkim,
                int (*exists)(void *, const char *), struct policy_dmarc_out *o)
{
    struct fake f = {zone, 0, ""};
    struct policy_dkim_sig sig = {(char *)dkimd, "s1", "b", dkim, NULL};
    struct dmarc_input in = {from, 1, spfd, spf, &sig, dkimd ? 1 : 0, exists};

    dmarc_evaluate(fake_lookup, &f, &in, o);
    return o->result;
}

static void test_evaluate(void)
{
    static const char *const relaxed[] = {
        "example.com", "v=DMARC1; p=reject", NULL};
    static const char *const strict[] = {
        "example.com", "v=DMARC1; p=reject; adkim=s; aspf=s", NULL};
    static const char *const np[] = {
        "example.com", "v=DMARC1; p=none; sp=quarantine; np=reject", NULL};
    static const char *const testing[] = {
        "example.com", "v=DMARC1; p=reject; t=y", NULL};
    static const char *const down[] = {"example.com", "TEMPFAIL", NULL};
    static const char *const walkdown[] = {
        "example.com", "v=DMARC1; p=reject", "other.example.com", "TEMPFAIL",
        NULL};
    struct policy_dmarc_out o;

    ok(eval(relaxed, "example.com", "bounce.example.com", AUTH_PASS, NULL, 0,
            NULL, &o) == AUTH_PASS && o.spf_aligned,
       "relaxed: SPF of a subdomain aligns");
    dmarc_out_free(&o);
    ok(eval(relaxed, "example.com", "evil.example.net", AUTH_PASS,
            "mail.example.com", AUTH_PASS, NULL, &o) == AUTH_PASS &&
           o.dkim_aligned && !o.spf_aligned,
       "relaxed: DKIM of a subdomain aligns, unrelated SPF does not");
    dmarc_out_free(&o);
    ok(eval(strict, "example.com", "evil.example.net", AUTH_PASS,
            "mail.example.com", AUTH_PASS, NULL, &o) == AUTH_FAIL &&
           o.policy == 'r',
       "strict adkim=s: mail.example.com does not align with example.com "
       "(libopendmarc 1.4.2 with a PSL says it does)");
    dmarc_out_free(&o);
    ok(eval(strict, "example.com", "example.com", AUTH_PASS, NULL, 0, NULL,
            &o) == AUTH_PASS,
       "strict: the same domain aligns");
    dmarc_out_free(&o);
    ok(eval(relaxed, "example.com", "example.com", AUTH_FAIL, "example.com",
            AUTH_FAIL, NULL, &o) == AUTH_FAIL && o.policy == 'r',
       "nothing passes: fail, p=reject");
    dmarc_out_free(&o);
    ok(eval(np, "nx.example.com", NULL, 0, NULL, 0, exists_no, &o) ==
               AUTH_FAIL &&
           o.policy == 'r',
       "np for a From domain that does not exist");
    dmarc_out_free(&o);
    ok(eval(np, "www.example.com", NULL, 0, NULL, 0, exists_yes, &o) ==
               AUTH_FAIL &&
           o.policy == 'q',
       "sp for a subdomain that exists");
    dmarc_out_free(&o);
    ok(eval(np, "example.com", NULL, 0, NULL, 0, exists_no, &o) == AUTH_FAIL &&
           o.policy == 'n',
       "p for the policy domain itself");
    dmarc_out_free(&o);
    ok(eval(testing, "example.com", NULL, 0, NULL, 0, NULL, &o) == AUTH_FAIL &&
           o.testing,
       "t=y: testing mode reported");
    dmarc_out_free(&o);
    ok(eval(down, "example.com", "example.com", AUTH_FAIL, NULL, 0, NULL, &o) ==
           AUTH_TEMPERROR,
       "record lookup down: temperror, never none");
    dmarc_out_free(&o);
    ok(eval(NULL, "example.com", NULL, 0, NULL, 0, NULL, &o) == AUTH_NONE,
       "no record: none");
    dmarc_out_free(&o);
    ok(eval(relaxed, "example.com", "example.com", AUTH_TEMPERROR,
            "example.com", AUTH_FAIL, NULL, &o) == AUTH_TEMPERROR,
       "aligned SPF temperror, DKIM fail: temperror");
    dmarc_out_free(&o);
    ok(eval(relaxed, "example.com", "example.com", AUTH_FAIL, "example.com",
            AUTH_TEMPERROR, NULL, &o) == AUTH_TEMPERROR,
       "aligned DKIM temperror: temperror");
    dmarc_out_free(&o);
    ok(eval(relaxed, "example.com", "evil.example.net", AUTH_TEMPERROR, NULL,
            0, NULL, &o) == AUTH_FAIL,
       "unaligned SPF temperror cannot save it: fail");
    dmarc_out_free(&o);
    ok(eval(walkdown, "example.com", "other.example.com", AUTH_PASS, NULL, 0,
            NULL, &o) == AUTH_TEMPERROR,
       "an alignment walk that fails: temperror");
    dmarc_out_free(&o);
}

int main(void)
{
    test_records();
    test_opendmarc_cases();
    test_walk();
    test_evaluate();
    return done_testing();
}
