/*
 * attach_hostile_test - sluice-attach's eom() on the ways a banned file
 *	got through hostile testing (issue 7), each with variants (another
 *	banned extension, one level deeper):
 *	  1. uuencoded files in a text body
 *	  2. TNEF (winmail.dat): the files inside, unreadable streams
 *	  3. zips whose local header and central directory disagree
 *	  4. a part with two Content-Type (or CTE, or disposition) headers
 *	  6. a message not buffered whole: on_error, not a pass
 *	  7. the depth reply, NTFS stream names, a NUL inside a name
 *	(5, header floods, is the glue's: t/milter/header_flood.lua and
 *	t/e2e/header_flood.sh.)
 *
 *	Configurations: t/data/attach/reject.conf (the defaults: reject),
 *	hostile_tag.conf (tnef_action, zip_names_action and parts_action
 *	tag), hostile_decoded.conf (a small mime_max_decoded).
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach_msg.h"
#include "hostile.h"

#define HDR                                                                    \
    "From: a@example.org\r\nTo: b@example.net\r\nSubject: test\r\n"            \
    "MIME-Version: 1.0\r\n"

struct hcase {
    const char *name;
    char *raw; /* owned */
    enum mod_rc rc;
    const char *sym;       /* must be there (NULL: no symbol at all) */
    const char *reply;     /* substring of the reply, or NULL */
    const char *not_reply; /* must not be in the reply, or NULL */
    struct env env;
};

static void check(void *st, struct hcase *c)
{
    const char *body = strstr(c->raw, "\r\n\r\n");
    struct run r;
    int good;

    run(st, c->raw, body ? (size_t)(body - c->raw) + 4 : strlen(c->raw),
        &c->env, &r);
    good = r.rc == c->rc;
    good = good && (c->sym ? result_has(&r.res, c->sym) : r.res.n == 0);
    if (c->reply)
        good = good && strstr(r.out.reply.text, c->reply) != NULL;
    if (c->not_reply)
        good = good && strstr(r.out.reply.text, c->not_reply) == NULL;
    if (!ok(good, "%s", c->name)) {
        char *syms = result_symbols_str(&r.res);

        diag("rc %d symbols %s reply %s %s %s", r.rc, syms, r.out.reply.rcode,
             r.out.reply.xcode, r.out.reply.text);
        free(syms);
    }
    run_free(&r);
    free(c->raw);
}

/* A message of one text/plain body. */
static char *text_msg(const char *body)
{
    return xasprintf(HDR "Content-Type: text/plain; charset=us-ascii\r\n\r\n%s",
                     body);
}

/* "begin 644 NAME" + data uuencoded + "end", inside text. */
static char *uu_text(const char *name, const unsigned char *d, size_t n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_printf(&b, "Hello,\r\n\r\nthe file you asked for:\r\n\r\n"
                      "begin 644 %s\r\n",
                  name);
    hx_uuencode(&b, d, n, "\r\n");
    strbuf_puts(&b, "end\r\n\r\nRegards,\r\nAlice\r\n");
    return strbuf_detach(&b);
}

static unsigned char *zipped(const char *name, const void *d, size_t n,
                             size_t *len_r)
{
    struct entry e = {name, d, n};

    return zip(&e, 1, NULL, len_r);
}

static const unsigned char vbs[] = "Set s = CreateObject(\"WScript.Shell\")\n";
static const unsigned char txt[] = "Minutes of the meeting.\n";

static void test_uuencode(void *st)
{
    unsigned char *z;
    size_t zn;
    char *t;
    struct hcase c[6] = {{0}};
    struct att a;

    t = uu_text("invoice.exe", pe, sizeof(pe));
    c[0] = (struct hcase){"1 uuencoded .exe in a text/plain body",
                          text_msg(t), MOD_REJECT, "ATTACH_BANNED_EXT",
                          "invoice.exe", NULL, {0}};
    free(t);
    t = uu_text("update.scr", pe, sizeof(pe));
    c[1] = (struct hcase){"1 uuencoded .scr in the text part of a multipart",
                          build(t, 0, NULL, 0, &zn), MOD_REJECT,
                          "ATTACH_BANNED_EXT", "update.scr", NULL, {0}};
    free(t);
    t = uu_text("report.pdf", pe, sizeof(pe));
    c[2] = (struct hcase){"1 uuencoded program named report.pdf",
                          text_msg(t), MOD_REJECT, "ATTACH_DISGUISED_EXE",
                          "report.pdf", NULL, {0}};
    free(t);
    z = zipped("setup.js", vbs, sizeof(vbs) - 1, &zn);
    t = uu_text("tools.zip", z, zn);
    free(z);
    c[3] = (struct hcase){"1 uuencoded zip with a .js, one level deeper",
                          text_msg(t), MOD_REJECT, "ATTACH_ARCHIVE_BANNED",
                          NULL, NULL, {0}};
    free(t);
    t = uu_text("invoice.vbs", vbs, sizeof(vbs) - 1);
    a = (struct att){"text/plain; charset=us-ascii", NULL,
                     (const unsigned char *)t, strlen(t)};
    c[4] = (struct hcase){"1 uuencoded .vbs in a base64 text part",
                          build("See below.", 0, &a, 1, &zn), MOD_REJECT,
                          "ATTACH_BANNED_EXT", "invoice.vbs", NULL, {0}};
    free(t);
    t = uu_text("minutes.txt", txt, sizeof(txt) - 1);
    c[5] = (struct hcase){"1 uuencoded text file: delivered", text_msg(t),
                          MOD_CONTINUE, NULL, NULL, NULL, {0}};
    free(t);
    for (size_t i = 0; i < 6; i++)
        check(st, &c[i]);
}

static char *tnef_msg(const char *ctype, const char *name,
                      const unsigned char *t, size_t n)
{
    struct att a = {ctype, NULL, t, n};
    char param[128];
    size_t off;

    snprintf(param, sizeof(param), "filename=%s", name);
    a.param = param;
    return build("Please see the attachment.", 0, &a, 1, &off);
}

static void test_tnef(void *st, void *tag)
{
    struct hx_att x = {0}, inner = {0};
    unsigned char *t, *z, *in;
    size_t n, zn, inn;
    struct hcase c[8] = {{0}};

    x.long_name = "invoice.exe";
    x.title = "INVOIC~1.EXE";
    x.data = pe;
    x.len = sizeof(pe);
    t = hx_tnef(&x, 1, &n);
    c[0] = (struct hcase){"2 winmail.dat with invoice.exe",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_REJECT, "ATTACH_ARCHIVE_BANNED", "invoice.exe",
                          NULL, {0}};
    c[1] = (struct hcase){"2 the same TNEF as data.bin, octet-stream",
                          tnef_msg("application/octet-stream", "data.bin", t,
                                   n),
                          MOD_REJECT, "ATTACH_ARCHIVE_BANNED", NULL, NULL,
                          {0}};
    free(t);
    x.long_name = "Q3 figures.pdf";
    x.title = NULL;
    t = hx_tnef(&x, 1, &n);
    c[2] = (struct hcase){"2 TNEF: a program named as a PDF",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_REJECT, "ATTACH_ARCHIVE_BANNED", NULL, NULL,
                          {0}};
    free(t);
    z = zipped("run.vbs", vbs, sizeof(vbs) - 1, &zn);
    x.long_name = "scripts.zip";
    x.data = z;
    x.len = zn;
    t = hx_tnef(&x, 1, &n);
    c[3] = (struct hcase){"2 TNEF: a zip with a .vbs, one level deeper",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_REJECT, "ATTACH_ARCHIVE_BANNED", "run.vbs",
                          NULL, {0}};
    free(t);
    free(z);
    inner.long_name = "deep.js";
    inner.data = vbs;
    inner.len = sizeof(vbs) - 1;
    in = hx_tnef(&inner, 1, &inn);
    memset(&x, 0, sizeof(x));
    x.long_name = "Fwd: invoice";
    x.embedded = in;
    x.embedded_len = inn;
    t = hx_tnef(&x, 1, &n);
    c[4] = (struct hcase){"2 TNEF: an embedded message with a .js",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_REJECT, "ATTACH_ARCHIVE_BANNED", "deep.js",
                          NULL, {0}};
    free(t);
    free(in);
    memset(&x, 0, sizeof(x));
    x.long_name = "minutes.txt";
    x.data = txt;
    x.len = sizeof(txt) - 1;
    t = hx_tnef(&x, 1, &n);
    c[5] = (struct hcase){"2 TNEF with a text file: delivered",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_CONTINUE, NULL, NULL, NULL, {0}};
    hx_tnef_corrupt(t, n, HX_BAD_CHECKSUM);
    c[6] = (struct hcase){"2 unreadable TNEF: refused as such",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_REJECT, "ATTACH_TNEF_UNREADABLE",
                          "could not be read", NULL, {0}};
    c[7] = (struct hcase){"2 unreadable TNEF, tnef_action = tag: scored",
                          tnef_msg("application/ms-tnef", "winmail.dat", t, n),
                          MOD_CONTINUE, "ATTACH_TNEF_UNREADABLE", NULL, NULL,
                          {0}};
    free(t);
    for (size_t i = 0; i < 7; i++)
        check(st, &c[i]);
    check(tag, &c[7]);
}

static char *zip_msg(const char *name, const unsigned char *z, size_t n)
{
    struct att a = {"application/zip", NULL, z, n};
    char param[128];
    size_t off;

    snprintf(param, sizeof(param), "filename=%s", name);
    a.param = param;
    return build("The notes.", 0, &a, 1, &off);
}

static void test_zip_names(void *st, void *tag)
{
    struct entry e[2] = {{"readme.txt", txt, sizeof(txt) - 1},
                         {"notes.txt", vbs, sizeof(vbs) - 1}};
    unsigned char *z, *outer;
    size_t zn, on;
    struct hcase c[5] = {{0}};

    z = zip(e, 2, NULL, &zn);
    hx_zip_rename(z, zn, "notes.txt", "notes.vbs");
    c[0] = (struct hcase){"3 local notes.txt, central notes.vbs",
                          zip_msg("notes.zip", z, zn), MOD_REJECT,
                          "ATTACH_ZIP_NAME_MISMATCH", "notes.zip", NULL, {0}};
    c[1] = (struct hcase){"3 ... and the central name is judged: banned",
                          zip_msg("notes.zip", z, zn), MOD_REJECT,
                          "ATTACH_ARCHIVE_BANNED", NULL, NULL, {0}};
    outer = zipped("inner.zip", z, zn, &on);
    c[2] = (struct hcase){"3 the same zip inside a zip, one level deeper",
                          zip_msg("outer.zip", outer, on), MOD_REJECT,
                          "ATTACH_ZIP_NAME_MISMATCH", NULL, NULL, {0}};
    free(outer);
    free(z);
    z = zip(e, 2, NULL, &zn);
    hx_zip_rename(z, zn, "readme.txt", "readme.log");
    c[3] = (struct hcase){"3 harmless names that disagree: refused as such",
                          zip_msg("notes.zip", z, zn), MOD_REJECT,
                          "ATTACH_ZIP_NAME_MISMATCH", "other file names",
                          NULL, {0}};
    c[4] = (struct hcase){"3 ... with zip_names_action = tag: scored",
                          zip_msg("notes.zip", z, zn), MOD_CONTINUE,
                          "ATTACH_ZIP_NAME_MISMATCH", NULL, NULL, {0}};
    free(z);
    for (size_t i = 0; i < 4; i++)
        check(st, &c[i]);
    check(tag, &c[4]);

    z = zip(e, 2, NULL, &zn);
    hx_zip_rename(z, zn, "notes.txt", "notes.scr");
    {
        struct hcase d = {"3 central notes.scr: banned by its central name",
                          zip_msg("notes.zip", z, zn), MOD_REJECT,
                          "ATTACH_ARCHIVE_BANNED", "notes", NULL, {0}};

        check(st, &d);
    }
    free(z);
}

#define EXE_B64                                                                \
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"

/* Two top-level Content-Type, the .exe behind the boundary of one. */
static char *two_ctypes(const char *exe_b, const char *text_b)
{
    return xasprintf(
        HDR "Content-Type: multipart/mixed; boundary=\"AAA\"\r\n"
            "Content-Type: multipart/mixed; boundary=\"BBB\"\r\n\r\n"
            "--%s\r\nContent-Type: text/plain\r\n\r\nHello.\r\n--%s--\r\n"
            "--%s\r\nContent-Type: application/octet-stream; "
            "name=\"run.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            EXE_B64 "--%s--\r\n",
        text_b, text_b, exe_b, exe_b);
}

static void test_ambiguous(void *st, void *tag)
{
    struct hcase c[6] = {{0}};

    c[5] = (struct hcase){
        "4 two Content-Type, the .exe behind the first boundary",
        two_ctypes("AAA", "BBB"), MOD_REJECT, "ATTACH_MIME_AMBIGUOUS",
        "Content-Type", NULL, {0}};
    check(st, &c[5]);
    c[0] = (struct hcase){
        "4 two Content-Type, the .exe behind the second boundary",
        two_ctypes("BBB", "AAA"), MOD_REJECT, "ATTACH_MIME_AMBIGUOUS", NULL,
        NULL, {0}};
    c[1] = (struct hcase){
        "4 two Content-Disposition names in one part",
        xstrdup(HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                    "--b\r\nContent-Type: application/octet-stream\r\n"
                    "Content-Disposition: attachment; filename=a.txt\r\n"
                    "Content-Disposition: attachment; filename=a.vbs\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n" EXE_B64
                    "--b--\r\n"),
        MOD_REJECT, "ATTACH_MIME_AMBIGUOUS", NULL, NULL, {0}};
    c[2] = (struct hcase){
        "4 two Content-Transfer-Encoding, one level deeper",
        xstrdup(HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                    "--b\r\nContent-Type: multipart/alternative; "
                    "boundary=c\r\n\r\n--c\r\nContent-Type: text/plain\r\n"
                    "Content-Transfer-Encoding: 7bit\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n" EXE_B64
                    "--c--\r\n--b--\r\n"),
        MOD_REJECT, "ATTACH_MIME_AMBIGUOUS", "Content-Transfer-Encoding",
        NULL, {0}};
    c[3] = (struct hcase){
        "4 the same Content-Type twice: delivered",
        xstrdup(HDR "Content-Type: text/plain; charset=us-ascii\r\n"
                    "Content-Type: text/plain;\r\n charset=us-ascii\r\n\r\n"
                    "Hello.\r\n"),
        MOD_CONTINUE, NULL, NULL, NULL, {0}};
    c[4] = (struct hcase){
        "4 two Content-Type, parts_action = tag: scored",
        xstrdup(HDR "Content-Type: text/plain\r\nContent-Type: text/html\r\n"
                    "\r\n<p>Hello.</p>\r\n"),
        MOD_CONTINUE, "ATTACH_MIME_AMBIGUOUS", NULL, NULL, {0}};
    for (size_t i = 0; i < 4; i++)
        check(st, &c[i]);
    check(tag, &c[4]);
}

static void test_truncated(void *st)
{
    struct hcase c[2] = {{0}};

    c[0] = (struct hcase){"6 a message not buffered whole: on_error "
                          "(tempfail), not a pass",
                          text_msg("The beginning of a long message.\r\n"),
                          MOD_TEMPFAIL, "ATTACH_TEMPFAIL", NULL, NULL, {0}};
    c[0].env.truncated = 1;
    c[0].env.size = 60000; /* under reject.conf's max_message_size */
    c[1] = (struct hcase){"6 ... unless it is refused for its size anyway",
                          text_msg("The beginning of a huge message.\r\n"),
                          MOD_REJECT, "ATTACH_TOO_BIG", NULL, NULL, {0}};
    c[1].env.truncated = 1;
    c[1].env.size = 200000;
    check(st, &c[0]);
    check(st, &c[1]);
}

/* multipart/mixed nested n deep, a text part at the bottom. */
static char *nested(int n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_puts(&b, HDR);
    for (int i = 0; i < n; i++)
        strbuf_printf(&b,
                      "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
                      "--b%d\r\n",
                      i, i);
    strbuf_puts(&b, "Content-Type: text/plain\r\n\r\nbottom\r\n");
    for (int i = n - 1; i >= 0; i--)
        strbuf_printf(&b, "--b%d--\r\n", i);
    return strbuf_detach(&b);
}

static char *named(const char *disposition)
{
    return xasprintf(HDR "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                         "--b\r\nContent-Type: text/plain\r\n\r\nHi.\r\n"
                         "--b\r\nContent-Type: application/octet-stream\r\n"
                         "Content-Disposition: attachment; %s\r\n"
                         "Content-Transfer-Encoding: base64\r\n\r\n"
                         "V1NjcmlwdC5FY2hvIDEK\r\n--b--\r\n",
                     disposition);
}

static void test_small_ones(void *st, void *small)
{
    struct hcase c[7] = {{0}};
    unsigned char big[6000];
    struct att a = {"application/octet-stream", "filename=big.dat", big,
                    sizeof(big)};
    size_t off;

    c[0] = (struct hcase){"7 too deep: the reply speaks of depth, not parts",
                          nested(25), MOD_REJECT, "ATTACH_TOO_MANY_PARTS",
                          "nested too deeply", "parts", {0}};
    c[1] = (struct hcase){"7 NTFS stream name evil.vbs::$DATA",
                          named("filename=\"evil.vbs::$DATA\""), MOD_REJECT,
                          "ATTACH_BANNED_EXT", "evil.vbs", NULL, {0}};
    c[2] = (struct hcase){"7 NTFS stream name, another extension, doubled",
                          named("filename=\"invoice.pdf.js:Zone.Identifier\""),
                          MOD_REJECT, "ATTACH_DOUBLE_EXT", NULL, NULL, {0}};
    c[3] = (struct hcase){"7 a NUL inside an RFC 2231 value",
                          named("filename*=utf-8''evil.txt%00.vbs"),
                          MOD_REJECT, "ATTACH_BANNED_EXT", NULL, NULL, {0}};
    c[4] = (struct hcase){"7 a NUL inside an RFC 2231 value, .exe, doubled",
                          named("filename*=utf-8''invoice.pdf%00.exe"),
                          MOD_REJECT, "ATTACH_DOUBLE_EXT", NULL, NULL, {0}};
    c[5] = (struct hcase){"7 a NUL inside an RFC 2047 word",
                          named("filename=\"=?utf-8?q?notes.txt=00.scr?=\""),
                          MOD_REJECT, "ATTACH_BANNED_EXT", NULL, NULL, {0}};
    memset(big, 'x', sizeof(big));
    c[6] = (struct hcase){"7 decoded size: the reply speaks of size",
                          build("Hi.", 0, &a, 1, &off), MOD_REJECT,
                          "ATTACH_TOO_MANY_PARTS", "too big once decoded",
                          "parts", {0}};
    for (size_t i = 0; i < 6; i++)
        check(st, &c[i]);
    check(small, &c[6]);
}

int main(void)
{
    void *st = NULL, *tag = NULL, *small = NULL;
    struct cfg *c1, *c2, *c3;

    setlocale(LC_CTYPE, "C.UTF-8");
    make_pe();
    c1 = load("reject.conf", &st);
    c2 = load("hostile_tag.conf", &tag);
    c3 = load("hostile_decoded.conf", &small);
    if (c1 == NULL || c2 == NULL || c3 == NULL) {
        ok(0, "the test configurations load");
        return done_testing();
    }
    test_uuencode(st);
    test_tnef(st, tag);
    test_zip_names(st, tag);
    test_ambiguous(st, tag);
    test_truncated(st);
    test_small_ones(st, small);
    return done_testing();
}
