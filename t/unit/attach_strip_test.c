/*
 * attach_strip_test - strip mode: attach_strip() on its own, and eom()
 *	with t/data/attach/strip.conf: the delivered message parses, keeps
 *	every other part byte for byte, and carries the notice; a signed
 *	message is refused instead; limits still refuse.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach_msg.h"
#include "mime.h"

#define OCT "application/octet-stream"
#define PE_ATT(param)                                                          \
    {                                                                          \
        OCT, param, pe, sizeof(pe)                                             \
    }

static void test_strip_cuts(void)
{
    static const char raw[] = "H: 1\r\n\r\nAAA[cut1]BBB[cut2]CCC";
    const size_t off = 8;
    struct attach_cut cuts[] = {
        {20, 26, "b.exe", "files of this type are not accepted"},
        {11, 17, "a.exe", "reason one"},
        {12, 14, "inner", "inside cut1"},
    };
    const struct attach_cut bad = {5, -1, "x", "y"};
    const char *error;
    char *body, *notice;
    size_t len;
    int whole;

    ok(attach_strip(raw, sizeof(raw) - 1, off, cuts, 3, &body, &len, &whole,
                    &error) == 0 &&
           !whole,
       "cuts: unordered and nested cuts are accepted");
    ok(strncmp(body, "AAA", 3) == 0 && strstr(body, "BBB") != NULL &&
           strcmp(body + len - 3, "CCC") == 0,
       "cuts: bytes between the cuts are kept");
    notice = attach_strip_notice("a.exe", "reason one");
    ok(strstr(body, notice) != NULL && strstr(body, "inner") == NULL,
       "cuts: one notice per cut, the nested cut dropped");
    ok(strstr(body, "Content-Type: text/plain; charset=utf-8\r\n") != NULL,
       "cuts: the notice part is text/plain in UTF-8, CRLF kept");
    is_str(notice,
           "The attachment a.exe was removed by the mail filter of this "
           "site: reason one.",
           "notice: the sentence");
    free(notice);
    free(body);
    ok(attach_strip(raw, sizeof(raw) - 1, off, &bad, 1, &body, &len, &whole,
                    &error) == -1,
       "cuts: a part with no known place cannot be cut");
}

/* raw with its body replaced: the message the MTA delivers. */
static char *delivered(const char *raw, size_t body_off,
                       const struct sl_edits *ed)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_append(&b, raw, body_off);
    strbuf_append(&b, ed->body, ed->body_len);
    return strbuf_detach(&b);
}

struct leaves {
    size_t n;
    char text[4][512];
    ssize_t start[4], end[4];
};

static int leaves_cb(const struct mime_part *p, void *arg)
{
    struct leaves *l = arg;
    size_t n = p->len < 511 ? p->len : 511;

    if (l->n >= 4)
        return 1;
    memcpy(l->text[l->n], p->data, n);
    l->text[l->n][n] = '\0';
    l->start[l->n] = p->part_start;
    l->end[l->n] = p->part_end;
    l->n++;
    return 0;
}

static void walk(const char *raw, struct leaves *l)
{
    static const struct mime_limits lim = {20, 100, 1 << 24};
    const char *error;
    unsigned hits;

    memset(l, 0, sizeof(*l));
    mime_walk(raw, strlen(raw), &lim, leaves_cb, l, &hits, &error);
}

static void test_strip_multipart(void *st)
{
    static const unsigned char pdf[] = "%PDF-1.4\n%%EOF\n";
    const struct att a[] = {
        {"application/pdf", "filename=ok.pdf", pdf, sizeof(pdf) - 1},
        PE_ATT("filename=invoice.exe"),
        {"application/pdf", "filename=ok2.pdf", pdf, sizeof(pdf) - 1}};
    size_t off, tail;
    char *raw = build("Hello.", 0, a, 3, &off), *out;
    struct leaves before, after;
    struct run r;

    run(st, raw, off, NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.ed.body != NULL &&
           result_has(&r.res, "ATTACH_BANNED_EXT"),
       "strip: the message goes on with a new body");
    ok(r.ed.nhdr == 0, "strip: top-level headers unchanged");
    if (r.ed.body == NULL) {
        run_free(&r);
        free(raw);
        return;
    }
    out = delivered(raw, off, &r.ed);
    walk(raw, &before);
    walk(out, &after);
    ok(after.n == 4, "strip: the delivered message parses, four parts");
    ok(strcmp(after.text[0], before.text[0]) == 0 &&
           strcmp(after.text[1], before.text[1]) == 0 &&
           strcmp(after.text[3], before.text[3]) == 0,
       "strip: the other parts decode as before");
    ok(strstr(after.text[2], "The attachment invoice.exe was removed by the "
                             "mail filter of this site: ") != NULL,
       "strip: the notice replaces the part");
    ok(memcmp(out, raw, (size_t)before.start[2]) == 0,
       "strip: every byte before the part is kept");
    tail = strlen(raw) - (size_t)before.end[2];
    ok(memcmp(out + strlen(out) - tail, raw + before.end[2], tail) == 0,
       "strip: every byte after the part is kept");
    free(out);
    run_free(&r);
    free(raw);
}

static void test_strip_single(void *st)
{
    struct strbuf b;
    size_t off;
    char *raw;
    struct run r;
    int ct = 0, cte = 0;
    size_t i;

    strbuf_init(&b, 0);
    strbuf_puts(&b, "From: a@example.org\r\nSubject: x\r\n"
                    "Content-Type: application/octet-stream; name=run.exe\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n");
    off = b.len;
    b64(&b, pe, sizeof(pe));
    strbuf_puts(&b, "\r\n");
    raw = strbuf_detach(&b);
    run(st, raw, off, NULL, &r);
    for (i = 0; i < r.ed.nhdr; i++) {
        ct |= str_casecmp(r.ed.hdr[i].name, "Content-Type") == 0 &&
              strcmp(r.ed.hdr[i].value, "text/plain; charset=utf-8") == 0;
        cte |= str_casecmp(r.ed.hdr[i].name, "Content-Transfer-Encoding") == 0;
    }
    ok(r.rc == MOD_CONTINUE && r.ed.body != NULL &&
           strncmp(r.ed.body, "The attachment run.exe was removed", 34) == 0,
       "strip single part: the body is the notice");
    ok(ct && cte, "strip single part: Content-Type becomes text/plain");
    run_free(&r);
    free(raw);
}

static void test_strip_signed(void *st)
{
    struct strbuf b;
    size_t off;
    char *raw;
    struct run r;

    strbuf_init(&b, 0);
    strbuf_puts(&b, "From: a@example.org\r\nSubject: x\r\n"
                    "Content-Type: multipart/signed; boundary=s; "
                    "protocol=\"application/pkcs7-signature\"\r\n\r\n");
    off = b.len;
    strbuf_puts(&b, "--s\r\nContent-Type: application/octet-stream; "
                    "name=run.exe\r\nContent-Transfer-Encoding: base64\r\n"
                    "\r\n");
    b64(&b, pe, sizeof(pe));
    strbuf_puts(&b, "\r\n--s\r\nContent-Type: application/pkcs7-signature"
                    "\r\n\r\nSIG\r\n--s--\r\n");
    raw = strbuf_detach(&b);
    run(st, raw, off, NULL, &r);
    ok(r.rc == MOD_REJECT && r.ed.body == NULL &&
           strstr(r.out.reply.text, "signed") != NULL,
       "strip signed: refused instead, nothing edited");
    run_free(&r);
    free(raw);
}

static void test_limits_strip_reject(void *st)
{
    static const unsigned char txt[] = "x\n";
    const struct att t = {"text/plain", NULL, txt, 2};
    size_t off;
    char *raw = build("Hello.", 0, &t, 1, &off);
    struct run r;
    struct env big = {.size = 60 << 20};

    run(st, raw, off, &big, &r);
    ok(r.rc == MOD_REJECT && result_has(&r.res, "ATTACH_TOO_BIG") &&
           strcmp(r.out.reply.rcode, "552") == 0,
       "strip mode: a size limit still refuses (552)");
    run_free(&r);
    free(raw);
}

int main(void)
{
    void *st;
    struct cfg *c;

    setlocale(LC_CTYPE, "C.UTF-8");
    make_pe();
    test_strip_cuts();
    if ((c = load("strip.conf", &st)) == NULL)
        return ok(0, "strip.conf loads"), done_testing();
    test_strip_multipart(st);
    test_strip_single(st);
    test_strip_signed(st);
    test_limits_strip_reject(st);
    attach_module.teardown(st);
    cfg_release(c);
    return done_testing();
}
