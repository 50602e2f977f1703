/*
 * verdict_test - thresholds, forced actions, the verdict headers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util.h"
#include "verdict.h"

static char *force_v[] = {
    "DLP_HIT=quarantine", "ATTACH_BANNED_EXT=reject", "VIRUS=discard",
    "ALLOWLISTED=accept", "attach_macro=REJECT",
};
static const struct cfg_list force = {sizeof(force_v) / sizeof(*force_v),
                                      force_v};

/* add_header 3, rewrite_subject 5, greylist off, quarantine 8, reject 10 */
static const struct verdict_conf conf = {3, 5, 0, 8, 10, &force};

struct sym {
    const char *name;
    double score;
};

static const struct {
    const char *name;
    struct sym r1[3], r2[3]; /* two results, name NULL ends each */
    enum action want;
    double score, threshold;
    const char *forced_by;
} cases[] = {
    {"nothing found", {{0}}, {{0}}, ACT_ACCEPT, 0, 0, NULL},
    {"below every threshold", {{"S", 2.9}}, {{0}}, ACT_ACCEPT, 2.9, 0, NULL},
    {"add_header reached exactly",
     {{"S", 3}},
     {{0}},
     ACT_ADD_HEADER,
     3,
     3,
     NULL},
    {"rewrite_subject", {{"S", 5.5}}, {{0}}, ACT_REWRITE_SUBJECT, 5.5, 5, NULL},
    {"greylist disabled (0) is skipped",
     {{"S", 7.9}},
     {{0}},
     ACT_REWRITE_SUBJECT,
     7.9,
     5,
     NULL},
    {"quarantine", {{"S", 8}}, {{0}}, ACT_QUARANTINE, 8, 8, NULL},
    {"reject", {{"S", 12.5}}, {{0}}, ACT_REJECT, 12.5, 10, NULL},
    {"scores of two results add up",
     {{"A", 6}},
     {{"B", 5}},
     ACT_REJECT,
     11,
     10,
     NULL},
    {"negative scores count",
     {{"A", 12}},
     {{"ALLOW", -3}},
     ACT_QUARANTINE,
     9,
     8,
     NULL},
    {"forced reject with a low score",
     {{"ATTACH_BANNED_EXT", 1}},
     {{0}},
     ACT_REJECT,
     1,
     10,
     "ATTACH_BANNED_EXT"},
    {"strongest forced action wins (discard)",
     {{"ATTACH_BANNED_EXT", 5}},
     {{"VIRUS", 5}},
     ACT_DISCARD,
     10,
     0,
     "VIRUS"},
    {"strongest forced action, not the first listed",
     {{"DLP_HIT", 1}, {"ATTACH_BANNED_EXT", 1}},
     {{0}},
     ACT_REJECT,
     2,
     10,
     "ATTACH_BANNED_EXT"},
    {"forced accept overrides the score",
     {{"ALLOWLISTED", -1}, {"S", 21}},
     {{0}},
     ACT_ACCEPT,
     20,
     0,
     "ALLOWLISTED"},
    {"forced reject beats forced accept",
     {{"ALLOWLISTED", 0}},
     {{"ATTACH_BANNED_EXT", 5}},
     ACT_REJECT,
     5,
     10,
     "ATTACH_BANNED_EXT"},
    {"force entries match case-insensitively",
     {{"ATTACH_MACRO", 5}},
     {{0}},
     ACT_REJECT,
     5,
     10,
     "ATTACH_MACRO"},
    {"forced quarantine over a reject score",
     {{"DLP_HIT", 1}, {"S", 20}},
     {{0}},
     ACT_QUARANTINE,
     21,
     8,
     "DLP_HIT"},
};

static void fill(struct result *r, const char *milter, const struct sym *s)
{
    result_init(r, milter, "Q1");
    for (int i = 0; i < 3 && s[i].name != NULL; i++)
        result_add(r, s[i].name, s[i].score, "d.exe");
}

static void test_decide(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct result a, b;
        const struct result *rs[3];
        struct verdict v;
        int good;

        fill(&a, "attach", cases[i].r1);
        fill(&b, "policy", cases[i].r2);
        rs[0] = &a;
        rs[1] = NULL; /* holes are skipped */
        rs[2] = &b;
        verdict_decide(&conf, rs, 3, &v);
        good = v.action == cases[i].want && v.score > cases[i].score - 1e-9 &&
               v.score < cases[i].score + 1e-9 &&
               v.threshold == cases[i].threshold &&
               ((v.forced_by == NULL && cases[i].forced_by == NULL) ||
                (v.forced_by && cases[i].forced_by &&
                 strcmp(v.forced_by, cases[i].forced_by) == 0));
        ok(good, "decide: %s -> %s", cases[i].name, action_name(cases[i].want));
        if (!good)
            diag("got %s score=%.2f threshold=%.2f forced=%s",
                 action_name(v.action), v.score, v.threshold,
                 v.forced_by ? v.forced_by : "-");
        verdict_free(&v);
        result_free(&a);
        result_free(&b);
    }
}

static void test_misc_decide(void)
{
    static char *tie_v[] = {"B=reject", "A=reject"};
    static const struct cfg_list tie = {2, tie_v};
    struct verdict_conf off = {0, 0, 0, 0, 0, NULL};
    struct verdict_conf tied = {0, 0, 0, 0, 0, &tie};
    struct result r;
    const struct result *rs[1] = {&r};
    struct verdict v;

    result_init(&r, "attach", "Q1");
    result_add(&r, "A", 50, "first.exe");
    result_add(&r, "B", 50, "second.exe");
    verdict_decide(&off, rs, 1, &v);
    ok(v.action == ACT_ACCEPT && v.threshold == 0,
       "decide: every threshold 0 -> accept at any score");
    verdict_free(&v);
    verdict_decide(&tied, rs, 1, &v);
    ok(v.action == ACT_REJECT && v.forced_by && strcmp(v.forced_by, "B") == 0 &&
           v.reason_detail && strcmp(v.reason_detail, "second.exe") == 0,
       "decide: equal forced actions -> first entry of the list wins");
    verdict_free(&v);
    verdict_decide(&off, NULL, 0, &v);
    ok(v.action == ACT_ACCEPT && v.symbols && v.symbols[0] == '\0',
       "decide: no results at all -> accept");
    verdict_free(&v);
    result_free(&r);
}

static void test_headers(void)
{
    struct verdict_conf c = {0, 0, 0, 0, 15, &force};
    struct result r, t;
    const struct result *rs[2] = {&r, &t};
    struct verdict v;
    char *h;

    result_init(&r, "attach", "Q1");
    result_add(&r, "ATTACH_BANNED_EXT", 10, "a.exe");
    result_init(&t, "test", "Q1");
    result_add(&t, "TEST_MODULE", 2.5, NULL);
    verdict_decide(&c, rs, 2, &v);
    h = verdict_header(&v);
    is_str(h,
           "reject; score=12.50/15.00; forced=ATTACH_BANNED_EXT; "
           "symbols=ATTACH_BANNED_EXT(10.00)[a.exe], TEST_MODULE(2.50)",
           "header: forced reject");
    free(h);
    is_str(v.reason_detail, "a.exe", "reason_detail is the forcing detail");
    h = verdict_spam_status(&v, 5);
    is_str(h,
           "Yes, score=12.5 required=5.0 tests=ATTACH_BANNED_EXT,TEST_MODULE",
           "spam status: yes");
    free(h);
    verdict_free(&v);

    rs[0] = &t;
    verdict_decide(&c, rs, 1, &v);
    h = verdict_header(&v);
    is_str(h, "accept; score=2.50; symbols=TEST_MODULE(2.50)",
           "header: accept has no threshold and no forced=");
    free(h);
    h = verdict_spam_status(&v, 5);
    is_str(h, "No, score=2.5 required=5.0 tests=TEST_MODULE",
           "spam status: no");
    free(h);
    verdict_free(&v);

    c.reject = 2;
    verdict_decide(&c, rs, 1, &v);
    h = verdict_header(&v);
    is_str(h, "reject; score=2.50/2.00; symbols=TEST_MODULE(2.50)",
           "header: score reject shows score/threshold");
    free(h);
    verdict_free(&v);

    verdict_decide(&c, NULL, 0, &v);
    h = verdict_spam_status(&v, 5);
    is_str(h, "No, score=0.0 required=5.0 tests=", "spam status: empty");
    free(h);
    verdict_free(&v);
    result_free(&r);
    result_free(&t);
}

static void test_force_syntax(void)
{
    static const struct {
        const char *entry;
        int ok;
    } c[] = {
        {"ATTACH_BANNED_EXT=reject", 1},
        {"virus_found=Discard", 1},
        {"ALLOW=accept", 1},
        {"X=add_header", 1},
        {"X=rewrite_subject", 1},
        {"X=greylist", 1},
        {"X=quarantine", 1},
        {"NOEQUALS", 0},
        {"X=explode", 0},
        {"=reject", 0},
        {"X=", 0},
        {"BAD-NAME=reject", 0},
        {"TOO_LONG_678901234567890123456789012345678901234567=reject", 0},
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        char *v[1] = {(char *)c[i].entry};
        struct cfg_list l = {1, v};
        const char *err = NULL;
        int rc = verdict_check_force(&l, &err);

        ok(c[i].ok ? rc == 0 : (rc < 0 && err != NULL),
           "force syntax: \"%s\" %s", c[i].entry,
           c[i].ok ? "accepted" : "refused");
    }
    {
        const char *err = NULL;

        ok(verdict_check_force(NULL, &err) == 0, "force syntax: no list");
    }
}

static void test_actions(void)
{
    int all = 1;

    for (int i = 0; i < ACT_COUNT; i++) {
        enum action a;

        if (action_parse(action_name((enum action)i), &a) < 0 ||
            a != (enum action)i)
            all = 0;
    }
    ok(all, "action_name/action_parse round trip for every action");
    {
        enum action a;

        ok(action_parse("REJECT", &a) == 0 && a == ACT_REJECT,
           "action_parse is case-insensitive");
        ok(action_parse("bounce", &a) < 0, "action_parse refuses unknown");
    }
}

/*
 * sluice.conf(5) shows X-Sluice-Verdict as the code writes it: its
 * examples (the .Bd block after "For example:", continuation lines
 * joined) are what verdict_header() makes of the same verdicts.
 */
static void test_manual(void)
{
    const char *top = getenv("top_srcdir");
    char path[4096], line[512], doc[4096] = "";
    int in = 0, seen = 0;
    FILE *fp;
    static const struct verdict v[] = {
        {ACT_ACCEPT, 0, 0, NULL, "", NULL},
        {ACT_ADD_HEADER, 6, 5, NULL, "ATTACH_MACRO(6.00)[a.docm]", NULL},
        {ACT_REJECT, 10, 15, "ATTACH_BANNED_EXT",
         "ATTACH_BANNED_EXT(10.00)[a.exe]", NULL},
    };

    snprintf(path, sizeof(path), "%s/man/sluice.conf.5", top ? top : ".");
    if ((fp = fopen(path, "r")) == NULL) {
        ok(0, "manual: %s is readable (set top_srcdir)", path);
        return;
    }
    while (fgets(line, sizeof(line), fp) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "For example:") == 0)
            seen = 1;
        else if (seen && strncmp(line, ".Bd", 3) == 0)
            in = 1;
        else if (in && strncmp(line, ".Ed", 3) == 0)
            break;
        else if (in && line[0] == ' ') /* continues the line before */
            strncat(doc, line + strspn(line, " ") - 1,
                    sizeof(doc) - strlen(doc) - 1);
        else if (in) {
            if (doc[0])
                strncat(doc, "\n", sizeof(doc) - strlen(doc) - 1);
            strncat(doc, line, sizeof(doc) - strlen(doc) - 1);
        }
    }
    fclose(fp);
    for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
        char *h = verdict_header(&v[i]);
        char want[512];

        snprintf(want, sizeof(want), "X-Sluice-Verdict: %s", h);
        ok(strstr(doc, want) != NULL, "manual: sluice.conf(5) shows \"%s\"",
           want);
        free(h);
    }
}

int main(void)
{
    test_manual();
    test_decide();
    test_misc_decide();
    test_headers();
    test_force_syntax();
    test_actions();
    return done_testing();
}
