/*
 * store_sweep - the sweeper thread: expired entries removed off the hot
 * path (see store.h, SWEEPER).
 *
 * DESCRIPTION
 *	One thread per opened sqlite store of a worker (milter_env.c starts
 *	it with the store and stops it before closing it).  Every interval
 *	it calls store_sweep() in batches of SW_BATCH rows, sleeping
 *	SW_PAUSE_MS between batches so that the writers of the milter meet
 *	the store's write lock for one short transaction at a time, until a
 *	batch removes less than a full batch or SW_PASS_MAX rows went in
 *	one pass.  What a pass removed is logged at debug level; a failure
 *	(the database locked by another process past the timeout) is
 *	logged once per run of failures, and the next interval tries again.
 *	store_sweeper_stop() wakes the thread at once and joins it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define SW_BATCH 1000
#define SW_PAUSE_MS 2
#define SW_PASS_MAX 1000000

struct store_sweeper {
    struct store *s;
    long long interval;
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* CLOCK_MONOTONIC */
    int stop;
    int failing;
    unsigned long long removed_total;
};

/* Wait ms milliseconds or until stopped; 1 when stopped. */
static int sw_wait(struct store_sweeper *sw, long long ms)
{
    struct timespec ts;
    int stop;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&sw->lock);
    while (!sw->stop &&
           pthread_cond_timedwait(&sw->cond, &sw->lock, &ts) != ETIMEDOUT)
        ;
    stop = sw->stop;
    pthread_mutex_unlock(&sw->lock);
    return stop;
}

/* One pass: batches until the expired entries are gone. */
static void sw_pass(struct store_sweeper *sw)
{
    double t0 = clock_mono();
    size_t removed, total = 0;
    const char *err;

    do {
        if (store_sweep(sw->s, SW_BATCH, &removed, &err) != STORE_OK) {
            if (!sw->failing)
                log_warn(NULL, "store: removing expired entries: %s", err);
            sw->failing = 1;
            return;
        }
        total += removed;
    } while (removed == SW_BATCH && total < SW_PASS_MAX &&
             !sw_wait(sw, SW_PAUSE_MS));
    if (sw->failing)
        log_info(NULL, "store: removing expired entries works again");
    sw->failing = 0;
    sw->removed_total += total;
    if (total > 0)
        log_debug(NULL, "store: removed %zu expired entries in %.0f ms",
                  total, (clock_mono() - t0) * 1000);
}

static void *sw_main(void *arg)
{
    struct store_sweeper *sw = arg;

    while (!sw_wait(sw, sw->interval * 1000))
        sw_pass(sw);
    return NULL;
}

struct store_sweeper *store_sweeper_start(struct store *s, long long interval,
                                          const char **error_r)
{
    struct store_sweeper *sw;
    pthread_condattr_t ca;
    int rc;

    if (interval <= 0)
        return NULL;
    sw = xcalloc(1, sizeof(*sw));
    sw->s = s;
    sw->interval = interval;
    pthread_mutex_init(&sw->lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sw->cond, &ca);
    pthread_condattr_destroy(&ca);
    if ((rc = pthread_create(&sw->tid, NULL, sw_main, sw)) != 0) {
        *error_r = "cannot start the store's sweeper thread";
        pthread_cond_destroy(&sw->cond);
        pthread_mutex_destroy(&sw->lock);
        free(sw);
        return NULL;
    }
    return sw;
}

void store_sweeper_stop(struct store_sweeper *sw)
{
    if (sw == NULL)
        return;
    pthread_mutex_lock(&sw->lock);
    sw->stop = 1;
    pthread_cond_signal(&sw->cond);
    pthread_mutex_unlock(&sw->lock);
    pthread_join(sw->tid, NULL);
    pthread_cond_destroy(&sw->cond);
    pthread_mutex_destroy(&sw->lock);
    free(sw);
}
