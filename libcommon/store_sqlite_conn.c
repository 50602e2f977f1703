/*
 * store_sqlite_conn - the connections of the sqlite backend
 * (store_sqlite.h).
 *
 * DESCRIPTION
 *	sqc_open() creates the file (mode 0640) when it is missing and opens
 *	the first connection, which sets up the schema in one write
 *	transaction (several processes may open a new file at once) and
 *	refuses a schema version it does not know.  Each connection: WAL,
 *	synchronous NORMAL (a crash of the program loses nothing; a power
 *	cut may lose the last writes, never the file), the busy handler
 *	sqc_busy(), every statement of sq_sql[] prepared once.
 *
 * THREADS
 *	A pool of at most SQ_POOL_MAX connections, each used by one thread
 *	at a time, with one deadline (timeout_ms) per call for everything
 *	the call waits for: the write lock, a free connection, sqlite's
 *	lock.  Calls that write also hold the store's write lock, so the
 *	threads of one process queue on a mutex, which hands over at once,
 *	and only writers of other processes meet sqlite's lock.  Measured
 *	with bench/store-bench and t/unit/store_load_test (bench/STORE.md):
 *	writes are serialised by sqlite whatever we do (one connection
 *	behind a mutex wrote as fast as a pool); reads scale with
 *	connections (get with 4 threads: 190,000/s on one connection,
 *	940,000/s on 4, 870,000/s on 8).  So: a pool of 4.
 */
#define _GNU_SOURCE /* pthread_mutex_clocklock() */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_sqlite.h"
#include "util.h"

#define SQ_SCHEMA_VERSION 1

#ifndef SQ_POOL_MAX
#define SQ_POOL_MAX 4
#endif

static const char sqc_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS store ("
    " key TEXT PRIMARY KEY NOT NULL,"
    " value BLOB NOT NULL,"
    " expires INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS store_expires ON store(expires)"
    " WHERE expires > 0;"
    "PRAGMA user_version = 1;";

int sqc_fail(struct sq *q, struct sq_conn *c, const char *what,
             const char **error_r)
{
    int code = sqlite3_errcode(c->db);
    struct timespec now;
    long long left_ms;

    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        left_ms = (long long)(c->deadline.tv_sec - now.tv_sec) * 1000 +
                  (c->deadline.tv_nsec - now.tv_nsec) / 1000000;
        return store_fail(error_r, "%s: %s: %s (waited %lld of %lld ms)",
                          q->label, what, sqlite3_errmsg(c->db),
                          q->timeout_ms - (left_ms > 0 ? left_ms : 0),
                          q->timeout_ms);
    }
    return store_fail(error_r, "%s: %s: %s", q->label, what,
                      sqlite3_errmsg(c->db));
}

static void sqc_free_conn(struct sq_conn *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < SQ_NSTMT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close_v2(c->db);
    free(c);
}

/* One pragma that returns a value: journal_mode must come back "wal". */
static int sqc_wal(struct sq *q, struct sq_conn *c, const char **error_r)
{
    sqlite3_stmt *st = NULL;
    int ok;

    if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode = WAL", -1, &st, NULL) !=
        SQLITE_OK)
        return sqc_fail(q, c, "journal_mode", error_r);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return sqc_fail(q, c, "journal_mode", error_r);
    }
    ok = str_casecmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (!ok)
        return store_fail(error_r, "%s: cannot switch to WAL journal mode",
                          q->label);
    return STORE_OK;
}

static struct timespec sqc_deadline(long long ms)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(ms / 1000);
    t.tv_nsec += (long)(ms % 1000) * 1000000;
    if (t.tv_nsec >= 1000000000) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000;
    }
    return t;
}

/*
 * The busy handler: retry every 0.2..1 ms until the call's deadline.
 * sqlite's own (sqlite3_busy_timeout) sleeps up to 100 ms between tries:
 * against another process writing back to back, that left so few
 * chances that one call waited over 3 s for a lock that was free most
 * of the time (t/unit/store_load_test).
 */
static int sqc_busy(void *arg, int count)
{
    struct sq_conn *c = arg;
    struct timespec now, ts = {0, 0};
    double left;

    clock_gettime(CLOCK_MONOTONIC, &now);
    left = (double)(c->deadline.tv_sec - now.tv_sec) +
           (double)(c->deadline.tv_nsec - now.tv_nsec) / 1e9;
    if (left <= 0)
        return 0;
    c->rand = c->rand * 1103515245u + 12345u;
    ts.tv_nsec = 200000 + (long)((c->rand >> 8) % 800000);
    if ((double)ts.tv_nsec / 1e9 > left)
        ts.tv_nsec = (long)(left * 1e9);
    nanosleep(&ts, NULL);
    return 1;
}

static int sqc_schema(struct sq *q, struct sq_conn *c, const char **error_r);

/* A connection with its prepared statements; the first one of a store
 * (schema set) makes the table first. */
static int sqc_conn_open(struct sq *q, int schema, struct sq_conn **c_r,
                         const char **error_r)
{
    struct sq_conn *c = xcalloc(1, sizeof(*c));
    int rc;

    *c_r = NULL;
    rc = sqlite3_open_v2(q->path, &c->db,
                         SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        store_fail(error_r, "%s: open: %s", q->label,
                   c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
        goto fail;
    }
    c->deadline = sqc_deadline(q->timeout_ms);
    c->rand = (unsigned)(uintptr_t)c ^ (unsigned)getpid();
    sqlite3_busy_handler(c->db, sqc_busy, c);
    if (sqc_wal(q, c, error_r) != STORE_OK)
        goto fail;
    if (sqlite3_exec(c->db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL) !=
        SQLITE_OK) {
        sqc_fail(q, c, "synchronous", error_r);
        goto fail;
    }
    if (schema && sqc_schema(q, c, error_r) != STORE_OK)
        goto fail;
    for (int i = 0; i < SQ_NSTMT; i++) {
        if (sqlite3_prepare_v3(c->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &c->st[i], NULL) != SQLITE_OK) {
            sqc_fail(q, c, "prepare", error_r);
            goto fail;
        }
    }
    *c_r = c;
    return STORE_OK;
fail:
    sqc_free_conn(c);
    return STORE_ERROR;
}

/* Take a connection: an idle one, a new one while the pool has room, or
 * wait for one to come back, until the deadline. */
static int sqc_pool_take(struct sq *q, struct timespec until,
                         struct sq_conn **c_r, const char **error_r)
{
    int rc = 0;

    pthread_mutex_lock(&q->lock);
    while (q->idle == NULL && q->total >= SQ_POOL_MAX && rc == 0)
        rc = pthread_cond_timedwait(&q->cond, &q->lock, &until);
    if (q->idle != NULL) {
        *c_r = q->idle;
        q->idle = (*c_r)->next;
        pthread_mutex_unlock(&q->lock);
        return STORE_OK;
    }
    if (q->total >= SQ_POOL_MAX) {
        pthread_mutex_unlock(&q->lock);
        return store_fail(error_r,
                          "%s: no free connection within %lld ms "
                          "(every one busy)",
                          q->label, q->timeout_ms);
    }
    q->total++;
    pthread_mutex_unlock(&q->lock);
    if (sqc_conn_open(q, 0, c_r, error_r) == STORE_OK)
        return STORE_OK;
    pthread_mutex_lock(&q->lock);
    q->total--;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return STORE_ERROR;
}

/*
 * The start of every call: one deadline (timeout_ms from now) for the
 * whole call.  A call that writes first takes the store's write lock, so
 * that the threads of one process queue here (a mutex hands over at
 * once) instead of polling sqlite's lock; only other processes meet
 * that lock (and sqc_busy).
 */
int sqc_get(struct sq *q, int write, struct sq_conn **c_r, const char **error_r)
{
    struct timespec until = sqc_deadline(q->timeout_ms);

    if (write &&
        pthread_mutex_clocklock(&q->write_lock, CLOCK_MONOTONIC, &until) != 0)
        return store_fail(error_r,
                          "%s: another thread held the write lock for "
                          "%lld ms",
                          q->label, q->timeout_ms);
    if (sqc_pool_take(q, until, c_r, error_r) != STORE_OK) {
        if (write)
            pthread_mutex_unlock(&q->write_lock);
        return STORE_ERROR;
    }
    (*c_r)->deadline = until;
    (*c_r)->writing = write;
    return STORE_OK;
}

void sqc_put(struct sq *q, struct sq_conn *c)
{
    if (c->writing)
        pthread_mutex_unlock(&q->write_lock);
    c->writing = 0;
    pthread_mutex_lock(&q->lock);
    c->next = q->idle;
    q->idle = c;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

/* The file, created 0640 when missing: sqlite itself would use 0644. */
static int sqc_create_file(const char *path, const char *label,
                           const char **error_r)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

    if (fd < 0 && errno == EEXIST)
        return STORE_OK;
    if (fd < 0)
        return store_fail(
            error_r, "%s: cannot create: %s%s", label, strerror(errno),
            errno == ENOENT ? " (does the directory exist?)" : "");
    if (fchmod(fd, 0640) < 0) {
        close(fd);
        return store_fail(error_r, "%s: chmod: %s", label, strerror(errno));
    }
    close(fd);
    return STORE_OK;
}

/* The schema, in one write transaction (several processes may open a new
 * file at once).  A newer schema than ours is refused. */
static int sqc_schema(struct sq *q, struct sq_conn *c, const char **error_r)
{
    sqlite3_stmt *st = NULL;
    int version = -1;

    if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sqc_fail(q, c, "schema", error_r);
    if (sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version != 0 && version != SQ_SCHEMA_VERSION) {
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        if (version < 0)
            return sqc_fail(q, c, "schema", error_r);
        return store_fail(error_r,
                          "%s: schema version %d, this program knows %d "
                          "(a file of a newer Sluice?)",
                          q->label, version, SQ_SCHEMA_VERSION);
    }
    if ((version == 0 &&
         sqlite3_exec(c->db, sqc_schema_sql, NULL, NULL, NULL) != SQLITE_OK) ||
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqc_fail(q, c, "schema", error_r);
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
        return STORE_ERROR;
    }
    return STORE_OK;
}

void sqc_close(struct sq *q)
{
    struct sq_conn *c;

    if (q == NULL)
        return;
    while ((c = q->idle) != NULL) {
        q->idle = c->next;
        sqc_free_conn(c);
    }
    pthread_mutex_destroy(&q->lock);
    pthread_mutex_destroy(&q->write_lock);
    pthread_cond_destroy(&q->cond);
    free(q->path);
    free(q->label);
    free(q);
}

struct sq *sqc_open(const struct store_conf *conf, const char *label,
                    const char **error_r)
{
    struct sq *q;
    struct sq_conn *c;
    pthread_condattr_t ca;

    if (sqc_create_file(conf->path, label, error_r) != STORE_OK)
        return NULL;
    q = xcalloc(1, sizeof(*q));
    q->path = xstrdup(conf->path);
    q->label = xstrdup(label);
    q->timeout_ms = conf->timeout_ms;
    pthread_mutex_init(&q->lock, NULL);
    pthread_mutex_init(&q->write_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (sqc_conn_open(q, 1, &c, error_r) != STORE_OK) {
        sqc_close(q);
        return NULL;
    }
    q->total = 1;
    sqc_put(q, c);
    return q;
}
