/*
 * learn_model - the classifier's model: hashed feature vectors, an online
 * logistic regression, and the model as bytes.
 *
 * DESCRIPTION
 *	See learn.h (FEATURES, MODEL, STATE).  Feature names are hashed with
 *	a 64-bit FNV-1a and a final mix, seeded per feature group so that
 *	"viagra" as a body word and as a subject word are two features.
 *	A vector keeps its buckets in order of arrival; a bitmap of the
 *	buckets seen makes a repeat cost one test, and is cleared bucket by
 *	bucket at the next reset (never the whole 128 KiB).
 *
 *	learn_train() is stochastic gradient descent on the logistic loss
 *	with the vector normalised to unit length.  The step is scaled by
 *	LEARN_RATE; the bias learns at a tenth of it, so that a run of one
 *	class moves the weights of what it says more than the prior.
 *
 * OWNERSHIP
 *	See learn.h.
 */
#include "learn.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LEARN_RATE 0.5      /* online step for feedback */
#define LEARN_MAGIC "SLRN"
#define LEARN_VERSION 2u /* the features' version, see learn.h */
#define LEARN_HDR_LEN 40u   /* magic, version, bits, nspam, nham, bias... */
#define LEARN_WMAX 1000.0f  /* weights are clipped, loaded ones checked */

void learn_fv_init(struct learn_fv *fv, unsigned bits)
{
    memset(fv, 0, sizeof(*fv));
    fv->bits = bits;
    fv->seen = xcalloc(((size_t)1 << bits) / 64 + 1, sizeof(uint64_t));
    fv->norm = 1.0f;
}

void learn_fv_reset(struct learn_fv *fv)
{
    if (fv->seen != NULL)
        for (size_t i = 0; i < fv->n; i++)
            fv->seen[fv->idx[i] >> 6] = 0;
    fv->n = 0;
    fv->norm = 1.0f;
}

void learn_fv_free(struct learn_fv *fv)
{
    free(fv->idx);
    free(fv->val);
    free(fv->seen);
    memset(fv, 0, sizeof(*fv));
}

uint64_t learn_hash(uint32_t seed, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)seed * 0x9e3779b97f4a7c15ULL);

    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint32_t learn_fv_add_hash(struct learn_fv *fv, uint64_t h, float val)
{
    uint32_t i;
    uint64_t bit;

    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    i = (uint32_t)h & (((uint32_t)1 << fv->bits) - 1);
    bit = (uint64_t)1 << (i & 63);
    if (fv->seen[i >> 6] & bit)
        return i;
    fv->seen[i >> 6] |= bit;
    if (fv->n == fv->cap) {
        fv->cap = fv->cap ? 2 * fv->cap : 1024;
        fv->idx = xrealloc(fv->idx, fv->cap * sizeof(*fv->idx));
        fv->val = xrealloc(fv->val, fv->cap * sizeof(*fv->val));
    }
    fv->idx[fv->n] = i;
    fv->val[fv->n++] = val;
    return i;
}

uint32_t learn_fv_add(struct learn_fv *fv, uint32_t seed, const char *s,
                      size_t len, float val)
{
    return learn_fv_add_hash(fv, learn_hash(seed, s, len), val);
}

void learn_fv_copy(struct learn_fv *dst, const struct learn_fv *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->bits = src->bits;
    dst->n = dst->cap = src->n;
    dst->norm = src->norm;
    dst->idx = xmalloc((src->n ? src->n : 1) * sizeof(*dst->idx));
    dst->val = xmalloc((src->n ? src->n : 1) * sizeof(*dst->val));
    memcpy(dst->idx, src->idx, src->n * sizeof(*dst->idx));
    memcpy(dst->val, src->val, src->n * sizeof(*dst->val));
}

int learn_model_new(unsigned bits, struct learn_model **m_r,
                    const char **error_r)
{
    struct learn_model *m;

    if (bits < LEARN_BITS_MIN || bits > LEARN_BITS_MAX) {
        *error_r = "model size out of range (10 to 24 bits)";
        return -1;
    }
    m = xcalloc(1, sizeof(*m));
    m->bits = bits;
    m->w = xcalloc((size_t)1 << bits, sizeof(float));
    *m_r = m;
    return 0;
}

void learn_model_free(struct learn_model *m)
{
    if (m == NULL)
        return;
    free(m->w);
    free(m);
}

struct learn_model *learn_model_dup(const struct learn_model *m)
{
    struct learn_model *d = xmalloc(sizeof(*d));
    size_t n = (size_t)1 << m->bits;

    *d = *m;
    d->w = xmalloc(n * sizeof(float));
    memcpy(d->w, m->w, n * sizeof(float));
    return d;
}

double learn_margin(const struct learn_model *m, const struct learn_fv *fv)
{
    double s = 0;

    if (fv->bits != m->bits)
        return m->bias;
    for (size_t i = 0; i < fv->n; i++)
        s += (double)m->w[fv->idx[i]] * fv->val[i];
    return m->bias + s * fv->norm;
}

double learn_prob(double margin)
{
    if (margin > 40)
        return 1.0;
    if (margin < -40)
        return 0.0;
    return 1.0 / (1.0 + exp(-margin));
}

static float learn_clip(double w)
{
    return w > LEARN_WMAX ? LEARN_WMAX : w < -LEARN_WMAX ? -LEARN_WMAX : (float)w;
}

/* One gradient step of size rate on the logistic loss. */
static void learn_step(struct learn_model *m, const struct learn_fv *fv,
                       enum learn_class cls, double rate, double l2)
{
    double g = (cls == LEARN_SPAM ? 1.0 : 0.0) - learn_prob(learn_margin(m, fv));
    double k = rate * g * fv->norm;

    for (size_t i = 0; i < fv->n; i++) {
        float *w = &m->w[fv->idx[i]];

        *w = learn_clip(*w * (1.0 - l2) + k * fv->val[i]);
    }
    m->bias = learn_clip(m->bias + rate * g * 0.1);
}

int learn_train(struct learn_model *m, const struct learn_fv *fv,
                enum learn_class cls, enum learn_mode mode)
{
    double y = cls == LEARN_SPAM ? 1.0 : -1.0;

    if (fv->bits != m->bits)
        return 0;
    if (mode == LEARN_TRAIN_ON_ERROR) {
        /* Thick threshold: a few steps until the margin is safe. */
        int changed = 0;

        for (int i = 0; i < 8 && y * learn_margin(m, fv) < LEARN_THICK; i++) {
            learn_step(m, fv, cls, LEARN_RATE * 4, 0);
            changed = 1;
        }
        if (!changed)
            return 0;
    } else {
        learn_step(m, fv, cls, LEARN_RATE, 0);
    }
    if (cls == LEARN_SPAM)
        m->nspam++;
    else
        m->nham++;
    return 1;
}

void learn_params_default(struct learn_params *p)
{
    p->rate = 32.0;
    p->l2 = 0;
    p->epochs = 4;
    p->bags = 16;
    p->seed = 12345;
}

static unsigned learn_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* One model: epochs shuffled passes over the corpus, on top of m. */
static void learn_pass(struct learn_model *m, const struct learn_fv *fvs,
                       const unsigned char *cls, size_t n,
                       const struct learn_params *p, unsigned seed)
{
    size_t *order = xmalloc((n ? n : 1) * sizeof(*order));

    for (size_t i = 0; i < n; i++)
        order[i] = i;
    for (int e = 0; e < p->epochs; e++) {
        double rate = p->rate / (1.0 + e);

        for (size_t i = n; i > 1; i--) {
            size_t j = learn_rand(&seed) % i, t = order[i - 1];

            order[i - 1] = order[j];
            order[j] = t;
        }
        for (size_t i = 0; i < n; i++) {
            const struct learn_fv *fv = &fvs[order[i]];

            /* A vector of another size than the model is not learned. */
            if (fv->bits == m->bits)
                learn_step(m, fv, cls[order[i]] ? LEARN_SPAM : LEARN_HAM, rate,
                           p->l2);
        }
    }
    free(order);
}

void learn_corpus(struct learn_model *m, const struct learn_fv *fvs,
                  const unsigned char *cls, size_t n,
                  const struct learn_params *p)
{
    int bags = p->bags > 1 ? p->bags : 1;

    if (bags == 1) {
        learn_pass(m, fvs, cls, n, p, p->seed);
    } else {
        /* The average of the bags, each from m with its own order. */
        size_t nw = (size_t)1 << m->bits;
        double *sum = xcalloc(nw, sizeof(*sum)), bias = 0;
        struct learn_model *b = learn_model_dup(m);

        for (int k = 0; k < bags; k++) {
            memcpy(b->w, m->w, nw * sizeof(*b->w));
            b->bias = m->bias;
            learn_pass(b, fvs, cls, n, p,
                       p->seed + LEARN_BAG_SEED * (unsigned)k);
            for (size_t i = 0; i < nw; i++)
                sum[i] += b->w[i];
            bias += b->bias;
        }
        for (size_t i = 0; i < nw; i++)
            m->w[i] = (float)(sum[i] / bags);
        m->bias = (float)(bias / bags);
        learn_model_free(b);
        free(sum);
    }
    for (size_t i = 0; i < n; i++)
        if (fvs[i].bits != m->bits)
            continue;
        else if (cls[i])
            m->nspam++;
        else
            m->nham++;
}

void learn_model_merge(struct learn_model *dst, const struct learn_model *base,
                       const struct learn_model *mine)
{
    size_t n = (size_t)1 << dst->bits;

    if (base->bits != dst->bits || mine->bits != dst->bits)
        return;
    for (size_t i = 0; i < n; i++)
        if (mine->w[i] != base->w[i])
            dst->w[i] = learn_clip((double)dst->w[i] + mine->w[i] - base->w[i]);
    dst->bias = learn_clip((double)dst->bias + mine->bias - base->bias);
    dst->nspam += mine->nspam - base->nspam;
    dst->nham += mine->nham - base->nham;
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint64_t get64(const unsigned char *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t fbits(float f)
{
    uint32_t u;

    memcpy(&u, &f, 4);
    return u;
}

static float bitsf(uint32_t u)
{
    float f;

    memcpy(&f, &u, 4);
    return f;
}

int learn_model_save(const struct learn_model *m, struct strbuf *out)
{
    size_t n = (size_t)1 << m->bits;
    unsigned char hdr[LEARN_HDR_LEN], b[4096];

    memset(hdr, 0, sizeof(hdr));
    memcpy(hdr, LEARN_MAGIC, 4);
    put32(hdr + 4, LEARN_VERSION);
    put32(hdr + 8, m->bits);
    put64(hdr + 12, m->nspam);
    put64(hdr + 20, m->nham);
    put32(hdr + 28, fbits(m->bias));
    if (strbuf_append(out, hdr, sizeof(hdr)) < 0)
        return -1;
    for (size_t i = 0; i < n; i += sizeof(b) / 4) {
        size_t k = 0;

        for (; k < sizeof(b) / 4 && i + k < n; k++)
            put32(b + 4 * k, fbits(m->w[i + k]));
        if (strbuf_append(out, b, 4 * k) < 0)
            return -1;
    }
    return 0;
}

static int learn_finite(float f)
{
    return isfinite(f) && f <= LEARN_WMAX && f >= -LEARN_WMAX;
}

int learn_model_load(const void *data, size_t len, struct learn_model **m_r,
                     const char **error_r)
{
    const unsigned char *p = data;
    struct learn_model *m;
    unsigned bits;

    if (len < LEARN_HDR_LEN || memcmp(p, LEARN_MAGIC, 4) != 0) {
        *error_r = "not a Sluice classifier model";
        return -1;
    }
    if (get32(p + 4) != LEARN_VERSION) {
        *error_r = "classifier model of another version";
        return -1;
    }
    bits = get32(p + 8);
    /* The size is checked before the weights are allocated. */
    if (bits >= LEARN_BITS_MIN && bits <= LEARN_BITS_MAX &&
        len != LEARN_HDR_LEN + ((size_t)4 << bits)) {
        *error_r = "classifier model truncated or too long";
        return -1;
    }
    if (learn_model_new(bits, &m, error_r) < 0)
        return -1;
    m->nspam = get64(p + 12);
    m->nham = get64(p + 20);
    m->bias = bitsf(get32(p + 28));
    p += LEARN_HDR_LEN;
    for (size_t i = 0; i < (size_t)1 << bits; i++, p += 4)
        m->w[i] = bitsf(get32(p));
    for (size_t i = 0; i < (size_t)1 << bits; i++)
        if (!learn_finite(m->w[i]) || !learn_finite(m->bias)) {
            learn_model_free(m);
            *error_r = "classifier model holds a weight out of range";
            return -1;
        }
    *m_r = m;
    return 0;
}
