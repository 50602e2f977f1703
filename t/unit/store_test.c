/*
 * store_test - the store's conformance suite: one case table run on
 * sqlite, on Redis over TCP and on Redis over a unix socket with AUTH and
 * SELECT; bad arguments; the [common] keys and the password file.  What
 * only one backend has is in store_backend_test, load in store_load_test.
 *
 * Time is the fake clock (clock.h): every run starts at the real "now"
 * and the table moves it forward, on both backends.  Run through
 * t/unit/store_run.sh, which starts the Redis servers (t/lib/redis.sh).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"
#include "util.h"

enum op { T_PUT, T_GET, T_DEL, T_INCR, T_CAS, T_ADV, T_SCAN, T_SWEEP };

struct step {
    int op;
    const char *key; /* scan: the prefix */
    const char *val; /* put, cas: the new value; get: the one wanted */
    size_t len;
    const char *expect; /* cas: the current value (NULL: absent) */
    size_t expect_len;
    long long ttl;
    long long n;    /* incr: delta; adv: seconds; scan: entries (-1: stop
                       after the first) */
    long long want; /* incr: the value; get: expiry, seconds after the
                       run's start (0: none) */
    int rc;
};

#define V(s) s, sizeof(s) - 1
#define PUT(k, v, t)                                                           \
    {                                                                          \
        T_PUT, k, V(v), NULL, 0, t, 0, 0, STORE_OK                             \
    }
#define GET(k, v, e)                                                           \
    {                                                                          \
        T_GET, k, V(v), NULL, 0, 0, 0, e, STORE_OK                             \
    }
#define GONE(k)                                                                \
    {                                                                          \
        T_GET, k, NULL, 0, NULL, 0, 0, 0, 0, STORE_NOTFOUND                    \
    }
#define DEL(k, r)                                                              \
    {                                                                          \
        T_DEL, k, NULL, 0, NULL, 0, 0, 0, 0, r                                 \
    }
#define INCR(k, d, t, v)                                                       \
    {                                                                          \
        T_INCR, k, NULL, 0, NULL, 0, t, d, v, STORE_OK                         \
    }
#define INCR_ERR(k, d)                                                         \
    {                                                                          \
        T_INCR, k, NULL, 0, NULL, 0, 0, d, 0, STORE_ERROR                      \
    }
#define CAS(k, x, v, t, r)                                                     \
    {                                                                          \
        T_CAS, k, V(v), V(x), t, 0, 0, r                                       \
    }
#define CAS_NEW(k, v, t, r)                                                    \
    {                                                                          \
        T_CAS, k, V(v), NULL, 0, t, 0, 0, r                                    \
    }
#define ADV(s)                                                                 \
    {                                                                          \
        T_ADV, NULL, NULL, 0, NULL, 0, 0, s, 0, 0                              \
    }
#define SCAN(p, n)                                                             \
    {                                                                          \
        T_SCAN, p, NULL, 0, NULL, 0, 0, n, 0, STORE_OK                         \
    }
#define SWEEP()                                                                \
    {                                                                          \
        T_SWEEP, NULL, NULL, 0, NULL, 0, 0, 0, 0, STORE_OK                     \
    }

/* Times in comments: seconds since the start of the run. */
static const struct step conformance[] = {
    /* get, put, del, overwrite */
    GONE("a"),
    DEL("a", STORE_NOTFOUND),
    PUT("a", "1", 0),
    GET("a", "1", 0),
    PUT("a", "two", 0),
    GET("a", "two", 0),
    DEL("a", STORE_OK),
    GONE("a"),
    DEL("a", STORE_NOTFOUND),
    /* values are bytes; keys may be UTF-8 and have blanks and quotes */
    PUT("bin", "\0a\0b\xff\0", 0),
    GET("bin", "\0a\0b\xff\0", 0),
    PUT("empty", "", 0),
    GET("empty", "", 0),
    PUT("grey/192.0.2/j\xc3\xbcrgen@b\xc3\xa4r.example/b@c", "1", 0),
    GET("grey/192.0.2/j\xc3\xbcrgen@b\xc3\xa4r.example/b@c", "1", 0),
    PUT("q/\"quoted local\"@x y", "2", 0),
    GET("q/\"quoted local\"@x y", "2", 0),
    /* TTL: there at ttl-1, gone at ttl and after, before any sweep */
    PUT("t", "x", 10),
    GET("t", "x", 10),
    ADV(9), /* 9 */
    GET("t", "x", 10),
    ADV(1), /* 10 */
    GONE("t"),
    ADV(1), /* 11 */
    GONE("t"),
    DEL("t", STORE_NOTFOUND),
    PUT("t", "y", 0),
    GET("t", "y", 0),
    PUT("t", "z", 5),
    GET("t", "z", 16),
    /* counters: the first increment opens a fixed window */
    INCR("c", 1, 60, 1), /* window [11, 71) */
    INCR("c", 1, 60, 2),
    ADV(30), /* 41 */
    INCR("c", 5, 60, 7),
    GET("c", "7", 71),
    ADV(29), /* 70 */
    INCR("c", 1, 60, 8),
    ADV(1), /* 71 */
    GONE("c"),
    INCR("c", 1, 60, 1), /* a new window [71, 131) */
    GET("c", "1", 131),
    INCR("c", -3, 60, -2),
    INCR("n", 0, 0, 0),
    GET("n", "0", 0),
    PUT("num", "41", 0),
    INCR("num", 1, 0, 42),
    PUT("str", "abc", 0),
    INCR_ERR("str", 1),
    GET("str", "abc", 0),
    PUT("lead", "007", 0),
    INCR_ERR("lead", 1),
    PUT("max", "9223372036854775807", 0),
    INCR_ERR("max", 1),
    GET("max", "9223372036854775807", 0),
    INCR("max", -1, 0, 9223372036854775806LL),
    PUT("min", "-9223372036854775808", 0),
    INCR_ERR("min", -1),
    INCR("min", 1, 0, -9223372036854775807LL),
    /* compare and set */
    CAS_NEW("k", "v1", 0, STORE_OK),
    GET("k", "v1", 0),
    CAS_NEW("k", "v2", 0, STORE_CONFLICT),
    CAS("k", "wrong", "v3", 0, STORE_CONFLICT),
    CAS("k", "v", "v3", 0, STORE_CONFLICT),
    GET("k", "v1", 0),
    CAS("k", "v1", "v4", 0, STORE_OK),
    GET("k", "v4", 0),
    CAS("absent", "x", "y", 0, STORE_CONFLICT),
    GONE("absent"),
    CAS("e", "", "y", 0, STORE_CONFLICT),
    PUT("e", "", 0),
    CAS_NEW("e", "y", 0, STORE_CONFLICT),
    CAS("e", "", "y", 0, STORE_OK),
    CAS("k", "v4", "v5", 5, STORE_OK),
    GET("k", "v5", 76),
    ADV(5), /* 76 */
    CAS("k", "v5", "v6", 0, STORE_CONFLICT),
    CAS_NEW("k", "v7", 0, STORE_OK),
    GET("k", "v7", 0),
    PUT("kb", "\0x", 0),
    CAS("kb", "\0y", "1", 0, STORE_CONFLICT),
    CAS("kb", "\0x", "\0z", 0, STORE_OK),
    GET("kb", "\0z", 0),
    /* scan: a prefix is literal, never a pattern (glob or LIKE) */
    PUT("s/a", "1", 0),
    PUT("s/ab", "2", 0),
    PUT("s/b", "3", 0),
    PUT("s/*x", "4", 0),
    PUT("s/?y", "5", 0),
    PUT("s/[z]", "6", 0),
    PUT("s/%p", "7", 0),
    PUT("s/_q", "8", 0),
    PUT("s/a*b", "9", 0),
    PUT("s/\\k", "10", 0),
    PUT("s/\xff\xff", "11", 30),
    PUT("sx", "12", 0),
    PUT("s/old", "13", 1),
    ADV(1), /* 77: s/old expired */
    SCAN("s/", 11),
    SCAN("s/a", 3),
    SCAN("s/*", 1),
    SCAN("s/?", 1),
    SCAN("s/[", 1),
    SCAN("s/[z]", 1),
    SCAN("s/%", 1),
    SCAN("s/_", 1),
    SCAN("s/\\", 1),
    SCAN("s/\xff", 1),
    SCAN("s/old", 0),
    SCAN("none/", 0),
    SCAN("s", 13), /* with "str" */
    SCAN("s/", -1),
    /* sweep removes only what expired */
    PUT("w/1", "x", 1),
    PUT("w/2", "x", 1),
    PUT("w/keep", "x", 0),
    ADV(2), /* 79 */
    SWEEP(),
    GONE("w/1"),
    GET("w/keep", "x", 0),
    SCAN("w/", 1),
    GET("kb", "\0z", 0),
};

static const char *op_name[] = {"put", "get", "del",  "incr",
                                "cas", "adv", "scan", "sweep"};

static const char *rc_name(int rc)
{
    switch (rc) {
    case STORE_OK:
        return "OK";
    case STORE_NOTFOUND:
        return "NOTFOUND";
    case STORE_CONFLICT:
        return "CONFLICT";
    case STORE_ERROR:
        return "ERROR";
    }
    return "?";
}

/* A key for a test name: bytes outside printable ASCII as \xNN. */
static const char *show(const char *s, size_t n)
{
    static char buf[4][200];
    static unsigned which;
    char *b = buf[which++ % 4];
    size_t o = 0;

    for (size_t i = 0; i < n && o < sizeof(buf[0]) - 5; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c < 0x7f)
            b[o++] = (char)c;
        else
            o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
    }
    b[o] = '\0';
    return b;
}

struct scan_seen {
    struct store *s;
    const char *prefix;
    int n, bad, stop;
};

/* Every entry scan reports has the prefix and is what get() says. */
static int scan_cb(const char *key, const void *val, size_t len, time_t expires,
                   void *arg)
{
    struct scan_seen *seen = arg;
    char *v = NULL;
    size_t vlen = 0;
    time_t e = 0;
    const char *err;

    seen->n++;
    if (strncmp(key, seen->prefix, strlen(seen->prefix)) != 0 ||
        store_get(seen->s, key, &v, &vlen, &e, &err) != STORE_OK ||
        vlen != len || memcmp(v, val, len) != 0 || e != expires) {
        diag("scan reported %s, which get() does not confirm",
             show(key, strlen(key)));
        seen->bad++;
    }
    free(v);
    return seen->stop;
}

static int run_get(struct store *s, const struct step *t, const char *key,
                   time_t t0, const char **err)
{
    char *v = NULL;
    size_t len = 99;
    time_t e = -1;
    int rc = store_get(s, key, &v, &len, &e, err), good = rc == t->rc;

    if (good && rc == STORE_OK) {
        good = len == t->len && memcmp(v, t->val, len) == 0 && v[len] == '\0' &&
               e == (t->want ? t0 + t->want : 0);
        if (!good)
            diag("got \"%s\" (%zu bytes) expiring at %+lld", show(v, len), len,
                 e ? (long long)(e - t0) : 0LL);
    }
    if (good && rc == STORE_NOTFOUND)
        good = v == NULL;
    if (rc != t->rc)
        diag("rc %s: %s", rc_name(rc), rc == STORE_ERROR ? *err : "");
    free(v);
    return good;
}

static int run_step(struct store *s, int redis, const struct step *t,
                    const char *pfx, time_t t0)
{
    char key[512];
    const char *err = "";
    long long n = 0;
    size_t removed = 0;
    int rc, good;

    snprintf(key, sizeof(key), "%s%s", pfx, t->key ? t->key : "");
    switch (t->op) {
    case T_GET:
        return run_get(s, t, key, t0, &err);
    case T_PUT:
        rc = store_put(s, key, t->val, t->len, t->ttl, &err);
        break;
    case T_DEL:
        rc = store_del(s, key, &err);
        break;
    case T_INCR:
        rc = store_incr(s, key, t->n, t->ttl, &n, &err);
        if (rc == STORE_OK && n != t->want)
            diag("counter %lld, want %lld", n, t->want);
        return rc == t->rc && (rc != STORE_OK || n == t->want);
    case T_CAS:
        rc = store_cas(s, key, t->expect, t->expect_len, t->val, t->len, t->ttl,
                       &err);
        break;
    case T_SCAN: {
        struct scan_seen seen = {s, key, 0, 0, t->n < 0};

        rc = store_scan(s, key, scan_cb, &seen, &err);
        good =
            rc == STORE_OK && seen.bad == 0 && seen.n == (t->n < 0 ? 1 : t->n);
        if (!good)
            diag("scan %s: rc %s, %d entries (%d bad): %s",
                 show(key, strlen(key)), rc_name(rc), seen.n, seen.bad, err);
        return good;
    }
    case T_SWEEP:
        rc = store_sweep(s, 100000, &removed, &err);
        if (rc == STORE_OK && (redis ? removed != 0 : removed < 2))
            diag("sweep removed %zu", removed);
        return rc == STORE_OK && (redis ? removed == 0 : removed >= 2);
    default:
        clock_fake_advance((double)t->n);
        return 1;
    }
    if (rc != t->rc)
        diag("rc %s: %s", rc_name(rc), rc == STORE_ERROR ? err : "");
    return rc == t->rc;
}

/* "at +11s: incr c +1 ttl 60 -> 1": the step as a sentence. */
static const char *step_name(const struct step *t, long long at)
{
    static char b[600];
    size_t o;

    o = (size_t)snprintf(b, sizeof(b), "at +%llds: %s %s", at, op_name[t->op],
                         t->key ? show(t->key, strlen(t->key)) : "");
    if (t->op == T_PUT)
        o += (size_t)snprintf(b + o, sizeof(b) - o, " = \"%s\"",
                              show(t->val, t->len));
    if (t->op == T_INCR)
        o += (size_t)snprintf(b + o, sizeof(b) - o, " %+lld", t->n);
    if (t->op == T_CAS)
        o += (size_t)snprintf(b + o, sizeof(b) - o, " = \"%s\" if %s%s%s",
                              show(t->val, t->len), t->expect ? "\"" : "absent",
                              t->expect ? show(t->expect, t->expect_len) : "",
                              t->expect ? "\"" : "");
    if (t->ttl)
        o += (size_t)snprintf(b + o, sizeof(b) - o, " ttl %lld", t->ttl);
    if (t->op == T_GET && t->rc == STORE_OK && t->want)
        snprintf(b + o, sizeof(b) - o, " -> \"%s\", expires at +%llds",
                 show(t->val, t->len), t->want);
    else if (t->op == T_GET && t->rc == STORE_OK)
        snprintf(b + o, sizeof(b) - o, " -> \"%s\", no expiry",
                 show(t->val, t->len));
    else if (t->op == T_INCR && t->rc == STORE_OK)
        snprintf(b + o, sizeof(b) - o, " -> %lld", t->want);
    else if (t->op == T_SCAN && t->n < 0)
        snprintf(b + o, sizeof(b) - o, " -> the callback stops it at one");
    else if (t->op == T_SCAN)
        snprintf(b + o, sizeof(b) - o, " -> %lld found", t->n);
    else
        snprintf(b + o, sizeof(b) - o, " -> %s", rc_name(t->rc));
    return b;
}

/* The table, on one store, with keys under pfx. */
static void conformance_run(const char *name, const struct store_conf *c,
                            const char *pfx)
{
    struct store *s = NULL;
    const char *err = NULL;
    time_t t0 = time(NULL);
    size_t i;

    clock_fake_set(t0, 1000.0);
    if (!ok(store_open(c, &s, &err) == STORE_OK, "%s: store_open", name)) {
        diag("%s", err);
        return;
    }
    for (i = 0; i < sizeof(conformance) / sizeof(*conformance); i++) {
        const struct step *t = &conformance[i];

        if (t->op == T_ADV) {
            clock_fake_advance((double)t->n);
            continue;
        }
        ok(run_step(s, c->backend == STORE_REDIS, t, pfx, t0), "%s: %s", name,
           step_name(t, (long long)(clock_wall() - t0)));
    }
    store_close(s);
    clock_fake_off();
}

/* Bad arguments are refused before any backend sees them. */
static void bad_args(const char *name, const struct store_conf *c)
{
    struct store *s = NULL;
    const char *err = NULL;
    char long_key[STORE_KEY_MAX + 2];
    int rc;

    if (store_open(c, &s, &err) != STORE_OK)
        return;
    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    rc = store_put(s, "", "x", 1, 0, &err);
    ok(rc == STORE_ERROR && strstr(err, "empty key") != NULL,
       "%s: an empty key is refused (%s)", name, err);
    rc = store_get(s, "a\nb", NULL, NULL, NULL, &err);
    ok(rc == STORE_ERROR && strstr(err, "control character") != NULL,
       "%s: a key with a newline is refused (%s)", name, err);
    rc = store_del(s, long_key, &err);
    ok(rc == STORE_ERROR && strstr(err, "longer than") != NULL,
       "%s: a key of %d bytes is refused (%s)", name, STORE_KEY_MAX + 1, err);
    long_key[STORE_KEY_MAX] = '\0';
    rc = store_put(s, long_key, "x", 1, 0, &err);
    if (rc == STORE_OK)
        rc = store_get(s, long_key, NULL, NULL, NULL, &err);
    ok(rc == STORE_OK, "%s: a key of %d bytes works", name, STORE_KEY_MAX);
    rc = store_put(s, "ttl", "x", 1, -1, &err);
    ok(rc == STORE_ERROR && strstr(err, "out of range") != NULL,
       "%s: a negative TTL is refused (%s)", name, err);
    rc = store_incr(s, "ttl", 1, STORE_TTL_MAX + 1, NULL, &err);
    ok(rc == STORE_ERROR && strstr(err, "out of range") != NULL,
       "%s: a TTL over ten years is refused (%s)", name, err);
    store_close(s);
}

/* The [common] keys to a store_conf, and the Redis password file. */
static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
}

static void conf_from_common(const char *dir)
{
    struct common_conf cc;
    struct store_conf sc;
    char pwfile[512], *pw = NULL;
    const char *err = NULL;
    int rc;

    memset(&cc, 0, sizeof(cc));
    cc.store_backend = STORE_REDIS;
    cc.store_redis = "[::1]:6379";
    cc.store_redis_db = 7;
    cc.store_timeout = 1500;
    snprintf(pwfile, sizeof(pwfile), "%s/redis.pw", dir);
    cc.store_redis_password_file = pwfile;

    write_file(pwfile, "  s3cret pass \t\nsecond line\n", 0640);
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == 0 && pw != NULL && strcmp(pw, "s3cret pass") == 0 &&
           sc.password == pw && sc.db == 7 && sc.timeout_ms == 1500 &&
           strcmp(sc.redis, "[::1]:6379") == 0,
       "conf: the first line of the password file, trimmed");
    free(pw);

    write_file(pwfile, "s3cret\n", 0644);
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == -1 && pw == NULL && strstr(err, "accessible by others"),
       "conf: a world-readable password file is refused (%s)", err);
    write_file(pwfile, "s3cret\n", 0602);
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == -1 && strstr(err, "accessible by others"),
       "conf: a world-writable password file is refused");
    write_file(pwfile, " \n", 0600);
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == -1 && strstr(err, "empty password"),
       "conf: an empty password is refused (%s)", err);
    unlink(pwfile);
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == -1 && strstr(err, pwfile) && strstr(err, strerror(ENOENT)),
       "conf: a missing password file is named (%s)", err);
    cc.store_redis_password_file = NULL;
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == 0 && pw == NULL && sc.password == NULL,
       "conf: no password file, no AUTH");
    cc.store_backend = STORE_SQLITE;
    cc.store_path = "/var/lib/sluice/sluice.db";
    cc.store_redis_password_file = pwfile; /* missing, and not read */
    rc = store_conf_from_common(&cc, &sc, &pw, &err);
    ok(rc == 0 && pw == NULL && sc.backend == STORE_SQLITE &&
           strcmp(sc.path, cc.store_path) == 0,
       "conf: sqlite reads no password file");
}

int main(void)
{
    const char *plain = fx_env("STORE_TEST_REDIS");
    const char *auth = fx_env("STORE_TEST_REDIS_AUTH");
    const char *dir = fx_tmpdir("store");
    char path[512], tcp[64], unix_addr[512];
    struct store_conf c;

    alarm(300);
    snprintf(path, sizeof(path), "%s/conformance.db", dir);
    snprintf(tcp, sizeof(tcp), "127.0.0.1:%d", fx_port(plain));
    snprintf(unix_addr, sizeof(unix_addr), "unix:%s/redis.sock", auth);

    fx_sqlite_conf(&c, path);
    conformance_run("sqlite", &c, "");
    bad_args("sqlite", &c);
    fx_redis_conf(&c, tcp);
    conformance_run("redis tcp", &c, "conf/");
    bad_args("redis tcp", &c);
    fx_redis_conf(&c, unix_addr);
    c.password = fx_env("STORE_TEST_PASSWORD");
    c.db = 3;
    conformance_run("redis unix+auth+db3", &c, "");

    conf_from_common(dir);
    fx_cleanup();
    return done_testing();
}
