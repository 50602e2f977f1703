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
 *	(t/unit/store_test.c runs every case on both).  Keys are 1 to
 *	STORE_KEY_MAX bytes without control characters (bytes 0x00-0x1f,
 *	0x7f); any other byte, UTF-8 included, is fine.  The users prefix
 *	them ("grey/", "rl/", "cbv/", "learn/", "quar/").  Values are bytes.
 *	Every entry may have a time to live in seconds (0: none, at most
 *	STORE_TTL_MAX); expiry is judged with clock_wall() (clock.h), read
 *	once per call, so tests move time instead of sleeping, on both
 *	backends: an entry written at time T with TTL n is there until
 *	T+n-1 and gone from T+n on, and an expired entry is never returned,
 *	counted or compared against, whatever the backend has not yet
 *	cleaned up.
 *
 *	Return values, one convention for every call:
 *	    STORE_OK        done (or found)
 *	    STORE_NOTFOUND  no such key, or it expired (get, del)
 *	    STORE_CONFLICT  compare-and-set lost
 *	    STORE_ERROR     the store could not be used (down, locked past
 *	                    the timeout, full, a protocol error) or the
 *	                    arguments are wrong (a bad key, TTL): *error_r
 *	                    says why
 *	and callers map STORE_ERROR to the module's on_error answer, never
 *	to "not found".  A backend that fails is never NOTFOUND.
 *
 *	store_get() returns a copy of the value (NUL terminated beyond len)
 *	and its expiry (0: none); val_r, len_r and expires_r may be NULL
 *	(a test for existence).  store_put() sets or replaces a value and
 *	its TTL.  store_del() removes it (NOTFOUND when there was no live
 *	entry).  store_incr() adds delta to a counter atomically (across
 *	threads, processes and, with Redis, hosts); a counter that does
 *	not exist or expired starts at 0 with ttl from now (a fixed window
 *	that the first increment opens; a later increment does not extend
 *	it, whatever its ttl) and *value_r (may be NULL) is the new value.
 *	A counter is its decimal text to store_get(); a value store_put()
 *	wrote counts if it is a decimal integer in canonical form ("41",
 *	not "041", "+41" or " 41"); any other value, and a result beyond
 *	64 bits, is STORE_ERROR and leaves the value as it was.
 *	store_cas() writes value (with ttl from now) only if the current
 *	value equals the expect_len bytes at expect, else STORE_CONFLICT;
 *	expect NULL: only if there is no live entry (an empty expect is
 *	not "absent"; an expired entry is).  store_scan() calls cb for
 *	every live entry whose key starts with prefix, literally (no
 *	wildcards), "" for all; order unspecified; cb returns non-zero to
 *	stop.  It reads in batches and holds nothing while cb runs, so cb
 *	may use the store; an entry written or removed meanwhile may or may
 *	not be reported, and Redis may report an entry twice (SCAN's
 *	guarantee).  store_sweep() removes up to max expired entries
 *	(sqlite, in transactions of 1,000 rows; Redis expires by itself and
 *	returns 0 removed) so that the file stays bounded; it is called off
 *	the hot path.
 *
 *	sqlite: one file (conf.path), created with mode 0640 when missing
 *	(its directory must exist), WAL, synchronous NORMAL (a crash of
 *	the program loses nothing, a power cut may lose the last writes);
 *	a file of an unknown schema version is refused.  A call waits at
 *	most conf.timeout_ms in all (for a connection, for the lock other
 *	processes hold); a database locked longer than that is STORE_ERROR
 *	"database is locked", a full disk STORE_ERROR "database or disk is
 *	full".  Redis (hiredis 0.14): conf.redis is "host:port",
 *	"[IPv6]:port" or "unix:/path"; optional password (AUTH) and
 *	database number (SELECT); connect and command timeout
 *	conf.timeout_ms.  store_open() connects once: a server that refuses
 *	AUTH or SELECT fails it with the server's reason; one that is not
 *	there does not (its calls are STORE_ERROR until it is).  A lost
 *	connection is STORE_ERROR for that call and is re-established (with
 *	back-off, at most one attempt per 100 ms, doubling to 5 s) by a
 *	later call, so a Redis that comes back is used again without a
 *	restart; the loss and the return are logged once each.  Redis over
 *	TLS is not supported by Debian 12's hiredis: put stunnel in front
 *	of it (sluice.conf(5)).
 *
 *	store_conf_from_common() fills *sc from the [common] store_* keys
 *	(pointing into cc) and, for Redis with store_redis_password_file,
 *	reads the password: the first line, blanks trimmed, from a regular
 *	file that "other" can neither read nor write (else -1 and why);
 *	*password_r (NULL when there is none) is the caller's to free
 *	after store_close(), and sc->password points to it.
 *
 * SWEEPER
 *	store_sweeper_start() starts a thread that calls store_sweep()
 *	every interval seconds (batches of 1,000 rows with a pause between
 *	them, until the expired entries are gone), so that callers never
 *	sweep on their hot path; NULL when interval <= 0, or NULL with
 *	*error_r when the thread cannot start.  store_sweeper_stop() (NULL
 *	is fine) wakes it, waits for it and frees it; call it before
 *	store_close().  The milters' worker runs one for an sqlite store
 *	([common] store_sweep_interval); Redis expires keys by itself.
 *
 * THREADS
 *	A struct store is safe to use from many threads at once; it must
 *	not cross a fork (open it in the process that uses it).  sqlite: a
 *	pool of up to 4 connections (reads run in parallel); the calls that
 *	write queue on a mutex of the store first, so only writers of other
 *	processes meet sqlite's lock, which is retried every 0.2-1 ms until
 *	the timeout.  Redis: a pool of connections (a hiredis context is not
 *	thread-safe), at most 32 kept idle.  Figures: bench/STORE.md.
 *
 * KEY FORMAT
 *	Redis: entry KEY is the hash "sluice:KEY" with the fields v (the
 *	value; a counter as decimal text) and exp (expiry, epoch seconds
 *	of the milter's clock; 0: none).  Redis's own TTL on the key is
 *	the entry's plus 60 s, for garbage collection only: the milters
 *	judge exp with their clocks (keep them in NTP sync).  To look:
 *	    redis-cli -n DB --scan --pattern 'sluice:grey*'
 *	    redis-cli -n DB HGETALL 'sluice:rl/user/alice'
 *	DEL of a key is safe; a key written by hand with another type
 *	(SET) is STORE_ERROR WRONGTYPE for its users.  sqlite: table store
 *	(key TEXT PRIMARY KEY, value BLOB, expires INTEGER, 0: none):
 *	    sqlite3 /var/lib/sluice/sluice.db \
 *	        "SELECT key, value, expires FROM store WHERE key >= 'rl/'
 *	         AND key < 'rl0'"
 *
 * OWNERSHIP
 *	*val_r is the caller's (free()).  *error_r points to a per-thread
 *	buffer valid until the next store call on the same thread.
 */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include <stddef.h>
#include <time.h>

#define STORE_KEY_MAX 1024                     /* bytes */
#define STORE_TTL_MAX (10LL * 366 * 24 * 3600) /* seconds */

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
    int backend;          /* enum store_backend */
    const char *path;     /* sqlite file */
    const char *redis;    /* "host:port", "[v6]:port" or "unix:/path" */
    const char *password; /* NULL: no AUTH */
    long long db;         /* Redis database number */
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
int store_incr(struct store *s, const char *key, long long delta, long long ttl,
               long long *value_r, const char **error_r);
int store_cas(struct store *s, const char *key, const void *expect,
              size_t expect_len, const void *val, size_t len, long long ttl,
              const char **error_r);
int store_scan(struct store *s, const char *prefix, store_scan_cb cb, void *arg,
               const char **error_r);
int store_sweep(struct store *s, size_t max, size_t *removed_r,
                const char **error_r);

struct store_sweeper;
struct store_sweeper *store_sweeper_start(struct store *s, long long interval,
                                          const char **error_r);
void store_sweeper_stop(struct store_sweeper *sw);

const char *store_backend_name(int backend);

struct common_conf;
int store_conf_from_common(const struct common_conf *cc, struct store_conf *sc,
                           char **password_r, const char **error_r);

#endif
