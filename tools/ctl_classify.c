/*
 * ctl_classify - sluicectl classify FILE...: the classifier's opinion of a
 * message, and why.
 *
 * DESCRIPTION
 *	For each FILE (one message; an mbox "From " line is dropped) it
 *	prints the margin (log odds of spam), the probability, and the
 *	LEARN_TOP features that weigh most (weight times value, either
 *	way) with their readable names.  The model is the one in the store
 *	(learn_store.c); nothing is changed.
 *
 * OWNERSHIP
 *	Everything is freed before the command returns.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "ctl.h"
#include "learn.h"
#include "learn_store.h"
#include "mime.h"
#include "store.h"
#include "util.h"

#define LEARN_TOP 12

struct named {
    uint32_t idx;
    char *name;
};

struct names {
    struct named *v;
    size_t n;
};

struct contrib {
    uint32_t idx;
    double c;
};

static void name_cb(uint32_t idx, const char *name, size_t len, void *arg)
{
    struct names *ns = arg;

    ns->v = xrealloc(ns->v, (ns->n + 1) * sizeof(*ns->v));
    ns->v[ns->n].idx = idx;
    ns->v[ns->n++].name = xstrndup(name, len);
}

static int named_cmp(const void *a, const void *b)
{
    const struct named *x = a, *y = b;

    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int contrib_cmp(const void *a, const void *b)
{
    double x = fabs(((const struct contrib *)a)->c);
    double y = fabs(((const struct contrib *)b)->c);

    return x < y ? 1 : x > y ? -1 : 0;
}

static const char *name_of(const struct names *ns, uint32_t idx)
{
    struct named key = {idx, NULL};
    const struct named *f = bsearch(&key, ns->v, ns->n, sizeof(*ns->v),
                                    named_cmp);

    /* bsearch may land on any of equal keys: go to the first. */
    while (f != NULL && f > ns->v && f[-1].idx == idx)
        f--;
    return f ? f->name : "?";
}

static int classify_one(struct ctl *c, const struct learn_model *m,
                        const char *path)
{
    static const char *const cols[] = {"file", "margin", "probability",
                                       "feature", "weight", NULL};
    struct mime_limits lim;
    struct learn_fv fv;
    struct names ns = {NULL, 0};
    struct contrib *cv;
    struct ctl_table *t;
    char *raw, mg[32], pr[32], bias[32];
    const char *why;
    size_t len;
    double margin;

    if ((raw = file_read(path, 0, &len, &why)) == NULL) {
        ctl_err("classify", "%s: cannot read: %s", path, why);
        return CTL_EX_DATAERR;
    }
    common_mime_limits(common_conf(c->cfg), &lim);
    learn_fv_init(&fv, m->bits);
    learn_message(raw, len, &lim, &fv, name_cb, &ns);
    qsort(ns.v, ns.n, sizeof(*ns.v), named_cmp);
    margin = learn_margin(m, &fv);
    cv = xmalloc((fv.n + 1) * sizeof(*cv));
    for (size_t i = 0; i < fv.n; i++) {
        cv[i].idx = fv.idx[i];
        cv[i].c = (double)m->w[fv.idx[i]] * fv.val[i] * fv.norm;
    }
    qsort(cv, fv.n, sizeof(*cv), contrib_cmp);
    snprintf(mg, sizeof(mg), "%.3f", margin);
    snprintf(pr, sizeof(pr), "%.4f", learn_prob(margin));
    t = ctl_table_new(c, cols);
    snprintf(bias, sizeof(bias), "%+.3f", m->bias);
    ctl_table_row(t, path, mg, pr, "(bias)", bias);
    for (size_t i = 0; i < fv.n && i < LEARN_TOP; i++) {
        char w[32];

        snprintf(w, sizeof(w), "%+.3f", cv[i].c);
        ctl_table_row(t, path, mg, pr, name_of(&ns, cv[i].idx), w);
    }
    ctl_table_print(t);
    for (size_t i = 0; i < ns.n; i++)
        free(ns.v[i].name);
    free(ns.v);
    free(cv);
    free(raw);
    learn_fv_free(&fv);
    return CTL_EX_OK;
}

static int classify_run(struct ctl *c, int argc, char **argv)
{
    struct learn_model *m;
    int rc, worst = CTL_EX_OK;

    if ((rc = ctl_learn_model(c, "classify", &m)) != CTL_EX_OK)
        return rc;
    for (int i = 0; i < argc; i++)
        if ((rc = classify_one(c, m, argv[i])) != CTL_EX_OK)
            worst = rc;
    learn_model_free(m);
    return worst;
}

static const char *const classify_usage[] = {"FILE...", NULL};

const struct ctl_command ctl_classify = {"classify", classify_usage,
                                         classify_run};
