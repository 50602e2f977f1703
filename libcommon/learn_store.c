/*
 * learn_store - the classifier's model in the store, shared by every
 * scanner and learner of the site (sqlite on one host, Redis for a
 * cluster that learns together).
 *
 * SYNOPSIS
 *	learn_store_load(store, &model, &error)     0, 1 (none yet), -1
 *	learn_store_learn(store, fn, arg, &error)  load, fn(model), save
 *	learn_scanner_new(reload_s) / _model(sc, store, &ref, &error) /
 *	learn_ref_release(ref) / learn_scanner_free(sc)
 *
 * DESCRIPTION
 *	Two keys: LEARN_KEY_MODEL holds the model's bytes
 *	(learn_model_save()), LEARN_KEY_SERIAL a counter raised by every
 *	save.  A learner loads the model, changes its own copy, and writes
 *	it back with store_cas() against the bytes it loaded; when another
 *	learner saved in between (STORE_CONFLICT), it loads the new model
 *	and adds its own change to it (learn_model_merge(): the updates of
 *	a linear model add up), up to LEARN_SAVE_TRIES times.  Then it
 *	raises the serial.
 *
 *	A scanner (a milter process) keeps the model in memory: at most
 *	once per reload_s seconds it reads the serial, and loads the model
 *	again when the serial changed.  Threads share one model through
 *	struct learn_ref (a reference count; the model a thread holds stays
 *	valid until it releases it, even when a newer one replaced it).
 *	When the store cannot be read, the model in memory is kept and
 *	*error_r says why (the caller logs it and goes on, or follows its
 *	on_error when there is no model at all).
 *
 *	Every function returns 0 on success, -1 with *error_r (the store's
 *	message, or a static string) on failure; learn_store_load() and
 *	learn_scanner_model() return 1 when no model was ever saved
 *	(*model_r / *ref_r NULL).  learn_scanner_model() returns 0 with
 *	the model it has when a reload failed, *error_r then says why
 *	(NULL when all went well).
 *
 * OWNERSHIP
 *	*model_r is the caller's (learn_model_free()).  A struct learn_ref
 *	from learn_scanner_model() is released with learn_ref_release().
 */
#include "learn_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "store.h"

#define LEARN_SAVE_TRIES 5

struct learn_ref {
    struct learn_model *model;
    unsigned long long serial;
    int refs; /* under the scanner's lock */
    pthread_mutex_t *lock;
};

struct learn_scanner {
    pthread_mutex_t lock;
    struct learn_ref *cur;
    double next_check; /* clock_mono() */
    long long reload_s;
    char *serial;      /* the serial's text when cur was loaded */
};

static int learn_store_get(struct store *s, char **val_r, size_t *len_r,
                           const char **error_r)
{
    int rc = store_get(s, LEARN_KEY_MODEL, val_r, len_r, NULL, error_r);

    if (rc == STORE_NOTFOUND)
        return 1;
    return rc == STORE_OK ? 0 : -1;
}

int learn_store_load(struct store *s, struct learn_model **model_r,
                     const char **error_r)
{
    char *val;
    size_t len;
    int rc = learn_store_get(s, &val, &len, error_r);

    *model_r = NULL;
    if (rc != 0)
        return rc;
    rc = learn_model_load(val, len, model_r, error_r);
    free(val);
    return rc;
}

/*
 * Write mine over the bytes cur that base came from; merge on conflict.
 * Takes cur, base and mine, and frees them.
 */
static int learn_store_save(struct store *s, char *cur, size_t curlen,
                            struct learn_model *base, struct learn_model *mine,
                            const char **error_r)
{
    int rc = -1;

    for (int t = 0; t < LEARN_SAVE_TRIES; t++) {
        struct learn_model *theirs = NULL, *merged;
        struct strbuf out;
        int src;

        strbuf_init(&out, 0);
        learn_model_save(mine, &out);
        src = store_cas(s, LEARN_KEY_MODEL, cur, curlen, out.data, out.len, 0,
                        error_r);
        strbuf_free(&out);
        free(cur);
        cur = NULL;
        if (src == STORE_OK) {
            rc = store_incr(s, LEARN_KEY_SERIAL, 1, 0, NULL, error_r) ==
                         STORE_OK
                     ? 0
                     : -1;
            goto out;
        }
        if (src != STORE_CONFLICT)
            goto out;
        /* Someone saved meanwhile: their model plus our change. */
        src = learn_store_get(s, &cur, &curlen, error_r);
        if (src < 0)
            goto out;
        if (src == 0 && learn_model_load(cur, curlen, &theirs, error_r) < 0)
            goto out;
        if (theirs == NULL && learn_model_new(mine->bits, &theirs, error_r) < 0)
            goto out;
        merged = learn_model_dup(theirs);
        learn_model_merge(merged, base, mine);
        learn_model_free(base);
        learn_model_free(mine);
        base = theirs;
        mine = merged;
    }
    *error_r = "the model kept changing under us; try again";
out:
    free(cur);
    learn_model_free(base);
    learn_model_free(mine);
    return rc;
}

int learn_store_learn(struct store *s, learn_store_fn fn, void *arg,
                      const char **error_r)
{
    struct learn_model *base = NULL, *mine;
    char *cur = NULL;
    size_t curlen = 0;
    int rc = learn_store_get(s, &cur, &curlen, error_r);

    if (rc < 0)
        return -1;
    if (rc == 0 && learn_model_load(cur, curlen, &base, error_r) < 0) {
        free(cur);
        return -1;
    }
    if (base == NULL && learn_model_new(LEARN_BITS, &base, error_r) < 0)
        return -1;
    mine = learn_model_dup(base);
    if (fn(mine, arg) <= 0) {
        /* Nothing learned (or the caller failed): nothing to write. */
        free(cur);
        learn_model_free(base);
        learn_model_free(mine);
        return 0;
    }
    rc = learn_store_save(s, cur, curlen, base, mine, error_r);
    return rc;
}

struct learn_scanner *learn_scanner_new(long long reload_s)
{
    struct learn_scanner *sc = xcalloc(1, sizeof(*sc));

    pthread_mutex_init(&sc->lock, NULL);
    sc->reload_s = reload_s;
    return sc;
}

void learn_ref_release(struct learn_ref *r)
{
    pthread_mutex_t *lock;
    int last;

    if (r == NULL)
        return;
    lock = r->lock;
    pthread_mutex_lock(lock);
    last = --r->refs == 0;
    pthread_mutex_unlock(lock);
    if (last) {
        learn_model_free(r->model);
        free(r);
    }
}

const struct learn_model *learn_ref_model(const struct learn_ref *r)
{
    return r->model;
}

void learn_scanner_free(struct learn_scanner *sc)
{
    if (sc == NULL)
        return;
    if (sc->cur != NULL)
        learn_ref_release(sc->cur);
    pthread_mutex_destroy(&sc->lock);
    free(sc->serial);
    free(sc);
}

/* Read the serial; load the model when it changed.  Under sc->lock. */
static int learn_scanner_check(struct learn_scanner *sc, struct store *s,
                               const char **error_r)
{
    char *serial = NULL;
    size_t len;
    struct learn_model *m;
    int rc = store_get(s, LEARN_KEY_SERIAL, &serial, &len, NULL, error_r);

    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_OK && sc->cur != NULL && sc->serial != NULL &&
        strcmp(serial, sc->serial) == 0) {
        free(serial);
        return 0;
    }
    rc = learn_store_load(s, &m, error_r);
    if (rc != 0) {
        free(serial);
        return rc;
    }
    if (sc->cur != NULL && --sc->cur->refs == 0) {
        learn_model_free(sc->cur->model);
        free(sc->cur);
    }
    sc->cur = xcalloc(1, sizeof(*sc->cur));
    sc->cur->model = m;
    sc->cur->refs = 1;
    sc->cur->lock = &sc->lock;
    free(sc->serial);
    sc->serial = serial ? serial : xstrdup("");
    return 0;
}

int learn_scanner_model(struct learn_scanner *sc, struct store *s,
                        struct learn_ref **ref_r, const char **error_r)
{
    int rc = 0;
    double now = clock_mono();

    pthread_mutex_lock(&sc->lock);
    if (sc->cur == NULL || now >= sc->next_check) {
        sc->next_check = now + (double)sc->reload_s;
        rc = learn_scanner_check(sc, s, error_r);
    }
    *ref_r = sc->cur;
    if (sc->cur != NULL)
        sc->cur->refs++;
    pthread_mutex_unlock(&sc->lock);
    if (*ref_r != NULL) {
        if (rc >= 0)
            *error_r = NULL; /* else: an older model, the caller logs why */
        return 0;
    }
    return rc < 0 ? -1 : 1;
}
