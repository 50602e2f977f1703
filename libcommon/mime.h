/*
 * mime - walk a message's parts with GMime 3: decoded bytes, names, types.
 *
 * DESCRIPTION
 *	mime_walk() parses a whole message (headers + body, as the MTA
 *	delivered them to the milter) and calls cb once per leaf part, in
 *	document order, descending into multiparts and into message/rfc822
 *	parts (their inner message's parts are walked too, depth + 1).
 *
 *	For each leaf it gives the declared Content-Type (lower case
 *	"type/subtype"), the filename (Content-Disposition filename or
 *	Content-Type name, RFC 2231 and RFC 2047 decoded, UTF-8; NULL when
 *	none), filename_alt (another reading of it when the encoded name
 *	holds a NUL, "evil.txt%00.vbs": GMime's name ends at the NUL, a
 *	Windows client may drop it; see mime_check.c; else NULL), whether
 *	it is an attachment (a filename, or disposition
 *	attachment), the transfer-decoded bytes, the nesting depth (top
 *	level part = 0), and its place in the raw message: the byte offsets
 *	of the part's first header line and of the end of its content
 *	(part_start, part_end; both -1 when unknown), used to cut a part out
 *	while keeping every other byte.
 *
 *	Limits (struct mime_limits) bound the walk: max_depth of nesting,
 *	max_parts leaf parts, max_decoded total decoded bytes (a part that
 *	would pass it is given truncated to what is left, flagged).  When a
 *	limit is hit the walk stops descending or delivering, sets the
 *	matching MIME_HIT_* bit in *hits_r, and returns normally: the caller
 *	decides (a symbol, a reply).  Malformed MIME never fails the walk;
 *	GMime's lenient parser gives what it can.
 *
 *	cb returns 0 to go on, non-zero to stop the walk early.
 *
 *	mime_walk() returns 0, or -1 with *error_r (static string) when the
 *	message could not be parsed at all.
 *
 *	mime_init() must be called once per process before the first walk
 *	(it calls g_mime_init()); it is idempotent.
 *
 *	mime_parse() is the one parse of a message that every module reads
 *	(module.h: sl_msg_mime()): it walks the message once and keeps
 *	every leaf (struct mime_part, in document order, with its decoded
 *	bytes) in a struct mime_tree.  Its leaves also include each
 *	uuencoded file found in a text leaf (text/...) ("begin 644 NAME" ... "end",
 *	and uuencode -m's "begin-base64"; mime_uu.c), right after that
 *	leaf: from_uuencode set, the NAME of the begin line as filename,
 *	an attachment of type application/octet-stream, its bytes decoded
 *	by GMime, the text leaf's depth and place in the raw message (to
 *	cut it is to cut the text part); such leaves count toward the part
 *	and decoded bounds like any other.  The tree tells what the
 *	structure tells:
 *	    hits        the MIME_HIT_* bounds met
 *	    top_ctype   the top-level Content-Type, lower case (the first
 *	                one, as most mail clients read it)
 *	    top_multipart, loose
 *	                the top level is a multipart, and its body has that
 *	                many loose delimiter lines (see mime_top_multipart)
 *	    top_leaf    a multipart was read as a single leaf
 *	    unreadable  parts a mail client would see but the parse did not
 *	                give: a multipart with a non-blank body and no leaf,
 *	                a loose delimiter, or a multipart read as one leaf
 *	                (judged only when no part or depth bound was met)
 *	    is_signed   the message or a part of it is multipart/signed or
 *	                multipart/encrypted
 *	    ambiguous   how many parts (or messages) carry Content-Type,
 *	                Content-Transfer-Encoding or Content-Disposition
 *	                twice with different values, and ambiguous_what the
 *	                first such header's name: GMime reads one of them,
 *	                a mail client may read the other, so the part
 *	                cannot be checked the way it will be shown
 *	body_off is where the body starts in raw (the milter knows it).
 *
 * OWNERSHIP
 *	In mime_walk(), everything in struct mime_part is owned by the walk
 *	and valid only during the callback; copy what must outlive it.  A
 *	struct mime_tree owns its parts, their strings and their bytes;
 *	mime_tree_free() frees it all.
 */
#ifndef SLUICE_MIME_H
#define SLUICE_MIME_H

#include <stddef.h>
#include <sys/types.h>

#define MIME_HIT_DEPTH 0x01
#define MIME_HIT_PARTS 0x02
#define MIME_HIT_DECODED 0x04

struct mime_limits {
    int max_depth;
    size_t max_parts;
    size_t max_decoded;
};

struct mime_part {
    const char *ctype;    /* "application/pdf" */
    const char *filename; /* UTF-8, or NULL */
    const char *filename_alt; /* the name read without a NUL, or NULL */
    const char *charset;  /* declared charset, or NULL */
    int is_attachment;
    int is_text;          /* text/... and not an attachment */
    const unsigned char *data;
    size_t len;
    int truncated;
    int depth;
    size_t index;         /* 0-based leaf index */
    ssize_t part_start;   /* offset of the part's header block in raw */
    ssize_t part_end;     /* offset just past its content */
    int in_signed;        /* inside multipart/signed or encrypted */
    int from_uuencode;    /* a uuencoded file in the text leaf before it
                             (mime_parse() only) */
};

typedef int (*mime_part_cb)(const struct mime_part *p, void *arg);

struct mime_tree {
    struct mime_part *parts; /* strings and data owned by the tree */
    size_t nparts;
    unsigned hits;
    char *top_ctype;
    int top_multipart;
    size_t loose;
    int top_leaf;
    int unreadable;
    int is_signed;
    size_t ambiguous;
    const char *ambiguous_what; /* static: "Content-Type"..., or NULL */
};

int mime_parse(const char *raw, size_t len, size_t body_off,
               const struct mime_limits *lim, struct mime_tree **tree_r,
               const char **error_r);
void mime_tree_free(struct mime_tree *t);

void mime_init(void);
int mime_walk(const char *raw, size_t len, const struct mime_limits *lim,
              mime_part_cb cb, void *arg, unsigned *hits_r,
              const char **error_r);

/* The top-level Content-Type of a raw message, lower case; caller frees. */
char *mime_top_ctype(const char *raw, size_t len);

/*
 * 1 when the top-level Content-Type is a multipart type, else 0.  For a
 * multipart, *loose_r counts its body's loose delimiter lines before the
 * close delimiter: lines that start with "--" and the boundary but go on
 * with text that is neither blanks nor another boundary declared in the
 * message ("--b junk").  GMime does not take them as delimiters, other
 * parsers do (RFC 2046's prefix rule): a part behind one is not walked.
 */
int mime_top_multipart(const char *raw, size_t len, size_t *loose_r);

#endif
