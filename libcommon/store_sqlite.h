/*
 * store_sqlite - the private parts of the sqlite backend: struct sq, and
 * its connections (store_sqlite_conn.c, sqc_*) as store_sqlite.c uses
 * them.
 *
 * DESCRIPTION
 *	sqc_open() makes a struct sq (NULL and *error_r when the file
 *	cannot be created or opened, or has a schema we do not know);
 *	sqc_close() frees it.  sqc_get() hands out a connection, with the
 *	store's write lock when write is set, or STORE_ERROR when none came
 *	within timeout_ms; sqc_put() takes it back and lets go of the write
 *	lock.  sqc_fail() formats sqlite's last error on a connection.
 *	sq_sql[] (store_sqlite.c) holds the statements every connection
 *	prepares, in the order of enum sq_stmt.
 */
#ifndef SLUICE_STORE_SQLITE_H
#define SLUICE_STORE_SQLITE_H

#include <pthread.h>
#include <sqlite3.h>
#include <time.h>

#include "store_internal.h"

enum sq_stmt {
    SQ_GET,
    SQ_GET_ANY,
    SQ_PUT,
    SQ_DEL,
    SQ_INCR,
    SQ_SCAN,
    SQ_SWEEP,
    SQ_BEGIN,
    SQ_COMMIT,
    SQ_ROLLBACK,
    SQ_NSTMT
};

extern const char *const sq_sql[SQ_NSTMT];

struct sq_conn {
    sqlite3 *db;
    sqlite3_stmt *st[SQ_NSTMT];
    struct sq_conn *next;
    struct timespec deadline; /* CLOCK_MONOTONIC, of the current call */
    int writing;              /* holds the store's write lock */
    unsigned rand;            /* jitter of the busy waits */
};

struct sq {
    char *path;
    char *label;
    long long timeout_ms;
    pthread_mutex_t lock; /* of the pool */
    pthread_cond_t cond;
    struct sq_conn *idle;
    int total;
    pthread_mutex_t write_lock;
};

struct sq *sqc_open(const struct store_conf *conf, const char *label,
                    const char **error_r);
void sqc_close(struct sq *q);
int sqc_get(struct sq *q, int write, struct sq_conn **c_r,
            const char **error_r);
void sqc_put(struct sq *q, struct sq_conn *c);
int sqc_fail(struct sq *q, struct sq_conn *c, const char *what,
             const char **error_r);

#endif
