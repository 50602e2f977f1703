/*
 * store_sqlite - the sqlite3 backend of the store (store.h).
 *
 * DESCRIPTION
 *	One table in one file:
 *	    store(key TEXT PRIMARY KEY, value BLOB NOT NULL,
 *	          expires INTEGER NOT NULL)     -- 0: never
 *	with a partial index on expires (only rows that expire) for the
 *	sweep, PRAGMA user_version 1 (connections, the file and the schema:
 *	store_sqlite_conn.c).
 *
 *	Every query filters on "expires = 0 OR expires > now", so an
 *	expired row is never returned before the sweep removes it.
 *	store_incr() is one UPSERT ... RETURNING statement (atomic across
 *	threads and processes); store_cas() is BEGIN IMMEDIATE, SELECT,
 *	write, COMMIT.  store_scan() reads a key range [prefix, prefix+1)
 *	(never LIKE, whose % and _ are wildcards) in batches of
 *	SQ_SCAN_BATCH rows, holding no connection while the callback runs.
 *	store_sweep() deletes SQ_SWEEP_BATCH rows per transaction.
 *
 * DIAGNOSTICS
 *	"sqlite PATH: OPERATION: sqlite's message", e.g. "database is
 *	locked (waited 2000 of 2000 ms)" or "database or disk is full".
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_sqlite.h"
#include "util.h"

#define SQ_SCAN_BATCH 256
#define SQ_SWEEP_BATCH 1000

const char *const sq_sql[SQ_NSTMT] = {
    [SQ_GET] = "SELECT value, expires FROM store WHERE key = ?1 "
               "AND (expires = 0 OR expires > ?2)",
    [SQ_GET_ANY] = "SELECT value, expires FROM store WHERE key = ?1",
    [SQ_PUT] = "INSERT INTO store(key, value, expires) VALUES(?1, ?2, ?3) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value, "
               "expires = excluded.expires",
    [SQ_DEL] = "DELETE FROM store WHERE key = ?1 RETURNING expires",
    /* ?1 key, ?2 delta, ?3 expiry of a new window, ?4 now, ?5..?6 the
     * range the old value must be in for value + delta not to overflow.
     * A value that is not an integer in canonical form ("12", not "012"
     * or "1x") makes the WHERE false: no row comes back. */
    [SQ_INCR] = "INSERT INTO store(key, value, expires) VALUES(?1, ?2, ?3) "
                "ON CONFLICT(key) DO UPDATE SET "
                "value = CASE WHEN expires > 0 AND expires <= ?4 THEN ?2 "
                "ELSE CAST(value AS INTEGER) + ?2 END, "
                "expires = CASE WHEN expires > 0 AND expires <= ?4 THEN ?3 "
                "ELSE expires END "
                "WHERE (expires > 0 AND expires <= ?4) OR "
                "((typeof(value) = 'integer' OR "
                "CAST(CAST(value AS INTEGER) AS BLOB) = value) AND "
                "CAST(value AS INTEGER) BETWEEN ?5 AND ?6) "
                "RETURNING value",
    /* ?2 is the first key past the prefix range, or an empty BLOB when
     * there is none: in sqlite's order every TEXT sorts before a BLOB. */
    [SQ_SCAN] = "SELECT key, value, expires FROM store "
                "WHERE key >= ?1 AND key < ?2 "
                "AND (expires = 0 OR expires > ?3) ORDER BY key LIMIT ?4",
    [SQ_SWEEP] = "DELETE FROM store WHERE key IN (SELECT key FROM store "
                 "WHERE expires > 0 AND expires <= ?1 LIMIT ?2)",
    [SQ_BEGIN] = "BEGIN IMMEDIATE",
    [SQ_COMMIT] = "COMMIT",
    [SQ_ROLLBACK] = "ROLLBACK",
};

static void sq_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* A copy of a value column, NUL terminated beyond its length. */
static char *sq_copy_value(sqlite3_stmt *st, int col, size_t *len_r)
{
    const void *p = sqlite3_column_blob(st, col);
    size_t n = (size_t)sqlite3_column_bytes(st, col);
    char *v = xmalloc(n + 1);

    if (n > 0)
        memcpy(v, p, n);
    v[n] = '\0';
    *len_r = n;
    return v;
}

static int sq_get(void *b, const char *key, time_t now, char **val_r,
                  size_t *len_r, time_t *expires_r, const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    sqlite3_stmt *st;
    int rc;

    if (sqc_get(q, 0, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    st = c->st[SQ_GET];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (val_r != NULL)
            *val_r = sq_copy_value(st, 0, len_r);
        else
            *len_r = (size_t)sqlite3_column_bytes(st, 0);
        *expires_r = (time_t)sqlite3_column_int64(st, 1);
        rc = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = STORE_NOTFOUND;
    } else {
        rc = sqc_fail(q, c, "get", error_r);
    }
    sq_done(st);
    sqc_put(q, c);
    return rc;
}

static int sq_bind_put(sqlite3_stmt *st, const char *key, const void *val,
                       size_t len, time_t expires)
{
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 2, val, (sqlite3_uint64)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)expires);
    return sqlite3_step(st);
}

static int sq_put(void *b, const char *key, const void *val, size_t len,
                  time_t now, time_t expires, const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    int rc;

    if (sqc_get(q, 1, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = sq_bind_put(c->st[SQ_PUT], key, val, len, expires);
    rc = rc == SQLITE_DONE ? STORE_OK : sqc_fail(q, c, "put", error_r);
    sq_done(c->st[SQ_PUT]);
    sqc_put(q, c);
    return rc;
}

static int sq_del(void *b, const char *key, time_t now, const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    sqlite3_stmt *st;
    int rc;

    if (sqc_get(q, 1, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    st = c->st[SQ_DEL];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = store_live((time_t)sqlite3_column_int64(st, 0), now)
                 ? STORE_OK
                 : STORE_NOTFOUND;
    else if (rc == SQLITE_DONE)
        rc = STORE_NOTFOUND;
    else
        rc = sqc_fail(q, c, "del", error_r);
    sq_done(st);
    sqc_put(q, c);
    return rc;
}

static int sq_incr(void *b, const char *key, long long delta, time_t now,
                   time_t expires, long long *value_r, const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    sqlite3_stmt *st;
    int rc;

    if (sqc_get(q, 1, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    st = c->st[SQ_INCR];
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, delta);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)expires);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
    sqlite3_bind_int64(st, 5, delta < 0 ? LLONG_MIN - delta : LLONG_MIN);
    sqlite3_bind_int64(st, 6, delta > 0 ? LLONG_MAX - delta : LLONG_MAX);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value_r = sqlite3_column_int64(st, 0);
        rc = STORE_OK;
    } else if (rc == SQLITE_DONE) {
        rc = store_fail(error_r,
                        "%s: incr %s: the value is not an integer, or "
                        "adding %lld would overflow it",
                        q->label, key, delta);
    } else {
        rc = sqc_fail(q, c, "incr", error_r);
    }
    sq_done(st);
    sqc_put(q, c);
    return rc;
}

/* In the cas transaction: does the current value allow the write? */
static int sq_cas_check(struct sq *q, struct sq_conn *c, const char *key,
                        const void *expect, size_t expect_len, time_t now,
                        const char **error_r)
{
    sqlite3_stmt *st = c->st[SQ_GET_ANY];
    int rc, live = 0, same = 0;

    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(st, 0);
        size_t n = (size_t)sqlite3_column_bytes(st, 0);

        live = store_live((time_t)sqlite3_column_int64(st, 1), now);
        same = expect != NULL && n == expect_len &&
               (n == 0 || memcmp(v, expect, n) == 0);
        rc = SQLITE_DONE;
    }
    if (rc != SQLITE_DONE)
        rc = sqc_fail(q, c, "cas", error_r);
    else if (expect == NULL)
        rc = live ? STORE_CONFLICT : STORE_OK;
    else
        rc = live && same ? STORE_OK : STORE_CONFLICT;
    sq_done(st);
    return rc;
}

static int sq_cas(void *b, const char *key, const void *expect,
                  size_t expect_len, const void *val, size_t len, time_t now,
                  time_t expires, const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    int rc;

    if (sqc_get(q, 1, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = sqlite3_step(c->st[SQ_BEGIN]);
    sq_done(c->st[SQ_BEGIN]);
    if (rc != SQLITE_DONE) {
        rc = sqc_fail(q, c, "cas", error_r);
        sqc_put(q, c);
        return rc;
    }
    rc = sq_cas_check(q, c, key, expect, expect_len, now, error_r);
    if (rc == STORE_OK) {
        if (sq_bind_put(c->st[SQ_PUT], key, val, len, expires) != SQLITE_DONE)
            rc = sqc_fail(q, c, "cas", error_r);
        sq_done(c->st[SQ_PUT]);
    }
    if (rc == STORE_OK && sqlite3_step(c->st[SQ_COMMIT]) != SQLITE_DONE)
        rc = sqc_fail(q, c, "cas commit", error_r);
    sq_done(c->st[SQ_COMMIT]);
    if (sqlite3_get_autocommit(c->db) == 0) {
        sqlite3_step(c->st[SQ_ROLLBACK]);
        sq_done(c->st[SQ_ROLLBACK]);
    }
    sqc_put(q, c);
    return rc;
}

struct sq_row {
    char *key;
    char *val;
    size_t len;
    time_t expires;
};

/* One batch of the scan: up to SQ_SCAN_BATCH live rows from key >= from
 * (the row equal to skip, the last one of the batch before, left out). */
static int sq_scan_batch(struct sq *q, const char *from, const char *skip,
                         const char *upper, time_t now, struct sq_row *rows,
                         size_t *n_r, const char **error_r)
{
    struct sq_conn *c;
    sqlite3_stmt *st;
    size_t n = 0, len;
    int rc;

    if (sqc_get(q, 0, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    st = c->st[SQ_SCAN];
    sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    if (upper != NULL)
        sqlite3_bind_text(st, 2, upper, -1, SQLITE_STATIC);
    else
        sqlite3_bind_zeroblob(st, 2, 0);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    sqlite3_bind_int(st, 4, SQ_SCAN_BATCH + 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < SQ_SCAN_BATCH) {
        const char *k = (const char *)sqlite3_column_text(st, 0);

        if (skip != NULL && strcmp(k, skip) == 0)
            continue;
        rows[n].key = xstrdup(k);
        rows[n].val = sq_copy_value(st, 1, &len);
        rows[n].len = len;
        rows[n].expires = (time_t)sqlite3_column_int64(st, 2);
        n++;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        rc = sqc_fail(q, c, "scan", error_r);
    else
        rc = STORE_OK;
    sq_done(st);
    sqc_put(q, c);
    *n_r = n;
    return rc;
}

/* The first string past every string that starts with prefix, or NULL
 * when there is none (the prefix is empty or all 0xff bytes). */
static char *sq_prefix_upper(const char *prefix)
{
    char *u = xstrdup(prefix);
    size_t n = strlen(u);

    while (n > 0 && (unsigned char)u[n - 1] == 0xff)
        n--;
    if (n == 0) {
        free(u);
        return NULL;
    }
    u[n - 1] = (char)((unsigned char)u[n - 1] + 1);
    u[n] = '\0';
    return u;
}

static int sq_scan(void *b, const char *prefix, time_t now, store_scan_cb cb,
                   void *arg, const char **error_r)
{
    struct sq *q = b;
    struct sq_row *rows = xcalloc(SQ_SCAN_BATCH, sizeof(*rows));
    char *upper = sq_prefix_upper(prefix), *last = NULL;
    size_t n, i;
    int rc, stop = 0;

    do {
        rc = sq_scan_batch(q, last != NULL ? last : prefix, last, upper, now,
                           rows, &n, error_r);
        for (i = 0; i < n; i++) {
            if (rc == STORE_OK && !stop)
                stop = cb(rows[i].key, rows[i].val, rows[i].len,
                          rows[i].expires, arg);
            free(rows[i].val);
            if (i + 1 < n)
                free(rows[i].key);
        }
        free(last);
        last = n > 0 ? rows[n - 1].key : NULL;
    } while (rc == STORE_OK && !stop && n == SQ_SCAN_BATCH);
    free(last);
    free(upper);
    free(rows);
    return rc;
}

/* Batches of SQ_SWEEP_BATCH rows, each its own transaction, the write
 * lock let go in between. */
static int sq_sweep(void *b, time_t now, size_t max, size_t *removed_r,
                    const char **error_r)
{
    struct sq *q = b;
    struct sq_conn *c;
    sqlite3_stmt *st;
    size_t batch, done = 0;
    int rc = STORE_OK, n;

    while (done < max && rc == STORE_OK) {
        batch = max - done < SQ_SWEEP_BATCH ? max - done : SQ_SWEEP_BATCH;
        if (sqc_get(q, 1, &c, error_r) != STORE_OK) {
            rc = STORE_ERROR;
            break;
        }
        st = c->st[SQ_SWEEP];
        sqlite3_bind_int64(st, 1, (sqlite3_int64)now);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)batch);
        n = 0;
        if (sqlite3_step(st) == SQLITE_DONE)
            n = sqlite3_changes(c->db);
        else
            rc = sqc_fail(q, c, "sweep", error_r);
        sq_done(st);
        sqc_put(q, c);
        done += (size_t)n;
        if ((size_t)n < batch)
            break;
    }
    *removed_r = done;
    return rc;
}

static void sq_close(void *b)
{
    sqc_close(b);
}

static int sq_open(const struct store_conf *conf, const char *label, void **b_r,
                   const char **error_r)
{
    return (*b_r = sqc_open(conf, label, error_r)) != NULL ? STORE_OK
                                                           : STORE_ERROR;
}

const struct store_ops store_sqlite_ops = {
    "sqlite", sq_open, sq_close, sq_get,  sq_put,
    sq_del,   sq_incr, sq_cas,   sq_scan, sq_sweep,
};
