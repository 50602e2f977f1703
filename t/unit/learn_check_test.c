/*
 * learn_check_test - the classifier as a module's check (learn_check.h):
 *	no symbol before anything was learned, LEARN_SPAM / LEARN_HAM with
 *	a probability-derived score inside [learn_score_min,
 *	learn_score_max], the keys' defaults through a real cfg_load(),
 *	autolearn of clear cases written to the store, and a store that
 *	cannot be opened with no model in memory is an error.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "learn_check.h"
#include "learn_store.h"
#include "mime.h"
#include "result.h"
#include "store.h"

static const struct mime_limits lim = {20, 500, 16 << 20};

static const char spam_msg[] =
    "From: deals@cheap.example\r\nSubject: FREE money now\r\n\r\n"
    "Make MONEY fast, click here to claim your FREE prize today!\r\n";
static const char ham_msg[] =
    "From: anna@uni.example\r\nSubject: seminar minutes\r\n\r\n"
    "Attached are the minutes of Tuesday's compiler seminar.\r\n";

struct conf {
    struct learn_conf learn;
};

static const struct cfg_key keys[] = {
    LEARN_CONF_KEYS(struct conf, learn),
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

static void input(const char *raw, struct learn_input *in,
                  struct mime_tree **t)
{
    const char *err;

    in->raw = raw;
    in->len = strlen(raw);
    in->body_off = (size_t)(strstr(raw, "\r\n\r\n") + 4 - raw);
    mime_parse(raw, in->len, in->body_off, &lim, t, &err);
    in->mime = *t;
}

static int learn_one(struct learn_model *m, void *arg)
{
    const struct learn_input *in = arg;
    struct learn_fv fv;
    int rc;

    learn_fv_init(&fv, m->bits);
    learn_features(in, &fv, NULL, NULL);
    rc = learn_train(m, &fv, in->raw == spam_msg ? LEARN_SPAM : LEARN_HAM,
                     LEARN_TRAIN_ON_ERROR);
    learn_fv_free(&fv);
    return rc;
}

static const struct symbol *sym(const struct result *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->sym[i].name, name) == 0)
            return &r->sym[i];
    return NULL;
}

int main(void)
{
    char dir[] = "/tmp/learn_check_test.XXXXXX";
    struct store_conf sc = {STORE_SQLITE, NULL, NULL, NULL, 0, 2000};
    const struct cfg_section sec = {"content", keys, sizeof(struct conf)};
    const struct cfg_section *secs[] = {&sec};
    struct cfg_errors errs = {0};
    struct learn_input sin, hin;
    struct mime_tree *st = NULL, *ht = NULL;
    struct learn_check *lk;
    struct learn_model *m = NULL;
    struct store *s;
    struct result r;
    const struct symbol *y;
    const struct conf *conf;
    struct cfg *cfg;
    const char *err = NULL;
    char *path, *cpath;
    FILE *f;

    mime_init();
    mkdtemp(dir);
    path = xasprintf("%s/store.db", dir);
    cpath = xasprintf("%s/c.conf", dir);
    f = fopen(cpath, "w");
    fputs("[content]\nlearn_score_max = 5\n", f);
    fclose(f);
    cfg = cfg_load(cpath, secs, 1, NULL, &errs);
    ok(cfg != NULL, "the keys load through cfg_load()");
    conf = cfg_section(cfg, "content");
    ok(conf->learn.enable == 1 && conf->learn.scale == 1.0 &&
           conf->learn.max == 5 && conf->learn.min == -4 &&
           conf->learn.autolearn == 0 && conf->learn.reload == 10,
       "defaults: on, scale 1, max as set (5), min -4, no autolearn, 10s");
    ok(learn_check_score(&conf->learn, 100) == 5 &&
           learn_check_score(&conf->learn, -100) == -4 &&
           learn_check_score(&conf->learn, 1.5) == 1.5,
       "the score is the log odds, clipped to [min, max]");
    sc.path = path;
    store_open(&sc, &s, &err);
    input(spam_msg, &sin, &st);
    input(ham_msg, &hin, &ht);
    lk = learn_check_new(&conf->learn);
    result_init(&r, "content", "Q1");
    ok(learn_check_run(lk, s, &sin, 0, &r, "Q1", &err) == 0 && r.n == 0,
       "nothing learned yet: no symbol");
    learn_store_learn(s, learn_one, &sin, &err);
    learn_store_learn(s, learn_one, &hin, &err);
    learn_check_free(lk, s);
    lk = learn_check_new(&conf->learn);
    learn_check_run(lk, s, &sin, 0, &r, "Q1", &err);
    y = sym(&r, "LEARN_SPAM");
    ok(y != NULL && y->score > 0 && y->score <= 5 && y->detail &&
           strncmp(y->detail, "p=0.9", 5) == 0,
       "spam: LEARN_SPAM(%.2f)[%s]", y ? y->score : 0,
       y && y->detail ? y->detail : "");
    result_free(&r);
    result_init(&r, "content", "Q2");
    learn_check_run(lk, s, &hin, 0, &r, "Q2", &err);
    y = sym(&r, "LEARN_HAM");
    ok(y != NULL && y->score < 0 && y->score >= -4,
       "ham: LEARN_HAM(%.2f)", y ? y->score : 0);
    result_free(&r);
    learn_check_free(lk, s);

    /* Autolearn: a clear spam by the rules is learned when flushed. */
    {
        struct learn_conf al = conf->learn;
        unsigned long long before;

        al.autolearn = 1;
        learn_store_load(s, &m, &err);
        before = m->nspam;
        learn_model_free(m);
        lk = learn_check_new(&al);
        result_init(&r, "content", "Q3");
        /* The ham message, but the rules say 20: learned as spam. */
        learn_check_run(lk, s, &hin, 20, &r, "Q3", &err);
        result_free(&r);
        learn_check_free(lk, s);
        learn_store_load(s, &m, &err);
        ok(m->nspam == before + 1, "autolearn: a rule score of 20 is learned "
                                   "as spam when the queue is written");
        learn_model_free(m);
    }
    store_close(s);

    /* No model in memory and the store down (a Redis nobody listens
     * for; the store connects lazily): an error, not "no model". */
    {
        struct store_conf down = {STORE_REDIS, NULL, "127.0.0.1:1", NULL, 0,
                                  500};
        struct store *ds = NULL;
        int rc;

        lk = learn_check_new(&conf->learn);
        result_init(&r, "content", "Q4");
        rc = store_open(&down, &ds, &err);
        ok(rc == 0, "a store on a Redis that is down opens (lazily)");
        if (rc == 0) {
            rc = learn_check_run(lk, ds, &sin, 0, &r, "Q4", &err);
            ok(rc == -1 && r.n == 0, "store down, no model: -1 (%s)",
               rc == -1 ? err : "?");
            store_close(ds);
        }
        result_free(&r);
        learn_check_free(lk, NULL);
    }
    mime_tree_free(st);
    mime_tree_free(ht);
    cfg_release(cfg);
    {
        char *cmd = xasprintf("rm -rf '%s'", dir);

        if (system(cmd) != 0)
            diag("could not remove %s", dir);
        free(cmd);
    }
    free(path);
    free(cpath);
    return done_testing();
}
