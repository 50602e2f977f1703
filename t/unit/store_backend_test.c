/*
 * store_backend_test - what only one backend has, and its faults.
 *
 * sqlite: the file (mode, schema version, not a database, missing
 * directory), the whole key range, the sweep keeping the file bounded,
 * a database locked by another process past the busy timeout, a file
 * that cannot grow (RLIMIT_FSIZE: what a full disk looks like).
 * Redis: addresses, AUTH and SELECT refused with a clear reason, a
 * server that is not there, killed (SIGKILL) and started again on the
 * same port, stopped (SIGSTOP) past the timeout, and one that closed our
 * idle connections.  A failure is always STORE_ERROR, never NOTFOUND.
 *
 * Run through t/unit/store_backend_test.sh (store_run.sh).
 */
#define _GNU_SOURCE /* unshare() */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static const char *dir;

static const char *path_in(const char *name)
{
    static char p[4][512];
    static unsigned n;
    char *b = p[n++ % 4];

    snprintf(b, sizeof(p[0]), "%s/%s", dir, name);
    return b;
}

static struct store *open_sqlite(const char *name, long long timeout_ms)
{
    struct store_conf c;
    struct store *s = NULL;
    const char *err = NULL;

    fx_sqlite_conf(&c, path_in(name));
    c.timeout_ms = timeout_ms;
    if (store_open(&c, &s, &err) != STORE_OK)
        diag("store_open %s: %s", name, err);
    return s;
}

static long long file_size(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int count_cb(const char *key, const void *val, size_t len,
                    time_t expires, void *arg)
{
    (*(int *)arg)++;
    return 0;
}

static int count(struct store *s, const char *prefix)
{
    const char *err;
    int n = 0;

    if (store_scan(s, prefix, count_cb, &n, &err) != STORE_OK) {
        diag("scan: %s", err);
        return -1;
    }
    return n;
}

static void sqlite_file(void)
{
    struct store *s = open_sqlite("mode.db", 2000);
    struct store_conf c;
    const char *err = NULL;
    struct stat st;
    sqlite3 *db;
    unsigned mode;
    int fd, rc;

    rc = s != NULL ? store_put(s, "k", "v", 1, 0, &err) : STORE_ERROR;
    ok(rc == STORE_OK, "sqlite: a new file opens and takes a write");
    mode = stat(path_in("mode.db"), &st) == 0 ? st.st_mode & 07777 : 0;
    ok(mode == 0640, "sqlite: a new file is created with mode 0640 (%o)", mode);
    mode = stat(path_in("mode.db-wal"), &st) == 0 ? st.st_mode & 07777 : 0;
    ok(mode == 0640, "sqlite: its WAL file has the same mode (%o)", mode);
    store_close(s);

    fx_sqlite_conf(&c, path_in("no/such/dir/x.db"));
    rc = store_open(&c, &s, &err);
    ok(rc == STORE_ERROR && strstr(err, "does the directory exist") != NULL,
       "sqlite: a missing directory is named (%s)", err);

    if (sqlite3_open(path_in("newer.db"), &db) == SQLITE_OK) {
        sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL);
        sqlite3_close(db);
    }
    fx_sqlite_conf(&c, path_in("newer.db"));
    rc = store_open(&c, &s, &err);
    ok(rc == STORE_ERROR && strstr(err, "schema version 99") != NULL,
       "sqlite: a schema of a newer version is refused (%s)", err);

    fd = open(path_in("junk.db"), O_WRONLY | O_CREAT, 0600);
    if (fd >= 0) {
        for (int i = 0; i < 64; i++)
            if (write(fd, "this is not an sqlite database\n", 31) != 31)
                break;
        close(fd);
    }
    fx_sqlite_conf(&c, path_in("junk.db"));
    rc = store_open(&c, &s, &err);
    ok(rc == STORE_ERROR && strstr(err, "not a database") != NULL,
       "sqlite: a file that is not a database is refused (%s)", err);
}

/* The prefix range at its ends: "" (everything) and 0xff bytes. */
static void sqlite_range(void)
{
    struct store *s = open_sqlite("range.db", 2000);
    const char *keys[] = {" ",        "a",    "~",        "\x7e\x7e",
                          "\xc3\xa4", "\xff", "\xff\xff", "\xff\xffz"};
    const char *err;
    int i;

    if (!ok(s != NULL, "sqlite: range.db opens"))
        return;
    for (i = 0; i < 8; i++)
        store_put(s, keys[i], "v", 1, 0, &err);
    ok(count(s, "") == 8, "sqlite: scan \"\" finds every key");
    ok(count(s, "\xff") == 3, "sqlite: scan \"\\xff\" finds the 3 keys");
    ok(count(s, "\xff\xff") == 2, "sqlite: scan \"\\xff\\xff\" finds 2");
    ok(count(s, "~") == 2, "sqlite: scan \"~\" finds 2 (0x7f bound)");
    store_close(s);
}

/* Rounds of n entries that expire, each swept: the file does not grow
 * past the first round (freed pages are reused). */
static void sqlite_sweep(void)
{
    struct store *s = open_sqlite("sweep.db", 5000);
    char key[64], val[200];
    const char *err = NULL;
    long long size[3];
    size_t removed = 0;
    int round, i, n = 2000, good = 1, rc;

    if (!ok(s != NULL, "sqlite: sweep.db opens"))
        return;
    memset(val, 'v', sizeof(val));
    clock_fake_set(time(NULL), 0);
    for (round = 0; round < 3; round++) {
        for (i = 0; i < n; i++) {
            snprintf(key, sizeof(key), "sweep/%d/%d", round, i);
            good &= store_put(s, key, val, sizeof(val), 10, &err) == STORE_OK;
        }
        store_put(s, "sweep/keep", "k", 1, 0, &err);
        clock_fake_advance(11);
        if (round == 0) {
            rc = store_sweep(s, 500, &removed, &err);
            ok(rc == STORE_OK && removed == 500,
               "sqlite: sweep removes at most max (500 of %d)", n);
            ok(count(s, "sweep/") == 1,
               "sqlite: an expired row is never returned before the sweep");
        }
        rc = store_sweep(s, 1000000, &removed, &err);
        ok(rc == STORE_OK && removed == (size_t)(round == 0 ? n - 500 : n),
           "sqlite: round %d: sweep removes every expired row (%zu)", round,
           removed);
        ok(count(s, "sweep/") == 1, "sqlite: round %d: the live row stays",
           round);
        size[round] =
            file_size(path_in("sweep.db")) + file_size(path_in("sweep.db-wal"));
    }
    ok(good, "sqlite: %d x 3 puts", n);
    diag("database + WAL after each round: %lld, %lld, %lld bytes", size[0],
         size[1], size[2]);
    ok(size[2] <= size[0] + size[0] / 10,
       "sqlite: the file stays bounded (%lld <= %lld + 10%%)", size[2],
       size[0]);
    clock_fake_off();
    store_close(s);
}

/* A child holds BEGIN EXCLUSIVE until told to let go. */
static pid_t lock_db(const char *path, int *release_fd)
{
    int up[2], down[2];
    pid_t pid;
    char c = 0;

    if (pipe(up) < 0 || pipe(down) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        sqlite3 *db;

        close(up[0]);
        close(down[1]);
        if (sqlite3_open(path, &db) != SQLITE_OK ||
            sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
            _exit(1);
        if (write(up[1], "L", 1) != 1 || read(down[0], &c, 1) < 0)
            _exit(1);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        sqlite3_close(db);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    if (read(up[0], &c, 1) != 1 || c != 'L') {
        close(up[0]);
        close(down[1]);
        return -1;
    }
    close(up[0]);
    *release_fd = down[1];
    return pid;
}

static void sqlite_locked(void)
{
    struct store *s = open_sqlite("locked.db", 300);
    const char *err = "";
    long long v = 0;
    double t;
    int release = -1, rc, status = -1;
    pid_t pid;

    if (!ok(s != NULL && store_put(s, "k", "before", 6, 0, &err) == STORE_OK,
            "sqlite: locked.db opens (busy timeout 300 ms)"))
        return;
    pid = lock_db(path_in("locked.db"), &release);
    if (!ok(pid > 0, "sqlite: another process holds BEGIN EXCLUSIVE"))
        return;
    t = fx_now();
    rc = store_put(s, "k", "during", 6, 0, &err);
    t = fx_now() - t;
    ok(rc == STORE_ERROR && strstr(err, "database is locked") != NULL,
       "sqlite: locked: put is STORE_ERROR (%s)", err);
    ok(t >= 0.25 && t < 1.5, "sqlite: locked: after the busy timeout (%.0f ms)",
       t * 1000);
    rc = store_incr(s, "n", 1, 0, &v, &err);
    ok(rc == STORE_ERROR && strstr(err, "locked") != NULL,
       "sqlite: locked: incr is STORE_ERROR, never a count");
    rc = store_cas(s, "k", "before", 6, "x", 1, 0, &err);
    ok(rc == STORE_ERROR, "sqlite: locked: cas is STORE_ERROR, never CONFLICT");
    rc = store_get(s, "k", NULL, NULL, NULL, &err);
    ok(rc == STORE_OK, "sqlite: locked: get still reads (WAL readers do not "
                       "wait for a writer)");
    if (write(release, "x", 1) != 1)
        diag("could not release the lock");
    close(release);
    waitpid(pid, &status, 0);
    ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "sqlite: the locking process committed and exited");
    ok(store_put(s, "k", "after", 5, 0, &err) == STORE_OK &&
           store_incr(s, "n", 1, 0, &v, &err) == STORE_OK && v == 1,
       "sqlite: released: put and incr work again, same store");
    store_close(s);
}

/* Puts of 4 KiB until the store says STORE_ERROR (at most 1000); then
 * whether the first one reads back: "RC PUTS READBACK ERROR". */
static void fill(const char *name, char *msg, size_t size)
{
    struct store *s = open_sqlite(name, 2000);
    char key[32], val[4096], *v = NULL;
    const char *err = "no error", *gerr = "";
    size_t len = 0;
    int i, rc = STORE_OK, rb;

    memset(val, 'f', sizeof(val));
    for (i = 0; s != NULL && i < 1000 && rc == STORE_OK; i++) {
        snprintf(key, sizeof(key), "full/%04d", i);
        rc = store_put(s, key, val, sizeof(val), 0, &err);
    }
    rb = s != NULL &&
         store_get(s, "full/0000", &v, &len, NULL, &gerr) == STORE_OK &&
         len == sizeof(val);
    snprintf(msg, size, "%d %d %d %s", rc, i, rb, err);
    free(v);
    store_close(s);
}

/* The child's view of a full file system: a file size limit (EFBIG), or
 * a 256 KiB tmpfs in a private mount namespace (ENOSPC, root only). */
static int full_child(int tmpfs, char *msg, size_t size)
{
    int p[2], status = -1;
    ssize_t n;
    pid_t pid;

    if (pipe(p) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        struct rlimit rl = {256 * 1024, 256 * 1024};

        close(p[0]);
        signal(SIGXFSZ, SIG_IGN);
        if (!tmpfs)
            setrlimit(RLIMIT_FSIZE, &rl);
        if (tmpfs &&
            (unshare(CLONE_NEWNS) < 0 ||
             mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
             mount("tmpfs", path_in("tmpfs"), "tmpfs", 0, "size=256k") < 0))
            snprintf(msg, size, "tmpfs: %s", strerror(errno));
        else
            fill(tmpfs ? "tmpfs/full.db" : "full.db", msg, size);
        if (write(p[1], msg, strlen(msg)) < 0)
            _exit(2);
        _exit(0);
    }
    close(p[1]);
    n = read(p[0], msg, size - 1);
    msg[n > 0 ? n : 0] = '\0';
    close(p[0]);
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void sqlite_full(void)
{
    struct store *s;
    char msg[512] = "", *v = NULL;
    size_t len = 0;
    const char *err = "";
    int rc;

    rc = full_child(0, msg, sizeof(msg));
    ok(rc == 0, "sqlite: a file that may not grow (EFBIG): no crash");
    ok(strncmp(msg, "-1 ", 3) == 0 && strstr(msg, " 1 sqlite") != NULL,
       "sqlite: EFBIG: put is STORE_ERROR, reads work (%s)", msg);
    s = open_sqlite("full.db", 2000);
    rc = s != NULL ? store_get(s, "full/0000", &v, &len, NULL, &err) : -9;
    if (rc == STORE_OK)
        rc = store_put(s, "more", "x", 1, 0, &err);
    ok(rc == STORE_OK && len == 4096, "sqlite: EFBIG: with room again, "
                                      "what was written is there and "
                                      "writes work");
    free(v);
    store_close(s);

    mkdir(path_in("tmpfs"), 0700);
    rc = full_child(1, msg, sizeof(msg));
    ok(rc == 0, "sqlite: a full file system (tmpfs, ENOSPC): no crash");
    ok(strncmp(msg, "-1 ", 3) == 0 && strstr(msg, " 1 sqlite") != NULL &&
           strstr(msg, "full") != NULL,
       "sqlite: ENOSPC: put is STORE_ERROR \"full\", reads work (%s)", msg);
}

static struct store *open_redis(const char *addr, const char *password,
                                long long db, long long timeout_ms,
                                const char **err)
{
    struct store_conf c;
    struct store *s = NULL;

    fx_redis_conf(&c, addr);
    c.password = password;
    c.db = db;
    c.timeout_ms = timeout_ms;
    if (store_open(&c, &s, err) != STORE_OK)
        return NULL;
    return s;
}

static void redis_addresses(const char *plain)
{
    static const char *const bad[] = {
        "nocolon", "host:",    "host:0",    "host:65536", "host:12x",
        ":6379",   "::1:6379", "[::1]6379", "[::1",       "unix:relative/path",
    };
    char addr[64];
    const char *err = NULL;
    struct store *s;
    char *v = NULL;

    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        s = open_redis(bad[i], NULL, 0, 1000, &err);
        ok(s == NULL && strstr(err, bad[i]) != NULL,
           "redis: address \"%s\" refused (%s)", bad[i], s ? "" : err);
        store_close(s);
    }
    snprintf(addr, sizeof(addr), "[::1]:%d", fx_port(plain));
    s = open_redis(addr, NULL, 0, 1000, &err);
    ok(s != NULL && store_put(s, "v6", "six", 3, 0, &err) == STORE_OK &&
           store_get(s, "v6", &v, NULL, NULL, &err) == STORE_OK &&
           strcmp(v, "six") == 0,
       "redis: %s works", addr);
    free(v);
    store_close(s);
}

static void redis_auth(const char *auth)
{
    char addr[64], sock[512];
    const char *err = "", *pw = fx_env("STORE_TEST_PASSWORD");
    struct store *s;
    int rc;

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(auth));
    snprintf(sock, sizeof(sock), "unix:%s/redis.sock", auth);
    s = open_redis(addr, "wrong", 0, 1000, &err);
    ok(s == NULL && strstr(err, "AUTH refused") && strstr(err, "WRONGPASS"),
       "redis: a wrong password fails store_open (%s)", s ? "" : err);
    store_close(s);
    s = open_redis(sock, NULL, 3, 1000, &err);
    ok(s == NULL && strstr(err, "SELECT refused") && strstr(err, "NOAUTH"),
       "redis: no password, SELECT 3: store_open fails (%s)", s ? "" : err);
    store_close(s);
    s = open_redis(sock, NULL, 0, 1000, &err);
    rc = s != NULL ? store_get(s, "k", NULL, NULL, NULL, &err) : -9;
    ok(rc == STORE_ERROR && strstr(err, "NOAUTH"),
       "redis: no password, db 0: the first call fails (%s)", err);
    store_close(s);
    s = open_redis(sock, pw, 99, 1000, &err);
    ok(s == NULL && strstr(err, "SELECT refused") && strstr(err, "range"),
       "redis: database 99 is refused (%s)", s ? "" : err);
    store_close(s);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d",
             fx_port(fx_env("STORE_TEST_REDIS")));
    s = open_redis(addr, "secret", 0, 1000, &err);
    ok(s == NULL && strstr(err, "AUTH refused"),
       "redis: a password for a server without one (%s)", s ? "" : err);
    store_close(s);
}

/* Nothing listens: store_open works (the server may come later), every
 * call is STORE_ERROR at once, the back-off spares the connects. */
static void redis_absent(const char *plain)
{
    char addr[64];
    const char *err = "";
    struct store *s;
    double t;
    int rc, fast = 0, n;

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(plain) + 3);
    s = open_redis(addr, NULL, 0, 1000, &err);
    if (!ok(s != NULL, "redis: nothing on %s: store_open still works", addr))
        return;
    t = fx_now();
    rc = store_get(s, "k", NULL, NULL, NULL, &err);
    ok(rc == STORE_ERROR && fx_now() - t < 0.2,
       "redis: nothing listening: get is STORE_ERROR at once (%s)", err);
    for (n = 0; n < 20; n++) {
        rc = store_incr(s, "k", 1, 0, NULL, &err);
        fast += rc == STORE_ERROR && strstr(err, "next attempt in") != NULL;
    }
    ok(fast == 20,
       "redis: in the back-off, calls fail without connecting "
       "(%d of 20: %s)",
       fast, err);
    store_close(s);
}

/* Calls until one is not STORE_ERROR (at most max_s seconds); any
 * NOTFOUND before that counts in *notfound. */
static int redis_until_up(struct store *s, double max_s, double *took,
                          int *errors)
{
    double t0 = fx_now();
    const char *err = "";
    int rc;

    *errors = 0;
    for (;;) {
        rc = store_get(s, "fault/k", NULL, NULL, NULL, &err);
        if (rc != STORE_ERROR || fx_now() - t0 > max_s)
            break;
        (*errors)++;
        usleep(10000);
    }
    *took = fx_now() - t0;
    return rc;
}

static void redis_killed(const char *plain)
{
    char addr[64];
    const char *err = "";
    struct store *s;
    double t, took;
    int rc, errs = 0, other = 0, n;

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(plain));
    s = open_redis(addr, NULL, 0, 1000, &err);
    if (!ok(s != NULL && store_put(s, "fault/k", "v", 1, 0, &err) == 0,
            "redis: %s: a store for the fault cases", addr))
        return;
    ok(fx_helper("kill", plain, NULL) == 0, "redis: SIGKILL, process gone");
    t = fx_now();
    rc = store_get(s, "fault/k", NULL, NULL, NULL, &err);
    t = fx_now() - t;
    ok(rc == STORE_ERROR,
       "redis: killed: get is STORE_ERROR, not "
       "NOTFOUND (%s)",
       err);
    ok(t < 1.0, "redis: killed: within the timeout (%.1f ms)", t * 1000);
    for (n = 0; n < 50; n++) {
        rc = store_get(s, "fault/k", NULL, NULL, NULL, &err);
        errs += rc == STORE_ERROR;
        other += rc != STORE_ERROR;
        usleep(20000);
    }
    ok(errs == 50 && other == 0,
       "redis: down for 1 s: 50 calls, 50 "
       "STORE_ERROR (%s)",
       err);
    ok(fx_helper("restart", plain, NULL) == 0,
       "redis: started again on the same port");
    rc = redis_until_up(s, 8.0, &took, &errs);
    ok(rc == STORE_NOTFOUND, "redis: back: the same store answers again "
                             "(NOTFOUND: nothing was persisted)");
    ok(took < 6.0,
       "redis: back within the back-off (%.0f ms, %d calls "
       "refused meanwhile)",
       took * 1000, errs);
    ok(store_put(s, "fault/k", "w", 1, 0, &err) == STORE_OK &&
           store_incr(s, "fault/n", 1, 0, NULL, &err) == STORE_OK,
       "redis: back: writes work");
    store_close(s);
}

static void redis_stopped(const char *plain)
{
    char addr[64];
    const char *err = "";
    struct store *s;
    pid_t pid = fx_redis_pid(plain);
    double t, took;
    int rc, errs;

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(plain));
    s = open_redis(addr, NULL, 0, 300, &err);
    if (!ok(s != NULL && pid > 0 &&
                store_put(s, "fault/k", "v", 1, 0, &err) == STORE_OK,
            "redis: a store with a 300 ms timeout"))
        return;
    kill(pid, SIGSTOP);
    t = fx_now();
    rc = store_get(s, "fault/k", NULL, NULL, NULL, &err);
    t = fx_now() - t;
    kill(pid, SIGCONT);
    ok(rc == STORE_ERROR && strstr(err, "no reply within 300 ms") != NULL,
       "redis: SIGSTOPped: STORE_ERROR (%s)", err);
    ok(t >= 0.25 && t < 1.0, "redis: SIGSTOPped: after the timeout (%.0f ms)",
       t * 1000);
    rc = redis_until_up(s, 8.0, &took, &errs);
    ok(rc == STORE_OK, "redis: SIGCONT: the value is there again (%.0f ms)",
       took * 1000);
    store_close(s);
}

/* The server closes our idle connections (its "timeout", CLIENT KILL):
 * the next call takes a fresh one and succeeds. */
static void redis_idle_closed(const char *plain)
{
    char addr[64];
    const char *err = "";
    struct store *s;
    int rc;

    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(plain));
    s = open_redis(addr, NULL, 0, 1000, &err);
    if (!ok(s != NULL && store_put(s, "idle", "v", 1, 0, &err) == STORE_OK,
            "redis: a store with an idle connection"))
        return;
    ok(fx_helper("cli", plain, "client kill type normal") == 0,
       "redis: CLIENT KILL TYPE normal");
    usleep(50000);
    rc = store_get(s, "idle", NULL, NULL, NULL, &err);
    ok(rc == STORE_OK,
       "redis: a connection the server closed while idle is "
       "replaced, not an error (%s)",
       rc == STORE_OK ? "ok" : err);
    store_close(s);
}

static void redis_tests(void)
{
    const char *plain = fx_env("STORE_TEST_REDIS");
    const char *auth = fx_env("STORE_TEST_REDIS_AUTH");
    char rdb[512];
    pid_t pid;

    redis_addresses(plain);
    redis_auth(auth);
    redis_absent(plain);
    redis_idle_closed(plain);
    redis_killed(plain);
    redis_stopped(plain);
    pid = fx_redis_pid(plain);
    ok(fx_helper("stop", plain, NULL) == 0 && pid > 0 && !fx_pid_alive(pid),
       "redis: redis_stop: shutdown nosave, the process is gone");
    snprintf(rdb, sizeof(rdb), "%s/dump.rdb", plain);
    ok(access(rdb, F_OK) < 0, "redis: no dump.rdb was written");
}

int main(void)
{
    alarm(300);
    dir = fx_tmpdir("store-backend");
    sqlite_file();
    sqlite_range();
    sqlite_sweep();
    sqlite_locked();
    sqlite_full();
    redis_tests();
    fx_cleanup();
    return done_testing();
}
