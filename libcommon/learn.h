/*
 * learn - the statistical classifier: features of a decoded message, an
 * online logistic regression over hashed features, its state as bytes.
 *
 * SYNOPSIS
 *	struct learn_fv fv;
 *	learn_fv_init(&fv, LEARN_BITS);
 *	learn_features(&in, &fv, NULL, NULL);      (learn_feat.c)
 *	double m = learn_margin(model, &fv);       (learn_model.c)
 *	learn_train(model, &fv, LEARN_SPAM, LEARN_TRAIN_ON_ERROR);
 *	learn_model_save(model, &buf);  learn_model_load(data, len, &m, &err);
 *
 * FEATURES
 *	learn_features() reads one message: its raw bytes (the header block
 *	as received, then the body) and its MIME tree (mime.h, the one
 *	parse every module shares).  It makes binary features, each a
 *	string hashed into 1 << bits buckets, from what the sender wrote,
 *	not from the route the message took (relays, list managers and the
 *	receiving mailbox change the headers and add footers; a model that
 *	learns them does not carry over to mail that came another way):
 *	    body      words, word bigrams and character 3-grams of the
 *	              decoded text parts (HTML reduced to its text; inline
 *	              tags such as <b> do not split a word), less a
 *	              mailing list's footer; the first 32 KiB of text
 *	    url       each URL's host and its last two labels, numeric hosts
 *	    script    the share of the text's letters in each script
 *	              (Latin, Cyrillic, CJK...)
 *	    subject   words, bigrams and 4-grams of the RFC 2047-decoded
 *	              Subject, less a list's "[tag]"
 *	    mime      the top Content-Type, each part's type, charset and
 *	              attachment extension, the number of parts
 *	No other header field is read.  The feature vector is normalised to
 *	unit length, so long and short messages score on one scale.  When
 *	name_cb is not NULL it is called with each feature's bucket and
 *	readable name (for "sluicectl classify"); that is slow, and only for
 *	explaining one message.  Time and memory are bounded by the text cap
 *	and the MIME bounds.  bench/DETECTION.md says how each choice was
 *	measured.
 *
 * MODEL
 *	A weight per bucket and a bias; the margin is bias + w.x (the log
 *	odds that the message is spam), learn_prob() its probability.
 *	learn_train() takes one online step of logistic regression:
 *	    LEARN_TRAIN_ALL       always (one plain step)
 *	    LEARN_TRAIN_ON_ERROR  only when the message is misclassified or
 *	                          inside the margin LEARN_THICK (train on
 *	                          error with a thick threshold): feedback
 *	                          and autolearn, so that a message learned
 *	                          twice does not count twice
 *	and returns 1 when it changed the model, 0 when not.  Updates are
 *	additive, so two learners' changes to one base model can be merged
 *	by adding their deltas (learn_model_merge()).
 *
 *	learn_corpus() trains from scratch or on top of a model on a set of
 *	labelled vectors: epochs passes in an order shuffled by seed, the
 *	learning rate decaying over the passes; the same code the bench
 *	measures (bench/DETECTION.md).  With bags > 1 it does that bags
 *	times from the same start, each in its own order, and keeps the
 *	average of the weights (bagging over the order): one SGD run's
 *	weights depend on the order it saw the mail in, and that noise is
 *	what puts a few ham messages far up the score and so sets the
 *	cutoff; the average is one linear model of the same size and speed.
 *	A vector whose size is not the model's is skipped and not counted
 *	(learn_train() likewise returns 0 for it).
 *
 * STATE
 *	learn_model_save() writes the model as bytes: "SLRN", a version,
 *	bits, counters, the bias and the weights as little-endian float32
 *	(4 MiB for 20 bits).  learn_model_load() checks all of it and
 *	returns 0, or -1 with *error_r (static) for bytes that are not a
 *	model of this version.  The version changes with the features (2:
 *	the features above; 1 read headers, HTML tags and 4-grams), since
 *	a model's weights mean nothing to other features.  learn_store.c keeps them in the store.
 *
 * OWNERSHIP
 *	struct learn_fv and struct learn_model are the caller's:
 *	learn_fv_free(), learn_model_free().  learn_features() only reads
 *	its input.  A model is not locked: scanners share one read-only
 *	model, and a learner works on its own copy.
 */
#ifndef SLUICE_LEARN_H
#define SLUICE_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct mime_tree;
struct mime_limits;

#define LEARN_BITS 20         /* 1M buckets, 4 MiB of weights */
#define LEARN_BITS_MIN 10     /* the sizes a model may have */
#define LEARN_BITS_MAX 24
#define LEARN_TEXT_MAX 32768  /* bytes of decoded text read */
#define LEARN_THICK 2.5       /* train-on-error margin, in log odds */

enum learn_class { LEARN_HAM = 0, LEARN_SPAM = 1 };

enum learn_mode { LEARN_TRAIN_ALL = 0, LEARN_TRAIN_ON_ERROR };

/* What learn_features() reads. */
struct learn_input {
    const char *raw; /* header block, empty line, body */
    size_t len;
    size_t body_off;
    const struct mime_tree *mime; /* NULL: only headers are read */
};

/* A feature vector: distinct buckets and their values. */
struct learn_fv {
    uint32_t *idx;
    float *val;
    size_t n, cap;
    unsigned bits;
    uint64_t *seen; /* 1 << bits bits: which buckets are in idx */
    float norm;     /* 1 / length of the vector, set by learn_features */
};

struct learn_model {
    unsigned bits;
    float *w; /* 1 << bits */
    float bias;
    unsigned long long nspam, nham; /* messages that changed the model */
};

/* Training parameters (learn_corpus); learn_params_default() fills it. */
struct learn_params {
    double rate;     /* learning rate of the first epoch */
    double l2;       /* weight decay per step */
    int epochs;
    int bags;        /* models averaged (1: one) */
    unsigned seed;   /* bag k shuffles with seed + k * LEARN_BAG_SEED */
};

#define LEARN_BAG_SEED 7919u

typedef void (*learn_name_cb)(uint32_t idx, const char *name, size_t len,
                              void *arg);

void learn_fv_init(struct learn_fv *fv, unsigned bits);
void learn_fv_reset(struct learn_fv *fv);
void learn_fv_free(struct learn_fv *fv);
/*
 * Add one feature (a name hashed with a group seed, or a hash made by the
 * caller) with a value; a repeat is ignored.  Both return the bucket.
 */
uint64_t learn_hash(uint32_t seed, const char *s, size_t len);
uint32_t learn_fv_add(struct learn_fv *fv, uint32_t seed, const char *s,
                      size_t len, float val);
uint32_t learn_fv_add_hash(struct learn_fv *fv, uint64_t h, float val);
/* A copy of fv's idx/val without the bitmap (for a corpus in memory). */
void learn_fv_copy(struct learn_fv *dst, const struct learn_fv *src);

void learn_features(const struct learn_input *in, struct learn_fv *fv,
                    learn_name_cb name_cb, void *arg);
/*
 * A message from a file (sluicectl, the bench, tests): a leading mbox
 * "From " line is dropped, the body found after the first empty line,
 * the MIME tree parsed with lim, then learn_features().
 */
void learn_message(const char *raw, size_t len, const struct mime_limits *lim,
                   struct learn_fv *fv, learn_name_cb name_cb, void *arg);

int learn_model_new(unsigned bits, struct learn_model **m_r,
                    const char **error_r);
void learn_model_free(struct learn_model *m);
struct learn_model *learn_model_dup(const struct learn_model *m);
double learn_margin(const struct learn_model *m, const struct learn_fv *fv);
double learn_prob(double margin);
int learn_train(struct learn_model *m, const struct learn_fv *fv,
                enum learn_class cls, enum learn_mode mode);
void learn_params_default(struct learn_params *p);
void learn_corpus(struct learn_model *m, const struct learn_fv *fvs,
                  const unsigned char *cls, size_t n,
                  const struct learn_params *p);
/* dst += (mine - base), bucket by bucket; all three of one size. */
void learn_model_merge(struct learn_model *dst, const struct learn_model *base,
                       const struct learn_model *mine);

int learn_model_save(const struct learn_model *m, struct strbuf *out);
int learn_model_load(const void *data, size_t len, struct learn_model **m_r,
                     const char **error_r);

#endif
