/*
 * eval - the classifier's held-out evaluation (bench/detection/run.sh).
 *
 * SYNOPSIS
 *	eval [-k FOLDS] [-r REPS] [-f FP] [-o OUTDIR] [--cv-only]
 *	     [--hold-list] [--scores FILE] [--epochs N] [--rate R] [--l2 L]
 *	     [--bags N] [--seed S]
 *	     [--learn-map SCALE,MAX,MIN] TRAIN_LIST TEST_LIST
 *
 * DESCRIPTION
 *	Each list has one line per message: "spam PATH" or "ham PATH" (a
 *	.txt of the SpamAssassin public corpus; a leading mbox "From " line
 *	is dropped).  Every message is read with the code the milter runs:
 *	mime_parse() and learn_features(); the model is learn_corpus().
 *
 *	1. Cutoff on TRAIN only: REPS (default 8) repetitions of FOLDS-fold
 *	   (default 5) cross-validation by campaign (eval_cv.c): every TRAIN
 *	   message is scored by a model that saw neither it nor its
 *	   near-copies.  Each repetition's cutoff is the lowest margin with
 *	   at most FP (a fraction, default 0.001) of TRAIN's ham at or
 *	   above it; the cutoff is their mean.
 *	2. The final model: learn_corpus() on all of TRAIN.
 *	3. TEST is scored once: recall at the cutoff, false positives, AUC.
 *
 *	--cv-only stops after step 1 (TEST_LIST is not read): for choosing
 *	features and parameters on TRAIN.  --hold-list (implies --cv-only)
 *	never learns the spam that came through a mailing list and reports
 *	its recall apart: the split of TRAIN that mimics TEST's shift.
 *
 *	With --scores FILE ("PATH SCORE" lines: the rule score of the
 *	content milter for each TRAIN and TEST message, without the
 *	classifier), the whole content score is the rule score plus the
 *	classifier's symbol score (learn_check_score(), with the defaults
 *	of the learn_score_* keys, or --learn-map), cut the same way on
 *	TRAIN and reported on TEST; the rules alone too.
 *
 *	Output: key: value lines on stdout, OUTDIR/scores.tsv (set, label,
 *	margin, rule score, content score, path; TRAIN's from the first
 *	repetition) for roc.py, or OUTDIR/cv.tsv with --cv-only.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg.h"
#include "eval.h"
#include "learn_check.h"
#include "mime.h"
#include "util.h"

struct opts {
    struct cv_opts cv;
    struct learn_conf lc;
    const char *outdir, *scores, *train, *test;
    int cvonly;
};

/* The learn_score_* defaults, from the key table the milter reads. */
struct lc_wrap {
    struct learn_conf lc;
};

static void learn_defaults(struct learn_conf *lc)
{
    static const struct cfg_key keys[] = {LEARN_CONF_KEYS(struct lc_wrap, lc),
                                          {NULL, 0, NULL, 0, 0, 0, NULL, NULL}};
    struct lc_wrap w;

    memset(&w, 0, sizeof(w));
    for (const struct cfg_key *k = keys; k->name != NULL; k++)
        if (k->type == CFG_DOUBLE)
            *(double *)((char *)&w + k->off) = atof(k->def);
    *lc = w.lc;
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_list(const char *list, struct set *s)
{
    FILE *f = fopen(list, "r");
    char line[4096];

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
    return 0;
}

/* Read and featurise every message; *secs_r: the time it took. */
static int load_set(const char *list, struct set *s, struct learn_fv *scratch,
                    double *secs_r, size_t *bytes_r)
{
    static const struct mime_limits lim = {20, 1000, 100 << 20};
    double t0;

    if (read_list(list, s) < 0)
        return -1;
    t0 = now();
    for (size_t i = 0; i < s->n; i++) {
        size_t len;
        const char *why;
        char *raw = file_read(s->m[i].path, 0, &len, &why);

        if (raw == NULL) {
            fprintf(stderr, "%s: %s\n", s->m[i].path, why);
            return -1;
        }
        learn_message(raw, len, &lim, scratch, NULL, NULL);
        learn_fv_copy(&s->m[i].fv, scratch);
        *bytes_r += len;
        eval_sign(raw, len, s->m[i].sig);
        s->m[i].list = eval_via_list(raw, len);
        free(raw);
    }
    *secs_r = now() - t0;
    return 0;
}

static void set_free(struct set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->m[i].path);
        learn_fv_free(&s->m[i].fv);
    }
    free(s->m);
}

/* Scores: TRAIN's out-of-fold margin of a repetition, TEST's margin. */
static double sc_cv(const struct msg *m, int rep, void *arg)
{
    (void)arg;
    return m->cv[rep];
}

static double sc_test(const struct msg *m, int rep, void *arg)
{
    (void)rep, (void)arg;
    return m->margin;
}

static double sc_rules(const struct msg *m, int rep, void *arg)
{
    (void)rep, (void)arg;
    return m->ext;
}

static double sc_content_cv(const struct msg *m, int rep, void *arg)
{
    return m->ext + learn_check_score(arg, m->cv[rep]);
}

static double sc_content_test(const struct msg *m, int rep, void *arg)
{
    (void)rep;
    return m->ext + learn_check_score(arg, m->margin);
}

/*
 * The cutoff of a score on TRAIN: each repetition's, then their mean.
 * Prints the cross-validated figures; reps 1 for a score without a model.
 */
static double train_cutoff(const char *name, const struct set *tr, score_fn fn,
                           void *arg, int reps, double fprate)
{
    double cut = 0, rec = 0, a = 0, r0_14 = 0;
    size_t fp = 0;

    for (int r = 0; r < reps; r++) {
        struct split sp;
        double c;

        split_of(tr, fn, r, arg, &sp);
        c = pick_cutoff(sp.ham, sp.nh, fprate);
        cut += c / reps;
        rec += (double)count_ge(sp.spam, sp.ns, c) / sp.ns / reps;
        fp += count_ge(sp.ham, sp.nh, c);
        a += auc(sp.spam, sp.ns, sp.ham, sp.nh) / reps;
        for (size_t k = 0; k <= 14; k++)
            r0_14 += recall_at(&sp, k) / 15 / reps;
        printf("%s.train_cv.rep%d: cutoff %.4f, recall %.2f%%, fp %zu/%zu\n", name,
               r + 1, c, 100.0 * count_ge(sp.spam, sp.ns, c) / sp.ns,
               count_ge(sp.ham, sp.nh, c), sp.nh);
        split_free(&sp);
    }
    printf("%s.cutoff: %.4f (mean of %d)\n", name, cut, reps);
    printf("%s.train_cv.recall: %.2f%% at %.1f FP (mean)\n", name, 100 * rec,
           (double)fp / reps);
    printf("%s.train_cv.recall_0_14fp: %.2f%%\n", name, 100 * r0_14);
    printf("%s.train_cv.auc: %.5f\n", name, a);
    return cut;
}

static void test_report(const char *name, const struct set *te, score_fn fn,
                        void *arg, double cut)
{
    struct split sp;
    size_t s, h;

    split_of(te, fn, 0, arg, &sp);
    s = count_ge(sp.spam, sp.ns, cut);
    h = count_ge(sp.ham, sp.nh, cut);
    printf("%s.test.recall: %.2f%% (%zu/%zu)\n", name, 100.0 * s / sp.ns, s, sp.ns);
    printf("%s.test.fp: %zu/%zu (%.2f%%)\n", name, h, sp.nh, 100.0 * h / sp.nh);
    printf("%s.test.auc: %.5f\n", name, auc(sp.spam, sp.ns, sp.ham, sp.nh));
    split_free(&sp);
}

/* --hold-list: the list spam, never learned, against each cutoff. */
static void hold_list_report(const struct set *tr, int reps, double fprate)
{
    double lrec = 0, orec = 0;
    size_t nl = 0;

    for (int r = 0; r < reps; r++) {
        struct split sp;
        double c;
        size_t l = 0, o = 0, no = 0;

        split_of(tr, sc_cv, r, NULL, &sp);
        c = pick_cutoff(sp.ham, sp.nh, fprate);
        nl = 0;
        for (size_t i = 0; i < tr->n; i++) {
            if (!tr->m[i].spam)
                continue;
            if (tr->m[i].list)
                nl++, l += tr->m[i].cv[r] >= c;
            else
                no++, o += tr->m[i].cv[r] >= c;
        }
        lrec += (double)l / (nl ? nl : 1) / reps;
        orec += (double)o / (no ? no : 1) / reps;
        split_free(&sp);
    }
    printf("hold_list.list_spam: %zu, never learned; recall %.2f%% (mean)\n", nl,
           100 * lrec);
    printf("hold_list.other_spam.recall: %.2f%% (mean)\n", 100 * orec);
}

static void load_ext(const char *file, struct set *a, struct set *b)
{
    FILE *f = fopen(file, "r");
    char line[4096];
    size_t n = 0;

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
                a->m[i].ext = v, n++;
        for (size_t i = 0; b != NULL && i < b->n; i++)
            if (strcmp(b->m[i].path, line) == 0)
                b->m[i].ext = v, n++;
    }
    fclose(f);
    printf("rules.scored: %zu of %zu messages\n", n, a->n + (b ? b->n : 0));
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    learn_params_default(&o->cv.p);
    learn_defaults(&o->lc);
    o->outdir = ".";
    o->cv.fprate = 0.001;
    o->cv.folds = 5;
    o->cv.reps = 8;
    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--cv-only") == 0)
            o->cvonly = 1;
        else if (strcmp(a, "--hold-list") == 0)
            o->cv.hold_list = o->cvonly = 1;
        else if (v == NULL)
            break;
        else if (strcmp(a, "-k") == 0)
            o->cv.folds = atoi(v), i++;
        else if (strcmp(a, "-r") == 0)
            o->cv.reps = atoi(v), i++;
        else if (strcmp(a, "-f") == 0)
            o->cv.fprate = atof(v), i++;
        else if (strcmp(a, "-o") == 0)
            o->outdir = v, i++;
        else if (strcmp(a, "--scores") == 0)
            o->scores = v, i++;
        else if (strcmp(a, "--epochs") == 0)
            o->cv.p.epochs = atoi(v), i++;
        else if (strcmp(a, "--rate") == 0)
            o->cv.p.rate = atof(v), i++;
        else if (strcmp(a, "--bags") == 0)
            o->cv.p.bags = atoi(v), i++;
        else if (strcmp(a, "--seed") == 0)
            o->cv.p.seed = (unsigned)strtoul(v, NULL, 10), i++;
        else if (strcmp(a, "--l2") == 0)
            o->cv.p.l2 = atof(v), i++;
        else if (strcmp(a, "--learn-map") == 0 &&
                 sscanf(v, "%lf,%lf,%lf", &o->lc.scale, &o->lc.max, &o->lc.min) == 3)
            i++;
        else
            break;
    }
    if (argc - i != 2 || o->cv.folds < 2 || o->cv.folds > 64 || o->cv.reps < 1 ||
        o->cv.reps > EVAL_REPS_MAX) {
        fprintf(stderr, "usage: eval [-k FOLDS] [-r REPS] [-f FP] [-o DIR] "
                        "[--cv-only] [--hold-list] [--scores FILE] [--epochs N] "
                        "[--rate R] [--l2 L] [--bags N] [--seed S] "
                        "[--learn-map SCALE,MAX,MIN] TRAIN_LIST TEST_LIST\n");
        return -1;
    }
    o->train = argv[i];
    o->test = argv[i + 1];
    return 0;
}

static int write_tsv(const char *outdir, const char *name, const struct set *tr,
                     const struct set *te, const struct learn_conf *lc)
{
    char *path = xasprintf("%s/%s", outdir, name);
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        perror(path);
        free(path);
        return -1;
    }
    for (int k = 0; k < (te ? 2 : 1); k++) {
        const struct set *s = k ? te : tr;

        for (size_t i = 0; i < s->n; i++) {
            double m = k ? s->m[i].margin : s->m[i].cv[0];

            fprintf(f, "%s\t%s\t%.6f\t%.4f\t%.4f\t%s\n", k ? "test" : "train_cv",
                    s->m[i].spam ? "spam" : "ham", m, s->m[i].ext,
                    s->m[i].ext + learn_check_score(lc, m), s->m[i].path);
        }
    }
    fclose(f);
    free(path);
    return 0;
}

/* Train on all of TRAIN, then read and score TEST once. */
static struct learn_model *final_model(const struct opts *o, struct set *tr,
                                       struct set *te, struct learn_fv *scratch,
                                       double fsecs)
{
    double tsecs = 0, lsecs, t0 = now();
    size_t tbytes = 0;
    struct learn_model *m = eval_train(tr, NULL, &o->cv.p);

    lsecs = now() - t0;
    printf("learn.per_sec: %.0f msgs/s (MIME parse, features and %d epochs)\n",
           tr->n / (fsecs + lsecs), o->cv.p.epochs);
    if (load_set(o->test, te, scratch, &tsecs, &tbytes) < 0)
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

static void content_scores(const struct opts *o, struct set *tr, struct set *te)
{
    struct learn_conf lc = o->lc;
    double cut;

    load_ext(o->scores, tr, te);
    printf("content.learn_map: scale %g, max %g, min %g\n", lc.scale, lc.max, lc.min);
    cut = train_cutoff("rules", tr, sc_rules, NULL, 1, o->cv.fprate);
    test_report("rules", te, sc_rules, NULL, cut);
    cut = train_cutoff("content", tr, sc_content_cv, &lc, o->cv.reps, o->cv.fprate);
    test_report("content", te, sc_content_test, &lc, cut);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct learn_fv scratch;
    struct set tr, te;
    struct learn_model *m;
    struct strbuf sb;
    double secs = 0, cut, t0;
    size_t bytes = 0;

    if (parse_opts(argc, argv, &o) < 0)
        return 64;
    mime_init();
    learn_fv_init(&scratch, LEARN_BITS);
    if (load_set(o.train, &tr, &scratch, &secs, &bytes) < 0)
        return 1;
    printf("train.messages: %zu\nfeatures.per_sec: %.0f msgs/s (%.1f MB/s)\n",
           tr.n, tr.n / secs, bytes / secs / 1e6);
    printf("params: epochs=%d rate=%g l2=%g bags=%d seed=%u folds=%d reps=%d "
           "fp=%g%s\n",
           o.cv.p.epochs, o.cv.p.rate, o.cv.p.l2, o.cv.p.bags, o.cv.p.seed,
           o.cv.folds, o.cv.reps,
           o.cv.fprate, o.cv.hold_list ? " hold-list" : "");
    eval_groups(&tr);
    t0 = now();
    eval_cv(&tr, &o.cv);
    printf("cv.seconds: %.1f\n", now() - t0);
    cut = train_cutoff("classifier", &tr, sc_cv, NULL, o.cv.reps, o.cv.fprate);
    if (o.cv.hold_list)
        hold_list_report(&tr, o.cv.reps, o.cv.fprate);
    if (o.cvonly) {
        if (o.scores != NULL) {
            load_ext(o.scores, &tr, NULL);
            train_cutoff("content", &tr, sc_content_cv, &o.lc, o.cv.reps,
                         o.cv.fprate);
        }
        return write_tsv(o.outdir, "cv.tsv", &tr, NULL, &o.lc) < 0;
    }
    m = final_model(&o, &tr, &te, &scratch, secs);
    test_report("classifier", &te, sc_test, NULL, cut);
    strbuf_init(&sb, 0);
    learn_model_save(m, &sb);
    printf("model.bytes: %zu\n", sb.len);
    strbuf_free(&sb);
    if (o.scores != NULL)
        content_scores(&o, &tr, &te);
    if (write_tsv(o.outdir, "scores.tsv", &tr, &te, &o.lc) < 0)
        return 1;
    learn_model_free(m);
    set_free(&tr);
    set_free(&te);
    learn_fv_free(&scratch);
    return 0;
}
