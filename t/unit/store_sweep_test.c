/*
 * store_sweep_test - the store's sweeper thread (store.h SWEEPER) on a
 * real sqlite file: 25,000 expired entries leave the file within a few
 * intervals while the live ones stay, the file stops growing when entries
 * keep expiring (the space of removed rows is reused), a store that is
 * locked by another process is logged and tried again at the next
 * interval, and store_sweeper_stop() returns at once even with a long
 * interval.  Time: the fake wall clock makes entries expire; the
 * intervals are real (short).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static long long rows(const char *path, int live_only)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    long long n = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(db, 2000);
    if (sqlite3_prepare_v2(db,
                           live_only ? "SELECT count(*) FROM store WHERE "
                                       "expires = 0 OR expires > ?"
                                     : "SELECT count(*) FROM store",
                           -1, &st, NULL) == SQLITE_OK) {
        if (live_only)
            sqlite3_bind_int64(st, 1, (sqlite3_int64)clock_wall());
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return n;
}

static void fill(struct store *s, const char *tag, int n, long long ttl)
{
    char key[64], val[100];

    memset(val, 'v', sizeof(val));
    for (int i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "grey/t/%s/%d", tag, i);
        store_put(s, key, val, sizeof(val), ttl, NULL);
    }
}

static int wait_rows(const char *path, long long want, double secs)
{
    double t0 = fx_now();

    while (fx_now() - t0 < secs) {
        if (rows(path, 0) == want)
            return 1;
        usleep(50000);
    }
    return 0;
}

static long long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

int main(void)
{
    const char *dir = fx_tmpdir("sweep"), *err;
    struct store_conf c;
    struct store *s;
    struct store_sweeper *sw;
    char path[512];
    long long size1, size2;
    double t0;
    int swept;
    sqlite3 *db;

    snprintf(path, sizeof(path), "%s/sweep.db", dir);
    fx_sqlite_conf(&c, path);
    if (store_open(&c, &s, &err) != STORE_OK)
        return ok(0, "store: %s", err), done_testing();
    clock_fake_set(1800000000, 1000);
    fill(s, "old", 25000, 60);
    fill(s, "keep", 100, 3600);
    fill(s, "forever", 10, 0);
    is_int(rows(path, 0), 25110, "25,110 rows written");
    clock_fake_advance(61);
    ok(store_sweeper_start(s, 0, &err) == NULL, "interval 0: no sweeper");
    sw = store_sweeper_start(s, 1, &err);
    ok(sw != NULL, "the sweeper starts (interval 1 s)");
    t0 = fx_now();
    swept = wait_rows(path, 110, 10);
    ok(swept, "the 25,000 expired rows are gone (%.1f s)", fx_now() - t0);
    is_int(rows(path, 1), 110, "the live ones stay");

    /* Steady state: entries keep expiring; the file stops growing. */
    size1 = file_size(path);
    for (int round = 0; round < 3; round++) {
        fill(s, "churn", 25000, 30);
        clock_fake_advance(31);
        ok(wait_rows(path, 110, 10), "round %d: the expired churn is swept",
           round + 1);
    }
    size2 = file_size(path);
    diag("file: %lld bytes after the first 25,000, %lld after 3 x 25,000 more",
         size1, size2);
    ok(size2 <= size1 + size1 / 4,
       "the file stays bounded: %lld -> %lld bytes", size1, size2);

    /* Locked by another process: logged, tried again. */
    fill(s, "lock", 1000, 10);
    clock_fake_advance(11);
    sqlite3_open(path, &db);
    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
    usleep(2500000); /* longer than the store's timeout: a pass fails */
    ok(rows(path, 0) > 110, "locked past the timeout: nothing swept");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    ok(wait_rows(path, 110, 10),
       "the lock gone, the next interval sweeps what was left");
    t0 = fx_now();
    store_sweeper_stop(sw);
    ok(fx_now() - t0 < 1.5, "stop waits for at most the pass in progress");
    sw = store_sweeper_start(s, 3600, &err);
    t0 = fx_now();
    store_sweeper_stop(sw);
    ok(fx_now() - t0 < 0.5, "stop with a 1-hour interval returns at once "
                            "(%.3f s)", fx_now() - t0);
    store_sweeper_stop(NULL);
    clock_fake_off();
    store_close(s);
    fx_cleanup();
    return done_testing();
}
