/*
 * content_rules_test - sluice-content's rules: a case table of every rule
 * type and of meta rules (t/data/content/rules.cf), the if-expressions,
 * regex quoting, ReplaceTags and fuzzy letters, errors of our files
 * (file:line), Debian's SpamAssassin rules loaded with the table of
 * rules loaded and skipped by reason, and GTUBE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "../tap.h"
#include "clock.h"
#include "content_msg.h"
#include "content_rules.h"
#include "util.h"

static void if_exprs(void)
{
    static const struct {
        const char *e;
        int v;
    } t[] = {
        {"(version >= 3.004000)", 1},
        {"(version >= 4.000001)", 1},
        {"(version > 4.000001)", 0},
        {"version < 3.003", 0},
        {"can(Mail::SpamAssassin::Conf::feature_bug6558_free)", 1},
        {"!can(Mail::SpamAssassin::Conf::feature_welcomelist_blocklist)", 0},
        {"can(Mail::SpamAssassin::Conf::compat_welcomelist_blocklist)", 0},
        {"can(Mail::SpamAssassin::Conf::perl_min_version_5010000)", 1},
        {"can(Mail::SpamAssassin::Plugin::BodyEval::has_check_body_length)", 0},
        {"plugin(Mail::SpamAssassin::Plugin::ReplaceTags)", 1},
        {"!plugin(Mail::SpamAssassin::Plugin::MIMEHeader)", 1},
        {"!(can(Mail::SpamAssassin::Conf::feature_bug6558_free))", 0},
        {"(version >= 3.004000) && plugin(Mail::SpamAssassin::Plugin::DKIM)",
         0},
        {"plugin(Mail::SpamAssassin::Plugin::DKIM) || version >= 4", 1},
    };
    int v;

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
        ok(sa_if_eval(t[i].e, 4.000001, &v) == 0 && v == t[i].v, "if %s -> %d",
           t[i].e, t[i].v);
    ok(sa_if_eval("version >=", 4.000001, &v) < 0 &&
           sa_if_eval("frobnicate", 4.000001, &v) < 0,
       "malformed if-expressions are errors");
}

static void regex_split(void)
{
    static const struct {
        const char *in, *pat;
        unsigned opts;
        const char *rest;
    } t[] = {
        {"/abc/i", "abc", PCRE2_CASELESS, ""},
        {"/a\\/b/", "a\\/b", 0, ""},
        {"m{x/y}ms", "x/y", PCRE2_MULTILINE | PCRE2_DOTALL, ""},
        {"m!a!", "a", 0, ""},
        {"m{^a{2}(?:b{3})}i", "^a{2}(?:b{3})", PCRE2_CASELESS, ""},
        {"/x/ [if-unset: none]", "x", 0, " [if-unset: none]"},
        {"/re/gox", "re", PCRE2_EXTENDED, ""},
    };
    const char *rest;
    unsigned opts;
    char *pat;

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        if (!ok(sa_regex_split(t[i].in, &pat, &opts, &rest) == 0, "split %s",
                t[i].in))
            continue;
        ok(strcmp(pat, t[i].pat) == 0 && opts == t[i].opts &&
               strcmp(rest, t[i].rest) == 0,
           "  pattern \"%s\", flags %#x, rest \"%s\"", pat, opts, rest);
        free(pat);
    }
    ok(sa_regex_split("/unterminated", &pat, &opts, &rest) < 0 &&
           sa_regex_split("abc", &pat, &opts, &rest) < 0,
       "not a regex");
}

static const char *spam_msg =
    "Received: from spammer.example (spammer.example [192.0.2.9])\r\n"
    "Message-ID: <1@weird.example>\r\n"
    "From: Your Bank <x@bad.example>\r\n"
    "To: bob@example.net\r\n"
    "Cc: carol@example.org\r\n"
    "Subject: Get free money now\r\n"
    "X-Spam-Test: yes\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\n"
    "You have won the lottery! cheap cheap cheap cheap\r\n"
    "alpha and gamma, the truth: v1@gr@ and kheap. http://bit.ly/abc\r\n"
    "--b\r\nContent-Type: text/html\r\n\r\n"
    "<p><font color=\"red\">Act now</font></p>\r\n"
    "--b\r\nContent-Type: application/javascript\r\n"
    "Content-Disposition: attachment; filename=\"invoice-2024.js\"\r\n\r\n"
    "var x = 1;\r\n"
    "--b--\r\n";

static const char *clean_msg = "Message-ID: <2@ok.example>\r\n"
                               "From: Carol <carol@example.org>\r\n"
                               "To: bob@example.net\r\n"
                               "Subject: Minutes\r\n"
                               "X-Mailer: Good Mailer 1.0\r\n"
                               "X-Priority: 3\r\n"
                               "\r\n"
                               "The minutes of Tuesday's meeting, beta.\r\n";

static void our_rules(void)
{
    static const char *const fire[] = {
        "T_SUBJ_FREE",     "FROM_ADDR_BAD",    "FROM_NAME_BANK",
        "NO_XMAILER_MAIL", "UNSET_PRIO",       "ALL_RECEIVED",
        "TOCC_CAROL",      "ENVFROM_BOUNCE",   "MSGID_WEIRD",
        "BODY_LOTTERY",    "BODY_WORD_MULTI",  "RAW_FONT_TAG",
        "FULL_XHEADER",    "URI_SHORTENER",    "FILE_INVOICE_JS",
        "FUZZY_VIAGRA",    "META_TWO_OF_3",    "META_A_NOT_B",
        "META_OR",         "META_OF_META",     "REPLACED_CHEAP",
        "IN_TRUE_BLOCK",   "IN_VERSION_BLOCK", "NICE_THE_TRUTH",   NULL};
    static const char *const quiet[] = {
        "HAS_XMAILER",    "DISABLED_RULE", "__SUB_A", "__META_INNER",
        "IN_FALSE_BLOCK", "IN_ELSE_BLOCK", NULL};
    static const struct cenv env = {NULL, NULL, "bounce-77@bulk.example", NULL,
                                    0};
    struct cfg *c;
    struct crun r;
    void *st;

    c = cmsg_load("[content]\nrules = @SRCDIR@/t/data/content/rules.cf\n", &st,
                  NULL);
    if (!ok(c != NULL, "our rule file loads"))
        return;
    cmsg_run(st, spam_msg, &env, &r);
    for (const char *const *s = fire; *s; s++)
        ok(cmsg_has(&r, *s, NULL), "%s fires", *s);
    for (const char *const *s = quiet; *s; s++)
        ok(!cmsg_has(&r, *s, NULL), "%s does not show", *s);
    ok(cmsg_score(&r, "T_SUBJ_FREE") == 2.5 &&
           cmsg_score(&r, "META_TWO_OF_3") == 4 &&
           cmsg_score(&r, "FROM_ADDR_BAD") == 1.0 &&
           cmsg_score(&r, "NICE_THE_TRUTH") == -1.0,
       "scores: as set, else 1.0 (a nice rule -1.0)");
    cmsg_run_free(&r);
    cmsg_run(st, clean_msg, NULL, &r);
    ok(r.res.n == 1 && cmsg_has(&r, "HAS_XMAILER", NULL),
       "a clean message: only exists:X-Mailer (%zu symbols)", r.res.n);
    for (size_t i = 0; i < r.res.n; i++)
        diag("  %s", r.res.sym[i].name);
    cmsg_run_free(&r);
    cmsg_unload(c, st);
}

static void our_errors(void)
{
    struct cfg_errors errs;
    struct cfg *c;
    void *st;

    c = cmsg_load(
        "[content]\nrules = @SRCDIR@/t/data/content/rules_broken.cf\n", &st,
        &errs);
    ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "rules_broken.cf:3:") &&
           strstr(errs.v[0], "BROKEN_ONE"),
       "a pattern that does not compile: file:line (%s)",
       errs.n ? errs.v[0] : "");
    cfg_errors_free(&errs);
    c = cmsg_load(
        "[content]\nrules = @SRCDIR@/t/data/content/rules_badmeta.cf\n", &st,
        &errs);
    ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "rules_badmeta.cf:2:") &&
           strstr(errs.v[0], "NOT_DEFINED_ANYWHERE"),
       "a meta on an unknown rule: file:line (%s)", errs.n ? errs.v[0] : "");
    cfg_errors_free(&errs);
    c = cmsg_load("[content]\nrules = /nonexistent/rules.cf\n", &st, &errs);
    ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "/nonexistent/rules.cf"),
       "a missing rule file");
    cfg_errors_free(&errs);
    {
        /* Over 16 MiB: refused, never read in part. */
        char path[] = "/tmp/sluice-bigrules.XXXXXX", *text;
        int fd = mkstemp(path);
        FILE *fp = fd >= 0 ? fdopen(fd, "w") : NULL;

        for (int i = 0; fp != NULL && i < 17 * 1024; i++)
            fprintf(fp, "body BIG_%05d /x/%*s\n", i, 1000, "");
        if (fp != NULL)
            fclose(fp);
        text = xasprintf("[content]\nrules = %s\n", path);
        c = cmsg_load(text, &st, &errs);
        ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "larger than") &&
               strstr(errs.v[0], "16 MiB"),
           "a rule file over 16 MiB is refused (%s)", errs.n ? errs.v[0] : "");
        cfg_errors_free(&errs);
        free(text);
        unlink(path);
    }
}

static char *slurp(const char *path)
{
    const char *why;
    size_t len;

    return file_read(path, 0, &len, &why);
}

static void spamassassin(void)
{
    static const char *const types[CT_N] = {
        "header", "body", "rawbody", "full", "uri", "filename", "meta"};
    const struct rules_stats *s;
    struct content_state *cs;
    struct cfg *c;
    struct crun r;
    char path[4096], *msg;
    double t0 = clock_mono();
    void *st;

    c = cmsg_load("[content]\nsa_rules = /usr/share/spamassassin\n"
                  "rules = @SRCDIR@/t/data/content/rules.cf\n",
                  &st, NULL);
    if (!ok(c != NULL, "Debian's SpamAssassin 4.0.1 rules load (%.2f s)",
            clock_mono() - t0))
        return;
    cs = st;
    s = rules_stats(cs->rules);
    diag("SpamAssassin rules from /usr/share/spamassassin (%zu files):",
         s->files);
    for (int t = 0; t < CT_N; t++)
        diag("  loaded %-9s %5zu", types[t], s->loaded[t]);
    diag("  loaded in all    %5zu", rules_count(cs->rules));
    for (size_t i = 0; i < s->nreasons; i++)
        diag("  skipped %5zu  %s", s->reason_n[i], s->reason_name[i]);
    diag("  skipped in all   %5zu", s->skipped);
    ok(s->loaded[CT_BODY] > 300 && s->loaded[CT_HEADER] > 200 &&
           s->loaded[CT_META] > 300,
       "most of the set loads (%zu rules)", rules_count(cs->rules));
    ok(s->reason_n[SKIP_EVAL - 1] > 100, "eval: rules are skipped and counted");
    snprintf(path, sizeof(path), "%s/spamassassin-samples/sample-spam.txt",
             cmsg_testdata());
    if ((msg = slurp(path)) != NULL) {
        t0 = clock_mono();
        cmsg_run(st, msg, NULL, &r);
        ok(cmsg_has(&r, "GTUBE", NULL) && cmsg_score(&r, "GTUBE") == 1000,
           "GTUBE fires, scored 1000 (%.1f ms)", (clock_mono() - t0) * 1000);
        cmsg_run_free(&r);
        free(msg);
    }
    snprintf(path, sizeof(path), "%s/spamassassin-samples/sample-nonspam.txt",
             cmsg_testdata());
    if ((msg = slurp(path)) != NULL) {
        t0 = clock_mono();
        cmsg_run(st, msg, NULL, &r);
        ok(!cmsg_has(&r, "GTUBE", NULL) && result_score(&r.res) < 5,
           "the ham sample: no GTUBE, score %.2f (%.1f ms)",
           result_score(&r.res), (clock_mono() - t0) * 1000);
        {
            char *syms = result_symbols_str(&r.res);

            diag("  ham: %s", syms);
            free(syms);
        }
        cmsg_run_free(&r);
        free(msg);
    }
    cmsg_unload(c, st);
}

int main(void)
{
    if_exprs();
    regex_split();
    our_rules();
    our_errors();
    spamassassin();
    return done_testing();
}
