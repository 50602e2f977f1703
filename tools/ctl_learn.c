/*
 * ctl_learn - sluicectl learn and classify: teach the classifier, ask it.
 *
 * SYNOPSIS
 *	sluicectl learn spam|ham [--all] [--corpus] PATH... [spam|ham PATH...]
 *	sluicectl learn stats | reset
 *	sluicectl classify FILE...
 *
 * DESCRIPTION
 *	learn reads every message of every PATH (a file with one message,
 *	an mbox, or a directory of such files, recursively; hidden files
 *	skipped), as the content milter reads it (mime_parse() and
 *	learn_features(), [common] mime_* bounds), and changes the model in
 *	the store ([common] store_*; learn_store.c).  By default it trains on
 *	error: a message the model already puts on the right side of the
 *	margin is not learned again (so that learning the same mail twice
 *	does no harm); --all learns every message.  --corpus builds from a
 *	whole corpus (both classes in one command): several shuffled passes
 *	over all of it, as bench/DETECTION.md measures.  A class word
 *	applies to the paths after it.
 *
 *	classify prints, for each FILE, the margin (log odds), the
 *	probability that it is spam, and the features that weigh most
 *	either way.
 *
 *	ctl_learn_message() is the feedback path of the other commands
 *	(a released quarantined message is ham).
 *
 * OWNERSHIP
 *	Everything is freed before the command returns.
 */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "ctl.h"
#include "learn.h"
#include "learn_store.h"
#include "mime.h"
#include "store.h"
#include "util.h"

struct corpus {
    struct learn_fv *fv;
    unsigned char *cls;
    size_t n;
    struct learn_fv scratch;
    struct mime_limits lim;
    size_t bad; /* paths that could not be read */
};

struct learn_run {
    struct corpus *co;
    enum learn_mode mode;
    int whole;
    size_t changed[2];
};

static void corpus_add(struct corpus *co, const char *raw, size_t len, int cls)
{
    learn_message(raw, len, &co->lim, &co->scratch, NULL, NULL);
    co->fv = xrealloc(co->fv, (co->n + 1) * sizeof(*co->fv));
    co->cls = xrealloc(co->cls, co->n + 1);
    learn_fv_copy(&co->fv[co->n], &co->scratch);
    co->cls[co->n++] = (unsigned char)cls;
}

/* A file: one message, or an mbox ("From " at the start of a line). */
static void corpus_file(struct corpus *co, const char *path, int cls)
{
    size_t len, start = 0;
    const char *why;
    char *raw = file_read(path, 0, &len, &why);

    if (raw == NULL) {
        ctl_err("learn", "%s: cannot read: %s", path, why);
        co->bad++;
        return;
    }
    if (len < 5 || memcmp(raw, "From ", 5) != 0) {
        corpus_add(co, raw, len, cls);
        free(raw);
        return;
    }
    for (size_t i = 1; i + 6 <= len; i++)
        if (raw[i - 1] == '\n' && memcmp(raw + i, "From ", 5) == 0) {
            corpus_add(co, raw + start, i - start, cls);
            start = i;
        }
    corpus_add(co, raw + start, len - start, cls);
    free(raw);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void corpus_path(struct corpus *co, const char *path, int cls, int depth)
{
    struct stat st;
    DIR *d;
    struct dirent *e;
    char **v = NULL;
    size_t n = 0;

    if (stat(path, &st) < 0 || (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))) {
        ctl_err("learn", "%s: not a file or directory", path);
        co->bad++;
        return;
    }
    if (S_ISREG(st.st_mode)) {
        corpus_file(co, path, cls);
        return;
    }
    if (depth > 8 || (d = opendir(path)) == NULL) {
        ctl_err("learn", "%s: cannot read the directory", path);
        co->bad++;
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        v = xrealloc(v, (n + 1) * sizeof(char *));
        v[n++] = xasprintf("%s/%s", path, e->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof(*v), name_cmp);
    for (size_t i = 0; i < n; i++) {
        corpus_path(co, v[i], cls, depth + 1);
        free(v[i]);
    }
    free(v);
}

static void corpus_free(struct corpus *co)
{
    for (size_t i = 0; i < co->n; i++)
        learn_fv_free(&co->fv[i]);
    free(co->fv);
    free(co->cls);
    learn_fv_free(&co->scratch);
}

static int learn_fn(struct learn_model *m, void *arg)
{
    struct learn_run *r = arg;
    struct corpus *co = r->co;

    if (r->whole) {
        struct learn_params p;

        learn_params_default(&p);
        learn_corpus(m, co->fv, co->cls, co->n, &p);
        for (size_t i = 0; i < co->n; i++)
            r->changed[co->cls[i]]++;
        return co->n > 0;
    }
    for (size_t i = 0; i < co->n; i++)
        if (learn_train(m, &co->fv[i], co->cls[i] ? LEARN_SPAM : LEARN_HAM,
                        r->mode))
            r->changed[co->cls[i]]++;
    return r->changed[0] + r->changed[1] > 0;
}

static int learn_save(struct ctl *c, struct learn_run *r)
{
    struct store *s;
    char *pw = NULL;
    const char *err;
    int rc;

    if (ctl_store_open(c, &s, &pw) < 0) {
        free(pw);
        return CTL_EX_UNAVAILABLE;
    }
    rc = learn_store_learn(s, learn_fn, r, &err);
    store_close(s);
    free(pw);
    if (rc < 0) {
        ctl_err("learn", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    return CTL_EX_OK;
}

int ctl_learn_message(struct ctl *c, const char *raw, size_t len,
                      enum learn_class cls)
{
    struct corpus co;
    struct learn_run r;

    memset(&co, 0, sizeof(co));
    memset(&r, 0, sizeof(r));
    common_mime_limits(common_conf(c->cfg), &co.lim);
    learn_fv_init(&co.scratch, LEARN_BITS);
    corpus_add(&co, raw, len, cls == LEARN_SPAM);
    r.co = &co;
    r.mode = LEARN_TRAIN_ON_ERROR;
    {
        int rc = learn_save(c, &r);

        corpus_free(&co);
        return rc;
    }
}

static int learn_paths(struct ctl *c, int argc, char **argv)
{
    struct corpus co;
    struct learn_run r;
    int cls = -1, rc;
    char num[4][24];

    memset(&co, 0, sizeof(co));
    memset(&r, 0, sizeof(r));
    common_mime_limits(common_conf(c->cfg), &co.lim);
    learn_fv_init(&co.scratch, LEARN_BITS);
    r.co = &co;
    r.mode = LEARN_TRAIN_ON_ERROR;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "spam") == 0 || strcmp(argv[i], "ham") == 0)
            cls = strcmp(argv[i], "spam") == 0;
        else if (strcmp(argv[i], "--all") == 0)
            r.mode = LEARN_TRAIN_ALL;
        else if (strcmp(argv[i], "--corpus") == 0)
            r.whole = 1;
        else if (cls < 0 || argv[i][0] == '-') {
            ctl_err("learn", "%s: expected spam, ham, --all or --corpus",
                    argv[i]);
            corpus_free(&co);
            return CTL_EX_USAGE;
        } else
            corpus_path(&co, argv[i], cls, 0);
    }
    if (co.n == 0 || co.bad) {
        ctl_err("learn", "%s", co.bad ? "some paths could not be read; "
                                        "nothing learned"
                                      : "no message to learn");
        corpus_free(&co);
        return co.bad ? CTL_EX_DATAERR : CTL_EX_USAGE;
    }
    rc = learn_save(c, &r);
    if (rc == CTL_EX_OK) {
        static const char *const cols[] = {"messages", "learned_spam",
                                           "learned_ham", "unchanged", NULL};
        struct ctl_table *t = ctl_table_new(c, cols);

        snprintf(num[0], sizeof(num[0]), "%zu", co.n);
        snprintf(num[1], sizeof(num[1]), "%zu", r.changed[1]);
        snprintf(num[2], sizeof(num[2]), "%zu", r.changed[0]);
        snprintf(num[3], sizeof(num[3]), "%zu",
                 co.n - r.changed[0] - r.changed[1]);
        ctl_table_row(t, num[0], num[1], num[2], num[3]);
        ctl_table_print(t);
    }
    corpus_free(&co);
    return rc;
}

static int learn_stats(struct ctl *c)
{
    static const char *const cols[] = {"learned_spam", "learned_ham",
                                       "buckets", "nonzero", NULL};
    struct learn_model *m;
    struct ctl_table *t;
    char num[4][24];
    size_t nz = 0;
    int rc;

    if ((rc = ctl_learn_model(c, "learn", &m)) != CTL_EX_OK)
        return rc;
    for (size_t i = 0; i < (size_t)1 << m->bits; i++)
        nz += m->w[i] != 0;
    snprintf(num[0], sizeof(num[0]), "%llu", m->nspam);
    snprintf(num[1], sizeof(num[1]), "%llu", m->nham);
    snprintf(num[2], sizeof(num[2]), "%zu", (size_t)1 << m->bits);
    snprintf(num[3], sizeof(num[3]), "%zu", nz);
    t = ctl_table_new(c, cols);
    ctl_table_row(t, num[0], num[1], num[2], num[3]);
    ctl_table_print(t);
    learn_model_free(m);
    return CTL_EX_OK;
}

int ctl_learn_model(struct ctl *c, const char *cmd, struct learn_model **m_r)
{
    struct store *s;
    char *pw = NULL;
    const char *err;
    int rc;

    if (ctl_store_open(c, &s, &pw) < 0) {
        free(pw);
        return CTL_EX_UNAVAILABLE;
    }
    rc = learn_store_load(s, m_r, &err);
    store_close(s);
    free(pw);
    if (rc < 0) {
        ctl_err(cmd, "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    if (rc == 1) {
        ctl_err(cmd, "nothing learned yet (sluicectl learn)");
        return CTL_EX_NOTFOUND;
    }
    return CTL_EX_OK;
}

static int learn_reset(struct ctl *c)
{
    struct store *s;
    char *pw = NULL;
    const char *err;
    int rc;

    if (ctl_store_open(c, &s, &pw) < 0) {
        free(pw);
        return CTL_EX_UNAVAILABLE;
    }
    rc = store_del(s, LEARN_KEY_MODEL, &err);
    if (rc != STORE_ERROR)
        rc = store_incr(s, LEARN_KEY_SERIAL, 1, 0, NULL, &err);
    store_close(s);
    free(pw);
    if (rc == STORE_ERROR) {
        ctl_err("learn", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    return CTL_EX_OK;
}

static int learn_run(struct ctl *c, int argc, char **argv)
{
    if (strcmp(argv[0], "stats") == 0 && argc == 1)
        return learn_stats(c);
    if (strcmp(argv[0], "reset") == 0 && argc == 1)
        return learn_reset(c);
    if (strcmp(argv[0], "spam") == 0 || strcmp(argv[0], "ham") == 0)
        return learn_paths(c, argc, argv);
    ctl_err("learn", "unknown subcommand %s (sluicectl -h)", argv[0]);
    return CTL_EX_USAGE;
}

static const char *const learn_usage[] = {
    "spam|ham [--all] [--corpus] PATH... [spam|ham PATH...]",
    "stats",
    "reset",
    NULL,
};

const struct ctl_command ctl_learn = {"learn", learn_usage, learn_run};
