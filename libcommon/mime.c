/*
 * mime - walk a message's parts with GMime 3.  See mime.h for the contract.
 *
 * DESCRIPTION
 *	The raw message is copied into one GMimeStreamMem and parsed with
 *	a persistent stream, so that every leaf's content is a substream
 *	whose bounds (bound_start, bound_end) are byte offsets in the raw
 *	message, and every header carries its own offset.  A leaf's
 *	part_start is the offset of its first header line (or of the empty
 *	line when it has no headers); its part_end is the end of its
 *	content, before the newline that belongs to the next boundary.
 *
 *	A leaf that is the whole body of a message/rfc822 part is given the
 *	place of that message/rfc822 part (its headers through the end of
 *	the inner message), so that cutting it never leaves half a message.
 *	A message/rfc822 part with a base64 or quoted-printable encoding
 *	(not allowed by RFC 2046, decoded by mail clients) is decoded and
 *	walked as a message; its leaves all get the encoded part's place.
 *
 * OWNERSHIP
 *	All GMime objects and the strings given to the callback are freed
 *	before mime_walk() returns.
 */
#include "mime.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"
#include "util.h"

struct walk {
    const struct mime_limits *lim;
    mime_part_cb cb;
    void *arg;
    const char *raw;
    size_t raw_len;
    unsigned hits;
    size_t leaves;
    size_t decoded;
    int stop;
    int pinned; /* inside an encoded message/rfc822: one place for all */
    ssize_t pin_start, pin_end;
    int uu;                     /* give uuencoded blocks as leaves */
    size_t ambiguous;           /* parts with a content header twice */
    const char *ambiguous_what; /* the first such header's name */
};

static pthread_once_t mime_once = PTHREAD_ONCE_INIT;

static void mime_init_once(void)
{
    g_mime_init();
}

void mime_init(void)
{
    pthread_once(&mime_once, mime_init_once);
}

/* Offset of the first header of obj, or -1 when it has none. */
static ssize_t mime_header_start(GMimeObject *obj)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    GMimeHeader *h;
    gint64 off, best = -1;
    int i, n;

    if (hl == NULL)
        return -1;
    n = g_mime_header_list_get_count(hl);
    for (i = 0; i < n; i++) {
        h = g_mime_header_list_get_header_at(hl, i);
        off = g_mime_header_get_offset(h);
        if (off >= 0 && (best < 0 || off < best))
            best = off;
    }
    return (ssize_t)best;
}

/* The content bounds of a leaf in the raw message; -1 when unknown. */
static void mime_content_bounds(GMimePart *part, const struct walk *w,
                                ssize_t *start_r, ssize_t *end_r)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *s;

    *start_r = *end_r = -1;
    if (dw == NULL)
        return;
    s = g_mime_data_wrapper_get_stream(dw);
    if (s == NULL || s->bound_start < 0 || s->bound_end < s->bound_start ||
        (size_t)s->bound_end > w->raw_len)
        return;
    *start_r = (ssize_t)s->bound_start;
    *end_r = (ssize_t)s->bound_end;
}

/* Where a headerless part starts: the empty line before its content. */
static ssize_t mime_blank_line_before(const struct walk *w, ssize_t start)
{
    if (start >= 1 && w->raw[start - 1] == '\n') {
        if (start >= 2 && w->raw[start - 2] == '\r')
            return start - 2;
        return start - 1;
    }
    return start;
}

static GByteArray *mime_decode(GMimePart *part, GMimeStream **mem_r)
{
    GMimeDataWrapper *dw = g_mime_part_get_content(part);
    GMimeStream *mem = g_mime_stream_mem_new();

    *mem_r = mem;
    if (dw != NULL)
        g_mime_data_wrapper_write_to_stream(dw, mem);
    return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
}

/* Give the decoded bytes, within what max_decoded leaves. */
static void mime_leaf_data(struct walk *w, GByteArray *ba, struct mime_part *p)
{
    size_t left = 0;

    if (w->lim->max_decoded == 0 || w->decoded < w->lim->max_decoded)
        left = w->lim->max_decoded - w->decoded;
    p->data = ba->data ? ba->data : (const unsigned char *)"";
    p->len = ba->data ? ba->len : 0;
    if (w->lim->max_decoded > 0 && p->len > left) {
        p->len = left;
        p->truncated = 1;
        w->hits |= MIME_HIT_DECODED;
    }
    w->decoded += p->len;
}

/* A part (or message) with a content header twice, read two ways. */
static void mime_note_ambiguous(struct walk *w, GMimeObject *obj)
{
    const char *what = mime_check_ambiguous(obj);

    if (what == NULL)
        return;
    if (w->ambiguous++ == 0)
        w->ambiguous_what = what;
}

struct mime_uu_walk {
    struct walk *w;
    const struct mime_part *text;
};

/* One uuencoded block of a text part: a leaf of its own. */
static int mime_uu_leaf(const char *name, const unsigned char *data,
                        size_t len, int cut, void *arg)
{
    struct mime_uu_walk *u = arg;
    struct walk *w = u->w;
    struct mime_part q = *u->text;

    if (w->lim->max_parts > 0 && w->leaves >= w->lim->max_parts) {
        w->hits |= MIME_HIT_PARTS;
        w->stop = 1;
        return 1;
    }
    q.ctype = "application/octet-stream";
    q.filename = *name ? name : NULL;
    q.filename_alt = NULL;
    q.charset = NULL;
    q.is_attachment = 1;
    q.is_text = 0;
    q.from_uuencode = 1;
    q.index = w->leaves++;
    q.data = data;
    q.len = len;
    q.truncated = cut;
    if (cut)
        w->hits |= MIME_HIT_DECODED;
    w->decoded += len;
    if (w->cb(&q, w->arg) != 0)
        w->stop = 1;
    return w->stop;
}

/* The uuencoded blocks of a text leaf, after it (mime_uu.c). */
static void mime_leaf_uu(struct walk *w, const struct mime_part *p)
{
    struct mime_uu_walk u = {w, p};
    size_t left = SIZE_MAX;

    if (!w->uu || w->stop || strncmp(p->ctype, "text/", 5) != 0)
        return;
    if (w->lim->max_decoded > 0)
        left = w->decoded < w->lim->max_decoded
                   ? w->lim->max_decoded - w->decoded
                   : 0;
    mime_uu_blocks(p->data, p->len, left, mime_uu_leaf, &u);
}

static GMimeMessage *mime_gmime_parse(const char *raw, size_t len,
                                      GMimeStream **stream_r);
static void mime_object(struct walk *w, GMimeObject *obj, int depth,
                        int in_signed, ssize_t outer_start);

static int mime_is_message(const char *ctype)
{
    return strcmp(ctype, "message/rfc822") == 0 ||
           strcmp(ctype, "message/global") == 0;
}

/*
 * A message/rfc822 part with a transfer encoding (against RFC 2046, but
 * mail clients decode it) is a leaf to GMime: parse its decoded bytes
 * and walk that message, every leaf placed where the encoded part is.
 * Returns 1 when it was walked, 0 to deliver it as a plain leaf.
 */
static int mime_encoded_message(struct walk *w, GByteArray *ba,
                                const struct mime_part *p)
{
    struct walk inner = *w;
    GMimeStream *stream;
    GMimeMessage *msg;

    if (w->lim->max_depth > 0 && p->depth + 1 > w->lim->max_depth) {
        w->hits |= MIME_HIT_DEPTH;
        return 0;
    }
    msg = mime_gmime_parse((const char *)ba->data, ba->len, &stream);
    if (msg == NULL) {
        g_object_unref(stream);
        return 0;
    }
    mime_note_ambiguous(&inner, GMIME_OBJECT(msg));
    inner.raw = (const char *)ba->data;
    inner.raw_len = ba->len;
    inner.pinned = 1;
    inner.pin_start = p->part_start;
    inner.pin_end = p->part_end;
    mime_object(&inner, g_mime_message_get_mime_part(msg), p->depth + 1,
                p->in_signed, -1);
    w->hits |= inner.hits;
    w->leaves = inner.leaves;
    w->decoded = inner.decoded;
    w->stop = inner.stop;
    w->ambiguous = inner.ambiguous;
    w->ambiguous_what = inner.ambiguous_what;
    g_object_unref(msg);
    g_object_unref(stream);
    return 1;
}

static void mime_leaf(struct walk *w, GMimePart *part, int depth, int in_signed,
                      ssize_t outer_start)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    struct mime_part p;
    GMimeStream *mem;
    GByteArray *ba;
    char *ctype, *alt;
    ssize_t cstart, cend;

    if (w->lim->max_parts > 0 && w->leaves >= w->lim->max_parts) {
        w->hits |= MIME_HIT_PARTS;
        w->stop = 1;
        return;
    }
    memset(&p, 0, sizeof(p));
    ctype = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    if (ctype != NULL)
        str_lower(ctype);
    p.ctype = ctype ? ctype : "text/plain";
    p.filename = g_mime_part_get_filename(part);
    if (p.filename != NULL && p.filename[0] == '\0')
        p.filename = NULL;
    p.charset = g_mime_object_get_content_type_parameter(obj, "charset");
    p.filename_alt = alt = mime_check_nul_name(obj, p.filename);
    p.is_attachment = p.filename != NULL || g_mime_part_is_attachment(part);
    p.is_text = !p.is_attachment && strncmp(p.ctype, "text/", 5) == 0;
    p.depth = depth;
    p.index = w->leaves; /* counted when given as a leaf, below */
    p.in_signed = in_signed;

    /* Its place in the raw message. */
    mime_content_bounds(part, w, &cstart, &cend);
    p.part_end = cend;
    p.part_start = outer_start >= 0 ? outer_start : mime_header_start(obj);
    if (p.part_start < 0 && cstart >= 0)
        p.part_start = mime_blank_line_before(w, cstart);
    if (p.part_end < 0)
        p.part_start = -1;
    if (w->pinned) {
        p.part_start = w->pin_start;
        p.part_end = w->pin_end;
    }

    ba = mime_decode(part, &mem);
    if (mime_is_message(p.ctype) && ba->len > 0 &&
        mime_encoded_message(w, ba, &p)) {
        g_object_unref(mem);
        g_free(ctype);
        free(alt);
        return;
    }
    w->leaves++;
    mime_leaf_data(w, ba, &p);
    if (w->cb(&p, w->arg) != 0)
        w->stop = 1;
    mime_leaf_uu(w, &p);
    g_object_unref(mem);
    g_free(ctype);
    free(alt);
}

static void mime_multipart(struct walk *w, GMimeMultipart *mp, int depth,
                           int in_signed)
{
    int i, n = g_mime_multipart_get_count(mp);

    if (GMIME_IS_MULTIPART_SIGNED(mp) || GMIME_IS_MULTIPART_ENCRYPTED(mp))
        in_signed = 1;
    for (i = 0; i < n && !w->stop; i++) {
        if (w->lim->max_depth > 0 && depth + 1 > w->lim->max_depth) {
            w->hits |= MIME_HIT_DEPTH;
            return;
        }
        mime_object(w, g_mime_multipart_get_part(mp, i), depth + 1, in_signed,
                    -1);
    }
}

static void mime_message_part(struct walk *w, GMimeMessagePart *mpart,
                              int depth, int in_signed)
{
    GMimeMessage *msg = g_mime_message_part_get_message(mpart);
    GMimeObject *body;
    ssize_t start;

    if (msg == NULL)
        return;
    mime_note_ambiguous(w, GMIME_OBJECT(msg));
    body = g_mime_message_get_mime_part(msg);
    if (body == NULL)
        return;
    if (w->lim->max_depth > 0 && depth + 1 > w->lim->max_depth) {
        w->hits |= MIME_HIT_DEPTH;
        return;
    }
    /* A single-part inner message is cut as a whole message/rfc822. */
    start = mime_header_start(GMIME_OBJECT(mpart));
    mime_object(w, body, depth + 1, in_signed, start);
}

static void mime_object(struct walk *w, GMimeObject *obj, int depth,
                        int in_signed, ssize_t outer_start)
{
    if (obj == NULL || w->stop)
        return;
    mime_note_ambiguous(w, obj);
    if (GMIME_IS_MULTIPART(obj))
        mime_multipart(w, GMIME_MULTIPART(obj), depth, in_signed);
    else if (GMIME_IS_MESSAGE_PART(obj))
        mime_message_part(w, GMIME_MESSAGE_PART(obj), depth, in_signed);
    else if (GMIME_IS_PART(obj))
        mime_leaf(w, GMIME_PART(obj), depth, in_signed, outer_start);
}

static GMimeMessage *mime_gmime_parse(const char *raw, size_t len,
                                      GMimeStream **stream_r)
{
    GMimeParserOptions *opts = g_mime_parser_options_new();
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;

    stream = g_mime_stream_mem_new_with_buffer(raw, len);
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_persist_stream(parser, TRUE);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    g_mime_parser_options_set_rfc2047_compliance_mode(
        opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(
        opts, GMIME_RFC_COMPLIANCE_LOOSE);
    msg = g_mime_parser_construct_message(parser, opts);
    g_object_unref(parser);
    g_mime_parser_options_free(opts);
    *stream_r = stream;
    return msg;
}

/* The walk; w (zeroed, with uu set) gets what it found.  0 or -1. */
static int mime_run(const char *raw, size_t len, const struct mime_limits *lim,
                    mime_part_cb cb, void *arg, struct walk *w,
                    const char **error_r)
{
    GMimeStream *stream;
    GMimeMessage *msg;

    mime_init();
    w->lim = lim;
    w->cb = cb;
    w->arg = arg;
    w->raw = raw;
    w->raw_len = len;

    msg = mime_gmime_parse(raw, len, &stream);
    if (msg == NULL) {
        g_object_unref(stream);
        *error_r = "message could not be parsed";
        return -1;
    }
    mime_note_ambiguous(w, GMIME_OBJECT(msg));
    mime_object(w, g_mime_message_get_mime_part(msg), 0, 0, -1);
    g_object_unref(msg);
    g_object_unref(stream);
    return 0;
}

int mime_walk(const char *raw, size_t len, const struct mime_limits *lim,
              mime_part_cb cb, void *arg, unsigned *hits_r,
              const char **error_r)
{
    struct walk w;
    int r;

    memset(&w, 0, sizeof(w));
    r = mime_run(raw, len, lim, cb, arg, &w, error_r);
    *hits_r = w.hits;
    return r;
}

/* The end of the line that starts at i (its '\n', or len). */
static size_t mime_eol(const char *raw, size_t len, size_t i)
{
    const char *nl = memchr(raw + i, '\n', len - i);

    return nl ? (size_t)(nl - raw) : len;
}

/* The empty line that ends the header block ("\n" or "\r\n"). */
static int mime_is_empty_line(const char *raw, size_t i, size_t eol)
{
    return eol == i || (eol == i + 1 && raw[i] == '\r');
}

/* The value of the top-level Content-Type header, unfolded; or NULL.
 * The first one counts (GMime takes the last): a message with two is
 * read the way most mail clients read it. */
static char *mime_find_ctype(const char *raw, size_t len, size_t limit)
{
    struct strbuf b;
    size_t i, eol;
    int in = 0;

    strbuf_init(&b, limit);
    for (i = 0; i < len; i = eol + 1) {
        eol = mime_eol(raw, len, i);
        if (mime_is_empty_line(raw, i, eol))
            break; /* end of the header block */
        if (in && (raw[i] == ' ' || raw[i] == '\t'))
            strbuf_append(&b, raw + i, eol - i);
        else if (in)
            break;
        else if (eol - i > 13 &&
                 str_ncasecmp(raw + i, "content-type:", 13) == 0) {
            in = 1;
            strbuf_append(&b, raw + i + 13, eol - i - 13);
        }
    }
    if (!in) {
        strbuf_free(&b);
        return NULL;
    }
    return strbuf_detach(&b);
}

char *mime_top_ctype(const char *raw, size_t len)
{
    GMimeContentType *ct;
    char *value, *type, *out;

    mime_init();
    value = mime_find_ctype(raw, len, 4096);
    if (value == NULL)
        return xstrdup("text/plain");
    ct = g_mime_content_type_parse(NULL, value);
    free(value);
    if (ct == NULL)
        return xstrdup("text/plain");
    type = g_mime_content_type_get_mime_type(ct);
    out = xstrdup(type ? type : "text/plain");
    g_free(type);
    g_object_unref(ct);
    return str_lower(out);
}

/* Longest top-level Content-Type read for its boundary (RFC 2046 allows
 * 70 bytes; hostile ones are longer: GMime matches none of them). */
#define MIME_CTYPE_MAX (64 * 1024)
#define MIME_DECLARED_MAX 64

/* The boundary parameters anywhere in the message ("boundary=" values). */
struct mime_declared {
    const char *v[MIME_DECLARED_MAX];
    size_t len[MIME_DECLARED_MAX];
    size_t n;
};

static int mime_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* Where the body starts: after the first empty line (len when none). */
static size_t mime_body_start(const char *raw, size_t len)
{
    size_t i, eol;

    for (i = 0; i < len; i = eol + 1) {
        eol = mime_eol(raw, len, i);
        if (mime_is_empty_line(raw, i, eol))
            return eol < len ? eol + 1 : len;
    }
    return len;
}

static void mime_find_declared(const char *raw, size_t len,
                               struct mime_declared *d)
{
    size_t i, j, end;

    d->n = 0;
    for (i = 0; i + 9 < len && d->n < MIME_DECLARED_MAX; i++) {
        if ((raw[i] | 0x20) != 'b' || str_ncasecmp(raw + i, "boundary=", 9))
            continue;
        j = end = i + 9;
        if (raw[j] == '"') {
            for (end = ++j; end < len && raw[end] != '"' && raw[end] != '\n';
                 end++)
                ;
        } else {
            while (end < len && !strchr(" \t\r\n;", raw[end]))
                end++;
        }
        d->v[d->n] = raw + j;
        d->len[d->n++] = end - j;
        i = end - 1;
    }
}

/* 1 when the delimiter-like line [i, eol) ("--" then s) is "--" and a
 * declared boundary (then blanks, or "--" and blanks). */
static int mime_is_declared(const struct mime_declared *d, const char *raw,
                            size_t i, size_t eol)
{
    size_t k, n;

    while (eol > i + 2 && mime_is_blank(raw[eol - 1]))
        eol--;
    n = eol - i - 2;
    for (k = 0; k < d->n; k++)
        if ((d->len[k] == n || (d->len[k] + 2 == n && raw[eol - 1] == '-' &&
                                raw[eol - 2] == '-')) &&
            memcmp(raw + i + 2, d->v[k], d->len[k]) == 0)
            return 1;
    return 0;
}

/*
 * The line [i, eol) against "--" b: 0 not a delimiter of b, 1 a
 * delimiter, 2 the close delimiter, 3 a loose one: b then text that is
 * neither blanks nor another declared boundary.
 */
static int mime_delimiter(const char *raw, size_t i, size_t eol, const char *b,
                          size_t blen, const struct mime_declared *d)
{
    size_t j = i + 2 + blen, k;

    if (eol - i < 2 + blen || raw[i] != '-' || raw[i + 1] != '-' ||
        memcmp(raw + i + 2, b, blen) != 0)
        return 0;
    if (j + 1 < eol && raw[j] == '-' && raw[j + 1] == '-')
        return 2;
    for (k = j; k < eol && mime_is_blank(raw[k]); k++)
        ;
    if (k == eol)
        return 1;
    return mime_is_declared(d, raw, i, eol) ? 0 : 3;
}

/* Loose delimiter lines of boundary b before its close delimiter. */
static size_t mime_count_loose(const char *raw, size_t len, const char *b)
{
    struct mime_declared d;
    size_t i, eol, n = 0, blen = strlen(b);
    int kind;

    mime_find_declared(raw, len, &d);
    for (i = mime_body_start(raw, len); i < len; i = eol + 1) {
        eol = mime_eol(raw, len, i);
        kind = mime_delimiter(raw, i, eol, b, blen, &d);
        if (kind == 2)
            break;
        n += kind == 3;
    }
    return n;
}

int mime_top_multipart(const char *raw, size_t len, size_t *loose_r)
{
    GMimeContentType *ct;
    const char *b;
    char *value;
    int yes;

    mime_init();
    *loose_r = 0;
    if ((value = mime_find_ctype(raw, len, MIME_CTYPE_MAX)) == NULL)
        return 0;
    ct = g_mime_content_type_parse(NULL, value);
    free(value);
    if (ct == NULL)
        return 0;
    yes = g_mime_content_type_is_type(ct, "multipart", "*");
    b = g_mime_content_type_get_parameter(ct, "boundary");
    if (yes && b != NULL && *b != '\0')
        *loose_r = mime_count_loose(raw, len, b);
    g_object_unref(ct);
    return yes;
}

/* The tree: one walk, every leaf copied out. */

struct mime_collect {
    struct mime_tree *t;
    size_t cap;
};

static int mime_collect_cb(const struct mime_part *p, void *arg)
{
    struct mime_collect *c = arg;
    struct mime_tree *t = c->t;
    struct mime_part *q;
    unsigned char *data;

    if (t->nparts == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 8;
        t->parts = xrealloc(t->parts, c->cap * sizeof(*t->parts));
    }
    q = &t->parts[t->nparts++];
    *q = *p;
    q->ctype = xstrdup(p->ctype);
    q->filename = p->filename ? xstrdup(p->filename) : NULL;
    q->filename_alt = p->filename_alt ? xstrdup(p->filename_alt) : NULL;
    q->charset = p->charset ? xstrdup(p->charset) : NULL;
    data = xmalloc(p->len + 1);
    memcpy(data, p->data, p->len);
    data[p->len] = '\0';
    q->data = data;
    t->is_signed |= p->in_signed;
    t->top_leaf |= p->depth == 0;
    return 0;
}

static int mime_blank_body(const char *raw, size_t len, size_t body_off)
{
    for (size_t i = body_off; i < len; i++)
        if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r' &&
            raw[i] != '\n')
            return 0;
    return 1;
}

int mime_parse(const char *raw, size_t len, size_t body_off,
               const struct mime_limits *lim, struct mime_tree **tree_r,
               const char **error_r)
{
    struct mime_collect c = {0};
    struct mime_tree *t = xcalloc(1, sizeof(*t));
    struct walk w;

    c.t = t;
    memset(&w, 0, sizeof(w));
    w.uu = 1;
    if (mime_run(raw, len, lim, mime_collect_cb, &c, &w, error_r) < 0) {
        mime_tree_free(t);
        return -1;
    }
    t->hits = w.hits;
    t->ambiguous = w.ambiguous;
    t->ambiguous_what = w.ambiguous_what;
    t->top_ctype = mime_top_ctype(raw, len);
    t->is_signed |= strcmp(t->top_ctype, "multipart/signed") == 0 ||
                    strcmp(t->top_ctype, "multipart/encrypted") == 0;
    t->top_multipart = mime_top_multipart(raw, len, &t->loose);
    if (!t->top_multipart)
        t->top_leaf = 0;
    if (t->top_multipart && !(t->hits & (MIME_HIT_PARTS | MIME_HIT_DEPTH)))
        t->unreadable =
            (t->nparts == 0 && !mime_blank_body(raw, len, body_off)) ||
            t->loose > 0 || t->top_leaf;
    *tree_r = t;
    return 0;
}

void mime_tree_free(struct mime_tree *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nparts; i++) {
        free((char *)t->parts[i].ctype);
        free((char *)t->parts[i].filename);
        free((char *)t->parts[i].filename_alt);
        free((char *)t->parts[i].charset);
        free((unsigned char *)t->parts[i].data);
    }
    free(t->parts);
    free(t->top_ctype);
    free(t);
}
