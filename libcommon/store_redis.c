/*
 * store_redis - the Redis backend of the store (store.h), over hiredis.
 *
 * DESCRIPTION
 *	Data: the entry KEY is the hash "sluice:KEY" with the fields
 *	    v    the value (bytes; a counter is its decimal text)
 *	    exp  the expiry in epoch seconds of our clock, 0: never
 *	Expiry is judged here with clock_wall(), never by Redis: get()
 *	compares exp with "now", and the scripts that write (put, del,
 *	incr, cas: server-side Lua, EVALSHA with EVAL as fallback) get
 *	"now" as an argument.  Redis only collects garbage: a key that
 *	expires gets PEXPIRE (ttl + RD_SLACK seconds), relative so that a
 *	skew between our clock and the server's does not matter; a key
 *	without expiry gets PERSIST.
 *
 *	scan() is SCAN MATCH "sluice:PREFIX*" (the glob characters of the
 *	prefix escaped) in steps of COUNT 256, the values of each step read
 *	with one pipeline of HMGETs; SCAN may report a key twice when the
 *	server rehashes meanwhile, and then so does scan().  sweep() has
 *	nothing to do.  Connections, time-outs and the back-off are in
 *	store_redis_conn.c.
 */
#include <errno.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store_redis.h"
#include "util.h"

#define RD_NS "sluice:"
#define RD_SLACK 60 /* seconds Redis keeps a key past exp */

static const char *const rd_lua[RD_NSCRIPT] = {
    /* ARGV: value, exp, gc (ms for PEXPIRE, "0": PERSIST). */
    [RD_PUT] = "redis.call('HSET', KEYS[1], 'v', ARGV[1], 'exp', ARGV[2]) "
               "if ARGV[3] == '0' then redis.call('PERSIST', KEYS[1]) "
               "else redis.call('PEXPIRE', KEYS[1], ARGV[3]) end "
               "return 1",
    /* ARGV: now.  1: a live entry was removed, 0: none (or expired). */
    [RD_DEL] = "local r = redis.call('HMGET', KEYS[1], 'v', 'exp') "
               "if not r[1] then return 0 end "
               "redis.call('DEL', KEYS[1]) "
               "local e = tonumber(r[2]) or 0 "
               "if e ~= 0 and e <= tonumber(ARGV[1]) then return 0 end "
               "return 1",
    /* ARGV: now, delta, exp of a new window, gc.  The new value comes
     * back as the string: a Lua number is a double, exact only to 2^53. */
    [RD_INCR] = "local r = redis.call('HMGET', KEYS[1], 'v', 'exp') "
                "local e = tonumber(r[2]) or 0 "
                "if not r[1] or (e ~= 0 and e <= tonumber(ARGV[1])) then "
                "redis.call('HSET', KEYS[1], 'v', '0', 'exp', ARGV[3]) "
                "if ARGV[4] == '0' then redis.call('PERSIST', KEYS[1]) "
                "else redis.call('PEXPIRE', KEYS[1], ARGV[4]) end "
                "end "
                "redis.call('HINCRBY', KEYS[1], 'v', ARGV[2]) "
                "return redis.call('HGET', KEYS[1], 'v')",
    /* ARGV: now, "1" when expect is given, expect, value, exp, gc.
     * 1: written, 0: conflict. */
    [RD_CAS] = "local r = redis.call('HMGET', KEYS[1], 'v', 'exp') "
               "local e = tonumber(r[2]) or 0 "
               "local live = r[1] and (e == 0 or e > tonumber(ARGV[1])) "
               "if ARGV[2] == '1' then "
               "if not live or r[1] ~= ARGV[3] then return 0 end "
               "elseif live then return 0 end "
               "redis.call('HSET', KEYS[1], 'v', ARGV[4], 'exp', ARGV[5]) "
               "if ARGV[6] == '0' then redis.call('PERSIST', KEYS[1]) "
               "else redis.call('PEXPIRE', KEYS[1], ARGV[6]) end "
               "return 1",
};

static int rd_int_reply(struct rd *r, redisReply *rep, const char *what,
                        long long *v_r, const char **error_r)
{
    int rc = STORE_OK;

    if (rep->type == REDIS_REPLY_INTEGER)
        *v_r = rep->integer;
    else
        rc = store_fail(error_r, "%s: %s: unexpected reply type %d", r->label,
                        what, rep->type);
    freeReplyObject(rep);
    return rc;
}

/* The counter, as the string the incr script returns. */
static int rd_counter_reply(struct rd *r, redisReply *rep, long long *v_r,
                            const char **error_r)
{
    char *end;
    int rc = STORE_OK;

    errno = 0;
    if (rep->type == REDIS_REPLY_STRING)
        *v_r = strtoll(rep->str, &end, 10);
    if (rep->type != REDIS_REPLY_STRING || errno != 0 || end == rep->str ||
        *end != '\0')
        rc = store_fail(error_r, "%s: incr: unexpected reply", r->label);
    freeReplyObject(rep);
    return rc;
}

static void rd_key(char *buf, size_t size, const char *key)
{
    snprintf(buf, size, "%s%s", RD_NS, key);
}

/* PEXPIRE argument for an entry that expires at exp: "0" for none. */
static void rd_gc(char *buf, size_t size, time_t now, time_t exp)
{
    if (exp == 0)
        snprintf(buf, size, "0");
    else
        snprintf(buf, size, "%lld", ((long long)(exp - now) + RD_SLACK) * 1000);
}

static int rd_get(void *b, const char *key, time_t now, char **val_r,
                  size_t *len_r, time_t *expires_r, const char **error_r)
{
    struct rd *r = b;
    struct rd_conn *c;
    redisReply *rep, *v, *e;
    char k[STORE_KEY_MAX + sizeof(RD_NS)];
    const char *argv[] = {"HMGET", k, "v", "exp"};
    long long exp = 0;
    int rc;

    rd_key(k, sizeof(k), key);
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_call(r, c, "get", 4, argv, NULL, &rep, error_r);
    rdc_put(r, c);
    if (rc != STORE_OK)
        return rc;
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2) {
        freeReplyObject(rep);
        return store_fail(error_r, "%s: get: unexpected reply", r->label);
    }
    v = rep->element[0];
    e = rep->element[1];
    if (e->type == REDIS_REPLY_STRING)
        exp = strtoll(e->str, NULL, 10);
    if (v->type != REDIS_REPLY_STRING || !store_live((time_t)exp, now)) {
        freeReplyObject(rep);
        return STORE_NOTFOUND;
    }
    if (val_r != NULL) {
        *val_r = xmalloc(v->len + 1);
        memcpy(*val_r, v->str, v->len);
        (*val_r)[v->len] = '\0';
    }
    *len_r = v->len;
    *expires_r = (time_t)exp;
    freeReplyObject(rep);
    return STORE_OK;
}

static int rd_put(void *b, const char *key, const void *val, size_t len,
                  time_t now, time_t expires, const char **error_r)
{
    struct rd *r = b;
    struct rd_conn *c;
    redisReply *rep;
    char k[STORE_KEY_MAX + sizeof(RD_NS)], e[32], gc[32];
    const char *argv[] = {NULL, NULL, NULL, k, val, e, gc};
    size_t lens[7];
    long long one;
    int rc;

    rd_key(k, sizeof(k), key);
    snprintf(e, sizeof(e), "%lld", (long long)expires);
    rd_gc(gc, sizeof(gc), now, expires);
    lens[3] = strlen(k), lens[4] = len, lens[5] = strlen(e);
    lens[6] = strlen(gc);
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_script(r, c, r->sha[RD_PUT], rd_lua[RD_PUT], "put", 7, argv, lens,
                    &rep, error_r);
    rdc_put(r, c);
    if (rc != STORE_OK)
        return rc;
    return rd_int_reply(r, rep, "put", &one, error_r);
}

static int rd_del(void *b, const char *key, time_t now, const char **error_r)
{
    struct rd *r = b;
    struct rd_conn *c;
    redisReply *rep;
    char k[STORE_KEY_MAX + sizeof(RD_NS)], n[32];
    const char *argv[] = {NULL, NULL, NULL, k, n};
    size_t lens[5];
    long long live = 0;
    int rc;

    rd_key(k, sizeof(k), key);
    snprintf(n, sizeof(n), "%lld", (long long)now);
    lens[3] = strlen(k), lens[4] = strlen(n);
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_script(r, c, r->sha[RD_DEL], rd_lua[RD_DEL], "del", 5, argv, lens,
                    &rep, error_r);
    rdc_put(r, c);
    if (rc != STORE_OK || rd_int_reply(r, rep, "del", &live, error_r) != 0)
        return STORE_ERROR;
    return live ? STORE_OK : STORE_NOTFOUND;
}

static int rd_incr(void *b, const char *key, long long delta, time_t now,
                   time_t expires, long long *value_r, const char **error_r)
{
    struct rd *r = b;
    struct rd_conn *c;
    redisReply *rep;
    char k[STORE_KEY_MAX + sizeof(RD_NS)], n[32], d[32], e[32], gc[32];
    const char *argv[] = {NULL, NULL, NULL, k, n, d, e, gc};
    size_t lens[8];
    int rc;

    rd_key(k, sizeof(k), key);
    snprintf(n, sizeof(n), "%lld", (long long)now);
    snprintf(d, sizeof(d), "%lld", delta);
    snprintf(e, sizeof(e), "%lld", (long long)expires);
    rd_gc(gc, sizeof(gc), now, expires);
    for (int i = 3; i < 8; i++)
        lens[i] = strlen(argv[i]);
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_script(r, c, r->sha[RD_INCR], rd_lua[RD_INCR], "incr", 8, argv,
                    lens, &rep, error_r);
    rdc_put(r, c);
    if (rc != STORE_OK)
        return rc;
    return rd_counter_reply(r, rep, value_r, error_r);
}

static int rd_cas(void *b, const char *key, const void *expect,
                  size_t expect_len, const void *val, size_t len, time_t now,
                  time_t expires, const char **error_r)
{
    struct rd *r = b;
    struct rd_conn *c;
    redisReply *rep;
    char k[STORE_KEY_MAX + sizeof(RD_NS)], n[32], e[32], gc[32];
    const char *argv[] = {NULL,
                          NULL,
                          NULL,
                          k,
                          n,
                          expect != NULL ? "1" : "0",
                          expect != NULL ? expect : "",
                          val,
                          e,
                          gc};
    size_t lens[10];
    long long written = 0;
    int rc;

    rd_key(k, sizeof(k), key);
    snprintf(n, sizeof(n), "%lld", (long long)now);
    snprintf(e, sizeof(e), "%lld", (long long)expires);
    rd_gc(gc, sizeof(gc), now, expires);
    lens[3] = strlen(k), lens[4] = strlen(n), lens[5] = 1;
    lens[6] = expect_len, lens[7] = len, lens[8] = strlen(e);
    lens[9] = strlen(gc);
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_script(r, c, r->sha[RD_CAS], rd_lua[RD_CAS], "cas", 10, argv, lens,
                    &rep, error_r);
    rdc_put(r, c);
    if (rc != STORE_OK || rd_int_reply(r, rep, "cas", &written, error_r) != 0)
        return STORE_ERROR;
    return written ? STORE_OK : STORE_CONFLICT;
}

struct rd_row {
    char *key;
    char *val;
    size_t len;
    time_t expires;
};

/* SCAN's MATCH pattern for a prefix: the namespace, the prefix with the
 * glob characters escaped, and "*". */
static char *rd_scan_pattern(const char *prefix)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_puts(&b, RD_NS);
    for (const char *p = prefix; *p != '\0'; p++) {
        if (strchr("*?[]\\", *p) != NULL)
            strbuf_append(&b, "\\", 1);
        strbuf_append(&b, p, 1);
    }
    strbuf_puts(&b, "*");
    return strbuf_detach(&b);
}

/* The HMGET replies of one SCAN batch, read back from the pipeline. */
static int rd_scan_values(struct rd *r, struct rd_conn *c, redisReply *keys,
                          time_t now, struct rd_row *rows, size_t *n_r,
                          const char **error_r)
{
    sigset_t old;
    size_t i, n = 0;
    int rc = STORE_OK;

    rdc_pipe_block(&old);
    for (i = 0; i < keys->elements; i++) {
        const char *argv[] = {"HMGET", keys->element[i]->str, "v", "exp"};
        size_t lens[] = {5, keys->element[i]->len, 1, 3};

        redisAppendCommandArgv(c->ctx, 4, argv, lens);
    }
    for (i = 0; i < keys->elements && rc == STORE_OK; i++) {
        redisReply *rep = NULL, *v, *e;
        long long exp = 0;

        if (redisGetReply(c->ctx, (void **)&rep) != REDIS_OK) {
            rc = STORE_ERROR;
            break;
        }
        if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2) {
            v = rep->element[0], e = rep->element[1];
            if (e->type == REDIS_REPLY_STRING)
                exp = strtoll(e->str, NULL, 10);
            if (v->type == REDIS_REPLY_STRING && store_live(exp, now)) {
                rows[n].key = xstrdup(keys->element[i]->str + strlen(RD_NS));
                rows[n].val = xmalloc(v->len + 1);
                memcpy(rows[n].val, v->str, v->len);
                rows[n].val[v->len] = '\0';
                rows[n].len = v->len;
                rows[n++].expires = (time_t)exp;
            }
        }
        freeReplyObject(rep);
    }
    rdc_pipe_restore(&old, rc != STORE_OK);
    *n_r = n;
    if (rc != STORE_OK)
        return rdc_broken(r, c, "scan", error_r);
    return STORE_OK;
}

/* One SCAN step from *cursor (updated): the live entries it found, read
 * with one pipeline of HMGETs.  Keys of another type are not ours and
 * are left out. */
static int rd_scan_batch(struct rd *r, const char *pattern, char *cursor,
                         size_t cursor_size, time_t now, struct rd_row **rows_r,
                         size_t *n_r, const char **error_r)
{
    struct rd_conn *c;
    redisReply *rep, *keys;
    const char *argv[] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "256"};
    int rc;

    *rows_r = NULL;
    *n_r = 0;
    if (rdc_get(r, &c, error_r) != STORE_OK)
        return STORE_ERROR;
    rc = rdc_call(r, c, "scan", 6, argv, NULL, &rep, error_r);
    if (rc == STORE_OK &&
        (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
         rep->element[0]->type != REDIS_REPLY_STRING ||
         rep->element[1]->type != REDIS_REPLY_ARRAY)) {
        freeReplyObject(rep);
        rc = store_fail(error_r, "%s: scan: unexpected reply", r->label);
    }
    if (rc != STORE_OK) {
        rdc_put(r, c);
        return rc;
    }
    snprintf(cursor, cursor_size, "%s", rep->element[0]->str);
    keys = rep->element[1];
    *rows_r = xcalloc(keys->elements + 1, sizeof(**rows_r));
    rc = rd_scan_values(r, c, keys, now, *rows_r, n_r, error_r);
    freeReplyObject(rep);
    rdc_put(r, c);
    return rc;
}

static int rd_scan(void *b, const char *prefix, time_t now, store_scan_cb cb,
                   void *arg, const char **error_r)
{
    struct rd *r = b;
    char *pattern = rd_scan_pattern(prefix), cursor[32] = "0";
    struct rd_row *rows;
    size_t n;
    int rc, stop = 0;

    do {
        rc = rd_scan_batch(r, pattern, cursor, sizeof(cursor), now, &rows, &n,
                           error_r);
        for (size_t i = 0; i < n; i++) {
            if (rc == STORE_OK && !stop)
                stop = cb(rows[i].key, rows[i].val, rows[i].len,
                          rows[i].expires, arg);
            free(rows[i].key);
            free(rows[i].val);
        }
        free(rows);
    } while (rc == STORE_OK && !stop && strcmp(cursor, "0") != 0);
    free(pattern);
    return rc;
}

static void rd_close(void *b)
{
    rdc_close(b);
}

static int rd_open(const struct store_conf *conf, const char *label, void **b_r,
                   const char **error_r)
{
    unsigned char md[SHA_DIGEST_LENGTH];
    struct rd *r = rdc_open(conf, label, error_r);

    if (r == NULL)
        return STORE_ERROR;
    for (int s = 0; s < RD_NSCRIPT; s++) {
        SHA1((const unsigned char *)rd_lua[s], strlen(rd_lua[s]), md);
        for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
            snprintf(r->sha[s] + 2 * i, 3, "%02x", md[i]);
    }
    *b_r = r;
    return STORE_OK;
}

static int rd_sweep(void *b, time_t now, size_t max, size_t *removed_r,
                    const char **error_r)
{
    *removed_r = 0; /* Redis removes expired keys itself (PEXPIRE) */
    return STORE_OK;
}

const struct store_ops store_redis_ops = {
    "redis", rd_open, rd_close, rd_get,  rd_put,
    rd_del,  rd_incr, rd_cas,   rd_scan, rd_sweep,
};
