/*
 * eval_cv - campaigns, the cross-validation on TRAIN, and the figures of
 * a set of scores (bench/detection/eval).
 *
 * DESCRIPTION
 *	Campaigns: a spam run or a newsletter sends near-copies of one
 *	message, and a model scores a copy of what it learned far better
 *	than new mail.  eval_sign() takes a MinHash of the word 3-shingles
 *	of a message's body (its raw bytes after the header block);
 *	eval_groups() joins the messages of one class whose estimated
 *	Jaccard similarity is at least 1/2 (union-find over all pairs).
 *
 *	eval_cv() runs o->reps repetitions of o->folds-fold cross-validation
 *	in which a campaign is never both learned and scored: repetition r
 *	deals each campaign to a fold by a hash of (campaign, r), and
 *	trains with seed o->p.seed + r + 1 (12345 + r + 1 by default).
 *	m->cv[r] is the margin of every message from the model that did not
 *	see it.  With o->hold_list the
 *	spam that came through a mailing list (eval_via_list(): List-Id,
 *	X-Mailman-Version, Mailing-List, X-BeenThere, List-Unsubscribe) is
 *	never learned, only scored: a split of TRAIN that mimics TEST,
 *	whose spam arrived by other routes than TRAIN's.
 *
 * OWNERSHIP
 *	Writes the scores into the set's messages; nothing else is kept.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "util.h"

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

/* Where the body starts (after the first empty line), or len. */
static size_t body_start(const char *raw, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if (raw[i] == '\n' && (raw[i + 1] == '\n' ||
                               (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
            return i + 1;
    return len;
}

static int blank(char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

void eval_sign(const char *raw, size_t len, uint64_t *sig)
{
    uint64_t w[3] = {0, 0, 0};
    size_t i = body_start(raw, len), nw = 0;

    for (int k = 0; k < EVAL_MH; k++)
        sig[k] = UINT64_MAX;
    while (i < len) {
        uint64_t h = 0xcbf29ce484222325ULL;

        while (i < len && blank(raw[i]))
            i++;
        if (i == len)
            break;
        for (; i < len && !blank(raw[i]); i++)
            h = (h ^ (unsigned char)raw[i]) * 0x100000001b3ULL;
        w[nw++ % 3] = h;
        if (nw < 3)
            continue;
        h = mix(w[(nw - 3) % 3] * 3 + w[(nw - 2) % 3] * 5 + w[(nw - 1) % 3] * 7);
        for (int k = 0; k < EVAL_MH; k++) {
            uint64_t v = mix(h + (uint64_t)k * 0x632be59bd9b4e019ULL);

            sig[k] = v < sig[k] ? v : sig[k];
        }
    }
}

int eval_via_list(const char *raw, size_t len)
{
    static const char *const h[] = {"\nlist-id:", "\nx-mailman-version:",
                                    "\nmailing-list:", "\nx-beenthere:",
                                    "\nlist-unsubscribe:", NULL};
    size_t end = body_start(raw, len);

    for (int k = 0; h[k] != NULL; k++) {
        size_t l = strlen(h[k]);

        for (size_t i = 0; i + l <= end; i++)
            if (str_ncasecmp(raw + i, h[k], l) == 0)
                return 1;
    }
    return 0;
}

static size_t uf_find(size_t *par, size_t i)
{
    while (par[i] != i)
        i = par[i] = par[par[i]];
    return i;
}

void eval_groups(struct set *s)
{
    size_t *par = xmalloc((s->n ? s->n : 1) * sizeof(size_t)), ng = 0;

    for (size_t i = 0; i < s->n; i++)
        par[i] = i;
    for (size_t i = 0; i < s->n; i++)
        for (size_t j = i + 1; j < s->n; j++) {
            int eq = 0;

            if (s->m[i].spam != s->m[j].spam)
                continue;
            for (int k = 0; k < EVAL_MH; k++)
                eq += s->m[i].sig[k] == s->m[j].sig[k];
            if (2 * eq >= EVAL_MH)
                par[uf_find(par, i)] = uf_find(par, j);
        }
    for (size_t i = 0; i < s->n; i++) {
        s->m[i].group = uf_find(par, i);
        ng += s->m[i].group == i;
    }
    printf("train.campaigns: %zu groups of near-copies in %zu messages\n", ng,
           s->n);
    free(par);
}

struct learn_model *eval_train(const struct set *s, const unsigned char *use,
                               const struct learn_params *p)
{
    struct learn_fv *fvs = xmalloc((s->n ? s->n : 1) * sizeof(*fvs));
    unsigned char *cls = xmalloc(s->n ? s->n : 1);
    struct learn_model *m;
    const char *err;
    size_t n = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (use != NULL && !use[i])
            continue;
        fvs[n] = s->m[i].fv;
        cls[n++] = (unsigned char)s->m[i].spam;
    }
    if (learn_model_new(LEARN_BITS, &m, &err) < 0) {
        fprintf(stderr, "eval: %s\n", err);
        exit(1);
    }
    learn_corpus(m, fvs, cls, n, p);
    free(fvs);
    free(cls);
    return m;
}

void eval_cv(struct set *s, const struct cv_opts *o)
{
    unsigned char *use = xmalloc(s->n ? s->n : 1);
    int *fold = xmalloc((s->n ? s->n : 1) * sizeof(int));

    for (int r = 0; r < o->reps; r++) {
        struct learn_params p = o->p;

        p.seed = o->p.seed + (unsigned)r + 1;
        for (size_t i = 0; i < s->n; i++)
            fold[i] = (int)(mix(s->m[i].group * 7919 +
                                (uint64_t)(r + 1) * 0x9e3779b97f4a7c15ULL) %
                            (unsigned)o->folds);
        for (int f = 0; f < o->folds; f++) {
            struct learn_model *m;

            for (size_t i = 0; i < s->n; i++)
                use[i] = fold[i] != f &&
                         !(o->hold_list && s->m[i].spam && s->m[i].list);
            m = eval_train(s, use, &p);
            for (size_t i = 0; i < s->n; i++)
                if (fold[i] == f)
                    s->m[i].cv[r] = learn_margin(m, &s->m[i].fv);
            learn_model_free(m);
        }
    }
    free(fold);
    free(use);
}

void split_of(const struct set *s, score_fn fn, int rep, void *arg,
              struct split *sp)
{
    sp->spam = xmalloc((s->n ? s->n : 1) * sizeof(double));
    sp->ham = xmalloc((s->n ? s->n : 1) * sizeof(double));
    sp->ns = sp->nh = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v = fn(&s->m[i], rep, arg);

        if (s->m[i].spam)
            sp->spam[sp->ns++] = v;
        else
            sp->ham[sp->nh++] = v;
    }
}

void split_free(struct split *sp)
{
    free(sp->spam);
    free(sp->ham);
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* The lowest cutoff with at most floor(fprate * nham) hams at or above. */
double pick_cutoff(const double *ham, size_t nham, double fprate)
{
    double *h = xmalloc((nham ? nham : 1) * sizeof(*h)), c;
    size_t k = (size_t)floor(fprate * nham);

    if (nham == 0) {
        free(h);
        return -INFINITY;
    }
    memcpy(h, ham, nham * sizeof(*h));
    qsort(h, nham, sizeof(*h), cmp_desc);
    c = k < nham ? nextafter(h[k], INFINITY) : -INFINITY;
    free(h);
    return c;
}

size_t count_ge(const double *v, size_t n, double c)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += v[i] >= c;
    return k;
}

double recall_at(const struct split *sp, size_t k)
{
    double c = pick_cutoff(sp->ham, sp->nh, (k + 0.5) / sp->nh);

    return sp->ns ? (double)count_ge(sp->spam, sp->ns, c) / sp->ns : 0;
}

double auc(const double *spam, size_t ns, const double *ham, size_t nh)
{
    double *h = xmalloc((nh ? nh : 1) * sizeof(*h)), a = 0;

    memcpy(h, ham, nh * sizeof(*h));
    qsort(h, nh, sizeof(*h), cmp_desc);
    for (size_t i = 0; i < ns; i++) {
        /* Hams strictly below count 1, ties one half. */
        size_t lo = 0, hi = nh, ties = 0;

        while (lo < hi) {
            size_t mid = (lo + hi) / 2;

            if (h[mid] > spam[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        while (lo + ties < nh && h[lo + ties] == spam[i])
            ties++;
        a += (double)(nh - lo - ties) + 0.5 * ties;
    }
    free(h);
    return ns && nh ? a / ((double)ns * nh) : 0;
}
