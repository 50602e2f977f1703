/*
 * result - the signed X-Sluice-Result header passed between milters.
 *
 * SYNOPSIS
 *	X-Sluice-Result: v=1; attach; qid=4XyZ1; score=5.0;
 *	    symbols=ATTACH_BANNED_EXT(5.0)[invoice.exe], ...; sig=<base64>
 *
 * DESCRIPTION
 *	A struct result is what one module found in one message: its name,
 *	the queue ID, and a list of symbols, each with a score and an
 *	optional detail (a file name, an IP...).  The total score is the
 *	sum of the symbol scores.
 *
 *	result_add() appends a symbol; the detail is sanitised to printable
 *	ASCII without the characters "[](),;" and cut to 64 bytes, so that it
 *	survives header folding and parsing (non-ASCII becomes '?').
 *
 *	result_format() returns the header value (without "X-Sluice-Result:")
 *	signed with the current secret: the HMAC-SHA256, base64, of the
 *	canonical string
 *	    "v=1;" milter ";qid=" qid ";score=" %.2f ";symbols=" SYM(%.2f)[d],...
 *	that carries no whitespace, so folding by the MTA never breaks it.
 *
 *	result_parse() reads a header value (folding whitespace allowed) into
 *	a struct result without checking the signature.  result_verify()
 *	parses, then checks that the signature matches under the current or
 *	the previous secret and that the qid equals expect_qid.  It returns
 *	0 when the result is trustworthy, -1 with *why_r (a static string:
 *	"malformed", "bad signature", "wrong qid") otherwise.
 *
 *	secret_load() reads a secret file: at least 32 bytes of content
 *	(trailing newline ignored); it refuses files readable by "other".
 *
 * OWNERSHIP
 *	result_init() / result_free() bracket a struct result's storage.
 *	result_format() returns a string the caller frees.  struct secret is
 *	owned by whoever loaded it (secret_free()).
 */
#ifndef SLUICE_RESULT_H
#define SLUICE_RESULT_H

#include <stddef.h>

#define RESULT_HEADER "X-Sluice-Result"
#define RESULT_SYM_MAX 48
#define RESULT_DETAIL_MAX 64

struct symbol {
    char name[RESULT_SYM_MAX];
    double score;
    char *detail; /* may be NULL */
};

struct result {
    char milter[32];
    char *qid;
    size_t n;
    struct symbol *sym;
};

struct secret {
    unsigned char *key;
    size_t len;
};

void result_init(struct result *r, const char *milter, const char *qid);
void result_free(struct result *r);
/* *dst (unused or freed) becomes a copy of src, with milter and qid. */
void result_copy(struct result *dst, const struct result *src);
void result_set_qid(struct result *r, const char *qid);
void result_add(struct result *r, const char *name, double score,
                const char *detail);
double result_score(const struct result *r);
int result_has(const struct result *r, const char *name);
/* "SYM(1.00)[detail], SYM2(2.00)" for logs and the verdict header. */
char *result_symbols_str(const struct result *r);

char *result_format(const struct result *r, const struct secret *s);
int result_parse(const char *value, struct result *r, const char **why_r);
int result_verify(const char *value, const char *expect_qid,
                  const struct secret *cur, const struct secret *prev,
                  struct result *r, const char **why_r);

int secret_load(const char *path, struct secret *s, const char **error_r);
void secret_free(struct secret *s);

#endif
