/*
 * learn_check - the classifier as a check: score, symbol, autolearn.
 *
 * DESCRIPTION
 *	See learn_check.h.  The feature vector's bitmap (128 KiB) is per
 *	thread: a milter thread keeps one for its life, so scoring
 *	allocates nothing but the vector's growth.  Autolearn keeps copies
 *	of the queued vectors (a few KiB each) under its own lock; the
 *	flush runs in the thread that filled the queue, outside that lock.
 *
 * OWNERSHIP
 *	See learn_check.h.
 */
#include "learn_check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "learn_store.h"
#include "log.h"
#include "result.h"
#include "util.h"

#define AUTOLEARN_BATCH 32
#define AUTOLEARN_SECONDS 60.0
#define AUTOLEARN_MAX 1024 /* queued vectors kept while the store fails */

struct learn_check {
    const struct learn_conf *lc;
    struct learn_scanner *sc;
    pthread_mutex_t lock; /* the queue */
    struct learn_fv *q;
    unsigned char *qcls;
    size_t nq;
    double first; /* clock_mono() of the oldest queued */
};

static pthread_key_t fv_key;
static pthread_once_t fv_once = PTHREAD_ONCE_INIT;

static void fv_destroy(void *p)
{
    learn_fv_free(p);
    free(p);
}

static void fv_key_make(void)
{
    pthread_key_create(&fv_key, fv_destroy);
}

/* This thread's scratch vector. */
static struct learn_fv *thread_fv(void)
{
    struct learn_fv *fv;

    pthread_once(&fv_once, fv_key_make);
    fv = pthread_getspecific(fv_key);
    if (fv == NULL) {
        fv = xmalloc(sizeof(*fv));
        learn_fv_init(fv, LEARN_BITS);
        pthread_setspecific(fv_key, fv);
    }
    return fv;
}

struct learn_check *learn_check_new(const struct learn_conf *lc)
{
    struct learn_check *lk = xcalloc(1, sizeof(*lk));

    lk->lc = lc;
    lk->sc = learn_scanner_new(lc->reload);
    pthread_mutex_init(&lk->lock, NULL);
    return lk;
}

double learn_check_score(const struct learn_conf *lc, double margin)
{
    double s = lc->scale * margin;

    return s > lc->max ? lc->max : s < lc->min ? lc->min : s;
}

struct batch {
    struct learn_fv *q;
    unsigned char *cls;
    size_t n;
};

static int batch_fn(struct learn_model *m, void *arg)
{
    struct batch *b = arg;
    int changed = 0;

    for (size_t i = 0; i < b->n; i++)
        changed += learn_train(m, &b->q[i], b->cls[i] ? LEARN_SPAM : LEARN_HAM,
                               LEARN_TRAIN_ON_ERROR);
    return changed;
}

static void batch_free(struct batch *b)
{
    for (size_t i = 0; i < b->n; i++)
        learn_fv_free(&b->q[i]);
    free(b->q);
    free(b->cls);
}

/* Take the queue when it is due (or force); write it outside the lock. */
static void autolearn_flush(struct learn_check *lk, struct store *s,
                            const char *qid, int force)
{
    struct batch b = {NULL, NULL, 0};
    const char *err;

    pthread_mutex_lock(&lk->lock);
    if (lk->nq > 0 && (force || lk->nq >= AUTOLEARN_BATCH ||
                       clock_mono() - lk->first >= AUTOLEARN_SECONDS)) {
        b.q = lk->q;
        b.cls = lk->qcls;
        b.n = lk->nq;
        lk->q = NULL;
        lk->qcls = NULL;
        lk->nq = 0;
    }
    pthread_mutex_unlock(&lk->lock);
    if (b.n == 0)
        return;
    if (s == NULL || learn_store_learn(s, batch_fn, &b, &err) < 0)
        log_warn(qid, "learn: autolearn of %zu messages dropped: %s", b.n,
                 s ? err : "no store");
    else
        log_info(qid, "learn: autolearned %zu messages", b.n);
    batch_free(&b);
}

static void autolearn_queue(struct learn_check *lk, const struct learn_fv *fv,
                            int spam)
{
    pthread_mutex_lock(&lk->lock);
    if (lk->nq < AUTOLEARN_MAX) {
        if (lk->nq == 0)
            lk->first = clock_mono();
        lk->q = xrealloc(lk->q, (lk->nq + 1) * sizeof(*lk->q));
        lk->qcls = xrealloc(lk->qcls, lk->nq + 1);
        learn_fv_copy(&lk->q[lk->nq], fv);
        lk->qcls[lk->nq++] = (unsigned char)spam;
    }
    pthread_mutex_unlock(&lk->lock);
}

int learn_check_run(struct learn_check *lk, struct store *s,
                    const struct learn_input *in, double rule_score,
                    struct result *res, const char *qid,
                    const char **error_r)
{
    const struct learn_conf *lc = lk->lc;
    struct learn_fv *fv;
    struct learn_ref *ref = NULL;
    const char *err = NULL;
    int rc;

    if (!lc->enable)
        return 0;
    fv = thread_fv();
    learn_features(in, fv, NULL, NULL);
    if (lc->autolearn &&
        (rule_score >= lc->autolearn_spam || rule_score <= lc->autolearn_ham)) {
        autolearn_queue(lk, fv, rule_score >= lc->autolearn_spam);
        autolearn_flush(lk, s, qid, 0);
    }
    rc = s ? learn_scanner_model(lk->sc, s, &ref, &err) : 1;
    if (rc < 0) {
        *error_r = err;
        return -1;
    }
    if (err != NULL)
        log_warn(qid, "learn: using the model in memory: %s", err);
    if (ref != NULL) {
        double m = learn_margin(learn_ref_model(ref), fv);
        double sc = learn_check_score(lc, m);
        char detail[32];

        snprintf(detail, sizeof(detail), "p=%.4f", learn_prob(m));
        if (sc > 0)
            result_add(res, "LEARN_SPAM", sc, detail);
        else if (sc < 0)
            result_add(res, "LEARN_HAM", sc, detail);
        learn_ref_release(ref);
    }
    return 0;
}

void learn_check_free(struct learn_check *lk, struct store *s)
{
    if (lk == NULL)
        return;
    autolearn_flush(lk, s, "NOQUEUE", 1);
    {
        struct batch b = {lk->q, lk->qcls, lk->nq};

        batch_free(&b);
    }
    learn_scanner_free(lk->sc);
    pthread_mutex_destroy(&lk->lock);
    free(lk);
}
