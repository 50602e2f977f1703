/*
 * quarantine - held messages on disk and their metadata in sqlite.
 *
 * DESCRIPTION
 *	See quarantine.h.  The order of quarantine_put() is what makes it
 *	safe: file written, fsync()ed, renamed, directory fsync()ed, row
 *	inserted; a failure at any step removes the file and returns -1,
 *	so a message is either completely held (file and row) or refused
 *	by the caller with a 4xx.  A crash between the rename and the
 *	insert leaves a file without a row: "sluicectl quarantine list"
 *	does not show it, nothing is lost (its name carries the date).
 *
 *	The index is opened per call (quarantines are rare; a milter
 *	thread never shares a sqlite handle), WAL, busy timeout 5 s.  When
 *	root opens it (sluicectl), its files are given to the directory's
 *	owner, so that the milters (after their privilege drop) can still
 *	write it.
 *
 * OWNERSHIP
 *	See quarantine.h.
 */
#include "quarantine.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

struct quarantine {
    char *dir;
    sqlite3 *db;
};

static __thread char qerr[512];

static __attribute__((format(printf, 1, 2))) const char *
qfail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(qerr, sizeof(qerr), fmt, ap);
    va_end(ap);
    return qerr;
}

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS msg (id TEXT PRIMARY KEY, qid TEXT, "
    "date INTEGER, expires INTEGER, sender TEXT, client TEXT, subject TEXT, "
    "score REAL, symbols TEXT, reason TEXT, size INTEGER, "
    "released INTEGER NOT NULL DEFAULT 0, released_by TEXT);"
    "CREATE TABLE IF NOT EXISTS rcpt (id TEXT NOT NULL, rcpt TEXT NOT NULL, "
    "lang TEXT);"
    "CREATE INDEX IF NOT EXISTS rcpt_id ON rcpt(id);"
    "CREATE INDEX IF NOT EXISTS msg_expires ON msg(expires);";

/*
 * Root (sluicectl) must not leave an index the milters' user cannot
 * write: the index files belong to the directory's owner.
 */
static void quarantine_own(const char *dir, const char *db)
{
    static const char *const sfx[] = {"", "-wal", "-shm"};
    struct stat st;

    if (geteuid() != 0 || stat(dir, &st) < 0 || st.st_uid == 0)
        return;
    for (size_t i = 0; i < 3; i++) {
        char *p = xasprintf("%s%s", db, sfx[i]);

        if (chown(p, st.st_uid, st.st_gid) < 0 && errno != ENOENT)
            (void)0; /* the milter will say why it cannot write */
        free(p);
    }
}

int quarantine_open(const char *dir, struct quarantine **q_r,
                    const char **error_r)
{
    char *path = xasprintf("%s/index.db", dir);
    struct quarantine *q = xcalloc(1, sizeof(*q));
    char *msg = NULL;

    q->dir = xstrdup(dir);
    if (sqlite3_open_v2(path, &q->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(q->db, 5000) != SQLITE_OK ||
        sqlite3_exec(q->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
        *error_r = qfail("%s: %s", path,
                         msg ? msg : q->db ? sqlite3_errmsg(q->db) : "open");
        sqlite3_free(msg);
        free(path);
        quarantine_close(q);
        return -1;
    }
    quarantine_own(dir, path);
    free(path);
    *q_r = q;
    return 0;
}

void quarantine_close(struct quarantine *q)
{
    if (q == NULL)
        return;
    sqlite3_close(q->db);
    free(q->dir);
    free(q);
}

int quarantine_id_ok(const char *id)
{
    size_t n = 0;

    for (; id[n]; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f') ||
              id[n] == '-' || id[n] == 'T'))
            return 0;
    return n >= 8 && n <= 64;
}

static char *quarantine_new_id(time_t now)
{
    unsigned char r[6] = {0};
    struct tm tm;
    char d[32];

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        for (size_t i = 0; i < sizeof(r); i++)
            r[i] = (unsigned char)(rand() ^ (int)(now >> (i * 3)));
    gmtime_r(&now, &tm);
    strftime(d, sizeof(d), "%Y%m%dT%H%M%S", &tm);
    return xasprintf("%s-%02x%02x%02x%02x%02x%02x", d, r[0], r[1], r[2], r[3],
                     r[4], r[5]);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* The file: temporary name, fsync, rename, fsync of the directory. */
static int quarantine_write(const char *dir, const char *id, const char *head,
                            size_t headlen, const char *raw, size_t len,
                            const char **error_r)
{
    char *tmp = xasprintf("%s/.%s.tmp", dir, id);
    char *fin = xasprintf("%s/%s.eml", dir, id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600), dfd, rc = -1;

    if (fd < 0) {
        *error_r = qfail("cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, head, headlen) < 0 || write_all(fd, raw, len) < 0 ||
        fsync(fd) < 0) {
        *error_r = qfail("cannot write %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        goto out;
    }
    if (close(fd) < 0 || rename(tmp, fin) < 0) {
        *error_r = qfail("cannot store %s: %s", fin, strerror(errno));
        unlink(tmp);
        goto out;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0) {
        *error_r = qfail("cannot sync %s: %s", dir, strerror(errno));
        if (dfd >= 0)
            close(dfd);
        unlink(fin);
        goto out;
    }
    close(dfd);
    rc = 0;
out:
    free(tmp);
    free(fin);
    return rc;
}

static int q_exec(struct quarantine *q, const char *sql, const char **error_r)
{
    char *msg = NULL;

    if (sqlite3_exec(q->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    *error_r = qfail("%s/index.db: %s", q->dir, msg ? msg : "error");
    sqlite3_free(msg);
    return -1;
}

static int q_err(struct quarantine *q, sqlite3_stmt *st, const char **error_r)
{
    *error_r = qfail("%s/index.db: %s", q->dir, sqlite3_errmsg(q->db));
    sqlite3_finalize(st);
    return -1;
}

/* The row of meta (and its recipients), in one transaction. */
static int quarantine_insert(struct quarantine *q, const char *id,
                             const struct quarantine_meta *m, long long size,
                             const char **error_r)
{
    sqlite3_stmt *st = NULL;

    if (q_exec(q, "BEGIN IMMEDIATE", error_r) < 0)
        return -1;
    if (sqlite3_prepare_v2(q->db,
                           "INSERT INTO msg (id, qid, date, expires, sender, "
                           "client, subject, score, symbols, reason, size) "
                           "VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->qid ? m->qid : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, m->date);
    sqlite3_bind_int64(st, 4, m->expires);
    sqlite3_bind_text(st, 5, m->sender ? m->sender : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, m->client ? m->client : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, m->subject ? m->subject : "", -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 8, m->score);
    sqlite3_bind_text(st, 9, m->symbols ? m->symbols : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, m->reason ? m->reason : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 11, size);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(q->db, "INSERT INTO rcpt (id, rcpt, lang) "
                                  "VALUES (?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < m->nrcpts; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m->rcpts[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m->langs ? m->langs[i] : "en", -1,
                          SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            goto fail;
    }
    sqlite3_finalize(st);
    return q_exec(q, "COMMIT", error_r);
fail:
    q_err(q, st, error_r);
    sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

int quarantine_put(const char *dir, long long retention,
                   const struct quarantine_meta *meta, const char *head,
                   size_t headlen, const char *raw, size_t len, char **id_r,
                   const char **error_r)
{
    struct quarantine_meta m = *meta;
    struct quarantine *q;
    char *id;
    size_t removed;

    if (quarantine_open(dir, &q, error_r) < 0)
        return -1;
    m.date = clock_wall();
    m.expires = retention > 0 ? m.date + (time_t)retention : 0;
    id = quarantine_new_id(m.date);
    if (quarantine_write(dir, id, head, headlen, raw, len, error_r) < 0) {
        free(id);
        quarantine_close(q);
        return -1;
    }
    if (quarantine_insert(q, id, &m, (long long)(headlen + len), error_r) < 0) {
        char *fin = xasprintf("%s/%s.eml", dir, id);

        unlink(fin);
        free(fin);
        free(id);
        quarantine_close(q);
        return -1;
    }
    {
        const char *ignored;

        /* Retention, a little at a time, off nobody's critical path. */
        quarantine_expire(q, m.date, 16, &removed, &ignored);
    }
    quarantine_close(q);
    *id_r = id;
    return 0;
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return xstrdup(t ? (const char *)t : "");
}

static void meta_from_row(sqlite3_stmt *st, struct quarantine_meta *m)
{
    memset(m, 0, sizeof(*m));
    m->id = col(st, 0);
    m->qid = col(st, 1);
    m->date = (time_t)sqlite3_column_int64(st, 2);
    m->expires = (time_t)sqlite3_column_int64(st, 3);
    m->sender = col(st, 4);
    m->client = col(st, 5);
    m->subject = col(st, 6);
    m->score = sqlite3_column_double(st, 7);
    m->symbols = col(st, 8);
    m->reason = col(st, 9);
    m->size = sqlite3_column_int64(st, 10);
    m->released = (time_t)sqlite3_column_int64(st, 11);
    m->released_by = col(st, 12);
}

static int meta_rcpts(struct quarantine *q, struct quarantine_meta *m,
                      const char **error_r)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(q->db, "SELECT rcpt, lang FROM rcpt WHERE id = ? "
                                  "ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return q_err(q, NULL, error_r);
    sqlite3_bind_text(st, 1, m->id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        m->rcpts = xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(char *));
        m->langs = xrealloc(m->langs, (m->nrcpts + 1) * sizeof(char *));
        m->rcpts[m->nrcpts] = col(st, 0);
        m->langs[m->nrcpts++] = col(st, 1);
    }
    if (rc != SQLITE_DONE)
        return q_err(q, st, error_r);
    sqlite3_finalize(st);
    return 0;
}

#define META_COLS                                                              \
    "SELECT id, qid, date, expires, sender, client, subject, score, "          \
    "symbols, reason, size, released, released_by FROM msg "

int quarantine_list(struct quarantine *q, quarantine_cb cb, void *arg,
                    const char **error_r)
{
    sqlite3_stmt *st;
    int rc, stop = 0;

    if (sqlite3_prepare_v2(q->db, META_COLS "ORDER BY date, id", -1, &st,
                           NULL) != SQLITE_OK)
        return q_err(q, NULL, error_r);
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct quarantine_meta m;

        meta_from_row(st, &m);
        if (meta_rcpts(q, &m, error_r) < 0) {
            quarantine_meta_free(&m);
            sqlite3_finalize(st);
            return -1;
        }
        stop = cb(&m, arg);
        quarantine_meta_free(&m);
    }
    if (!stop && rc != SQLITE_DONE)
        return q_err(q, st, error_r);
    sqlite3_finalize(st);
    return 0;
}

int quarantine_get(struct quarantine *q, const char *id,
                   struct quarantine_meta *m, char **msg_r, size_t *len_r,
                   const char **error_r)
{
    sqlite3_stmt *st;
    int rc;

    if (!quarantine_id_ok(id))
        return 1;
    if (sqlite3_prepare_v2(q->db, META_COLS "WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return q_err(q, NULL, error_r);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_finalize(st);
        return 1;
    }
    if (rc != SQLITE_ROW)
        return q_err(q, st, error_r);
    meta_from_row(st, m);
    sqlite3_finalize(st);
    if (meta_rcpts(q, m, error_r) < 0) {
        quarantine_meta_free(m);
        return -1;
    }
    if (msg_r != NULL) {
        char *path = xasprintf("%s/%s.eml", q->dir, id);

        const char *why;

        *msg_r = file_read(path, 0, len_r, &why);
        if (*msg_r == NULL) {
            *error_r = qfail("cannot read %s: %s", path, why);
            free(path);
            quarantine_meta_free(m);
            return -1;
        }
        free(path);
    }
    return 0;
}

static int q_one(struct quarantine *q, const char *sql, const char *a,
                 const char *b, long long n, const char **error_r)
{
    sqlite3_stmt *st;

    if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
        return q_err(q, NULL, error_r);
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b != NULL) {
        sqlite3_bind_int64(st, 2, n);
        sqlite3_bind_text(st, 3, b, -1, SQLITE_STATIC);
    }
    if (sqlite3_step(st) != SQLITE_DONE)
        return q_err(q, st, error_r);
    sqlite3_finalize(st);
    return sqlite3_changes(q->db) > 0 ? 0 : 1;
}

int quarantine_delete(struct quarantine *q, const char *id,
                      const char **error_r)
{
    char *path;
    int rc;

    if (!quarantine_id_ok(id))
        return 1;
    if (q_exec(q, "BEGIN IMMEDIATE", error_r) < 0)
        return -1;
    rc = q_one(q, "DELETE FROM msg WHERE id = ?", id, NULL, 0, error_r);
    if (rc == 0)
        rc = q_one(q, "DELETE FROM rcpt WHERE id = ?", id, NULL, 0, error_r) < 0
                 ? -1
                 : 0;
    if (rc != 0) {
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
        return rc;
    }
    if (q_exec(q, "COMMIT", error_r) < 0)
        return -1;
    path = xasprintf("%s/%s.eml", q->dir, id);
    if (unlink(path) < 0 && errno != ENOENT) {
        *error_r = qfail("cannot remove %s: %s", path, strerror(errno));
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

int quarantine_released(struct quarantine *q, const char *id, const char *who,
                        const char **error_r)
{
    return q_one(q, "UPDATE msg SET released_by = ?3, released = ?2 "
                    "WHERE id = ?1",
                 id, who, (long long)clock_wall(), error_r);
}

int quarantine_expire(struct quarantine *q, time_t now, size_t max,
                      size_t *removed_r, const char **error_r)
{
    sqlite3_stmt *st;
    char **ids = NULL;
    size_t n = 0;
    int rc;

    *removed_r = 0;
    if (sqlite3_prepare_v2(q->db, "SELECT id FROM msg WHERE expires > 0 AND "
                                  "expires <= ? LIMIT ?",
                           -1, &st, NULL) != SQLITE_OK)
        return q_err(q, NULL, error_r);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, (long long)max);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        ids = xrealloc(ids, (n + 1) * sizeof(char *));
        ids[n++] = col(st, 0);
    }
    sqlite3_finalize(st);
    rc = rc == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        *error_r = qfail("%s/index.db: %s", q->dir, sqlite3_errmsg(q->db));
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && quarantine_delete(q, ids[i], error_r) == 0)
            (*removed_r)++;
        free(ids[i]);
    }
    free(ids);
    return rc;
}

void quarantine_meta_free(struct quarantine_meta *m)
{
    for (size_t i = 0; i < m->nrcpts; i++) {
        free(m->rcpts[i]);
        if (m->langs)
            free(m->langs[i]);
    }
    free(m->rcpts);
    free(m->langs);
    free(m->id);
    free(m->qid);
    free(m->sender);
    free(m->client);
    free(m->subject);
    free(m->symbols);
    free(m->reason);
    free(m->released_by);
    memset(m, 0, sizeof(*m));
}
