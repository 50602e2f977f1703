/*
 * attach_module_test - sluice-attach's eom() on whole messages: symbols,
 *	replies, limits, allow-lists, scores, tag mode (strip mode:
 *	attach_strip_test.c).
 *
 *	Configurations: t/data/attach/{reject,strip,tag,badscores}.conf.
 *	Attachments are made here: a minimal PE, zips written with
 *	libarchive (nested, encrypted, a bomb), an OOXML file with a VBA
 *	project.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach_msg.h"

struct rcase {
    const char *name;
    struct att att[4];
    size_t natt;
    const char *text;
    int text_last;
    struct env env;
    enum mod_rc rc;
    const char *sym;     /* must be there (NULL: no symbol at all) */
    const char *not_sym; /* must not be there */
    const char *reply;   /* substring of the reply text */
};

static void check_case(void *state, const struct rcase *c)
{
    size_t off;
    char *raw = build(c->text ? c->text : "Hello.", c->text_last, c->att,
                      c->natt, &off);
    struct run r;
    int good;

    run(state, raw, off, &c->env, &r);
    good = r.rc == c->rc;
    if (c->sym)
        good = good && result_has(&r.res, c->sym);
    else
        good = good && r.res.n == 0;
    if (c->not_sym)
        good = good && !result_has(&r.res, c->not_sym);
    if (c->reply)
        good = good && strstr(r.out.reply.text, c->reply) != NULL &&
               r.out.reply.rcode[0] == '5';
    if (!ok(good, "%s", c->name)) {
        char *syms = result_symbols_str(&r.res);

        diag("rc %d symbols %s reply %s %s %s", r.rc, syms, r.out.reply.rcode,
             r.out.reply.xcode, r.out.reply.text);
        free(syms);
    }
    run_free(&r);
    free(raw);
}

static unsigned char *zip_js3, *zip_exe, *zip_enc, *zip_bomb, *docm, *docx;
static size_t zip_js3_len, zip_exe_len, zip_enc_len, zip_bomb_len, docm_len,
    docx_len;

static void make_archives(void)
{
    static const unsigned char js[] = "WScript.Echo('hi');\n";
    static const unsigned char ct[] =
        "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats"
        ".org/package/2006/content-types\"></Types>";
    static const unsigned char txt[] = "just text\n";
    struct entry e[2];
    unsigned char *z1, *z2, *zeros;
    size_t l1, l2;

    e[0] = (struct entry){"deep/a.js", js, sizeof(js) - 1};
    z1 = zip(e, 1, NULL, &l1);
    e[0] = (struct entry){"inner.zip", z1, l1};
    z2 = zip(e, 1, NULL, &l2);
    e[0] = (struct entry){"middle.zip", z2, l2};
    zip_js3 = zip(e, 1, NULL, &zip_js3_len);
    free(z1);
    free(z2);
    e[0] = (struct entry){"readme.txt", txt, sizeof(txt) - 1};
    e[1] = (struct entry){"fake.exe", pe, sizeof(pe)};
    zip_exe = zip(e, 2, NULL, &zip_exe_len);
    e[0] = (struct entry){"tool.dat", pe, sizeof(pe)};
    zip_enc = zip(e, 1, "Xy7qPw", &zip_enc_len);
    zeros = xcalloc(1, 20 << 20);
    e[0] = (struct entry){"zeros.txt", zeros, 20 << 20};
    zip_bomb = zip(e, 1, NULL, &zip_bomb_len);
    free(zeros);
    e[0] = (struct entry){"[Content_Types].xml", ct, sizeof(ct) - 1};
    e[1] = (struct entry){"word/vbaProject.bin", txt, sizeof(txt) - 1};
    docm = zip(e, 2, NULL, &docm_len);
    e[1] = (struct entry){"word/document.xml", txt, sizeof(txt) - 1};
    docx = zip(e, 2, NULL, &docx_len);
}

#define OCT "application/octet-stream"
#define PE_ATT(param)                                                          \
    {                                                                          \
        OCT, param, pe, sizeof(pe)                                             \
    }

static void test_reject(void *st)
{
    static char *all_trusted[] = {"x@trusted.example", "y@trusted.example"};
    static char *one_trusted[] = {"x@trusted.example", "y@example.net"};
    static const unsigned char txt[] = "plain text attachment\n";
    static const unsigned char pdf[] = "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"
                                       "trailer\n<<>>\n%%EOF\n";
    const struct att t = {"text/plain", "filename=a.txt", txt, sizeof(txt) - 1};
    const struct rcase cases[] = {
        {"clean text and PDF pass",
         {{"application/pdf", "filename=report.pdf", pdf, sizeof(pdf) - 1}},
         1,
         NULL,
         0,
         {0},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {".exe is refused, reply names the file",
         {PE_ATT("filename=invoice.exe")},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_BANNED_EXT",
         NULL,
         "invoice.exe"},
        {".pdf.exe is refused as a double extension",
         {PE_ATT("filename=\"invoice.pdf.exe\"")},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_DOUBLE_EXT",
         NULL,
         "second extension"},
        {"PE named .pdf is a disguised executable",
         {{"application/pdf", "filename=report.pdf", pe, sizeof(pe)}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_DISGUISED_EXE",
         NULL,
         "disguised"},
        {"PE typed image/jpeg without a name is disguised",
         {{"image/jpeg", NULL, pe, sizeof(pe)}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_DISGUISED_EXE",
         NULL,
         NULL},
        {"RFC 2231 encoded .exe name",
         {PE_ATT("filename*=UTF-8''%E2%82%AC%20Rechnung%20M%C3%A4rz.exe")},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_BANNED_EXT",
         NULL,
         "Rechnung"},
        {"RFC 2047 encoded .scr name",
         {PE_ATT("filename=\"=?UTF-8?B?c2Nhbi5qcGcgICAuc2Ny?=\"")},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_DOUBLE_EXT",
         NULL,
         NULL},
        {"RLO in a name is a Unicode trick",
         {{OCT, "filename*=UTF-8''invoice%E2%80%AEfdp.txt", txt,
           sizeof(txt) - 1}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_UNICODE_TRICK",
         NULL,
         "special characters"},
        {"zip with an .exe inside: the reply names it as a path, no "
         "English \"in\" (the reply may be Swedish)",
         {{"application/zip", "filename=files.zip", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_ARCHIVE_BANNED",
         NULL,
         "Attachment files.zip/fake.exe was refused"},
        {"zip in zip in zip with a .js: the path from the attachment down",
         {{"application/zip", "filename=outer.zip", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_ARCHIVE_BANNED",
         NULL,
         "outer.zip/middle.zip/inner.zip/deep/a.js"},
        {"encrypted zip, no password: refused as encrypted",
         {{"application/zip", "filename=secret.zip", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_ENCRYPTED",
         NULL,
         "encrypted"},
        {"encrypted zip, password in the body: the program inside is found",
         {{"application/zip", "filename=secret.zip", NULL, 0}},
         1,
         "Hi, the password is: Xy7qPw",
         0,
         {0},
         MOD_REJECT,
         "ATTACH_ARCHIVE_BANNED",
         "ATTACH_ENCRYPTED",
         NULL},
        {"encrypted zip, password in a later text part: checked again",
         {{"application/zip", "filename=secret.zip", NULL, 0}},
         1,
         "Password: Xy7qPw",
         1,
         {0},
         MOD_REJECT,
         "ATTACH_ARCHIVE_BANNED",
         "ATTACH_ENCRYPTED",
         NULL},
        {"zip bomb hits a bound",
         {{"application/zip", "filename=zeros.zip", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_ARCHIVE_BOMB",
         NULL,
         NULL},
        {"docm with a VBA project is a macro",
         {{OCT, "filename=report.docm", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_MACRO",
         NULL,
         "macros"},
        {"docx without macros passes",
         {{OCT, "filename=report.docx", NULL, 0}},
         1,
         NULL,
         0,
         {0},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {"too many attachments",
         {t, t, t, t},
         4,
         NULL,
         0,
         {0},
         MOD_REJECT,
         "ATTACH_TOO_MANY_ATTACHMENTS",
         NULL,
         "at most 3"},
        {"three attachments are fine",
         {t, t, t},
         3,
         NULL,
         0,
         {0},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {"message too big, the reply states the limit",
         {t},
         1,
         NULL,
         0,
         {.size = 100000},
         MOD_REJECT,
         "ATTACH_TOO_BIG",
         NULL,
         "64 KB"},
        {"allow-listed sender is not checked",
         {PE_ATT("filename=invoice.exe")},
         1,
         NULL,
         0,
         {.from = "boss@example.org"},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {"allow-listed client is not checked",
         {PE_ATT("filename=invoice.exe")},
         1,
         NULL,
         0,
         {.client = "192.0.2.9"},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {"all recipients allow-listed: not checked",
         {PE_ATT("filename=invoice.exe")},
         1,
         NULL,
         0,
         {.rcpts = all_trusted, .nrcpts = 2},
         MOD_CONTINUE,
         NULL,
         NULL,
         NULL},
        {"one recipient not allow-listed: checked",
         {PE_ATT("filename=invoice.exe")},
         1,
         NULL,
         0,
         {.rcpts = one_trusted, .nrcpts = 2},
         MOD_REJECT,
         "ATTACH_BANNED_EXT",
         NULL,
         NULL},
    };
    struct rcase c;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        c = cases[i];
        if (c.att[0].data == NULL && c.natt == 1) {
            const char *p = c.att[0].param;

            c.att[0].data = strstr(p, "files")    ? zip_exe
                            : strstr(p, "outer")  ? zip_js3
                            : strstr(p, "secret") ? zip_enc
                            : strstr(p, "zeros")  ? zip_bomb
                            : strstr(p, "docm")   ? docm
                                                  : docx;
            c.att[0].len = strstr(p, "files")    ? zip_exe_len
                           : strstr(p, "outer")  ? zip_js3_len
                           : strstr(p, "secret") ? zip_enc_len
                           : strstr(p, "zeros")  ? zip_bomb_len
                           : strstr(p, "docm")   ? docm_len
                                                 : docx_len;
        }
        check_case(st, &c);
    }
}

static void test_too_many_parts(void *st)
{
    static const unsigned char txt[] = "x\n";
    const struct att t = {"text/plain", NULL, txt, 2};
    const struct att many[] = {t, t, t, t, t, t};
    size_t off;
    char *raw = build("Hello.", 0, many, 6, &off);
    struct run r;

    run(st, raw, off, NULL, &r);
    ok(r.rc == MOD_REJECT && result_has(&r.res, "ATTACH_TOO_MANY_PARTS") &&
           strstr(r.out.reply.text, "6") != NULL,
       "too many parts: refused, the reply states the limit");
    run_free(&r);
    free(raw);
}

static void test_scores(void *st)
{
    size_t off, i;
    const struct att a = {OCT, "filename=report.docm", docm, docm_len};
    char *raw = build("Hello.", 0, &a, 1, &off);
    struct run r;
    double score = -1;

    run(st, raw, off, NULL, &r);
    for (i = 0; i < r.res.n; i++)
        if (strcmp(r.res.sym[i].name, "ATTACH_MACRO") == 0)
            score = r.res.sym[i].score;
    ok(score == 7.0, "scores: ATTACH_MACRO=7 overrides the default");
    ok(r.res.n == 1 && strcmp(r.res.sym[0].detail, "report.docm") == 0,
       "scores: the detail is the file name");
    run_free(&r);
    free(raw);
}

static void test_tag(void *st)
{
    size_t off;
    static const unsigned char iso[64] = "not a real disk image";
    const struct att a[] = {PE_ATT("filename=invoice.exe"),
                            {OCT, "filename=disk.iso", iso, 64}};
    char *raw = build("Hello.", 0, a, 2, &off);
    struct run r;

    run(st, raw, off, NULL, &r);
    ok(r.rc == MOD_CONTINUE && result_has(&r.res, "ATTACH_BANNED_EXT") &&
           result_score(&r.res) == 10.0 && r.ed.body == NULL,
       "tag: .exe only scores");
    ok(r.res.n == 1, "tag: use_modern_list = no lets .iso pass");
    run_free(&r);
    free(raw);
}

static void test_bad_scores(void)
{
    void *st = NULL;
    struct cfg *c = load("badscores.conf", &st);

    ok(c == NULL && st == NULL, "setup: unknown symbol or bad score fails");
}

int main(void)
{
    void *st;
    struct cfg *c;

    setlocale(LC_CTYPE, "C.UTF-8");
    make_pe();
    make_archives();
    if ((c = load("reject.conf", &st)) == NULL)
        return ok(0, "reject.conf loads"), done_testing();
    test_reject(st);
    test_too_many_parts(st);
    test_scores(st);
    attach_module.teardown(st);
    cfg_release(c);

    if ((c = load("tag.conf", &st)) == NULL)
        return ok(0, "tag.conf loads"), done_testing();
    test_tag(st);
    attach_module.teardown(st);
    cfg_release(c);

    test_bad_scores();
    free(zip_js3);
    free(zip_exe);
    free(zip_enc);
    free(zip_bomb);
    free(docm);
    free(docx);
    return done_testing();
}
