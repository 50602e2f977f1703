/*
 * store_internal - the backend interface behind store.h (private).
 *
 * DESCRIPTION
 *	Each backend is a struct store_ops.  store.c checks the arguments
 *	(key syntax, TTL range), reads the clock once per call and turns
 *	the TTL into an absolute expiry, so that a backend never reads the
 *	clock for expiry and never sees a bad key:
 *	    now      clock_wall() at the start of the call
 *	    expires  0 (no expiry) or now + ttl, in epoch seconds
 *	An entry is live when expires == 0 or expires > now; a backend
 *	never returns, counts or compares against an entry that is not.
 *
 *	Backends return enum store_rc and report STORE_ERROR with
 *	store_fail(), which formats into the per-thread buffer that
 *	*error_r then points to.  open() gets the checked conf and the
 *	store's name for messages ("sqlite /var/lib/sluice/sluice.db",
 *	"redis 127.0.0.1:6379").
 *
 *	scan() calls cb outside of any lock the backend holds, so that a
 *	callback may use the store; it reports an entry with the key
 *	without any backend namespace.
 */
#ifndef SLUICE_STORE_INTERNAL_H
#define SLUICE_STORE_INTERNAL_H

#include <stddef.h>
#include <time.h>

#include "store.h"

struct store_ops {
    const char *name;
    int (*open)(const struct store_conf *c, const char *label, void **b_r,
                const char **error_r);
    void (*close)(void *b);
    int (*get)(void *b, const char *key, time_t now, char **val_r,
               size_t *len_r, time_t *expires_r, const char **error_r);
    int (*put)(void *b, const char *key, const void *val, size_t len,
               time_t now, time_t expires, const char **error_r);
    int (*del)(void *b, const char *key, time_t now, const char **error_r);
    int (*incr)(void *b, const char *key, long long delta, time_t now,
                time_t expires, long long *value_r, const char **error_r);
    int (*cas)(void *b, const char *key, const void *expect, size_t expect_len,
               const void *val, size_t len, time_t now, time_t expires,
               const char **error_r);
    int (*scan)(void *b, const char *prefix, time_t now, store_scan_cb cb,
                void *arg, const char **error_r);
    int (*sweep)(void *b, time_t now, size_t max, size_t *removed_r,
                 const char **error_r);
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_redis_ops;

/* Formats into the per-thread error buffer; returns STORE_ERROR. */
int store_fail(const char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The live test every backend applies. */
static inline int store_live(time_t expires, time_t now)
{
    return expires == 0 || expires > now;
}

#endif
