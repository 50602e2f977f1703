/*
 * attach_strip - strip mode: cut parts out of a message, keep every other
 *	byte.
 *
 * DESCRIPTION
 *	attach_strip() builds a new body from the raw message (headers,
 *	empty line, body; body_off is where the body starts): each cut
 *	(a leaf part's header block through the end of its content, as
 *	mime_walk() located it) is replaced by a text/plain part in UTF-8
 *	carrying attach_strip_notice(); every byte outside the cuts is
 *	copied as it was, so the boundaries, preamble, epilogue and the
 *	other parts stay byte for byte.  Cuts may come in any order;
 *	one that lies inside an earlier one is dropped.
 *
 *	A cut that starts in the header block is the whole body (a
 *	single-part message): the new body is then the notice alone,
 *	*whole_r is set, and the caller changes the top-level Content-Type
 *	(and Content-Transfer-Encoding) to match.  The notice uses the
 *	message's line ending (CRLF when the header block uses it).
 *
 *	It returns 0, or -1 with *error_r (static) when a cut has no known
 *	place in the message or lies outside it.
 *
 *	attach_strip_notice() is the sentence: "The attachment NAME was
 *	removed by the mail filter of this site: REASON."
 *
 * OWNERSHIP
 *	*body_r is allocated (NUL terminated) and owned by the caller.
 */
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "util.h"

char *attach_strip_notice(const char *name, const char *reason)
{
    return xasprintf("The attachment %s was removed by the mail filter of "
                     "this site: %s.",
                     name && *name ? name : "(unnamed)",
                     reason && *reason ? reason : "it is not allowed");
}

static int strip_cmp(const void *a, const void *b)
{
    const struct attach_cut *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

static void strip_part(struct strbuf *b, const struct attach_cut *c,
                       const char *nl)
{
    char *notice = attach_strip_notice(c->name, c->reason);

    strbuf_printf(b,
                  "Content-Type: text/plain; charset=utf-8%s"
                  "Content-Transfer-Encoding: 8bit%s"
                  "Content-Disposition: inline%s%s%s",
                  nl, nl, nl, nl, notice);
    free(notice);
}

static int strip_check(const struct attach_cut *c, size_t raw_len,
                       const char **error_r)
{
    if (c->start < 0 || c->end < 0) {
        *error_r = "the part's place in the message is unknown";
        return -1;
    }
    if ((size_t)c->end > raw_len || c->end < c->start) {
        *error_r = "the part lies outside the message";
        return -1;
    }
    return 0;
}

int attach_strip(const char *raw, size_t raw_len, size_t body_off,
                 const struct attach_cut *cuts, size_t ncuts, char **body_r,
                 size_t *len_r, int *whole_r, const char **error_r)
{
    const char *nl = body_off >= 2 && raw[body_off - 2] == '\r' ? "\r\n" : "\n";
    struct attach_cut *v;
    struct strbuf b;
    size_t i, pos = body_off;

    *whole_r = 0;
    if (ncuts == 0 || body_off > raw_len) {
        *error_r = "nothing to strip";
        return -1;
    }
    v = xcalloc(ncuts, sizeof(*v));
    memcpy(v, cuts, ncuts * sizeof(*v));
    qsort(v, ncuts, sizeof(*v), strip_cmp);
    strbuf_init(&b, 0);
    for (i = 0; i < ncuts; i++) {
        if (strip_check(&v[i], raw_len, error_r) < 0) {
            free(v);
            strbuf_free(&b);
            return -1;
        }
        if ((size_t)v[i].start < body_off) {
            /* The whole body is this part: the notice replaces it. */
            char *notice = attach_strip_notice(v[i].name, v[i].reason);

            strbuf_reset(&b);
            strbuf_printf(&b, "%s%s", notice, nl);
            free(notice);
            *whole_r = 1;
            pos = raw_len;
            break;
        }
        if ((size_t)v[i].start < pos)
            continue; /* inside a part already cut */
        strbuf_append(&b, raw + pos, (size_t)v[i].start - pos);
        strip_part(&b, &v[i], nl);
        pos = (size_t)v[i].end;
    }
    if (pos < raw_len)
        strbuf_append(&b, raw + pos, raw_len - pos);
    free(v);
    *len_r = b.len;
    *body_r = strbuf_detach(&b);
    return 0;
}
