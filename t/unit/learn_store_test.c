/*
 * learn_store_test - the classifier's model in the store (learn_store.c),
 *	each case on sqlite and on Redis: nothing saved yet, a learner's
 *	change round-trips, two learners that save at the same time are
 *	merged (neither change lost), a scanner reloads when the serial
 *	changes and a thread's model stays valid after the swap, a store
 *	that is down is an error (never "no model") and the scanner keeps
 *	the model it has.  Run through store_run.sh (private redis-servers).
 */
#include <string.h>

#include "learn.h"
#include "learn_store.h"
#include "mime.h"
#include "store.h"
#include "store_fixture.h"

static const struct mime_limits lim = {20, 500, 16 << 20};
static struct learn_fv spam, ham;

static const char spam_msg[] =
    "From: deals@cheap.example\r\nSubject: FREE money now\r\n\r\n"
    "Make MONEY fast, click here to claim your FREE prize today!\r\n";
static const char ham_msg[] =
    "From: anna@uni.example\r\nSubject: seminar minutes\r\n\r\n"
    "Attached are the minutes of Tuesday's compiler seminar.\r\n";

static int learn_spam(struct learn_model *m, void *arg)
{
    return learn_train(m, &spam, LEARN_SPAM, LEARN_TRAIN_ON_ERROR);
}

static int learn_ham(struct learn_model *m, void *arg)
{
    return learn_train(m, &ham, LEARN_HAM, LEARN_TRAIN_ON_ERROR);
}

/* Learner A learns spam; while it holds its copy, B saves ham. */
static int learn_spam_racing(struct learn_model *m, void *arg)
{
    const char *err;

    learn_store_learn(arg, learn_ham, NULL, &err);
    return learn_spam(m, NULL);
}

static void cases(const char *name, const struct store_conf *c)
{
    struct store *s;
    struct learn_model *m = NULL;
    struct learn_scanner *sc;
    struct learn_ref *r1 = NULL, *r2 = NULL;
    const char *err = NULL;
    char *serial = NULL;
    size_t len;
    int rc;

    if (!ok(store_open(c, &s, &err) == 0, "%s: store opened", name)) {
        diag("%s", err);
        return;
    }
    store_del(s, LEARN_KEY_MODEL, &err);
    store_del(s, LEARN_KEY_SERIAL, &err);
    ok(learn_store_load(s, &m, &err) == 1 && m == NULL,
       "%s: nothing learned yet: 1, no model", name);
    rc = learn_store_learn(s, learn_spam, NULL, &err);
    if (rc == 0)
        rc = learn_store_load(s, &m, &err);
    ok(rc == 0 && learn_margin(m, &spam) >= LEARN_THICK && m->nspam == 1,
       "%s: a learned spam round-trips (margin %.2f)", name,
       m ? learn_margin(m, &spam) : 0);
    learn_model_free(m);
    m = NULL;
    ok(store_get(s, LEARN_KEY_SERIAL, &serial, &len, NULL, &err) == 0 &&
           strcmp(serial, "1") == 0,
       "%s: the serial says one save", name);
    free(serial);
    ok(learn_store_learn(s, learn_spam, NULL, &err) == 0 &&
           store_get(s, LEARN_KEY_SERIAL, &serial, &len, NULL, &err) == 0 &&
           strcmp(serial, "1") == 0,
       "%s: the same spam again (train on error): nothing saved", name);
    free(serial);

    /* A scanner, then two racing learners. */
    sc = learn_scanner_new(0);
    ok(learn_scanner_model(sc, s, &r1, &err) == 0 && r1 != NULL &&
           err == NULL,
       "%s: the scanner has the model", name);
    store_del(s, LEARN_KEY_MODEL, &err);
    rc = learn_store_learn(s, learn_spam_racing, s, &err);
    if (rc == 0)
        rc = learn_store_load(s, &m, &err);
    ok(rc == 0 && learn_margin(m, &spam) > 0 && learn_margin(m, &ham) < 0 &&
           m->nspam == 1 && m->nham == 1,
       "%s: two learners at once: both changes kept (spam %.2f, ham %.2f)",
       name, m ? learn_margin(m, &spam) : 0, m ? learn_margin(m, &ham) : 0);
    learn_model_free(m);
    m = NULL;
    ok(learn_scanner_model(sc, s, &r2, &err) == 0 && r2 != NULL && r2 != r1 &&
           learn_margin(learn_ref_model(r2), &ham) < 0,
       "%s: the scanner reloads after the serial changed", name);
    ok(r1 != NULL && learn_ref_model(r1)->nham == 0,
       "%s: the old model stays valid for the thread holding it", name);
    learn_ref_release(r1);
    learn_ref_release(r2);
    learn_scanner_free(sc);
    store_close(s);
}

int main(void)
{
    const char *redis = fx_env("STORE_TEST_REDIS");
    char *path = xasprintf("%s/learn.db", fx_tmpdir("learn-store"));
    char *addr = xasprintf("127.0.0.1:%d", fx_port(redis));
    struct store_conf c;
    int rc;

    mime_init();
    learn_fv_init(&spam, LEARN_BITS);
    learn_fv_init(&ham, LEARN_BITS);
    learn_message(spam_msg, strlen(spam_msg), &lim, &spam, NULL, NULL);
    learn_message(ham_msg, strlen(ham_msg), &lim, &ham, NULL, NULL);
    fx_sqlite_conf(&c, path);
    cases("sqlite", &c);
    fx_redis_conf(&c, addr);
    cases("redis", &c);

    /* Redis down: an error, and the scanner keeps its model. */
    {
        struct store *s;
        struct learn_scanner *sc = learn_scanner_new(0);
        struct learn_ref *r = NULL;
        struct learn_model *m = NULL;
        const char *err = NULL;

        store_open(&c, &s, &err);
        learn_scanner_model(sc, s, &r, &err);
        learn_ref_release(r);
        r = NULL;
        fx_helper("kill", redis, NULL);
        rc = learn_store_load(s, &m, &err);
        ok(rc == -1 && m == NULL,
           "redis down: loading is an error (%s), not \"no model\"",
           rc == -1 ? err : "?");
        err = NULL;
        ok(learn_scanner_model(sc, s, &r, &err) == 0 && r != NULL &&
               err != NULL,
           "redis down: the scanner keeps its model and says why");
        ok(learn_store_learn(s, learn_ham, NULL, &err) == -1,
           "redis down: learning is an error");
        learn_ref_release(r);
        learn_scanner_free(sc);
        store_close(s);
        fx_helper("restart", redis, NULL);
    }
    learn_fv_free(&spam);
    learn_fv_free(&ham);
    free(path);
    free(addr);
    fx_cleanup();
    return done_testing();
}
