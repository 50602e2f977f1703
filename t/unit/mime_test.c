/*
 * mime_test - libcommon/mime.c: leaves, names, decoded bytes, places in
 *	the raw message, signed parts, limits; and what mime_parse() adds:
 *	uuencoded files in text parts as leaves, parts with a content
 *	header twice (ambiguous), names with a NUL read a second way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "hostile.h"
#include "mime.h"
#include "util.h"

#define MAXLEAF 16

struct leaf {
    char ctype[64];
    char name[128];
    char data[256];
    size_t len;
    int att, text, depth, in_signed, truncated;
    ssize_t start, end;
};

struct got {
    struct leaf l[MAXLEAF];
    size_t n;
    size_t stop_after; /* 0: never */
    unsigned hits;
    int rc;
};

static int collect(const struct mime_part *p, void *arg)
{
    struct got *g = arg;
    struct leaf *l;

    if (g->n >= MAXLEAF)
        return 1;
    l = &g->l[g->n++];
    snprintf(l->ctype, sizeof(l->ctype), "%s", p->ctype);
    snprintf(l->name, sizeof(l->name), "%s", p->filename ? p->filename : "");
    l->len = p->len < sizeof(l->data) - 1 ? p->len : sizeof(l->data) - 1;
    memcpy(l->data, p->data, l->len);
    l->data[l->len] = '\0';
    l->att = p->is_attachment;
    l->text = p->is_text;
    l->depth = p->depth;
    l->in_signed = p->in_signed;
    l->truncated = p->truncated;
    l->start = p->part_start;
    l->end = p->part_end;
    return g->stop_after && g->n >= g->stop_after;
}

static void walk(const char *raw, const struct mime_limits *lim, struct got *g)
{
    const char *error;
    static const struct mime_limits def = {20, 500, 100 << 20};

    g->rc = mime_walk(raw, strlen(raw), lim ? lim : &def, collect, g, &g->hits,
                      &error);
}

/* raw[start..end) starts with `head` and ends with `tail`. */
static int slice_is(const char *raw, const struct leaf *l, const char *head,
                    const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail);

    if (l->start < 0 || l->end < l->start + (ssize_t)(hl > tl ? hl : tl))
        return 0;
    return strncmp(raw + l->start, head, hl) == 0 &&
           strncmp(raw + l->end - tl, tail, tl) == 0;
}

static const char mixed[] =
    "From: a@example.org\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Gr=FC=DFe\r\n"
    "--XX\r\n"
    "Content-Type: application/octet-stream; name=\"a.exe\"\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "TVqQAA==\r\n"
    "--XX\r\n"
    "\r\n"
    "no headers\r\n"
    "--XX\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "Subject: inner\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "inner body\r\n"
    "--XX--\r\n"
    "epilogue\r\n";

static void test_mixed(void)
{
    struct got g = {0};

    walk(mixed, NULL, &g);
    is_int(g.rc, 0, "mixed: parses");
    is_int((long long)g.n, 4, "mixed: four leaves, message/rfc822 walked");
    is_str(g.l[0].ctype, "text/plain", "mixed: first leaf is text/plain");
    ok(g.l[0].text && !g.l[0].att, "mixed: inline text is text");
    ok(g.l[0].len == 5 && memcmp(g.l[0].data,
                                 "Gr\xfc\xdf"
                                 "e",
                                 5) == 0,
       "mixed: quoted-printable decoded, charset left alone");
    is_str(g.l[1].name, "a.exe", "mixed: Content-Type name is the filename");
    ok(g.l[1].att && !g.l[1].text, "mixed: named part is an attachment");
    ok(g.l[1].len == 4 && memcmp(g.l[1].data, "MZ\x90\0", 4) == 0,
       "mixed: base64 decoded");
    is_int(g.l[1].depth, 1, "mixed: multipart child has depth 1");
    ok(slice_is(mixed, &g.l[1], "Content-Type: application/octet-stream",
                "TVqQAA=="),
       "mixed: part_start..part_end is the header block through content");
    ok(slice_is(mixed, &g.l[2], "\r\nno headers", "no headers"),
       "mixed: a headerless part starts at its empty line");
    is_int(g.l[3].depth, 2, "mixed: inner message's body has depth 2");
    ok(slice_is(mixed, &g.l[3], "Content-Type: message/rfc822", "inner body"),
       "mixed: single-part inner message is placed as its rfc822 part");
    is_int(g.hits, 0, "mixed: no limit hit");
}

static void test_names(void)
{
    static const struct {
        const char *param, *want, *name;
    } cases[] = {
        {"Content-Disposition: attachment; "
         "filename*=UTF-8''%E2%82%AC%20Rechnung%20M%C3%A4rz.exe",
         "\xe2\x82\xac Rechnung M\xc3\xa4rz.exe", "RFC 2231 UTF-8 filename"},
        {"Content-Disposition: attachment; filename*0*=UTF-8''l%C3%A4ng; "
         "filename*1*=er.zip",
         "l\xc3\xa4nger.zip", "RFC 2231 continued filename"},
        {"Content-Disposition: attachment; "
         "filename=\"=?UTF-8?B?w7xiZXIucGRm?=\"",
         "\xc3\xbc"
         "ber.pdf",
         "RFC 2047 word in a quoted filename"},
        {"Content-Disposition: attachment; "
         "filename*=iso-8859-1''%E4.txt",
         "\xc3\xa4.txt", "RFC 2231 Latin-1 filename made UTF-8"},
        {"Content-Disposition: attachment", "", "attachment without name"},
    };
    char raw[1024];
    struct got g;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&g, 0, sizeof(g));
        snprintf(raw, sizeof(raw),
                 "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                 "--b\r\nContent-Type: application/octet-stream\r\n"
                 "%s\r\n\r\nx\r\n--b--\r\n",
                 cases[i].param);
        walk(raw, NULL, &g);
        ok(g.n == 1 && strcmp(g.l[0].name, cases[i].want) == 0 && g.l[0].att,
           "name: %s", cases[i].name);
    }
}

static const char signed_msg[] =
    "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
    "--o\r\nContent-Type: text/plain\r\n\r\noutside\r\n"
    "--o\r\n"
    "Content-Type: multipart/signed; boundary=s; "
    "protocol=\"application/pgp-signature\"; micalg=pgp-sha256\r\n\r\n"
    "--s\r\nContent-Type: text/plain\r\n\r\nsigned text\r\n"
    "--s\r\nContent-Type: application/pgp-signature\r\n\r\nSIG\r\n"
    "--s--\r\n"
    "--o--\r\n";

static void test_signed(void)
{
    struct got g = {0};

    walk(signed_msg, NULL, &g);
    ok(g.n == 3, "signed: three leaves");
    ok(!g.l[0].in_signed, "signed: part outside multipart/signed");
    ok(g.l[1].in_signed && g.l[2].in_signed,
       "signed: parts inside multipart/signed are marked");
}

static void test_limits(void)
{
    struct mime_limits parts = {20, 2, 1 << 20}, depth = {1, 500, 1 << 20},
                       dec = {20, 500, 7};
    struct got g;

    memset(&g, 0, sizeof(g));
    walk(mixed, &parts, &g);
    ok(g.n == 2 && (g.hits & MIME_HIT_PARTS),
       "limits: max_parts stops the walk and is flagged");
    memset(&g, 0, sizeof(g));
    walk(mixed, &depth, &g);
    ok(g.n == 3 && (g.hits & MIME_HIT_DEPTH),
       "limits: max_depth skips the inner message and is flagged");
    memset(&g, 0, sizeof(g));
    walk(mixed, &dec, &g);
    ok((g.hits & MIME_HIT_DECODED) && g.l[1].truncated && g.l[1].len == 2,
       "limits: max_decoded truncates the part that passes it");
    ok(g.n == 4 && g.l[3].len == 0,
       "limits: later parts still come, without bytes");
    memset(&g, 0, sizeof(g));
    g.stop_after = 1;
    walk(mixed, NULL, &g);
    is_int((long long)g.n, 1, "limits: a callback can stop the walk");
}

static void test_single(void)
{
    static const char raw[] = "Subject: x\r\n"
                              "Content-Type: application/pdf; name=a.pdf\r\n"
                              "Content-Transfer-Encoding: base64\r\n"
                              "\r\n"
                              "JVBERi0=\r\n";
    struct got g = {0};
    size_t body_off = strstr(raw, "\r\n\r\n") + 4 - raw;

    walk(raw, NULL, &g);
    ok(g.n == 1 && g.l[0].depth == 0, "single: one leaf at depth 0");
    ok(g.l[0].start >= 0 && (size_t)g.l[0].start < body_off,
       "single: its place starts in the header block");
    is_str(g.l[0].data, "%PDF-", "single: decoded");
    memset(&g, 0, sizeof(g));
    walk("", NULL, &g);
    ok(g.rc == 0 || g.rc == -1, "empty: no crash");
    memset(&g, 0, sizeof(g));
    walk("garbage without headers", NULL, &g);
    ok(g.rc == 0 || g.rc == -1, "no header block: no crash");
}

/* base64 of "Content-Type: application/octet-stream; name=x.exe\r\n\r\nMZ" */
static const char encoded_msg[] =
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: message/rfc822\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\n"
    "Q29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9vY3RldC1zdHJlYW07IG5hbWU9eC5leGUN"
    "Cg0KTVo=\r\n"
    "--b--\r\n";

static void test_encoded_message(void)
{
    struct got g = {0};

    walk(encoded_msg, NULL, &g);
    ok(g.n == 1 && strcmp(g.l[0].name, "x.exe") == 0 &&
           strcmp(g.l[0].data, "MZ") == 0,
       "encoded message/rfc822: decoded and walked as a message");
    ok(g.l[0].depth == 2 &&
           slice_is(encoded_msg, &g.l[0], "Content-Type: message/rfc822",
                    "Cg0KTVo="),
       "encoded message/rfc822: its leaves are placed at the encoded part");
}

/* n multiparts nested in each other, a text leaf at the bottom. */
static char *nested(int n)
{
    struct strbuf b;
    int i;

    strbuf_init(&b, 0);
    for (i = 0; i < n; i++)
        strbuf_printf(&b,
                      "Content-Type: multipart/mixed; boundary=b%d\r\n\r\n"
                      "--b%d\r\n",
                      i, i);
    strbuf_puts(&b, "Content-Type: text/plain\r\n\r\nbottom\r\n");
    for (i = n - 1; i >= 0; i--)
        strbuf_printf(&b, "--b%d--\r\n", i);
    return strbuf_detach(&b);
}

static void test_deep(void)
{
    struct mime_limits lim = {20, 500, 1 << 20};
    struct got g = {0};
    char *raw = nested(10);

    walk(raw, &lim, &g);
    ok(g.n == 1 && g.l[0].depth == 10 && g.hits == 0,
       "nesting: 10 levels are walked");
    free(raw);
    memset(&g, 0, sizeof(g));
    raw = nested(3000);
    walk(raw, &lim, &g);
    ok(g.n == 0 && (g.hits & MIME_HIT_DEPTH),
       "nesting: 3000 levels stop at max_depth, no crash");
    free(raw);
}

static void test_top_ctype(void)
{
    static const struct {
        const char *raw, *want, *name;
    } cases[] = {
        {"Subject: a\r\nContent-Type:\r\n Multipart/Signed; boundary=x\r\n"
         "\r\nbody",
         "multipart/signed", "folded and mixed case"},
        {"Subject: a\r\n\r\nContent-Type: image/png\r\n", "text/plain",
         "none in the header block"},
        {"content-type: application/PDF\n\n", "application/pdf",
         "LF line ends"},
    };
    size_t i;
    char *t;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        t = mime_top_ctype(cases[i].raw, strlen(cases[i].raw));
        is_str(t, cases[i].want, cases[i].name);
        free(t);
    }
}

/* The one parse: the tree holds what the walk gave, and the structure. */
static size_t body_of(const char *raw)
{
    const char *p = strstr(raw, "\r\n\r\n");

    return p ? (size_t)(p - raw) + 4 : strlen(raw);
}

static void test_tree(void)
{
    static const char loose[] =
        "From: a@example.org\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"B\"\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nvisible\r\n"
        "--B junk\r\nContent-Type: application/octet-stream; name=x.exe\r\n"
        "\r\nMZ\r\n--B--\r\n";
    const struct mime_limits lim = {20, 500, 1 << 20};
    struct mime_tree *t = NULL;
    const char *err = NULL;

    ok(mime_parse(mixed, strlen(mixed), body_of(mixed), &lim, &t, &err) == 0 &&
           t != NULL,
       "tree: parses");
    if (t == NULL)
        return;
    is_int((long long)t->nparts, 4, "tree: the four leaves of the walk");
    is_str(t->parts[1].filename, "a.exe", "tree: names are kept");
    ok(t->parts[1].len == 4 && memcmp(t->parts[1].data, "MZ\x90\0", 4) == 0,
       "tree: decoded bytes are kept after the walk");
    is_str(t->top_ctype, "multipart/mixed", "tree: the top Content-Type");
    ok(t->top_multipart && !t->unreadable && !t->is_signed,
       "tree: a readable multipart, not signed");
    mime_tree_free(t);
    t = NULL;
    ok(mime_parse(signed_msg, strlen(signed_msg), body_of(signed_msg), &lim, &t,
                  &err) == 0 &&
           t->is_signed,
       "tree: a part inside multipart/signed makes the message signed");
    mime_tree_free(t);
    t = NULL;
    ok(mime_parse(loose, strlen(loose), body_of(loose), &lim, &t, &err) == 0 &&
           t->loose == 1 && t->unreadable,
       "tree: a loose delimiter hiding a part is unreadable");
    mime_tree_free(t);
    t = NULL;
    ok(mime_parse("no header block", 15, 15, &lim, &t, &err) < 0 && t == NULL &&
           err != NULL,
       "tree: a message GMime cannot parse is an error, not an empty tree");
}

static unsigned char bin[300];

/* A text/plain message whose body is `before`, blocks, `after`. */
static char *uu_message(const char *cte, const char *body)
{
    return xasprintf("From: a@example.org\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=us-ascii\r\n"
                     "%s%s%s\r\n%s",
                     cte ? "Content-Transfer-Encoding: " : "", cte ? cte : "",
                     cte ? "\r\n" : "", body);
}

static struct mime_tree *parse(const char *raw, const struct mime_limits *lim)
{
    static const struct mime_limits def = {20, 500, 100 << 20};
    struct mime_tree *t = NULL;
    const char *error;
    const char *body = strstr(raw, "\r\n\r\n");

    if (mime_parse(raw, strlen(raw), body ? (size_t)(body - raw) + 4 : 0,
                   lim ? lim : &def, &t, &error) < 0)
        return NULL;
    return t;
}

static int is_bin(const struct mime_part *p, size_t n)
{
    return p->len == n && memcmp(p->data, bin, n) == 0;
}

static void test_uuencode(void)
{
    struct strbuf b;
    struct mime_tree *t;
    struct got g = {0};
    char *raw;

    for (size_t i = 0; i < sizeof(bin); i++)
        bin[i] = (unsigned char)(i * 7 + 3);
    strbuf_init(&b, 0);
    strbuf_puts(&b, "Hi,\r\n\r\nthe invoice:\r\n\r\nbegin 644 invoice.exe\r\n");
    hx_uuencode(&b, bin, sizeof(bin), "\r\n");
    strbuf_puts(&b, "end\r\n\r\nRegards\r\n");
    raw = uu_message(NULL, b.data);
    t = parse(raw, NULL);
    ok(t && t->nparts == 2 && !t->parts[0].from_uuencode &&
           t->parts[1].from_uuencode && t->parts[1].is_attachment &&
           !t->parts[1].is_text && t->parts[1].index == 1 &&
           strcmp(t->parts[1].filename, "invoice.exe") == 0 &&
           is_bin(&t->parts[1], sizeof(bin)),
       "uuencode in a text body (CRLF): a leaf named invoice.exe with the "
       "decoded bytes");
    ok(t && t->parts[1].part_start == t->parts[0].part_start &&
           t->parts[1].part_end == t->parts[0].part_end,
       "uuencode: the leaf has the text part's place");
    mime_tree_free(t);
    walk(raw, NULL, &g);
    ok(g.n == 1, "mime_walk() alone does not give uuencoded blocks");
    free(raw);

    /* LF, trailing blanks, no end line, a second block (base64). */
    strbuf_reset(&b);
    strbuf_puts(&b, "begin 0755 run.scr\n");
    hx_uuencode(&b, bin, 90, "   \n");
    strbuf_puts(&b, "begin-base64 644 second.js\n"
                    "d2luZG93cy5jbG9zZSgp\n====\ntrailing text\n");
    raw = uu_message("quoted-printable", b.data);
    t = parse(raw, NULL);
    ok(t && t->nparts == 3 && strcmp(t->parts[1].filename, "run.scr") == 0 &&
           is_bin(&t->parts[1], 90),
       "uuencode: trailing blanks on the lines and no end line");
    ok(t && t->nparts == 3 && strcmp(t->parts[2].filename, "second.js") == 0 &&
           t->parts[2].len == 15 &&
           memcmp(t->parts[2].data, "windows.close()", 15) == 0,
       "begin-base64 (uuencode -m): a second leaf");
    mime_tree_free(t);
    free(raw);

    /* Bounds: the blocks count as parts and decoded bytes. */
    strbuf_reset(&b);
    strbuf_puts(&b, "begin 644 a.exe\r\n");
    hx_uuencode(&b, bin, sizeof(bin), "\r\n");
    strbuf_puts(&b, "end\r\n");
    raw = uu_message(NULL, b.data);
    t = parse(raw, &(struct mime_limits){20, 1, 100 << 20});
    ok(t && t->nparts == 1 && (t->hits & MIME_HIT_PARTS),
       "uuencode: a block past max_parts is a parts hit");
    mime_tree_free(t);
    t = parse(raw, &(struct mime_limits){20, 10, strlen(b.data) + 100});
    ok(t && t->nparts == 2 && t->parts[1].truncated &&
           (t->hits & MIME_HIT_DECODED),
       "uuencode: a block past max_decoded is cut and a decoded hit");
    mime_tree_free(t);
    free(raw);
    strbuf_free(&b);
}

static void test_ambiguous(void)
{
    static const struct {
        const char *raw, *what, *name;
    } cases[] = {
        {"Content-Type: multipart/mixed; boundary=AAA\r\n"
         "Content-Type: multipart/mixed; boundary=BBB\r\n\r\n"
         "--AAA\r\nContent-Type: text/plain\r\n\r\nhi\r\n--AAA--\r\n"
         "--BBB\r\nContent-Type: application/octet-stream; name=x.exe\r\n"
         "\r\nMZ\r\n--BBB--\r\n",
         "Content-Type", "two top-level Content-Type, two boundaries"},
        {"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
         "--b\r\nContent-Type: text/plain\r\n"
         "Content-Transfer-Encoding: 7bit\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n",
         "Content-Transfer-Encoding", "a part with two encodings"},
        {"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
         "--b\r\nContent-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; filename=a.txt\r\n"
         "Content-Disposition: attachment; filename=a.exe\r\n\r\n"
         "MZ\r\n--b--\r\n",
         "Content-Disposition", "a part with two dispositions"},
        {"Content-Type: message/rfc822\r\n\r\n"
         "Content-Type: text/plain\r\nContent-Type: text/html\r\n\r\n"
         "<b>x</b>\r\n",
         "Content-Type", "an inner message with two Content-Type"},
        {"Content-Type: multipart/mixed; boundary=b\r\n"
         "Content-Type:  multipart/mixed;\r\n boundary=b\r\n\r\n"
         "--b\r\nContent-Transfer-Encoding: BASE64\r\n"
         "Content-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n",
         NULL, "the same value twice (folded, other case) is not ambiguous"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct mime_tree *t = parse(cases[i].raw, NULL);

        if (cases[i].what)
            ok(t && t->ambiguous >= 1 && t->ambiguous_what &&
                   strcmp(t->ambiguous_what, cases[i].what) == 0,
               "ambiguous: %s (%s)", cases[i].name, cases[i].what);
        else
            ok(t && t->ambiguous == 0, "%s", cases[i].name);
        mime_tree_free(t);
    }
}

/* A name with a NUL inside: one of the readings has what follows it. */
static void test_nul_names(void)
{
    static const struct {
        const char *raw, *danger, *what;
    } cases[] = {
        {"Content-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; "
         "filename*=utf-8''evil.txt%00.vbs\r\n\r\nx\r\n",
         "evil.txt.vbs", "RFC 2231 %00 in filename*"},
        {"Content-Type: application/octet-stream; "
         "name*0*=utf-8''invoice.pdf%00;\r\n name*1=\".exe\"\r\n\r\nx\r\n",
         "invoice.pdf.exe",
         "RFC 2231 continuation, NUL in the first piece of name*"},
        {"Content-Type: application/octet-stream\r\n"
         "Content-Disposition: attachment; "
         "filename=\"=?utf-8?q?report.doc=00.js?=\"\r\n\r\nx\r\n",
         "report.doc.js", "RFC 2047 Q =00"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct mime_tree *t = parse(cases[i].raw, NULL);
        const struct mime_part *p = t && t->nparts ? &t->parts[0] : NULL;
        int good = p && ((p->filename &&
                          strcmp(p->filename, cases[i].danger) == 0) ||
                         (p->filename_alt &&
                          strcmp(p->filename_alt, cases[i].danger) == 0));

        if (!ok(good, "NUL in a name: %s: one reading is %s", cases[i].what,
                cases[i].danger) &&
            p)
            diag("name '%s' alt '%s'", p->filename ? p->filename : "(null)",
                 p->filename_alt ? p->filename_alt : "(null)");
        mime_tree_free(t);
    }
    {
        struct mime_tree *t = parse(
            "Content-Type: application/octet-stream\r\nContent-Disposition: "
            "attachment; filename=plain%20.txt\r\n\r\nx\r\n",
            NULL);

        ok(t && t->nparts == 1 && t->parts[0].filename_alt == NULL,
           "no NUL in the name: no second reading");
        mime_tree_free(t);
    }
}

int main(void)
{
    mime_init();
    mime_init(); /* idempotent */
    test_uuencode();
    test_ambiguous();
    test_nul_names();
    test_mixed();
    test_names();
    test_signed();
    test_limits();
    test_single();
    test_encoded_message();
    test_deep();
    test_top_ctype();
    test_tree();
    return done_testing();
}
