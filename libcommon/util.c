/*
 * util - see util.h for the contract.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static void oom(size_t n)
{
    syslog(LOG_CRIT, "out of memory allocating %zu bytes", n);
    fprintf(stderr, "sluice: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    if (p == NULL)
        oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL)
        oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);

    if (q == NULL)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);

    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return xstrdup("");
    p = xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = xvasprintf(fmt, ap);
    va_end(ap);
    return p;
}

void strbuf_init(struct strbuf *b, size_t limit)
{
    memset(b, 0, sizeof(*b));
    b->limit = limit;
}

int strbuf_append(struct strbuf *b, const void *data, size_t len)
{
    int rc = 0;

    if (b->limit && b->len + len > b->limit) {
        len = b->limit > b->len ? b->limit - b->len : 0;
        b->over = 1;
        rc = -1;
    }
    if (b->len + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;

        while (cap < b->len + len + 1)
            cap *= 2;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return rc;
}

int strbuf_puts(struct strbuf *b, const char *s)
{
    return strbuf_append(b, s, strlen(s));
}

int strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    char *s;
    int rc;

    va_start(ap, fmt);
    s = xvasprintf(fmt, ap);
    va_end(ap);
    rc = strbuf_puts(b, s);
    free(s);
    return rc;
}

char *strbuf_detach(struct strbuf *b)
{
    char *p = b->data ? b->data : xstrdup("");
    size_t limit = b->limit;

    strbuf_init(b, limit);
    return p;
}

void strbuf_reset(struct strbuf *b)
{
    b->len = 0;
    b->over = 0;
    if (b->data)
        b->data[0] = '\0';
}

void strbuf_free(struct strbuf *b)
{
    free(b->data);
    strbuf_init(b, b->limit);
}

int str_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);

        if (ca != cb || ca == 0)
            return ca - cb;
    }
}

int str_ncasecmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; a++, b++, n--) {
        int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);

        if (ca != cb || ca == 0)
            return ca - cb;
    }
    return 0;
}

char *str_lower(char *s)
{
    for (char *p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

char *str_trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    e = s + strlen(s);
    while (e > s &&
           (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
        *--e = '\0';
    return s;
}

char *xstrdup_trim(const char *s)
{
    char *c = xstrdup(s), *t = str_trim(c);

    if (t != c)
        memmove(c, t, strlen(t) + 1);
    return c;
}

int str_has_suffix_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return ls >= lx && str_casecmp(s + ls - lx, suffix) == 0;
}

char *path_resolve(const char *base_file, const char *path)
{
    const char *slash;

    if (path[0] == '/' || base_file == NULL)
        return xstrdup(path);
    slash = strrchr(base_file, '/');
    if (slash == NULL)
        return xstrdup(path);
    return xasprintf("%.*s/%s", (int)(slash - base_file), base_file, path);
}

const char *mbox_skip_from(const char *raw, size_t *len)
{
    const char *nl;

    if (*len > 5 && memcmp(raw, "From ", 5) == 0 &&
        (nl = memchr(raw, '\n', *len)) != NULL) {
        *len -= (size_t)(nl + 1 - raw);
        return nl + 1;
    }
    return raw;
}

char *file_read(const char *path, size_t limit, size_t *len_r,
                const char **error_r)
{
    FILE *fp = fopen(path, "rb");
    struct strbuf b;
    char buf[65536];
    size_t n;
    int err;

    if (fp == NULL) {
        *error_r = strerror(errno);
        return NULL;
    }
    strbuf_init(&b, limit);
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        if (strbuf_append(&b, buf, n) < 0)
            break;
    err = ferror(fp) ? errno : 0;
    fclose(fp);
    if (b.over || err) {
        err = b.over ? EFBIG : err;
        *error_r = err == EFBIG ? "larger than the limit" : strerror(err);
        strbuf_free(&b);
        errno = err;
        return NULL;
    }
    *len_r = b.len;
    return b.len ? strbuf_detach(&b) : (strbuf_free(&b), xstrdup(""));
}
