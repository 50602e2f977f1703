/*
 * mime_uu - uuencoded files inside a text part (what Outlook and
 *	Thunderbird still show as attachments).
 *
 * SYNOPSIS
 *	#include "mime_int.h"
 *
 *	typedef int (*mime_uu_cb)(const char *name, const unsigned char *data,
 *	                          size_t len, int cut, void *arg);
 *	void mime_uu_blocks(const unsigned char *text, size_t len,
 *	                    size_t max_out, mime_uu_cb cb, void *arg);
 *
 * DESCRIPTION
 *	mime_uu_blocks() finds each block of the decoded text of a part:
 *	a line "begin MODE NAME" (MODE 1 to 4 octal digits) or
 *	"begin-base64 MODE NAME" (uuencode -m) at the start of a line, the
 *	lines after it up to a line "end" (classic) or "====" (base64),
 *	a new begin line, or the end of the text.  It calls cb with NAME
 *	(the rest of the begin line, without CR; "" when none) and the
 *	block's bytes decoded by GMime (g_mime_encoding_uudecode_step(),
 *	g_mime_encoding_base64_decode_step()), at most max_out bytes of
 *	all blocks together (SIZE_MAX: no bound; cut is 1 for a block given
 *	shorter than it decodes); cb returns 0 to go on, non-zero to stop.
 *
 *	What GMime's step function needs is done here, not decoding: CRs
 *	are dropped (it takes a CR for a data byte), and each classic line
 *	is cut to the length its first character declares (it reads what
 *	follows, trailing blanks for instance, as the next line's length
 *	and stops at a blank).  The scan is linear in len.
 *
 * OWNERSHIP
 *	name and data are valid during the callback only.
 */
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>

#include "mime_int.h"
#include "util.h"

#define UU_NAME_MAX 4096

/* The end of the line that starts at i (its '\n', or len). */
static size_t uu_eol(const unsigned char *t, size_t len, size_t i)
{
    const unsigned char *nl = memchr(t + i, '\n', len - i);

    return nl ? (size_t)(nl - t) : len;
}

/* Line [i, e) without a final CR. */
static size_t uu_trim_cr(const unsigned char *t, size_t i, size_t e)
{
    return e > i && t[e - 1] == '\r' ? e - 1 : e;
}

/*
 * A begin line at [i, e): 1 classic, 2 base64, 0 none; *name_r is
 * where the name starts.
 */
static int uu_begin(const unsigned char *t, size_t i, size_t e,
                    size_t *name_r)
{
    size_t p = i, d;
    int kind;

    if (e - i >= 13 && memcmp(t + i, "begin-base64 ", 13) == 0) {
        kind = 2;
        p += 13;
    } else if (e - i >= 6 && memcmp(t + i, "begin ", 6) == 0) {
        kind = 1;
        p += 6;
    } else {
        return 0;
    }
    while (p < e && (t[p] == ' ' || t[p] == '\t'))
        p++;
    for (d = 0; p < e && t[p] >= '0' && t[p] <= '7'; p++)
        d++;
    if (d < 1 || d > 4 || p >= e || (t[p] != ' ' && t[p] != '\t'))
        return 0;
    while (p < e && (t[p] == ' ' || t[p] == '\t'))
        p++;
    *name_r = p;
    return kind;
}

/* Is [i, e) the line that ends a block of this kind? */
static int uu_is_end(const unsigned char *t, size_t i, size_t e, int kind)
{
    const char *w = kind == 1 ? "end" : "====";
    size_t n = strlen(w);

    if (e - i < n || memcmp(t + i, w, n) != 0)
        return 0;
    for (i += n; i < e; i++)
        if (t[i] != ' ' && t[i] != '\t')
            return 0;
    return 1;
}

/* Append line [i, e) for GMime: classic lines cut to their length. */
static void uu_add_line(struct strbuf *b, const unsigned char *t, size_t i,
                        size_t e, int kind)
{
    size_t want;

    if (kind == 1 && e > i) {
        want = 1 + (((size_t)((t[i] - 0x20) & 0x3f) + 2) / 3) * 4;
        if (e - i > want)
            e = i + want;
    }
    strbuf_append(b, t + i, e - i);
    strbuf_append(b, "\n", 1);
}

/* Decode one block's lines (strbuf b); out has room for b->len bytes. */
static size_t uu_decode(const struct strbuf *b, unsigned char *out, int kind)
{
    int state = kind == 1 ? GMIME_UUDECODE_STATE_BEGIN : 0;
    guint32 save = 0;

    if (kind == 1)
        return g_mime_encoding_uudecode_step((const unsigned char *)b->data,
                                             b->len, out, &state, &save);
    return g_mime_encoding_base64_decode_step(
        (const unsigned char *)b->data, b->len, out, &state, &save);
}

/* One block from the line after its begin line; returns where it ends. */
static size_t uu_block(const unsigned char *t, size_t len, size_t i, int kind,
                       struct strbuf *b)
{
    size_t e, n, name;

    for (; i < len; i = e + 1) {
        e = uu_eol(t, len, i);
        n = uu_trim_cr(t, i, e);
        if (uu_is_end(t, i, n, kind))
            return e < len ? e + 1 : len;
        if (uu_begin(t, i, n, &name))
            return i; /* a new block starts: this one had no end */
        uu_add_line(b, t, i, n, kind);
    }
    return len;
}

void mime_uu_blocks(const unsigned char *text, size_t len, size_t max_out,
                    mime_uu_cb cb, void *arg)
{
    size_t i = 0, e, n, name, out_len, used = 0;
    unsigned char *out;
    struct strbuf b;
    char *fname;
    int kind, cut, stop = 0;

    while (i < len && !stop) {
        e = uu_eol(text, len, i);
        n = uu_trim_cr(text, i, e);
        if ((kind = uu_begin(text, i, n, &name)) == 0) {
            i = e + 1;
            continue;
        }
        fname = xstrndup((const char *)text + name,
                         n - name < UU_NAME_MAX ? n - name : UU_NAME_MAX);
        strbuf_init(&b, 0);
        i = uu_block(text, len, e < len ? e + 1 : len, kind, &b);
        out = xmalloc(b.len + 1);
        out_len = uu_decode(&b, out, kind);
        cut = out_len > max_out - used;
        if (cut)
            out_len = max_out - used;
        used += out_len;
        stop = cb(fname, out, out_len, cut, arg);
        free(out);
        free(fname);
        strbuf_free(&b);
    }
}
