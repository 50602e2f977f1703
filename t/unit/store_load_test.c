/*
 * store_load_test - atomicity under load: 2 processes x 4 threads x
 * 10,000 store_incr() of one key must count exactly 80,000, and
 * 2 x 4 x 2,500 read-then-cas increments must count exactly 20,000, on
 * sqlite and on Redis.  Each process opens its own store (as milters
 * do, after fork).  Bounded: 120 s per case (and alarm()); the time,
 * the rate and the slowest call are reported as TAP comments.
 *
 * Run through t/unit/store_load_test.sh (store_run.sh).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

#define PROCS 2
#define THREADS 4
#define INCRS 10000
#define CASES 2500
#define CAS_TRIES 100000 /* per thread, CONFLICT included */

struct worker {
    struct store *s;
    const char *key;
    int use_cas;
    int errors;
    double slowest;
    char err[256];
};

/* One increment with read, then compare-and-set; CONFLICT: again. */
static int cas_incr(struct store *s, const char *key, int *tries,
                    const char **err)
{
    char *v = NULL, next[32];
    size_t len = 0;
    int rc;

    while ((*tries)++ < CAS_TRIES) {
        rc = store_get(s, key, &v, &len, NULL, err);
        if (rc == STORE_ERROR)
            return rc;
        snprintf(next, sizeof(next), "%lld", rc == STORE_OK ? atoll(v) + 1 : 1);
        rc = store_cas(s, key, rc == STORE_OK ? v : NULL, len, next,
                       strlen(next), 0, err);
        free(v);
        v = NULL;
        if (rc != STORE_CONFLICT)
            return rc;
    }
    *err = "too many conflicts";
    return STORE_ERROR;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    const char *err = "";
    int i, n = w->use_cas ? CASES : INCRS, tries = 0, rc;
    double t;

    for (i = 0; i < n; i++) {
        t = fx_now();
        rc = w->use_cas ? cas_incr(w->s, w->key, &tries, &err)
                        : store_incr(w->s, w->key, 1, 0, NULL, &err);
        t = fx_now() - t;
        if (t > w->slowest)
            w->slowest = t;
        if (rc != STORE_OK && w->errors++ == 0)
            snprintf(w->err, sizeof(w->err), "%s", err);
    }
    return NULL;
}

/* In a child: THREADS workers on one store; "ERRORS SLOWEST FIRST-ERROR"
 * goes to fd. */
static void child(const struct store_conf *c, const char *key, int use_cas,
                  int fd)
{
    struct worker w[THREADS];
    pthread_t th[THREADS];
    struct store *s = NULL;
    const char *err = "", *first = "-";
    char out[600];
    int errors = 0, i;
    double slowest = 0;

    if (store_open(c, &s, &err) != STORE_OK) {
        snprintf(out, sizeof(out), "1 0 %s", err);
        if (write(fd, out, strlen(out)) < 0)
            _exit(2);
        _exit(1);
    }
    memset(w, 0, sizeof(w));
    for (i = 0; i < THREADS; i++) {
        w[i].s = s;
        w[i].key = key;
        w[i].use_cas = use_cas;
        pthread_create(&th[i], NULL, work, &w[i]);
    }
    for (i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        if (w[i].errors > 0 && errors == 0)
            first = w[i].err;
        errors += w[i].errors;
        if (w[i].slowest > slowest)
            slowest = w[i].slowest;
    }
    snprintf(out, sizeof(out), "%d %.3f %s", errors, slowest, first);
    store_close(s);
    if (write(fd, out, strlen(out)) < 0)
        _exit(2);
    _exit(errors ? 1 : 0);
}

static void load(const char *name, const struct store_conf *c, int use_cas)
{
    const char *key = use_cas ? "load/cas" : "load/incr";
    long long want = (long long)PROCS * THREADS * (use_cas ? CASES : INCRS);
    struct store *s = NULL;
    const char *err = "";
    char *v = NULL, buf[PROCS][700];
    int p[PROCS][2], status, clean = 1, i;
    pid_t pid[PROCS];
    double t0, t;
    ssize_t n;

    if (!ok(store_open(c, &s, &err) == STORE_OK, "%s: store_open", name))
        return;
    store_del(s, key, &err);
    t0 = fx_now();
    for (i = 0; i < PROCS; i++) {
        if (pipe(p[i]) < 0)
            return;
        fflush(stdout);
        if ((pid[i] = fork()) == 0) {
            close(p[i][0]);
            child(c, key, use_cas, p[i][1]);
        }
        close(p[i][1]);
    }
    for (i = 0; i < PROCS; i++) {
        n = read(p[i][0], buf[i], sizeof(buf[i]) - 1);
        buf[i][n > 0 ? n : 0] = '\0';
        close(p[i][0]);
        clean &= waitpid(pid[i], &status, 0) == pid[i] && WIFEXITED(status) &&
                 WEXITSTATUS(status) == 0;
    }
    t = fx_now() - t0;
    ok(clean, "%s: %d processes x %d threads: no call failed (%s | %s)", name,
       PROCS, THREADS, buf[0], buf[1]);
    if (store_get(s, key, &v, NULL, NULL, &err) != STORE_OK)
        v = NULL;
    ok(v != NULL && atoll(v) == want, "%s: the counter is exactly %lld (%s)",
       name, want, v ? v : err);
    ok(t < 120, "%s: within 120 s (%.1f s)", name, t);
    diag("%s: %lld %s in %.2f s = %.0f/s (slowest call, seconds: %s | %s)",
         name, want, use_cas ? "cas increments" : "increments", t, want / t,
         buf[0], buf[1]);
    free(v);
    store_close(s);
}

int main(void)
{
    const char *plain = fx_env("STORE_TEST_REDIS");
    const char *dir = fx_tmpdir("store-load");
    char path[512], tcp[64];
    struct store_conf c;

    alarm(600);
    snprintf(path, sizeof(path), "%s/load.db", dir);
    snprintf(tcp, sizeof(tcp), "127.0.0.1:%d", fx_port(plain));
    fx_sqlite_conf(&c, path);
    c.timeout_ms = 10000;
    load("sqlite incr", &c, 0);
    load("sqlite cas", &c, 1);
    fx_redis_conf(&c, tcp);
    load("redis incr", &c, 0);
    load("redis cas", &c, 1);
    fx_cleanup();
    return done_testing();
}
