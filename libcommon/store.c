/*
 * store - the key/value/counter store: checks, clock, dispatch (store.h).
 *
 * DESCRIPTION
 *	This file holds what both backends share: the per-thread error
 *	buffer, the checks of keys and TTLs, the one clock_wall() reading
 *	per call that turns a TTL into an absolute expiry, the dispatch to
 *	store_sqlite.c or store_redis.c (struct store_ops,
 *	store_internal.h), and store_conf_from_common(), which turns the
 *	[common] keys into a struct store_conf and reads the Redis
 *	password file.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "store_internal.h"
#include "util.h"

#define STORE_PASSWORD_MAX 1024
#define STORE_PASSWORD_MAX_S "1024"

struct store {
    const struct store_ops *ops;
    void *b;
};

static __thread char store_err[1024];

int store_fail(const char **error_r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(store_err, sizeof(store_err), fmt, ap);
    va_end(ap);
    if (error_r != NULL)
        *error_r = store_err;
    return STORE_ERROR;
}

const char *store_backend_name(int backend)
{
    switch (backend) {
    case STORE_SQLITE:
        return "sqlite";
    case STORE_REDIS:
        return "redis";
    }
    return "unknown";
}

/* Keys: 1..STORE_KEY_MAX bytes, no control character (bytes >= 0x80,
 * UTF-8 of international addresses, are fine). */
static int store_key_ok(const char *key, const char **error_r)
{
    size_t n;

    if (key == NULL || key[0] == '\0') {
        store_fail(error_r, "store: empty key");
        return 0;
    }
    for (n = 0; key[n] != '\0'; n++) {
        unsigned char c = (unsigned char)key[n];

        if (n >= STORE_KEY_MAX) {
            store_fail(error_r, "store: key longer than %d bytes",
                       STORE_KEY_MAX);
            return 0;
        }
        if (c < 0x20 || c == 0x7f) {
            store_fail(error_r,
                       "store: key with a control character (0x%02x at "
                       "byte %zu)",
                       c, n);
            return 0;
        }
    }
    return 1;
}

static int store_ttl_ok(long long ttl, const char **error_r)
{
    if (ttl >= 0 && ttl <= STORE_TTL_MAX)
        return 1;
    store_fail(error_r, "store: TTL %lld out of range 0..%lld", ttl,
               (long long)STORE_TTL_MAX);
    return 0;
}

static time_t store_expires(time_t now, long long ttl)
{
    return ttl == 0 ? 0 : now + (time_t)ttl;
}

static const struct store_ops *store_ops_of(int backend)
{
    switch (backend) {
    case STORE_SQLITE:
        return &store_sqlite_ops;
    case STORE_REDIS:
        return &store_redis_ops;
    }
    return NULL;
}

int store_open(const struct store_conf *c, struct store **s_r,
               const char **error_r)
{
    const struct store_ops *ops = store_ops_of(c->backend);
    const char *where;
    char label[512];
    void *b = NULL;

    *s_r = NULL;
    if (ops == NULL)
        return store_fail(error_r, "store: unknown backend %d", c->backend);
    where = c->backend == STORE_SQLITE ? c->path : c->redis;
    if (where == NULL || where[0] == '\0')
        return store_fail(error_r, "store: %s: no %s given", ops->name,
                          c->backend == STORE_SQLITE ? "path" : "server");
    if (c->timeout_ms <= 0 || c->timeout_ms > 3600000)
        return store_fail(error_r, "store: timeout %lld ms out of range",
                          c->timeout_ms);
    snprintf(label, sizeof(label), "%s %s", ops->name, where);
    if (ops->open(c, label, &b, error_r) != STORE_OK)
        return STORE_ERROR;
    *s_r = xcalloc(1, sizeof(**s_r));
    (*s_r)->ops = ops;
    (*s_r)->b = b;
    return STORE_OK;
}

void store_close(struct store *s)
{
    if (s == NULL)
        return;
    s->ops->close(s->b);
    free(s);
}

int store_get(struct store *s, const char *key, char **val_r, size_t *len_r,
              time_t *expires_r, const char **error_r)
{
    char *v = NULL;
    size_t len = 0;
    time_t exp = 0;
    int rc;

    if (val_r != NULL)
        *val_r = NULL;
    if (!store_key_ok(key, error_r))
        return STORE_ERROR;
    rc = s->ops->get(s->b, key, clock_wall(), val_r != NULL ? &v : NULL, &len,
                     &exp, error_r);
    if (rc != STORE_OK)
        return rc;
    if (val_r != NULL)
        *val_r = v;
    if (len_r != NULL)
        *len_r = len;
    if (expires_r != NULL)
        *expires_r = exp;
    return STORE_OK;
}

int store_put(struct store *s, const char *key, const void *val, size_t len,
              long long ttl, const char **error_r)
{
    time_t now;

    if (!store_key_ok(key, error_r) || !store_ttl_ok(ttl, error_r))
        return STORE_ERROR;
    now = clock_wall();
    return s->ops->put(s->b, key, val != NULL ? val : "", len, now,
                       store_expires(now, ttl), error_r);
}

int store_del(struct store *s, const char *key, const char **error_r)
{
    if (!store_key_ok(key, error_r))
        return STORE_ERROR;
    return s->ops->del(s->b, key, clock_wall(), error_r);
}

int store_incr(struct store *s, const char *key, long long delta, long long ttl,
               long long *value_r, const char **error_r)
{
    long long v = 0;
    time_t now;
    int rc;

    if (!store_key_ok(key, error_r) || !store_ttl_ok(ttl, error_r))
        return STORE_ERROR;
    now = clock_wall();
    rc = s->ops->incr(s->b, key, delta, now, store_expires(now, ttl), &v,
                      error_r);
    if (rc == STORE_OK && value_r != NULL)
        *value_r = v;
    return rc;
}

int store_cas(struct store *s, const char *key, const void *expect,
              size_t expect_len, const void *val, size_t len, long long ttl,
              const char **error_r)
{
    time_t now;

    if (!store_key_ok(key, error_r) || !store_ttl_ok(ttl, error_r))
        return STORE_ERROR;
    now = clock_wall();
    return s->ops->cas(s->b, key, expect, expect != NULL ? expect_len : 0,
                       val != NULL ? val : "", len, now,
                       store_expires(now, ttl), error_r);
}

int store_scan(struct store *s, const char *prefix, store_scan_cb cb, void *arg,
               const char **error_r)
{
    if (prefix == NULL)
        prefix = "";
    if (prefix[0] != '\0' && !store_key_ok(prefix, error_r))
        return STORE_ERROR;
    return s->ops->scan(s->b, prefix, clock_wall(), cb, arg, error_r);
}

int store_sweep(struct store *s, size_t max, size_t *removed_r,
                const char **error_r)
{
    size_t removed = 0;
    int rc;

    rc = s->ops->sweep(s->b, clock_wall(), max, &removed, error_r);
    if (removed_r != NULL)
        *removed_r = removed;
    return rc;
}

/*
 * The Redis password: the first line of the file, blanks trimmed.  The
 * file must be a regular file that "other" can neither read nor write
 * (the rule secret_load() applies to the result secret).
 */
static int store_password_read(const char *path, char **password_r,
                               const char **error_r)
{
    char buf[STORE_PASSWORD_MAX + 2], *nl, *p;
    const char *why = NULL;
    struct stat st;
    ssize_t n;
    size_t len = 0;
    int fd;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return store_fail(error_r, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return store_fail(error_r, "%s: not a regular file", path);
    }
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        close(fd);
        return store_fail(error_r,
                          "%s: password file is accessible by others "
                          "(chmod o-rw, e.g. mode 0640)",
                          path);
    }
    while (len < sizeof(buf) - 1 &&
           (n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    if ((nl = memchr(buf, '\n', len)) != NULL)
        *nl = '\0';
    p = str_trim(buf);
    if (strlen(p) > STORE_PASSWORD_MAX)
        why = "password longer than " STORE_PASSWORD_MAX_S " bytes";
    else if (p[0] == '\0')
        why = "empty password (the first line of the file)";
    if (why == NULL)
        *password_r = xstrdup(p);
    memset(buf, 0, sizeof(buf));
    if (why != NULL)
        return store_fail(error_r, "%s: %s", path, why);
    return 0;
}

int store_conf_from_common(const struct common_conf *cc, struct store_conf *sc,
                           char **password_r, const char **error_r)
{
    memset(sc, 0, sizeof(*sc));
    *password_r = NULL;
    sc->backend = cc->store_backend;
    sc->path = cc->store_path;
    sc->redis = cc->store_redis;
    sc->db = cc->store_redis_db;
    sc->timeout_ms = cc->store_timeout;
    if (cc->store_backend != STORE_REDIS ||
        cc->store_redis_password_file == NULL)
        return 0;
    if (store_password_read(cc->store_redis_password_file, password_r,
                            error_r) != 0)
        return -1;
    sc->password = *password_r;
    return 0;
}
