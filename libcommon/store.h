/*
 * store - a small key/value/counter store with expiry: sqlite (WAL, the
 * embedded default) or Redis (for clusters of MX hosts sharing state).
 *
 * SYNOPSIS
 *	struct store *s;
 *	store_open(&conf, &s, &error);       (in the worker, at start())
 *	store_put(s, "grey/192.0.2/a@b/c@d", "1700000000", 10, 172800, &error);
 *	store_incr(s, "rl/user/alice", 1, 600, &count, &error);
 *	store_close(s);
 *
 * DESCRIPTION
 *	One interface, two backends, one conformance suite
 *	(t/unit/store_test.c runs every case on both).  Keys are printable
 *	strings; the users prefix them ("grey/", "rl/", "cbv/", "learn/",
 *	"quar/").  Values are bytes.  Every entry may have a time to live
 *	in seconds (0: none); expiry is judged with clock_wall() (clock.h),
 *	so tests move time instead of sleeping, on both backends: an
 *	expired entry is never returned, whatever the backend has not yet
 *	cleaned up.
 *
 *	Return values, one convention for every call:
 *	    STORE_OK        done (or found)
 *	    STORE_NOTFOUND  no such key, or it expired (get, del)
 *	    STORE_CONFLICT  compare-and-set lost
 *	    STORE_ERROR     the store could not be used (down, locked past
 *	                    the timeout, full, a protocol error): a
 *	                    temporary failure, *error_r says why
 *	and callers map STORE_ERROR to the module's on_error answer, never
 *	to "not found".
 *
 *	store_get() returns a copy of the value (NUL terminated beyond len)
 *	and its expiry (0: none).  store_put() sets or replaces a value
 *	and its TTL.  store_del() removes it.  store_incr() adds delta to a
 *	counter atomically (across threads, processes and, with Redis,
 *	hosts); a counter that does not exist or expired starts at 0 with
 *	ttl from now (a fixed window that the first increment opens; a
 *	later increment does not extend it) and *value_r is the new value.
 *	store_cas() writes value only if the current value equals expect
 *	(expect NULL: only if the key does not exist), else
 *	STORE_CONFLICT.  store_scan() calls cb for every live entry whose
 *	key starts with prefix (order unspecified; cb returns non-zero to
 *	stop).  store_sweep() removes up to max expired entries (sqlite;
 *	Redis expires by itself and returns 0 removed) so that the file
 *	stays bounded; it is called off the hot path.
 *
 *	sqlite: one file (conf.path), WAL, busy timeout conf.timeout_ms; a
 *	database locked longer than that is STORE_ERROR.  Redis (hiredis
 *	0.14): conf.redis is "host:port" or "unix:/path"; optional password
 *	(AUTH) and database number; command timeout conf.timeout_ms; a lost
 *	connection is STORE_ERROR for that call and is re-established (with
 *	backoff, at most one attempt per 100 ms to 5 s) by a later call, so
 *	a Redis that comes back is used again without a restart.  Redis
 *	over TLS is not supported by Debian 12's hiredis: put stunnel in
 *	front of it (sluice.conf(5)).
 *
 *	A struct store is safe to use from many threads at once.
 *
 * OWNERSHIP
 *	*val_r is the caller's (free()).  *error_r points to a per-thread
 *	buffer valid until the next store call on the same thread.
 */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include <stddef.h>
#include <time.h>

enum store_rc {
    STORE_ERROR = -1,
    STORE_OK = 0,
    STORE_NOTFOUND = 1,
    STORE_CONFLICT = 2,
};

enum store_backend {
    STORE_SQLITE = 0,
    STORE_REDIS,
};

struct store_conf {
    int backend;           /* enum store_backend */
    const char *path;      /* sqlite file */
    const char *redis;     /* "host:port" or "unix:/path" */
    const char *password;  /* NULL: no AUTH */
    long long db;          /* Redis database number */
    long long timeout_ms;
};

struct store;

typedef int (*store_scan_cb)(const char *key, const void *val, size_t len,
                             time_t expires, void *arg);

int store_open(const struct store_conf *c, struct store **s_r,
               const char **error_r);
void store_close(struct store *s);

int store_get(struct store *s, const char *key, char **val_r, size_t *len_r,
              time_t *expires_r, const char **error_r);
int store_put(struct store *s, const char *key, const void *val, size_t len,
              long long ttl, const char **error_r);
int store_del(struct store *s, const char *key, const char **error_r);
int store_incr(struct store *s, const char *key, long long delta,
               long long ttl, long long *value_r, const char **error_r);
int store_cas(struct store *s, const char *key, const void *expect,
              size_t expect_len, const void *val, size_t len, long long ttl,
              const char **error_r);
int store_scan(struct store *s, const char *prefix, store_scan_cb cb,
               void *arg, const char **error_r);
int store_sweep(struct store *s, size_t max, size_t *removed_r,
                const char **error_r);

const char *store_backend_name(int backend);

#endif
