/*
 * learn_feat - the features of one message (see learn.h, FEATURES).
 *
 * DESCRIPTION
 *	learn_features() resets fv and fills it: the header block first
 *	(Subject, From, Message-ID, X-Mailer, header names), then the MIME
 *	structure, then the text of every text part that is not an
 *	attachment (HTML through learn_html.c), then the words, sparse
 *	bigrams, character 4-grams and URLs of that text.  It ends by
 *	setting fv->norm to one over the vector's length.
 *
 *	The header block is read line by line from raw[0..body_off):
 *	folded lines are joined, names compared without case.  The Subject
 *	is decoded (RFC 2047) with GMime.
 *
 *	A word is a run of letters, digits and bytes >= 0x80 (UTF-8 or a
 *	legacy charset, taken as they are), with ' . $ - kept inside a
 *	word; 1 to 40 bytes, longer runs are one "long word" feature.  A
 *	sparse bigram pairs a word with each of the 4 before it, with
 *	their distance.  4-grams run over the normalised text bytes.
 *
 * OWNERSHIP
 *	Reads its input; fv is the caller's.
 */
#include <gmime/gmime.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "learn_int.h"
#include "mime.h"

#define WORD_MAX 40
#define OSB_WINDOW 4

static const char *const group_name[] = {
    "",      "word ", "pair ", "4gram ", "html ", "url ",
    "subj ", "subj-pair ", "subj-4gram ", "mime ", "hdr ",
};

void learn_feat(struct learn_ctx *c, enum learn_group g, const char *s,
                size_t len, float val)
{
    uint32_t i = learn_fv_add(c->fv, (uint32_t)g, s, len, val);

    if (c->cb != NULL) {
        char name[128];
        int n = snprintf(name, sizeof(name), "%s%.*s", group_name[g],
                         (int)(len < 100 ? len : 100), s);

        c->cb(i, name, (size_t)n < sizeof(name) ? (size_t)n : sizeof(name) - 1,
              c->arg);
    }
}

static int is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' ||
           ch == '\f' || ch == '\v';
}

void learn_text_put(struct learn_ctx *c, const unsigned char *s, size_t n)
{
    struct strbuf *t = &c->text;

    for (size_t i = 0; i < n && t->len < LEARN_TEXT_MAX; i++) {
        unsigned char ch = s[i];

        if (is_space(ch) || ch == 0) {
            if (t->len == 0 || t->data[t->len - 1] == ' ')
                continue;
            ch = ' ';
        } else if (ch >= 'A' && ch <= 'Z') {
            ch += 32;
        }
        strbuf_append(t, &ch, 1);
    }
}

static int word_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80;
}

static int word_inner(unsigned char ch)
{
    return ch == '\'' || ch == '.' || ch == '$' || ch == '-';
}

/* Words and sparse bigrams of text; seeds select body or subject. */
static void learn_words(struct learn_ctx *c, const char *s, size_t n,
                        enum learn_group gw, enum learn_group gp, float val)
{
    uint64_t prev[OSB_WINDOW] = {0};
    size_t nw = 0, i = 0;

    while (i < n) {
        size_t b, e;
        uint64_t h;

        while (i < n && !word_char((unsigned char)s[i]) && s[i] != '$')
            i++;
        for (b = i; i < n; i++) {
            unsigned char ch = (unsigned char)s[i];

            if (word_char(ch) || ch == '$')
                continue;
            if (word_inner(ch) && i + 1 < n && word_char((unsigned char)s[i + 1]))
                continue;
            break;
        }
        e = i;
        if (e == b)
            continue;
        if (e - b > WORD_MAX) {
            learn_feat(c, gw, "(long word)", 11, val);
            continue;
        }
        learn_feat(c, gw, s + b, e - b, val);
        h = learn_hash((uint32_t)gp, s + b, e - b);
        for (size_t d = 0; d < OSB_WINDOW && d < nw; d++) {
            uint64_t p = prev[(nw - 1 - d) % OSB_WINDOW];
            uint32_t idx = learn_fv_add_hash(c->fv, p * 0x9e3779b97f4a7c15ULL ^ h ^ (d + 1) << 56, val);

            if (c->cb != NULL) {
                char name[100];
                int l = snprintf(name, sizeof(name), "%s%zu:%.*s", group_name[gp],
                                 d + 1, (int)(e - b), s + b);

                c->cb(idx, name, (size_t)l < sizeof(name) ? (size_t)l : sizeof(name) - 1, c->arg);
            }
        }
        prev[nw % OSB_WINDOW] = h;
        nw++;
    }
}

/* Character 4-grams of normalised text. */
static void learn_c4(struct learn_ctx *c, const char *s, size_t n,
                     enum learn_group g, float val)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if (c->cb != NULL) {
            learn_feat(c, g, s + i, 4, val);
            continue;
        }
        learn_fv_add(c->fv, (uint32_t)g, s + i, 4, val);
    }
}

/* Word-shape of s: letters a, digits 9, others kept, runs folded. */
static size_t learn_shape(const char *s, size_t n, char *out, size_t cap)
{
    size_t k = 0;

    for (size_t i = 0; i < n && k < cap - 1; i++) {
        unsigned char ch = (unsigned char)s[i];
        char sh = (ch >= '0' && ch <= '9')                      ? '9'
                  : (ch >= 'a' && ch <= 'z')                    ? 'a'
                  : (ch >= 'A' && ch <= 'Z')                    ? 'A'
                  : ch >= 0x80                                  ? 'u'
                                                                : (char)ch;

        if (k == 0 || out[k - 1] != sh)
            out[k++] = sh;
    }
    out[k] = 0;
    return k;
}

static void learn_subject(struct learn_ctx *c, const char *v)
{
    char *dec = g_mime_utils_header_decode_text(NULL, v);
    struct learn_ctx sc = *c;
    size_t n;

    /* The subject's text is normalised in its own buffer. */
    strbuf_init(&sc.text, 0);
    learn_text_put(&sc, (const unsigned char *)(dec ? dec : v),
                   strlen(dec ? dec : v));
    n = sc.text.len;
    if (n > 0) {
        learn_words(c, sc.text.data, n, LG_SUBJ, LG_SUBJ_OSB, 1);
        learn_c4(c, sc.text.data, n, LG_SUBJ_C4, 1);
    } else {
        learn_feat(c, LG_SUBJ, "(empty)", 7, 1);
    }
    strbuf_free(&sc.text);
    g_free(dec);
}

static void learn_from(struct learn_ctx *c, const char *v)
{
    const char *lt = strchr(v, '<'), *at = strrchr(v, '@');
    char f[300];

    if (lt != NULL && lt > v)
        learn_words(c, v, (size_t)(lt - v), LG_HDR, LG_HDR, LEARN_HDR_WEIGHT);
    if (at != NULL) {
        size_t k = 0;

        memcpy(f, "fd:", 3);
        for (at++; *at && *at != '>' && !is_space((unsigned char)*at) && k < 250; at++)
            f[3 + k++] = (char)(*at >= 'A' && *at <= 'Z' ? *at + 32 : *at);
        learn_feat(c, LG_HDR, f, 3 + k, LEARN_HDR_WEIGHT);
    }
}

static void learn_msgid(struct learn_ctx *c, const char *v)
{
    const char *at = strchr(v, '@');
    char f[80] = "mid:";
    size_t n;

    if (at == NULL) {
        learn_feat(c, LG_HDR, "mid:(no @)", 10, LEARN_HDR_WEIGHT);
        return;
    }
    n = learn_shape(v, (size_t)(at - v), f + 4, sizeof(f) - 4);
    learn_feat(c, LG_HDR, f, 4 + n, LEARN_HDR_WEIGHT);
}

/* One unfolded header: name (lower case) and value. */
static void learn_header(struct learn_ctx *c, const char *name, const char *v)
{
    char f[80];
    int n = snprintf(f, sizeof(f), "hn:%s", name);

    learn_feat(c, LG_HDR, f, (size_t)n < sizeof(f) ? (size_t)n : sizeof(f) - 1,
               LEARN_HDR_WEIGHT);
    if (strcmp(name, "subject") == 0)
        learn_subject(c, v);
    else if (strcmp(name, "from") == 0)
        learn_from(c, v);
    else if (strcmp(name, "message-id") == 0)
        learn_msgid(c, v);
    else if (strcmp(name, "x-mailer") == 0 || strcmp(name, "user-agent") == 0)
        learn_words(c, v, strlen(v), LG_HDR, LG_HDR, LEARN_HDR_WEIGHT);
}

/* The header block, unfolded, one learn_header() per field. */
static void learn_headers(struct learn_ctx *c, const char *raw, size_t end)
{
    struct strbuf val;
    char name[64];
    size_t i = 0;
    int have = 0, subject = 0;

    strbuf_init(&val, 65536);
    while (i < end) {
        size_t e = i, ve;

        while (e < end && raw[e] != '\n')
            e++;
        ve = e > i && raw[e - 1] == '\r' ? e - 1 : e;
        if (ve > i && (raw[i] == ' ' || raw[i] == '\t')) {
            if (have)
                strbuf_append(&val, raw + i, ve - i);
        } else if (ve > i) {
            const char *colon = memchr(raw + i, ':', ve - i);
            size_t nl;

            if (have) {
                subject |= strcmp(name, "subject") == 0;
                learn_header(c, name, val.len ? val.data : "");
            }
            have = 0;
            strbuf_reset(&val);
            if (colon != NULL && (nl = (size_t)(colon - (raw + i))) > 0 &&
                nl < sizeof(name)) {
                for (size_t k = 0; k < nl; k++)
                    name[k] = (char)(raw[i + k] >= 'A' && raw[i + k] <= 'Z'
                                         ? raw[i + k] + 32
                                         : raw[i + k]);
                name[nl] = 0;
                for (colon++; colon < raw + ve && (*colon == ' ' || *colon == '\t');)
                    colon++;
                strbuf_append(&val, colon, (size_t)(raw + ve - colon));
                have = 1;
            }
        }
        i = e + 1;
    }
    if (have) {
        subject |= strcmp(name, "subject") == 0;
        learn_header(c, name, val.len ? val.data : "");
    }
    if (!subject)
        learn_feat(c, LG_SUBJ, "(none)", 6, 1);
    strbuf_free(&val);
}

static const char *file_ext(const char *fn)
{
    const char *dot = fn ? strrchr(fn, '.') : NULL;

    return dot != NULL && strlen(dot) <= 8 ? dot + 1 : "(none)";
}

/* The structure, and the text of the text parts. */
static void learn_parts(struct learn_ctx *c, const struct mime_tree *t)
{
    char f[160];
    int n;

    n = snprintf(f, sizeof(f), "top:%s", t->top_ctype ? t->top_ctype : "(none)");
    learn_feat(c, LG_MIME, f, (size_t)n < sizeof(f) ? (size_t)n : sizeof(f) - 1, 1);
    n = snprintf(f, sizeof(f), "nparts:%zu", t->nparts < 8 ? t->nparts : 8);
    learn_feat(c, LG_MIME, f, (size_t)n, 1);
    for (size_t i = 0; i < t->nparts; i++) {
        const struct mime_part *p = &t->parts[i];

        n = snprintf(f, sizeof(f), "part:%s", p->ctype ? p->ctype : "?");
        learn_feat(c, LG_MIME, f, (size_t)n < sizeof(f) ? (size_t)n : sizeof(f) - 1, 1);
        if (p->charset != NULL) {
            n = snprintf(f, sizeof(f), "charset:%s", p->charset);
            learn_feat(c, LG_MIME, f, (size_t)n < sizeof(f) ? (size_t)n : sizeof(f) - 1, 1);
        }
        if (p->is_attachment) {
            n = snprintf(f, sizeof(f), "att:%s", file_ext(p->filename));
            learn_feat(c, LG_MIME, f, (size_t)n < sizeof(f) ? (size_t)n : sizeof(f) - 1, 1);
            continue;
        }
        if (!p->is_text || c->text.len >= LEARN_TEXT_MAX)
            continue;
        if (p->ctype != NULL && strcmp(p->ctype, "text/html") == 0)
            learn_html(c, p->data, p->len);
        else
            learn_text_put(c, p->data, p->len);
        learn_text_put(c, (const unsigned char *)" ", 1);
    }
}

void learn_features(const struct learn_input *in, struct learn_fv *fv,
                    learn_name_cb name_cb, void *arg)
{
    struct learn_ctx c;
    double sum = 0;

    memset(&c, 0, sizeof(c));
    c.fv = fv;
    c.cb = name_cb;
    c.arg = arg;
    strbuf_init(&c.text, LEARN_TEXT_MAX + 1);
    learn_fv_reset(fv);
    learn_headers(&c, in->raw, in->body_off <= in->len ? in->body_off : in->len);
    if (in->mime != NULL)
        learn_parts(&c, in->mime);
    if (c.text.len > 0) {
        learn_words(&c, c.text.data, c.text.len, LG_WORD, LG_OSB, 1);
        learn_c4(&c, c.text.data, c.text.len, LG_C4, 1);
        learn_urls(&c, c.text.data, c.text.len);
    } else {
        learn_feat(&c, LG_WORD, "(no text)", 9, 1);
    }
    if (c.html > 0) {
        char f[32];
        int n = snprintf(f, sizeof(f), "markup:%d", (int)(10 * c.markup / (c.html + 1)));

        learn_feat(&c, LG_HTML, f, (size_t)n, 1);
    }
    for (size_t i = 0; i < fv->n; i++)
        sum += (double)fv->val[i] * fv->val[i];
    fv->norm = sum > 0 ? (float)(1.0 / sqrt(sum)) : 1.0f;
    strbuf_free(&c.text);
}

/* The offset of the body: after the first empty line (LF or CRLF). */
static size_t learn_body_off(const char *raw, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++) {
        if (raw[i] != '\n')
            continue;
        if (raw[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
            return i + 3;
    }
    return len;
}

void learn_message(const char *raw, size_t len, const struct mime_limits *lim,
                   struct learn_fv *fv, learn_name_cb name_cb, void *arg)
{
    struct mime_tree *t = NULL;
    struct learn_input in;
    const char *err;

    if (len > 5 && memcmp(raw, "From ", 5) == 0) {
        const char *nl = memchr(raw, '\n', len);

        if (nl != NULL) {
            len -= (size_t)(nl + 1 - raw);
            raw = nl + 1;
        }
    }
    in.raw = raw;
    in.len = len;
    in.body_off = learn_body_off(raw, len);
    if (mime_parse(raw, len, in.body_off, lim, &t, &err) < 0)
        t = NULL;
    in.mime = t;
    learn_features(&in, fv, name_cb, arg);
    mime_tree_free(t);
}
