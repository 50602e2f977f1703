/*
 * text - what a message says, as UTF-8: every text part decoded and
 * converted, HTML reduced to text, the Subject and the addresses of the
 * header decoded, and the links that HTML points to.
 *
 * SYNOPSIS
 *	struct text_limits lim = {.max_bytes = 2 << 20};
 *	struct msg_text *mt;
 *	text_message(tree, hdrs, nhdrs, &lim, &mt);
 *	... mt->subject, mt->parts[i].text, mt->links[i].url ...
 *	msg_text_free(mt);
 *
 * DESCRIPTION
 *	text_utf8() converts len bytes in charset to UTF-8 with GMime's
 *	charset tables (g_mime_charset_iconv_name(), g_mime_iconv_open()):
 *	a byte that is not valid in the charset becomes U+FFFD and the
 *	conversion goes on (*replaced_r counts them), NUL bytes become
 *	blanks, and an unknown or missing charset is read as UTF-8 when
 *	the bytes are valid UTF-8, else as windows-1252 (what mail readers
 *	do).  The result is NUL terminated and always valid UTF-8.
 *
 *	text_html() reduces HTML (UTF-8) to text with libxml2's HTML
 *	parser (htmlReadMemory, recovering, no network): the text of the
 *	body, a line break for each block element, nothing from script,
 *	style, head or comments, entities resolved.  For each link it
 *	calls cb (when not NULL) with a struct text_link: the URL of
 *	a/area href, img/iframe/frame/embed/source src, form action, and
 *	for a/area the visible text of the anchor (trimmed, at most
 *	TEXT_ANCHOR_MAX bytes).
 *
 *	text_header() decodes a header value (RFC 2047 encoded words,
 *	unfolded) to UTF-8.  text_addresses() parses an address header
 *	(From, To, Cc...) into its addresses: display name decoded
 *	(RFC 2047) and the address, lower-cased domain; groups are walked.
 *
 *	text_message() runs all of it over one message: the decoded
 *	Subject; the From, To, Cc and Reply-To addresses; every leaf that
 *	is a text part (mime.h: is_text) as text (text/html through
 *	text_html(), other text/ types as they are); and the links of the
 *	HTML parts.  Bounds (struct text_limits): max_bytes of text in
 *	all (a part that would pass it is cut at a character boundary and
 *	marked truncated; mt->hit_bytes is set), max_links links
 *	(mt->hit_links).  Text of attachments (documents) is not read
 *	here: the module that wants it adds parts with msg_text_add().
 *
 * OWNERSHIP
 *	A struct msg_text owns every string it holds; msg_text_free().
 *	text_utf8(), text_header() return strings the caller frees.  The
 *	struct text_link given to cb lives during the call.  libxml2 must
 *	be initialised once per process before threads use it:
 *	text_init() (idempotent) does it, with mime_init().
 */
#ifndef SLUICE_TEXT_H
#define SLUICE_TEXT_H

#include <stddef.h>

struct mime_tree;
struct sl_header;
struct strbuf;

#define TEXT_ANCHOR_MAX 512

enum text_link_kind {
    TEXT_LINK_HREF = 0, /* a, area */
    TEXT_LINK_SRC,      /* img, iframe, frame, embed, source */
    TEXT_LINK_FORM,     /* form action */
    TEXT_LINK_PLAIN,    /* found in plain text (url.h) */
};

struct text_link {
    const char *url;    /* as written, entities resolved */
    const char *anchor; /* a/area: the visible text, or NULL */
    enum text_link_kind kind;
};

typedef void (*text_link_cb)(const struct text_link *l, void *arg);

/* Where a text comes from. */
enum text_origin {
    TEXT_PLAIN = 0, /* a text/plain (or other text/) part */
    TEXT_HTML,      /* a text/html part, reduced */
    TEXT_DOCUMENT,  /* an attachment's text (added by the caller) */
};

struct text_part {
    char *text; /* UTF-8, NUL terminated */
    size_t len;
    size_t index; /* the MIME leaf index (mime.h) */
    char *name;   /* attachment or member name, or NULL */
    enum text_origin origin;
    int truncated;
};

struct text_addr {
    char *name; /* display name, UTF-8, or "" */
    char *addr; /* "user@example.org" (domain lower case), or "" */
};

struct text_href {
    char *url;
    char *anchor; /* or NULL */
    enum text_link_kind kind;
    size_t index; /* MIME leaf */
};

struct text_limits {
    size_t max_bytes; /* text of all parts; 0: no bound */
    size_t max_links; /* 0: no bound */
};

struct msg_text {
    char *subject; /* decoded, "" when none */
    struct text_addr *from, *to, *cc, *reply_to;
    size_t nfrom, nto, ncc, nreply_to;
    struct text_part *parts;
    size_t nparts;
    struct text_href *links;
    size_t nlinks;
    size_t bytes;    /* text bytes in parts */
    size_t replaced; /* invalid bytes replaced by U+FFFD */
    int hit_bytes;   /* max_bytes was reached */
    int hit_links;
    struct text_limits lim;
};

void text_init(void);

char *text_utf8(const char *charset, const void *data, size_t len,
                size_t *len_r, size_t *replaced_r);
void text_html(const char *html, size_t len, struct strbuf *out,
               text_link_cb cb, void *arg);
char *text_header(const char *value);
size_t text_addresses(const char *value, struct text_addr **v_r);
void text_addrs_free(struct text_addr *v, size_t n);

int text_message(const struct mime_tree *t, const struct sl_header *hdrs,
                 size_t nhdrs, const struct text_limits *lim,
                 struct msg_text **mt_r);
/* Add a part of text (UTF-8, len bytes) within the limits; 0, or -1 when
 * max_bytes was already reached (nothing added). */
int msg_text_add(struct msg_text *mt, const char *text, size_t len,
                 size_t index, const char *name, enum text_origin origin);
void msg_text_free(struct msg_text *mt);

/* Cut len so that text[0..len) ends on a UTF-8 character boundary. */
size_t text_utf8_cut(const char *text, size_t len);

#endif
