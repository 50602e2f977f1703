/*
 * result_test - X-Sluice-Result: format, sign, verify, tamper, rotation,
 * folding, malformed values, secret files.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "result.h"
#include "tap.h"
#include "util.h"

static char tmpdir[64];

static struct secret cur = {(unsigned char *)"0123456789abcdef0123456789abcdef",
                            32};
static struct secret old = {
    (unsigned char *)"the previous secret, 32 bytes ok!", 33};

/* Replace the first occurrence of from in s by to; caller frees. */
static char *subst(const char *s, const char *from, const char *to)
{
    const char *p = strstr(s, from);

    if (p == NULL)
        return xstrdup("(subst: not found)");
    return xasprintf("%.*s%s%s", (int)(p - s), s, to, p + strlen(from));
}

/* Replace every occurrence; caller frees. */
static char *subst_all(const char *s, const char *from, const char *to)
{
    struct strbuf b;
    const char *p;

    strbuf_init(&b, 0);
    while ((p = strstr(s, from)) != NULL) {
        strbuf_append(&b, s, (size_t)(p - s));
        strbuf_puts(&b, to);
        s = p + strlen(from);
    }
    strbuf_puts(&b, s);
    return strbuf_detach(&b);
}

static void sample(struct result *r)
{
    result_init(r, "attach", "4XyZ1");
    result_add(r, "ATTACH_BANNED_EXT", 5.0, "invoice.exe");
    result_add(r, "TEST_MODULE", 1.0, NULL);
}

static void test_format(void)
{
    static const char want[] =
        "v=1; attach; qid=4XyZ1; score=6.00; "
        "symbols=ATTACH_BANNED_EXT(5.00)[invoice.exe], TEST_MODULE(1.00); "
        "sig=";
    static const char canon[] = "v=1;attach;qid=4XyZ1;score=6.00;"
                                "symbols=ATTACH_BANNED_EXT(5.00)[invoice.exe],"
                                "TEST_MODULE(1.00)";
    unsigned char md[32], b64[64];
    unsigned mdlen = 0;
    struct result r;
    char *h, *syms, *sig;

    sample(&r);
    h = result_format(&r, &cur);
    ok(strncmp(h, want, strlen(want)) == 0, "format: header value layout");
    diag("%s", h);
    HMAC(EVP_sha256(), cur.key, (int)cur.len, (const unsigned char *)canon,
         strlen(canon), md, &mdlen);
    EVP_EncodeBlock(b64, md, (int)mdlen);
    sig = strstr(h, "sig=");
    is_str(sig ? sig + 4 : NULL, (const char *)b64,
           "format: sig is base64 HMAC-SHA256 of the canonical string");
    syms = result_symbols_str(&r);
    is_str(syms, "ATTACH_BANNED_EXT(5.00)[invoice.exe], TEST_MODULE(1.00)",
           "result_symbols_str()");
    ok(result_has(&r, "TEST_MODULE") && !result_has(&r, "TEST"),
       "result_has() matches whole names");
    ok(result_score(&r) == 6.0, "result_score() is the sum");
    free(syms);
    free(h);
    result_free(&r);
}

static void test_sanitise(void)
{
    static const struct {
        const char *name, *detail;
        const char *want_name, *want_detail;
    } c[] = {
        {"ATTACH_BANNED_EXT", "my invoice.exe", "ATTACH_BANNED_EXT",
         "my_invoice.exe"},
        {"test_module", "x[1](2),;y", "TEST_MODULE", "x_1__2___y"},
        {"A-B.C", "r\xc3\xa4kning.exe", "A_B_C", "r?kning.exe"},
        {"CTRL", "a\r\nb\tc", "CTRL", "a??b_c"},
        {"EMPTY", "", "EMPTY", NULL},
        {"NONE", NULL, "NONE", NULL},
        {"LONG",
         "0123456789012345678901234567890123456789012345678901234567890123"
         "456789",
         "LONG",
         "0123456789012345678901234567890123456789012345678901234567890123"},
    };
    struct result r;

    result_init(&r, "attach", "Q1");
    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        result_add(&r, c[i].name, 1, c[i].detail);
        ok(strcmp(r.sym[i].name, c[i].want_name) == 0 &&
               ((c[i].want_detail == NULL && r.sym[i].detail == NULL) ||
                (c[i].want_detail && r.sym[i].detail &&
                 strcmp(r.sym[i].detail, c[i].want_detail) == 0)),
           "result_add sanitises %s / %s", c[i].want_name,
           c[i].want_detail ? c[i].want_detail : "(no detail)");
    }
    result_free(&r);
}

static void test_roundtrip(void)
{
    struct result r, v;
    const char *why = "";
    char *h;
    int rc;

    sample(&r);
    h = result_format(&r, &cur);
    rc = result_verify(h, "4XyZ1", &cur, NULL, &v, &why);
    ok(rc == 0, "verify: own header verifies");
    ok(rc == 0 && strcmp(v.milter, "attach") == 0 && v.n == 2 &&
           strcmp(v.sym[0].name, "ATTACH_BANNED_EXT") == 0 &&
           v.sym[0].score == 5.0 &&
           strcmp(v.sym[0].detail, "invoice.exe") == 0 &&
           v.sym[1].detail == NULL && strcmp(v.qid, "4XyZ1") == 0,
       "verify: fields come back as formatted");
    result_free(&v);
    rc = result_parse(h, &v, &why);
    ok(rc == 0 && v.n == 2 && result_score(&v) == 6.0,
       "parse: reads without a secret");
    result_free(&v);
    free(h);

    /* A result without symbols. */
    result_free(&r);
    result_init(&r, "policy", "ABC123");
    h = result_format(&r, &cur);
    ok(strstr(h, "score=0.00; symbols=; sig=") != NULL &&
           result_verify(h, "ABC123", &cur, NULL, &v, &why) == 0 && v.n == 0,
       "verify: empty symbol list");
    result_free(&v);
    free(h);
    result_free(&r);

    /* Negative scores (allow-lists) survive. */
    result_init(&r, "policy", "ABC123");
    result_add(&r, "ALLOWLIST", -2.5, "192.0.2.1");
    h = result_format(&r, &cur);
    ok(result_verify(h, "ABC123", &cur, NULL, &v, &why) == 0 &&
           v.sym[0].score == -2.5,
       "verify: negative score");
    result_free(&v);
    free(h);
    result_free(&r);
}

/* Each case edits a good header; the verdict must be the given why. */
static void test_tamper(void)
{
    static const struct {
        const char *name, *from, *to, *why;
    } c[] = {
        {"symbol score lowered (total adjusted)", "5.00)", "0.00)", NULL},
        {"total score changed alone", "score=6.00", "score=7.00", "malformed"},
        {"symbol renamed", "ATTACH_BANNED_EXT", "ATTACH_BANNED_EXX",
         "bad signature"},
        {"detail changed", "[invoice.exe]", "[invoice.pdf]", "bad signature"},
        {"detail removed", "[invoice.exe]", "", "bad signature"},
        {"symbol removed", "ATTACH_BANNED_EXT(5.00)[invoice.exe], ", "", NULL},
        {"milter changed", "; attach;", "; policy;", "bad signature"},
        {"qid changed", "qid=4XyZ1", "qid=4XyZ2", "bad signature"},
        {"signature changed", "sig=", "sig=A", NULL},
    };
    struct result r, v;
    char *h;

    sample(&r);
    h = result_format(&r, &cur);
    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        char *t = subst(h, c[i].from, c[i].to), *t2 = NULL;
        const char *why = NULL, *want = c[i].why;
        int rc;

        if (i == 0) { /* keep the total consistent with the symbols */
            t2 = subst(t, "score=6.00", "score=1.00");
            want = "bad signature";
        } else if (i == 5) {
            t2 = subst(t, "score=6.00", "score=1.00");
            want = "bad signature";
        } else if (i == 8) { /* same length: drop the last character */
            size_t n = strlen(t);

            t2 = xstrndup(t, n - 1);
            want = "bad signature";
        }
        rc = result_verify(t2 ? t2 : t, "4XyZ1", &cur, NULL, &v, &why);
        ok(rc < 0 && why && strcmp(why, want) == 0 && v.n == 0 && v.qid == NULL,
           "tamper: %s -> %s", c[i].name, want);
        if (rc == 0 || strcmp(why, want) != 0)
            diag("got rc=%d why=%s for %s", rc, why ? why : "-", t2 ? t2 : t);
        result_free(&v);
        free(t);
        free(t2);
    }
    {
        const char *why = NULL;

        ok(result_verify(h, "OTHERQID", &cur, NULL, &v, &why) < 0 &&
               strcmp(why, "wrong qid") == 0,
           "replay: a good header for another qid -> wrong qid");
        result_free(&v);
        ok(result_verify(h, NULL, &cur, NULL, &v, &why) < 0 &&
               strcmp(why, "wrong qid") == 0,
           "replay: no expected qid never matches");
        result_free(&v);
    }
    free(h);
    result_free(&r);
}

static void test_rotation(void)
{
    struct result r, v;
    const char *why = NULL;
    char *h;

    sample(&r);
    h = result_format(&r, &old);
    ok(result_verify(h, "4XyZ1", &cur, &old, &v, &why) == 0,
       "rotation: signed with the previous secret verifies as prev");
    result_free(&v);
    ok(result_verify(h, "4XyZ1", &cur, NULL, &v, &why) < 0 &&
           strcmp(why, "bad signature") == 0,
       "rotation: without prev it is a bad signature");
    result_free(&v);
    ok(result_verify(h, "4XyZ1", &old, NULL, &v, &why) == 0,
       "rotation: the old secret as current still verifies");
    result_free(&v);
    ok(result_verify(h, "4XyZ1", NULL, NULL, &v, &why) < 0 &&
           strcmp(why, "bad signature") == 0,
       "rotation: no secret at all is a bad signature");
    result_free(&v);
    free(h);
    result_free(&r);
}

static void test_folding(void)
{
    static const struct {
        const char *name, *sep_semi, *sep_comma;
    } c[] = {
        {"CRLF TAB after every separator", ";\r\n\t", ",\r\n\t"},
        {"LF SP (as milters see it)", ";\n ", ",\n "},
        {"tabs instead of spaces", ";\t", ",\t"},
        {"blanks before and after separators", " ; ", " , "},
        {"no blanks at all", ";", ","},
    };
    struct result r, v;
    char *h;

    sample(&r);
    h = result_format(&r, &cur);
    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        char *a = subst_all(h, "; ", c[i].sep_semi);
        char *b = subst_all(a, ", ", c[i].sep_comma);
        char *d = xasprintf(" \r\n\t%s\r\n ", b);
        const char *why = NULL;
        int rc = result_verify(d, "4XyZ1", &cur, NULL, &v, &why);

        ok(rc == 0 && v.n == 2, "folding: %s", c[i].name);
        if (rc != 0)
            diag("why=%s value=%s", why, d);
        result_free(&v);
        free(a);
        free(b);
        free(d);
    }
    {
        char *t = xasprintf("%s;", h);
        const char *why = NULL;

        ok(result_verify(t, "4XyZ1", &cur, NULL, &v, &why) == 0,
           "folding: one trailing ';' is accepted");
        result_free(&v);
        free(t);
    }
    free(h);
    result_free(&r);
}

static char *many_symbols(int n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_printf(&b, "v=1; attach; qid=Q1; score=%d.00; symbols=", n);
    for (int i = 0; i < n; i++)
        strbuf_printf(&b, "%sS%d(1.00)", i ? ", " : "", i);
    strbuf_puts(&b, "; sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    return strbuf_detach(&b);
}

static void test_malformed(void)
{
    static const struct {
        const char *name, *from, *to;
    } c[] = {
        {"empty value", NULL, ""},
        {"version 2", "v=1", "v=2"},
        {"no version", "v=1; ", ""},
        {"missing milter", "attach; ", ""},
        {"upper-case milter", "attach", "ATTACH"},
        {"missing qid", "qid=4XyZ1; ", ""},
        {"empty qid", "qid=4XyZ1", "qid="},
        {"qid with a blank inside", "qid=4XyZ1", "qid=4X yZ1"},
        {"score without decimals", "score=6.00", "score=6"},
        {"score with three decimals", "score=6.00", "score=6.000"},
        {"score in exponent form", "score=6.00", "score=6e0"},
        {"lower-case symbol name", "TEST_MODULE", "test_module"},
        {"symbol name of 48 characters", "TEST_MODULE",
         "TEST_MODULE_0123456789012345678901234567890123456"},
        {"blank inside a symbol", "TEST_MODULE(", "TEST_MODULE ("},
        {"missing ')'", "(1.00)", "(1.00"},
        {"empty detail", "[invoice.exe]", "[]"},
        {"detail over 64 bytes", "[invoice.exe]",
         "[01234567890123456789012345678901234567890123456789012345678901234]"},
        {"non-ASCII detail", "[invoice.exe]", "[r\xc3\xa4kning.exe]"},
        {"';' doubled", "; sig=", ";; sig="},
        {"empty symbol after ','", ", TEST_MODULE", ", , TEST_MODULE"},
        {"missing sig", "; sig=", "; nosig="},
        {"sig of 45 characters", NULL, "+"},
        {"garbage after sig", NULL, "; extra=1"},
        {"control character in the milter name", "attach", "att\x01ch"},
    };
    struct result r, v;
    char *h;

    sample(&r);
    h = result_format(&r, &cur);
    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        char *t;
        const char *why = NULL;
        int rc;

        if (c[i].from != NULL)
            t = subst(h, c[i].from, c[i].to);
        else if (c[i].to[0] == '\0') {
            t = xstrdup("");
        } else {
            t = xasprintf("%s%s", h, c[i].to);
        }
        rc = result_parse(t, &v, &why);
        ok(rc < 0 && why && strcmp(why, "malformed") == 0 && v.n == 0 &&
               v.qid == NULL,
           "malformed: %s", c[i].name);
        result_free(&v);
        free(t);
    }
    {
        char *t = many_symbols(64), *u = many_symbols(65);
        const char *why = NULL;

        ok(result_parse(t, &v, &why) == 0 && v.n == 64,
           "bounds: 64 symbols parse");
        result_free(&v);
        ok(result_parse(u, &v, &why) < 0, "bounds: 65 symbols are malformed");
        result_free(&v);
        free(t);
        free(u);
    }
    {
        char *t = xmalloc(20001);
        const char *why = NULL;

        memset(t, ' ', 20000);
        t[20000] = '\0';
        memcpy(t, h, strlen(h));
        ok(result_parse(t, &v, &why) < 0, "bounds: a 20000-byte value");
        result_free(&v);
        free(t);
    }
    free(h);
    result_free(&r);
}

static void test_many_added(void)
{
    struct result r, v;
    const char *why = NULL;
    char *h;

    result_init(&r, "attach", "Q1");
    for (int i = 0; i < 70; i++) {
        char name[16];

        snprintf(name, sizeof(name), "SYM%d", i % 66);
        result_add(&r, name, 1, "x.exe");
    }
    ok(r.n == 64 && result_score(&r) == 68.0,
       "result_add: at most 64 symbols, extra scores fold into same names");
    h = result_format(&r, &cur);
    ok(result_verify(h, "Q1", &cur, NULL, &v, &why) == 0 && v.n == 64,
       "result_add: a full result still verifies");
    result_free(&v);
    free(h);
    result_free(&r);
}

static void write_secret(const char *name, const char *content, mode_t mode)
{
    char path[128];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    if (fp == NULL)
        exit(1);
    fputs(content, fp);
    fclose(fp);
    chmod(path, mode);
}

static void test_secret(void)
{
    static const struct {
        const char *name, *content;
        mode_t mode;
        long want_len; /* -1: refused */
    } c[] = {
        {"exactly 32 bytes", "0123456789abcdef0123456789abcdef", 0600, 32},
        {"32 bytes and a newline", "0123456789abcdef0123456789abcdef\n", 0640,
         32},
        {"only one newline stripped", "0123456789abcdef0123456789abcde\n\n",
         0600, 32},
        {"31 bytes refused", "0123456789abcdef0123456789abcde", 0600, -1},
        {"31 bytes and a newline refused", "0123456789abcdef0123456789abcde\n",
         0600, -1},
        {"world-readable refused", "0123456789abcdef0123456789abcdef", 0644,
         -1},
        {"world-writable refused", "0123456789abcdef0123456789abcdef", 0602,
         -1},
        {"empty refused", "", 0600, -1},
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        char name[16], path[128];
        struct secret s;
        const char *err = NULL;
        int rc;

        snprintf(name, sizeof(name), "s%zu", i);
        write_secret(name, c[i].content, c[i].mode);
        snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
        rc = secret_load(path, &s, &err);
        if (c[i].want_len < 0)
            ok(rc < 0 && err && strncmp(err, path, strlen(path)) == 0,
               "secret_load: %s", c[i].name);
        else
            ok(rc == 0 && (long)s.len == c[i].want_len, "secret_load: %s",
               c[i].name);
        if (rc < 0)
            diag("%s", err);
        secret_free(&s);
    }
    {
        struct secret s;
        const char *err = NULL;

        ok(secret_load("/nonexistent/secret", &s, &err) < 0,
           "secret_load: missing file refused");
        ok(secret_load(tmpdir, &s, &err) < 0,
           "secret_load: a directory refused");
    }
}

int main(void)
{
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-result-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        skip_all("cannot make a temporary directory");
    test_format();
    test_sanitise();
    test_roundtrip();
    test_tamper();
    test_rotation();
    test_folding();
    test_malformed();
    test_many_added();
    test_secret();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
    return done_testing();
}
