/*
 * eval.h - private to bench/detection/eval*.c: the messages of a list,
 * their scores, and the cross-validation that picks the cutoff.
 *
 * OWNERSHIP
 *	struct set owns its messages (paths, feature vectors); set_free().
 */
#ifndef SLUICE_EVAL_H
#define SLUICE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "learn.h"

#define EVAL_MH 64      /* MinHash values per message */
#define EVAL_REPS_MAX 8 /* repetitions of the cross-validation */

struct msg {
    char *path;
    int spam;
    int list;                   /* came through a mailing list (headers) */
    struct learn_fv fv;
    uint64_t sig[EVAL_MH];      /* MinHash of the body's word 3-shingles */
    size_t group;               /* campaign: index of its first message */
    double cv[EVAL_REPS_MAX];   /* out-of-fold margin, per repetition */
    double margin;              /* TEST: the final model's margin */
    double ext;                 /* rule score (--scores) */
};

struct set {
    struct msg *m;
    size_t n;
};

/* Scores of one set split by class (spam[], ham[]). */
struct split {
    double *spam, *ham;
    size_t ns, nh;
};

struct cv_opts {
    int folds, reps;
    double fprate;
    int hold_list; /* list spam is never learned (the header-shift split) */
    struct learn_params p;
};

/* eval_cv.c */
void eval_sign(const char *raw, size_t len, uint64_t *sig);
int eval_via_list(const char *raw, size_t len);
void eval_groups(struct set *s);
void eval_cv(struct set *s, const struct cv_opts *o);
struct learn_model *eval_train(const struct set *s, const unsigned char *use,
                               const struct learn_params *p);

/* Scores and their figures. */
typedef double (*score_fn)(const struct msg *m, int rep, void *arg);
void split_of(const struct set *s, score_fn fn, int rep, void *arg,
              struct split *sp);
void split_free(struct split *sp);
double pick_cutoff(const double *ham, size_t nham, double fprate);
size_t count_ge(const double *v, size_t n, double c);
double auc(const double *spam, size_t ns, const double *ham, size_t nh);
/* Recall at the cutoff that lets k hams through. */
double recall_at(const struct split *sp, size_t k);

#endif
