/*
 * store-bench - operations per second of the store (store.h).
 *
 * SYNOPSIS
 *	store-bench sqlite PATH [SECONDS]
 *	store-bench redis ADDRESS [SECONDS]
 *
 * DESCRIPTION
 *	Runs put (a 100-byte value, one of 10,000 keys, TTL 1 hour), get
 *	(one of those keys) and incr (one hot counter, TTL 1 minute), with
 *	1 thread and with 4 threads sharing one struct store, each case 5
 *	rounds of SECONDS (default 1), and prints one line per case:
 *	backend, operation, threads, the median and the best round in
 *	operations per second, errors.  A sqlite file is used as it is
 *	(keep it on the file system you mean to measure).  Nothing here is
 *	installed; figures of our machine: bench/STORE.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store.h"

#define KEYS 10000
#define ROUNDS 5

enum bench_op { B_PUT, B_GET, B_INCR };

struct bench {
    struct store *s;
    int op;
    double until;
    unsigned seed;
    long long ops, errors;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *bench_run(void *arg)
{
    struct bench *b = arg;
    char key[64], val[100];
    const char *err;
    int rc;

    memset(val, 'v', sizeof(val));
    while (now() < b->until) {
        for (int i = 0; i < 64; i++) {
            b->seed = b->seed * 1103515245u + 12345u;
            snprintf(key, sizeof(key), "bench/%u", (b->seed >> 8) % KEYS);
            if (b->op == B_PUT)
                rc = store_put(b->s, key, val, sizeof(val), 3600, &err);
            else if (b->op == B_GET)
                rc = store_get(b->s, key, NULL, NULL, NULL, &err);
            else
                rc = store_incr(b->s, "bench/hot", 1, 60, NULL, &err);
            b->ops++;
            if (rc == STORE_ERROR && b->errors++ == 0)
                fprintf(stderr, "store-bench: %s\n", err);
        }
    }
    return NULL;
}

/* One round: threads threads on op for seconds; operations per second. */
static double bench_round(struct store *s, int op, int threads, double seconds,
                          long long *errors)
{
    struct bench b[8];
    pthread_t th[8];
    long long total = 0;
    double t0 = now();

    for (int i = 0; i < threads; i++) {
        b[i] = (struct bench){s, op, t0 + seconds, 7u * (unsigned)i + 1, 0, 0};
        pthread_create(&th[i], NULL, bench_run, &b[i]);
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(th[i], NULL);
        total += b[i].ops;
        *errors += b[i].errors;
    }
    return total / (now() - t0);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* ROUNDS rounds: the machine is shared, so the median and the best. */
static void bench_case(const char *name, struct store *s, int op, int threads,
                       double seconds)
{
    static const char *const ops[] = {"put", "get", "incr"};
    double r[ROUNDS];
    long long errors = 0;

    for (int i = 0; i < ROUNDS; i++)
        r[i] = bench_round(s, op, threads, seconds, &errors);
    qsort(r, ROUNDS, sizeof(*r), cmp_double);
    printf("%-8s %-5s %d thread%s  median %8.0f  best %8.0f ops/s  "
           "%lld errors\n",
           name, ops[op], threads, threads > 1 ? "s" : " ", r[ROUNDS / 2],
           r[ROUNDS - 1], errors);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    struct store_conf c = {0};
    struct store *s;
    const char *err;
    double seconds;

    if (argc < 3 || (strcmp(argv[1], "sqlite") && strcmp(argv[1], "redis"))) {
        fprintf(stderr, "usage: store-bench sqlite PATH|redis ADDRESS "
                        "[SECONDS]\n");
        return 64;
    }
    seconds = argc > 3 ? atof(argv[3]) : 1.0;
    c.backend = strcmp(argv[1], "sqlite") == 0 ? STORE_SQLITE : STORE_REDIS;
    c.path = argv[2];
    c.redis = argv[2];
    c.timeout_ms = 2000;
    if (store_open(&c, &s, &err) != STORE_OK) {
        fprintf(stderr, "store-bench: %s\n", err);
        return 1;
    }
    for (int op = B_PUT; op <= B_INCR; op++) {
        bench_case(argv[1], s, op, 1, seconds);
        bench_case(argv[1], s, op, 4, seconds);
    }
    store_close(s);
    return 0;
}
