/*
 * store_fixture.h - shared by the store tests (header only).
 *
 *	The Redis servers are started by the wrapper (t/unit/store_run.sh,
 *	with t/lib/redis.sh) and named in the environment:
 *	    STORE_TEST_REDIS       directory of the plain server (TCP, unix)
 *	    STORE_TEST_REDIS_AUTH  directory of the one with requirepass
 *	    STORE_TEST_PASSWORD    that password
 *	    STORE_TEST_HELPER      t/lib/redis.sh, for kill/restart/stop
 *	A test run without them is a failure, not a skip.
 *
 *	fx_env(name)              the variable, or exit 1 with a TAP line
 *	fx_port(dir)              the TCP port of a server
 *	fx_helper(fn, dir, args)  runs "redis_FN DIR ARGS" of t/lib/redis.sh
 *	                          (args: NULL or words for the shell)
 *	fx_redis_pid(dir)         the server's pid (0: none)
 *	fx_pid_alive(pid)         exists and is not a zombie (/proc)
 *	fx_tmpdir(tag)            a private directory (removed by fx_cleanup)
 *	fx_sqlite_conf(c, path)   a sqlite store_conf, timeout 2 s
 *	fx_redis_conf(c, addr)    a Redis store_conf, timeout 2 s
 *	fx_now()                  monotonic seconds (real, not the fake clock)
 */
#ifndef SLUICE_STORE_FIXTURE_H
#define SLUICE_STORE_FIXTURE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"

static char fx_dirs[16][256];
static int fx_ndirs;

static inline const char *fx_env(const char *name)
{
    const char *v = getenv(name);

    if (v == NULL || v[0] == '\0') {
        printf("not ok 1 - %s is set (run me through store_run.sh)\n1..1\n",
               name);
        exit(1);
    }
    return v;
}

static inline int fx_port(const char *dir)
{
    char path[512];
    FILE *f;
    int port = 0;

    snprintf(path, sizeof(path), "%s/port", dir);
    if ((f = fopen(path, "r")) != NULL) {
        if (fscanf(f, "%d", &port) != 1)
            port = 0;
        fclose(f);
    }
    return port;
}

static inline int fx_helper(const char *fn, const char *dir, const char *args)
{
    char cmd[1024];
    int rc;

    snprintf(cmd, sizeof(cmd),
             "bash -c '. \"$0\" && redis_%s \"$1\" %s >&2' '%s' '%s'", fn,
             args ? args : "", fx_env("STORE_TEST_HELPER"), dir);
    fflush(stdout);
    rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static inline pid_t fx_redis_pid(const char *dir)
{
    char path[512];
    FILE *f;
    int pid = 0;

    snprintf(path, sizeof(path), "%s/redis.pid", dir);
    if ((f = fopen(path, "r")) != NULL) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

static inline int fx_pid_alive(pid_t pid)
{
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' && p[2] != 'Z';
}

static inline const char *fx_tmpdir(const char *tag)
{
    char *d;

    if (fx_ndirs >= 16)
        abort();
    d = fx_dirs[fx_ndirs++];

    snprintf(d, sizeof(fx_dirs[0]), "%s/sluice-%s.XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
    if (mkdtemp(d) == NULL) {
        perror("mkdtemp");
        exit(1);
    }
    return d;
}

static inline void fx_cleanup(void)
{
    char cmd[512];

    for (int i = 0; i < fx_ndirs; i++) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx_dirs[i]);
        if (system(cmd) != 0)
            diag("could not remove %s", fx_dirs[i]);
    }
}

static inline void fx_sqlite_conf(struct store_conf *c, const char *path)
{
    memset(c, 0, sizeof(*c));
    c->backend = STORE_SQLITE;
    c->path = path;
    c->timeout_ms = 2000;
}

static inline void fx_redis_conf(struct store_conf *c, const char *addr)
{
    memset(c, 0, sizeof(*c));
    c->backend = STORE_REDIS;
    c->redis = addr;
    c->timeout_ms = 2000;
}

static inline double fx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
