/*
 * util - memory and string helpers shared by every Sluice module.
 *
 * CONTRACT
 *	xmalloc(), xcalloc(), xrealloc() and xstrdup() never return NULL:
 *	on allocation failure they log and abort(), because a milter that
 *	cannot allocate a few bytes cannot answer the MTA sensibly anyway
 *	(the supervisor respawns it; Postfix's milter_default_action covers
 *	the gap).  The caller owns and frees what they return.
 *
 *	struct strbuf is a growing byte buffer.  strbuf_free() releases its
 *	storage; strbuf_detach() hands the storage to the caller (NUL
 *	terminated) and leaves the buffer empty.  A strbuf with a non-zero
 *	limit refuses to grow past it: the append functions return -1 and
 *	set the "over" flag, and keep what fitted.
 */
#ifndef SLUICE_UTIL_H
#define SLUICE_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

struct strbuf {
    char *data;   /* always NUL terminated when len > 0 */
    size_t len;
    size_t cap;
    size_t limit; /* 0: no limit */
    int over;     /* set when an append hit the limit */
};

void strbuf_init(struct strbuf *b, size_t limit);
int strbuf_append(struct strbuf *b, const void *data, size_t len);
int strbuf_puts(struct strbuf *b, const char *s);
int strbuf_printf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *strbuf_detach(struct strbuf *b);
void strbuf_reset(struct strbuf *b);
void strbuf_free(struct strbuf *b);

/* ASCII-only helpers: locale independent. */
int str_casecmp(const char *a, const char *b);
int str_ncasecmp(const char *a, const char *b, size_t n);
char *str_lower(char *s);          /* in place, returns s */
char *str_trim(char *s);           /* in place: leading/trailing blanks */
char *xstrdup_trim(const char *s); /* a trimmed copy; caller frees */
int str_has_suffix_ci(const char *s, const char *suffix);

/*
 * path_resolve() returns a new string: path itself when absolute,
 * otherwise path relative to the directory of base_file.
 */
char *path_resolve(const char *base_file, const char *path);

/*
 * file_read() returns the whole file (NUL terminated, *len_r bytes; the
 * caller frees it), or NULL with *error_r set to a static text: the
 * open or read error (strerror; errno kept), or "larger than the limit"
 * (errno EFBIG) when limit is non-zero and the file is longer.  Never a
 * silently cut file.
 */
/*
 * mbox_skip_from() returns raw past a leading mbox envelope line ("From "
 * up to and including its newline), with *len shortened to match; raw
 * itself when there is none.
 */
const char *mbox_skip_from(const char *raw, size_t *len);

char *file_read(const char *path, size_t limit, size_t *len_r,
                const char **error_r);

#endif
