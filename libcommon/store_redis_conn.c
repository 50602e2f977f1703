/*
 * store_redis_conn - the connections of the Redis backend (store_redis.h).
 *
 * DESCRIPTION
 *	A pool of hiredis contexts (a context is not thread-safe): rdc_get()
 *	takes an idle one (after a zero-cost check that the server has not
 *	closed it meanwhile: its idle timeout, CLIENT KILL, a restart) or
 *	connects a new one; rdc_put() gives it back, and at most RD_IDLE_MAX
 *	stay idle.  A new connection does AUTH and SELECT, has keepalive
 *	(TCP) and the command timeout timeout_ms (redisSetTimeout);
 *	connect() has the same timeout.
 *
 *	Failures: when a command gets no reply (closed, reset, timed out)
 *	or a connection cannot be made, the context is dropped, every idle
 *	one too, the call returns STORE_ERROR and the backend is "down":
 *	further calls return STORE_ERROR at once, except that one call per
 *	back-off interval (100 ms, doubling up to 5 s) tries to connect;
 *	when it succeeds the backend is up again (the back-off runs on
 *	clock_mono(): a test that freezes the fake clock of clock.h freezes
 *	it too).  The change each way is logged once (log_warn,
 *	log_info).  An error reply (WRONGTYPE, NOAUTH, a script error) is
 *	STORE_ERROR for that call and leaves the connection alone.
 *
 *	hiredis writes with write(2): a peer that is gone would raise
 *	SIGPIPE, so each command runs with SIGPIPE blocked in the calling
 *	thread and a SIGPIPE it caused is consumed.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "store_redis.h"
#include "util.h"

#define RD_IDLE_MAX 32
#define RD_BACKOFF_MIN 0.1
#define RD_BACKOFF_MAX 5.0

/* "host:port", "[v6]:port" or "unix:/path". */
static int rdc_parse_addr(struct rd *r, const char *a, const char **error_r)
{
    const char *colon;
    char *end;
    long port;

    if (strncmp(a, "unix:", 5) == 0) {
        if (a[5] != '/')
            return store_fail(error_r,
                              "redis %s: unix: needs an absolute "
                              "path",
                              a);
        r->path = xstrdup(a + 5);
        return STORE_OK;
    }
    if (a[0] == '[') {
        const char *rb = strchr(a, ']');

        if (rb == NULL || rb[1] != ':')
            return store_fail(error_r, "redis %s: expected [IPv6]:port", a);
        r->host = xstrndup(a + 1, (size_t)(rb - a - 1));
        colon = rb + 1;
    } else {
        colon = strrchr(a, ':');
        if (colon == NULL || colon == a || memchr(a, ':', (size_t)(colon - a)))
            return store_fail(error_r,
                              "redis %s: expected host:port, "
                              "[IPv6]:port or unix:/path",
                              a);
        r->host = xstrndup(a, (size_t)(colon - a));
    }
    errno = 0;
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port < 1 ||
        port > 65535)
        return store_fail(error_r, "redis %s: bad port", a);
    r->port = (int)port;
    return STORE_OK;
}

/* SIGPIPE blocked in this thread around I/O (see DESCRIPTION); a
 * SIGPIPE the I/O raised is consumed when it failed. */
void rdc_pipe_block(sigset_t *old)
{
    sigset_t pipe_set;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, old);
}

void rdc_pipe_restore(const sigset_t *old, int failed)
{
    sigset_t pipe_set;
    struct timespec zero = {0, 0};

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if (failed && !sigismember(old, SIGPIPE))
        while (sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static redisReply *rdc_command(redisContext *ctx, int argc, const char **argv,
                               const size_t *lens)
{
    sigset_t old;
    redisReply *rep;

    rdc_pipe_block(&old);
    rep = redisCommandArgv(ctx, argc, argv, lens);
    rdc_pipe_restore(&old, rep == NULL);
    return rep;
}

static void rdc_free_conn(struct rd_conn *c)
{
    if (c == NULL)
        return;
    if (c->ctx != NULL)
        redisFree(c->ctx);
    free(c);
}

/* The reason of a context error, with a timeout named as such. */
static const char *rdc_why(const struct rd *r, const redisContext *ctx,
                           char *buf, size_t size)
{
    if (ctx->err == REDIS_ERR_IO &&
        strstr(ctx->errstr, "temporarily unavailable") != NULL)
        snprintf(buf, size, "no reply within %lld ms",
                 (long long)r->tv.tv_sec * 1000 + r->tv.tv_usec / 1000);
    else
        snprintf(buf, size, "%s", ctx->errstr[0] ? ctx->errstr : "I/O error");
    return buf;
}

/* The backend failed: remember why, start (or continue) the back-off,
 * drop the idle connections (they went to the same server). */
static void rdc_mark_down(struct rd *r, const char *why)
{
    struct rd_conn *idle;
    int was;

    pthread_mutex_lock(&r->lock);
    was = r->down;
    if (!was) {
        r->down = 1;
        r->next_try = clock_mono() + RD_BACKOFF_MIN;
        r->backoff = 2 * RD_BACKOFF_MIN;
    }
    snprintf(r->why, sizeof(r->why), "%s", why);
    idle = r->idle;
    r->idle = NULL;
    r->nidle = 0;
    pthread_mutex_unlock(&r->lock);
    while (idle != NULL) {
        struct rd_conn *next = idle->next;

        rdc_free_conn(idle);
        idle = next;
    }
    if (!was)
        log_warn(NULL, "store: %s unavailable: %s", r->label, why);
}

/* A command on a connection setup (AUTH, SELECT): an error reply is the
 * server refusing us. */
static int rdc_setup_cmd(struct rd *r, redisContext *ctx, int argc,
                         const char **argv, const char *what, char *why,
                         size_t size)
{
    redisReply *rep = rdc_command(ctx, argc, argv, NULL);
    int rc = 0;

    if (rep == NULL) {
        char buf[200];

        snprintf(why, size, "%s: %s", what, rdc_why(r, ctx, buf, sizeof(buf)));
        return -1;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        snprintf(why, size, "%s refused: %s", what, rep->str);
        rc = -2;
    }
    freeReplyObject(rep);
    return rc;
}

/* A new connection, ready for use.  Returns 0, -1 (unreachable, I/O) or
 * -2 (the server refused AUTH or SELECT); why says what happened. */
static int rdc_connect(struct rd *r, struct rd_conn **c_r, char *why,
                       size_t size)
{
    redisContext *ctx;
    char db[32];
    int rc = 0;

    ctx = r->path != NULL ? redisConnectUnixWithTimeout(r->path, r->tv)
                          : redisConnectWithTimeout(r->host, r->port, r->tv);
    if (ctx == NULL) {
        snprintf(why, size, "connect: out of memory");
        return -1;
    }
    if (ctx->err) {
        snprintf(why, size, "connect: %s", ctx->errstr);
        rc = -1;
    } else if (redisSetTimeout(ctx, r->tv) != REDIS_OK ||
               (r->host != NULL && redisEnableKeepAlive(ctx) != REDIS_OK)) {
        snprintf(why, size, "connect: %s", ctx->errstr);
        rc = -1;
    }
    if (rc == 0 && r->password != NULL)
        rc = rdc_setup_cmd(r, ctx, 2, (const char *[]){"AUTH", r->password},
                           "AUTH", why, size);
    snprintf(db, sizeof(db), "%lld", r->db);
    if (rc == 0 && r->db != 0)
        rc = rdc_setup_cmd(r, ctx, 2, (const char *[]){"SELECT", db}, "SELECT",
                           why, size);
    if (rc != 0) {
        redisFree(ctx);
        return rc;
    }
    *c_r = xcalloc(1, sizeof(**c_r));
    (*c_r)->ctx = ctx;
    return 0;
}

/* An idle connection the server closed meanwhile (its idle timeout, a
 * restart) reads as EOF or an error without blocking. */
static int rdc_stale(const struct rd_conn *c)
{
    char b;
    ssize_t n = recv(c->ctx->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);

    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

/* May this thread try to connect?  Not while the back-off runs. */
static int rdc_may_connect(struct rd *r, const char **error_r)
{
    double now = clock_mono(), left;
    char why[sizeof(r->why)];

    pthread_mutex_lock(&r->lock);
    if (!r->down || now >= r->next_try) {
        if (r->down) {
            r->next_try = now + r->backoff;
            r->backoff = r->backoff * 2 > RD_BACKOFF_MAX ? RD_BACKOFF_MAX
                                                         : r->backoff * 2;
        }
        pthread_mutex_unlock(&r->lock);
        return 1;
    }
    left = r->next_try - now;
    memcpy(why, r->why, sizeof(why));
    pthread_mutex_unlock(&r->lock);
    store_fail(error_r, "%s: unavailable: %s (next attempt in %.0f ms)",
               r->label, why, left * 1000);
    return 0;
}

int rdc_get(struct rd *r, struct rd_conn **c_r, const char **error_r)
{
    struct rd_conn *c;
    char why[256];
    int was_down;

    for (;;) {
        pthread_mutex_lock(&r->lock);
        c = r->idle;
        if (c != NULL) {
            r->idle = c->next;
            r->nidle--;
        }
        pthread_mutex_unlock(&r->lock);
        if (c == NULL)
            break;
        if (!rdc_stale(c)) {
            *c_r = c;
            return STORE_OK;
        }
        rdc_free_conn(c);
    }
    if (!rdc_may_connect(r, error_r))
        return STORE_ERROR;
    if (rdc_connect(r, c_r, why, sizeof(why)) != 0) {
        rdc_mark_down(r, why);
        return store_fail(error_r, "%s: %s", r->label, why);
    }
    pthread_mutex_lock(&r->lock);
    was_down = r->down;
    r->down = 0;
    pthread_mutex_unlock(&r->lock);
    if (was_down)
        log_info(NULL, "store: %s available again", r->label);
    return STORE_OK;
}

void rdc_put(struct rd *r, struct rd_conn *c)
{
    if (c->ctx == NULL || c->ctx->err) {
        rdc_free_conn(c);
        return;
    }
    pthread_mutex_lock(&r->lock);
    if (r->nidle < RD_IDLE_MAX) {
        c->next = r->idle;
        r->idle = c;
        r->nidle++;
        c = NULL;
    }
    pthread_mutex_unlock(&r->lock);
    rdc_free_conn(c);
}

int rdc_broken(struct rd *r, struct rd_conn *c, const char *what,
               const char **error_r)
{
    char buf[200], why[256];

    snprintf(why, sizeof(why), "%s: %s", what,
             rdc_why(r, c->ctx, buf, sizeof(buf)));
    redisFree(c->ctx);
    c->ctx = NULL;
    rdc_mark_down(r, why);
    return store_fail(error_r, "%s: %s", r->label, why);
}

/* A command on c.  No reply: the connection is dropped and the backend
 * marked down.  An error reply: STORE_ERROR with its text.  Else the
 * reply is the caller's. */
int rdc_call(struct rd *r, struct rd_conn *c, const char *what, int argc,
             const char **argv, const size_t *lens, redisReply **rep_r,
             const char **error_r)
{
    redisReply *rep = rdc_command(c->ctx, argc, argv, lens);

    *rep_r = NULL;
    if (rep == NULL)
        return rdc_broken(r, c, what, error_r);
    if (rep->type == REDIS_REPLY_ERROR) {
        store_fail(error_r, "%s: %s: %s", r->label, what, rep->str);
        freeReplyObject(rep);
        return STORE_ERROR;
    }
    *rep_r = rep;
    return STORE_OK;
}

/* A script: EVALSHA, and EVAL when the server does not know it (after a
 * restart or SCRIPT FLUSH).  argv[0..2] are filled in here. */
int rdc_script(struct rd *r, struct rd_conn *c, const char *sha,
               const char *lua, const char *what, int argc, const char **argv,
               size_t *lens, redisReply **rep_r, const char **error_r)
{
    redisReply *rep;

    argv[0] = "EVALSHA";
    argv[1] = sha;
    argv[2] = "1";
    for (int i = 0; i < 3; i++)
        lens[i] = strlen(argv[i]);
    rep = rdc_command(c->ctx, argc, argv, lens);
    if (rep != NULL && rep->type == REDIS_REPLY_ERROR &&
        strncmp(rep->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(rep);
        argv[0] = "EVAL";
        argv[1] = lua;
        lens[0] = 4;
        lens[1] = strlen(lua);
    } else if (rep != NULL && rep->type != REDIS_REPLY_ERROR) {
        *rep_r = rep;
        return STORE_OK;
    } else if (rep != NULL) {
        store_fail(error_r, "%s: %s: %s", r->label, what, rep->str);
        freeReplyObject(rep);
        *rep_r = NULL;
        return STORE_ERROR;
    }
    return rdc_call(r, c, what, argc, argv, lens, rep_r, error_r);
}

void rdc_close(struct rd *r)
{
    struct rd_conn *c;

    if (r == NULL)
        return;
    while ((c = r->idle) != NULL) {
        r->idle = c->next;
        rdc_free_conn(c);
    }
    pthread_mutex_destroy(&r->lock);
    free(r->label);
    free(r->host);
    free(r->path);
    if (r->password != NULL) {
        explicit_bzero(r->password, strlen(r->password));
        free(r->password);
    }
    free(r);
}

/* The first connection: a server that refuses us (AUTH, SELECT) is a
 * configuration error; one that is unreachable is not (the store starts
 * "down" and connects when the server is there). */
struct rd *rdc_open(const struct store_conf *conf, const char *label,
                    const char **error_r)
{
    struct rd *r = xcalloc(1, sizeof(*r));
    struct rd_conn *c = NULL;
    char why[256];
    int rc;

    r->label = xstrdup(label);
    pthread_mutex_init(&r->lock, NULL);
    if (rdc_parse_addr(r, conf->redis, error_r) != STORE_OK) {
        rdc_close(r);
        return NULL;
    }
    r->password = conf->password != NULL ? xstrdup(conf->password) : NULL;
    r->db = conf->db;
    r->tv.tv_sec = conf->timeout_ms / 1000;
    r->tv.tv_usec = (conf->timeout_ms % 1000) * 1000;
    rc = rdc_connect(r, &c, why, sizeof(why));
    if (rc == -2) {
        store_fail(error_r, "%s: %s", label, why);
        rdc_close(r);
        return NULL;
    }
    if (rc == 0)
        rdc_put(r, c);
    else
        rdc_mark_down(r, why);
    return r;
}
