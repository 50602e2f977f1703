/*
 * store_redis - the private parts of the Redis backend: struct rd, and
 * its connections (store_redis_conn.c, rdc_*) as store_redis.c uses them.
 *
 * DESCRIPTION
 *	rdc_open() makes a struct rd from the conf and connects once (NULL
 *	and *error_r when the address is bad or the server refuses AUTH or
 *	SELECT); rdc_close() frees it.  rdc_get() hands out a connection
 *	(STORE_ERROR while the server is down and the back-off runs) and
 *	rdc_put() takes it back, whatever happened to it.  rdc_call() runs
 *	one command: STORE_OK with the reply (the caller frees it), or
 *	STORE_ERROR for an error reply and for no reply at all (then the
 *	connection is dropped and the backend marked down: rdc_broken(),
 *	which code that reads replies itself calls too).  rdc_script()
 *	runs a Lua script by its SHA1 and sends it whole when the server
 *	does not know it; argv[0..2] and lens[0..2] are its to fill.
 *	rdc_pipe_block()/rdc_pipe_restore() wrap hiredis I/O that is not a
 *	plain command (a pipeline) the way rdc_call() does.
 */
#ifndef SLUICE_STORE_REDIS_H
#define SLUICE_STORE_REDIS_H

#include <pthread.h>
#include <signal.h>
#include <sys/time.h>

#include <hiredis.h>

#include "store_internal.h"

enum rd_script { RD_PUT, RD_DEL, RD_INCR, RD_CAS, RD_NSCRIPT };

struct rd_conn {
    redisContext *ctx;
    struct rd_conn *next;
};

struct rd {
    char *label;
    char *host; /* TCP, or NULL */
    int port;
    char *path; /* unix socket, or NULL */
    char *password;
    long long db;
    struct timeval tv;
    char sha[RD_NSCRIPT][41];
    pthread_mutex_t lock;
    struct rd_conn *idle;
    int nidle;
    int down;        /* the last connection failed */
    double next_try; /* clock_mono() of the next connect attempt */
    double backoff;
    char why[256]; /* why it is down */
};

struct rd *rdc_open(const struct store_conf *conf, const char *label,
                    const char **error_r);
void rdc_close(struct rd *r);
int rdc_get(struct rd *r, struct rd_conn **c_r, const char **error_r);
void rdc_put(struct rd *r, struct rd_conn *c);
int rdc_call(struct rd *r, struct rd_conn *c, const char *what, int argc,
             const char **argv, const size_t *lens, redisReply **rep_r,
             const char **error_r);
int rdc_script(struct rd *r, struct rd_conn *c, const char *sha,
               const char *lua, const char *what, int argc, const char **argv,
               size_t *lens, redisReply **rep_r, const char **error_r);
int rdc_broken(struct rd *r, struct rd_conn *c, const char *what,
               const char **error_r);
void rdc_pipe_block(sigset_t *old);
void rdc_pipe_restore(const sigset_t *old, int failed);

#endif
