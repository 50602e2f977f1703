/*
 * learn_feat - the features of one message (see learn.h, FEATURES).
 *
 * DESCRIPTION
 *	learn_features() resets fv and fills it: the Subject from the
 *	header block, then the MIME structure, then the text of every text
 *	part that is not an attachment (HTML through learn_html.c), less a
 *	mailing list's footer (learn_text.c), then the words, bigrams,
 *	character 3-grams and URLs of that text and its scripts.  It ends by
 *	setting fv->norm to one over the vector's length.
 *
 *	The header block is read line by line from raw[0..body_off):
 *	folded lines are joined, names compared without case.  Only the
 *	Subject is used: decoded (RFC 2047) with GMime, a list's "[tag]"
 *	taken out.  The other header fields say more about the route a
 *	message took (relays, list managers, the collector's mailbox) than
 *	about what it is, and a model that learns them does not carry over
 *	to mail that came another way (bench/DETECTION.md).
 *
 *	A word is a run of letters, digits and bytes >= 0x80 (UTF-8 or a
 *	legacy charset, taken as they are), with ' . $ - kept inside a
 *	word; 1 to 40 bytes, longer runs are one "long word" feature.  A
 *	bigram pairs a word with the one before it.  Character n-grams run
 *	over the normalised text bytes: 3 bytes long in the body, 4 in the
 *	subject.
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
#define NGRAM_BODY 3
#define NGRAM_SUBJ 4

static const char *group_name(enum learn_group g)
{
    switch (g) {
    case LG_WORD: return "word ";
    case LG_PAIR: return "pair ";
    case LG_NGRAM: return "3gram ";
    case LG_URL: return "url ";
    case LG_SUBJ: return "subj ";
    case LG_SUBJ_PAIR: return "subj-pair ";
    case LG_SUBJ_NGRAM: return "subj-4gram ";
    case LG_MIME: return "mime ";
    case LG_SCRIPT: return "";
    }
    return "";
}

void learn_feat(struct learn_ctx *c, enum learn_group g, const char *s,
                size_t len, float val)
{
    uint32_t i = learn_fv_add(c->fv, (uint32_t)g, s, len, val);

    if (c->cb != NULL) {
        char name[128];
        int n = snprintf(name, sizeof(name), "%s%.*s", group_name(g),
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

/* Words and bigrams of text; seeds select body or subject. */
static void learn_words(struct learn_ctx *c, const char *s, size_t n,
                        enum learn_group gw, enum learn_group gp, float val)
{
    uint64_t prev = 0;
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
        if (nw > 0) {
            uint32_t idx = learn_fv_add_hash(c->fv, prev * 0x9e3779b97f4a7c15ULL ^ h ^ 1ULL << 56, val);

            if (c->cb != NULL) {
                char name[100];
                int l = snprintf(name, sizeof(name), "%s(prev) %.*s", group_name(gp),
                                 (int)(e - b), s + b);

                c->cb(idx, name, (size_t)l < sizeof(name) ? (size_t)l : sizeof(name) - 1, c->arg);
            }
        }
        prev = h;
        nw++;
    }
}

/* Character k-grams of normalised text. */
static void learn_ngrams(struct learn_ctx *c, const char *s, size_t n, size_t k,
                         enum learn_group g, float val)
{
    for (size_t i = 0; i + k <= n; i++) {
        if (c->cb != NULL) {
            learn_feat(c, g, s + i, k, val);
            continue;
        }
        learn_fv_add(c->fv, (uint32_t)g, s + i, k, val);
    }
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
    learn_untag(&sc.text);
    n = sc.text.len;
    if (n > 0) {
        learn_words(c, sc.text.data, n, LG_SUBJ, LG_SUBJ_PAIR, 1);
        learn_ngrams(c, sc.text.data, n, NGRAM_SUBJ, LG_SUBJ_NGRAM, 1);
    } else {
        learn_feat(c, LG_SUBJ, "(empty)", 7, 1);
    }
    strbuf_free(&sc.text);
    g_free(dec);
}

/* The header block, unfolded: the Subject. */
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

            if (have && !subject && strcmp(name, "subject") == 0) {
                subject = 1;
                learn_subject(c, val.len ? val.data : "");
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
    if (have && !subject && strcmp(name, "subject") == 0) {
        subject = 1;
        learn_subject(c, val.len ? val.data : "");
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
    learn_unfoot(&c.text);
    if (c.text.len > 0) {
        learn_words(&c, c.text.data, c.text.len, LG_WORD, LG_PAIR, 1);
        learn_ngrams(&c, c.text.data, c.text.len, NGRAM_BODY, LG_NGRAM, 1);
        learn_urls(&c, c.text.data, c.text.len);
        learn_script(&c);
    } else {
        learn_feat(&c, LG_WORD, "(no text)", 9, 1);
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

    raw = mbox_skip_from(raw, &len);
    in.raw = raw;
    in.len = len;
    in.body_off = learn_body_off(raw, len);
    if (mime_parse(raw, len, in.body_off, lim, &t, &err) < 0)
        t = NULL;
    in.mime = t;
    learn_features(&in, fv, name_cb, arg);
    mime_tree_free(t);
}
