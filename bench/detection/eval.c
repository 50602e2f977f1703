/*
 * eval - the classifier's held-out evaluation (bench/detection/run.sh).
 *
 * SYNOPSIS
 *	eval [-k FOLDS] [-f FP] [-o OUTDIR] [--cv-only] [--scores FILE]
 *	     TRAIN_LIST TEST_LIST
 *
 * DESCRIPTION
 *	Each list has one line per message: "spam PATH" or "ham PATH" (a
 *	.txt of the SpamAssassin public corpus; a leading mbox "From " line
 *	is dropped).  Every message is read with the code the milter runs:
 *	mime_parse() and learn_features().
 *
 *	1. Cutoff on TRAIN only: FOLDS-fold cross-validation (stratified,
 *	   fixed seed); every TRAIN message is scored by a model that did
 *	   not see it.  The cutoff is the lowest margin above which at most
 *	   FP (a fraction, default 0.001) of TRAIN's ham lies.
 *	2. The final model: learn_corpus() on all of TRAIN.
 *	3. TEST is scored once; recall at the cutoff, false positives, AUC.
 *
 *	With --scores FILE, each TEST and TRAIN message's label, margin
 *	and an external score (the SpamAssassin rules' score from FILE: one
 *	"PATH SCORE" per line) are combined as the enforcer would: the
 *	classifier's symbol score (learn_symbol_score) plus the rule score,
 *	with a second cutoff chosen on TRAIN the same way.
 *
 *	Output: a summary on stdout (key: value lines), OUTDIR/roc.tsv and
 *	OUTDIR/scores.tsv for the plot.  --cv-only stops after step 1 (for
 *	choosing training parameters without looking at TEST).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "learn.h"
#include "learn_check.h"
#include "mime.h"
#include "util.h"

struct msg {
    char *path;
    int spam;
    struct learn_fv fv;
    double margin;
    double ext;    /* external (rule) score */
    double comb;   /* combined score */
};

struct set {
    struct msg *m;
    size_t n;
};

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static char *slurp(const char *path, size_t *len_r)
{
    FILE *f = fopen(path, "rb");
    struct strbuf b;
    char buf[65536];
    size_t n;

    if (f == NULL)
        return NULL;
    strbuf_init(&b, 0);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_append(&b, buf, n);
    fclose(f);
    *len_r = b.len;
    return b.len ? strbuf_detach(&b) : (strbuf_free(&b), xstrdup(""));
}

static int featurize(struct learn_fv *scratch, const char *raw, size_t len,
                     struct learn_fv *out)
{
    static const struct mime_limits lim = {20, 1000, 100 << 20};

    learn_message(raw, len, &lim, scratch, NULL, NULL);
    learn_fv_copy(out, scratch);
    return 0;
}

static int load_list(const char *list, struct set *s, struct learn_fv *scratch,
                     double *secs_r, size_t *bytes_r)
{
    FILE *f = fopen(list, "r");
    char line[4096];
    double t0;

    if (f == NULL) {
        perror(list);
        return -1;
    }
    memset(s, 0, sizeof(*s));
    while (fgets(line, sizeof(line), f) != NULL) {
        char *sp = strchr(line, ' ');

        line[strcspn(line, "\n")] = 0;
        if (sp == NULL)
            continue;
        *sp = 0;
        s->m = xrealloc(s->m, (s->n + 1) * sizeof(*s->m));
        memset(&s->m[s->n], 0, sizeof(s->m[s->n]));
        s->m[s->n].spam = strcmp(line, "spam") == 0;
        s->m[s->n].path = xstrdup(sp + 1);
        s->n++;
    }
    fclose(f);
    t0 = now();
    for (size_t i = 0; i < s->n; i++) {
        size_t len;
        char *raw = slurp(s->m[i].path, &len);

        if (raw == NULL) {
            perror(s->m[i].path);
            return -1;
        }
        featurize(scratch, raw, len, &s->m[i].fv);
        *bytes_r += len;
        free(raw);
    }
    *secs_r += now() - t0;
    return 0;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? 1 : x > y ? -1 : 0;
}

/* The lowest cutoff with at most maxfp ham scores >= it. */
static double pick_cutoff(const double *ham, size_t nham, double fprate)
{
    double *h = xmalloc(nham * sizeof(*h));
    size_t k = (size_t)floor(fprate * nham), i;
    double c;

    memcpy(h, ham, nham * sizeof(*h));
    qsort(h, nham, sizeof(*h), cmp_desc);
    /* h[k] is the highest ham that must stay below: cut just above it. */
    i = k < nham ? k : nham - 1;
    c = nextafter(h[i], INFINITY);
    free(h);
    return c;
}

static double auc(const double *spam, size_t ns, const double *ham, size_t nh)
{
    double *h = xmalloc(nh * sizeof(*h)), a = 0;

    memcpy(h, ham, nh * sizeof(*h));
    qsort(h, nh, sizeof(*h), cmp_desc);
    for (size_t i = 0; i < ns; i++) {
        /* Count hams strictly below, and ties as one half. */
        size_t lo = 0, hi = nh, above, ties = 0;

        while (lo < hi) {
            size_t mid = (lo + hi) / 2;

            if (h[mid] > spam[i])
                lo = mid + 1;
            else
                hi = mid;
        }
        above = lo;
        while (above + ties < nh && h[above + ties] == spam[i])
            ties++;
        a += (double)(nh - above - ties) + 0.5 * ties;
    }
    free(h);
    return a / ((double)ns * nh);
}

struct split {
    double *spam, *ham;
    size_t ns, nh;
};

static void split_scores(const struct set *s, int which, struct split *sp)
{
    sp->spam = xmalloc(s->n * sizeof(double));
    sp->ham = xmalloc(s->n * sizeof(double));
    sp->ns = sp->nh = 0;
    for (size_t i = 0; i < s->n; i++) {
        double v = which == 0 ? s->m[i].margin : which == 1 ? s->m[i].ext : s->m[i].comb;

        if (s->m[i].spam)
            sp->spam[sp->ns++] = v;
        else
            sp->ham[sp->nh++] = v;
    }
}

static void split_free(struct split *sp)
{
    free(sp->spam);
    free(sp->ham);
}

static size_t count_ge(const double *v, size_t n, double c)
{
    size_t k = 0;

    for (size_t i = 0; i < n; i++)
        k += v[i] >= c;
    return k;
}

static struct learn_model *train(const struct set *s, const unsigned char *use,
                                 const struct learn_params *p)
{
    struct learn_fv *fvs = xmalloc(s->n * sizeof(*fvs));
    unsigned char *cls = xmalloc(s->n);
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

/* Out-of-fold margins of every TRAIN message. */
static void cross_validate(struct set *s, int folds, const struct learn_params *p)
{
    int *fold = xmalloc(s->n * sizeof(int));
    unsigned char *use = xmalloc(s->n);
    size_t cs = 0, ch = 0;

    /* Stratified: spam and ham dealt round-robin in file order. */
    for (size_t i = 0; i < s->n; i++)
        fold[i] = s->m[i].spam ? (int)(cs++ % folds) : (int)(ch++ % folds);
    for (int f = 0; f < folds; f++) {
        struct learn_model *m;

        for (size_t i = 0; i < s->n; i++)
            use[i] = fold[i] != f;
        m = train(s, use, p);
        for (size_t i = 0; i < s->n; i++)
            if (fold[i] == f)
                s->m[i].margin = learn_margin(m, &s->m[i].fv);
        learn_model_free(m);
    }
    free(fold);
    free(use);
}

static void report(const char *name, const struct split *tr,
                   const struct split *te, double fprate, double *cut_r)
{
    double cut = pick_cutoff(tr->ham, tr->nh, fprate);
    size_t trs = count_ge(tr->spam, tr->ns, cut), trh = count_ge(tr->ham, tr->nh, cut);

    *cut_r = cut;
    printf("%s.cutoff: %.4f\n", name, cut);
    printf("%s.train_cv.recall: %.2f%% (%zu/%zu)\n", name, 100.0 * trs / tr->ns,
           trs, tr->ns);
    printf("%s.train_cv.fp: %zu/%zu\n", name, trh, tr->nh);
    printf("%s.train_cv.auc: %.5f\n", name, auc(tr->spam, tr->ns, tr->ham, tr->nh));
    if (te == NULL)
        return;
    {
        size_t s = count_ge(te->spam, te->ns, cut), h = count_ge(te->ham, te->nh, cut);

        printf("%s.test.recall: %.2f%% (%zu/%zu)\n", name, 100.0 * s / te->ns, s,
               te->ns);
        printf("%s.test.fp: %zu/%zu (%.2f%%)\n", name, h, te->nh, 100.0 * h / te->nh);
        printf("%s.test.auc: %.5f\n", name, auc(te->spam, te->ns, te->ham, te->nh));
    }
}

static void write_scores(const char *dir, const char *set, const struct set *s,
                         FILE *f)
{
    (void)dir;
    for (size_t i = 0; i < s->n; i++)
        fprintf(f, "%s\t%s\t%.6f\t%.4f\t%.4f\t%s\n", set,
                s->m[i].spam ? "spam" : "ham", s->m[i].margin, s->m[i].ext,
                s->m[i].comb, s->m[i].path);
}

static void load_ext(const char *file, struct set *a, struct set *b)
{
    FILE *f = fopen(file, "r");
    char line[4096];

    if (f == NULL) {
        perror(file);
        exit(1);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char *sp = strrchr(line, ' ');
        double v;

        if (sp == NULL)
            continue;
        *sp = 0;
        v = atof(sp + 1);
        for (size_t i = 0; i < a->n; i++)
            if (strcmp(a->m[i].path, line) == 0)
                a->m[i].ext = v;
        for (size_t i = 0; i < b->n; i++)
            if (strcmp(b->m[i].path, line) == 0)
                b->m[i].ext = v;
    }
    fclose(f);
}

struct opts {
    struct learn_params p;
    const char *outdir, *scores, *train, *test;
    double fprate;
    int folds, cvonly;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    learn_params_default(&o->p);
    o->outdir = ".";
    o->fprate = 0.001;
    o->folds = 5;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-k") == 0 && i + 1 < argc)
            o->folds = atoi(argv[++i]);
        else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc)
            o->fprate = atof(argv[++i]);
        else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
            o->outdir = argv[++i];
        else if (strcmp(argv[i], "--cv-only") == 0)
            o->cvonly = 1;
        else if (strcmp(argv[i], "--scores") == 0 && i + 1 < argc)
            o->scores = argv[++i];
        else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc)
            o->p.epochs = atoi(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            o->p.rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--l2") == 0 && i + 1 < argc)
            o->p.l2 = atof(argv[++i]);
        else
            break;
    }
    if (argc - i != 2 || o->folds < 2) {
        fprintf(stderr, "usage: eval [-k FOLDS] [-f FP] [-o DIR] [--cv-only] "
                        "[--scores FILE] TRAIN_LIST TEST_LIST\n");
        return -1;
    }
    o->train = argv[i];
    o->test = argv[i + 1];
    return 0;
}

static int write_tsv(const char *outdir, const char *name, const struct set *tr,
                     const struct set *te)
{
    char *path = xasprintf("%s/%s", outdir, name);
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        perror(path);
        free(path);
        return -1;
    }
    write_scores(outdir, "train_cv", tr, f);
    if (te != NULL)
        write_scores(outdir, "test", te, f);
    fclose(f);
    free(path);
    return 0;
}

/* The rule scores alone and summed with the classifier's symbol score
 * (learn_check's default mapping), each with its own TRAIN cutoff. */
static void report_combined(const char *file, struct set *tr, struct set *te,
                            double fprate)
{
    struct learn_conf lc = {1, 1.0, 8, -4, 0, 12, 0.1, 10};
    struct split a, b;
    double cut;

    load_ext(file, tr, te);
    for (size_t k = 0; k < tr->n; k++)
        tr->m[k].comb = tr->m[k].ext + learn_check_score(&lc, tr->m[k].margin);
    for (size_t k = 0; k < te->n; k++)
        te->m[k].comb = te->m[k].ext + learn_check_score(&lc, te->m[k].margin);
    for (int which = 1; which <= 2; which++) {
        split_scores(tr, which, &a);
        split_scores(te, which, &b);
        report(which == 1 ? "rules" : "combined", &a, &b, fprate, &cut);
        split_free(&a);
        split_free(&b);
    }
}

/* Train on all of TRAIN, score TEST once; rates include the reading. */
static struct learn_model *train_and_score(const struct opts *o, struct set *tr,
                                           struct set *te,
                                           struct learn_fv *scratch,
                                           double fsecs)
{
    double tsecs = 0, lsecs, t0 = now();
    size_t tbytes = 0;
    struct learn_model *m = train(tr, NULL, &o->p);

    lsecs = now() - t0;
    printf("learn.per_sec: %.0f msgs/s (features and %d epochs)\n",
           tr->n / (fsecs + lsecs), o->p.epochs);
    if (load_list(o->test, te, scratch, &tsecs, &tbytes) < 0)
        exit(1);
    t0 = now();
    for (size_t k = 0; k < te->n; k++)
        te->m[k].margin = learn_margin(m, &te->m[k].fv);
    tsecs += now() - t0;
    printf("classify.per_sec: %.0f msgs/s (MIME parse, features, score; "
           "%.1f MB/s)\n",
           te->n / tsecs, tbytes / tsecs / 1e6);
    printf("test.messages: %zu\n", te->n);
    return m;
}

int main(int argc, char **argv)
{
    struct opts o;
    struct learn_fv scratch;
    struct set tr, te;
    struct split a, b;
    struct learn_model *m;
    struct strbuf sb;
    double secs = 0, cut, t0;
    size_t bytes = 0;

    if (parse_opts(argc, argv, &o) < 0)
        return 64;
    mime_init();
    learn_fv_init(&scratch, LEARN_BITS);
    if (load_list(o.train, &tr, &scratch, &secs, &bytes) < 0)
        return 1;
    printf("train.messages: %zu\nfeatures.per_sec: %.0f msgs/s (%.1f MB/s)\n",
           tr.n, tr.n / secs, bytes / secs / 1e6);
    printf("params: epochs=%d rate=%g l2=%g folds=%d fp=%g\n", o.p.epochs,
           o.p.rate, o.p.l2, o.folds, o.fprate);
    t0 = now();
    cross_validate(&tr, o.folds, &o.p);
    printf("cv.seconds: %.1f\n", now() - t0);
    split_scores(&tr, 0, &a);
    if (o.cvonly) {
        report("classifier", &a, NULL, o.fprate, &cut);
        return write_tsv(o.outdir, "cv.tsv", &tr, NULL) < 0;
    }
    m = train_and_score(&o, &tr, &te, &scratch, secs);
    split_scores(&te, 0, &b);
    report("classifier", &a, &b, o.fprate, &cut);
    split_free(&a);
    split_free(&b);
    strbuf_init(&sb, 0);
    learn_model_save(m, &sb);
    printf("model.bytes: %zu\n", sb.len);
    strbuf_free(&sb);
    if (o.scores != NULL)
        report_combined(o.scores, &tr, &te, o.fprate);
    if (write_tsv(o.outdir, "scores.tsv", &tr, &te) < 0)
        return 1;
    learn_model_free(m);
    learn_fv_free(&scratch);
    return 0;
}
