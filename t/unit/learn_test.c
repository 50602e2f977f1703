/*
 * learn_test - the classifier (learn.h): the tokeniser on every message
 *	of the third-party MIME corpora without a crash, learning moves the
 *	score the right way, train-on-error learns only errors, corpus
 *	training averages its bags, the model
 *	as bytes round-trips and refuses damage, and the fixed sample of
 *	t/data/learn (100 spam, 100 ham of the SpamAssassin corpus's
 *	training groups) trains on one half and scores the other above a
 *	recall floor and under a false-positive ceiling.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../tap.h"
#include "learn.h"
#include "mime.h"
#include "util.h"

static const struct mime_limits lim = {20, 500, 16 << 20};

static char *slurp(const char *path, size_t *len_r)
{
    const char *why;

    return file_read(path, 0, len_r, &why);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir (recursively), sorted; caller frees. */
static size_t list_files(const char *dir, char ***v_r, size_t n)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    if (d == NULL)
        return n;
    while ((e = readdir(d)) != NULL) {
        char *p;
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        p = xasprintf("%s/%s", dir, e->d_name);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            n = list_files(p, v_r, n);
            free(p);
        } else if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
            *v_r = xrealloc(*v_r, (n + 1) * sizeof(char *));
            (*v_r)[n++] = p;
        } else {
            free(p);
        }
    }
    closedir(d);
    return n;
}

static int features_of(const char *path, struct learn_fv *fv)
{
    size_t len;
    char *raw = slurp(path, &len);

    if (raw == NULL)
        return -1;
    learn_message(raw, len, &lim, fv, NULL, NULL);
    free(raw);
    return 0;
}

/* Every file of the MIME corpora: features without a crash, bounded. */
static void test_corpora(const char *testdata)
{
    static const char *const dirs[] = {"mime-mime4j", "mime-mimekit",
                                       "mime-python-email", "mime-rspamd",
                                       "spamassassin-samples"};
    struct learn_fv fv;
    size_t total = 0, empty = 0, files = 0;
    clock_t t0 = clock();

    learn_fv_init(&fv, LEARN_BITS);
    for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
        char *dir = xasprintf("%s/%s", testdata, dirs[d]);
        char **v = NULL;
        size_t n = list_files(dir, &v, 0);

        qsort(v, n, sizeof(*v), name_cmp);
        for (size_t i = 0; i < n; i++) {
            if (features_of(v[i], &fv) == 0) {
                files++;
                total += fv.n;
                empty += fv.n == 0;
            }
            free(v[i]);
        }
        ok(n > 0, "corpus %s: %zu files read", dirs[d], n);
        free(v);
        free(dir);
    }
    ok(files > 300 && empty == 0,
       "every corpus file gives features (%zu files, %zu features, %zu "
       "empty)",
       files, total, empty);
    ok((double)(clock() - t0) / CLOCKS_PER_SEC < 60,
       "the corpora are read within 60 s of CPU");
    learn_fv_free(&fv);
}

static const char spam_msg[] =
    "From: \"Best Deals\" <deals@cheap.example>\r\n"
    "Subject: FREE money now!!! Act today\r\n"
    "Content-Type: text/html\r\n\r\n"
    "<html><body><font color=red>Make MONEY fast</font> click "
    "<a href=\"http://cheap.example/buy\">here</a> to claim your FREE "
    "prize. Limited offer, act now!</body></html>\r\n";
static const char ham_msg[] =
    "From: Anna <anna@uni.example>\r\n"
    "Subject: Minutes of the seminar on Tuesday\r\n\r\n"
    "Hi all, attached are the minutes of Tuesday's seminar on compiler\r\n"
    "construction. Next week we meet in room 204 to discuss the parser.\r\n";

static void fv_of(const char *raw, struct learn_fv *fv)
{
    learn_message(raw, strlen(raw), &lim, fv, NULL, NULL);
}

static void test_direction(void)
{
    struct learn_model *m;
    struct learn_fv s, h;
    const char *err;
    double s0, s1, h0, h1;

    learn_fv_init(&s, LEARN_BITS);
    learn_fv_init(&h, LEARN_BITS);
    fv_of(spam_msg, &s);
    fv_of(ham_msg, &h);
    ok(learn_model_new(LEARN_BITS, &m, &err) == 0, "a new model");
    s0 = learn_margin(m, &s);
    h0 = learn_margin(m, &h);
    ok(s0 == 0 && h0 == 0, "an empty model scores 0 (probability 0.5)");
    learn_train(m, &s, LEARN_SPAM, LEARN_TRAIN_ALL);
    s1 = learn_margin(m, &s);
    ok(s1 > s0, "learning spam raises its score (%.3f -> %.3f)", s0, s1);
    learn_train(m, &h, LEARN_HAM, LEARN_TRAIN_ALL);
    h1 = learn_margin(m, &h);
    ok(h1 < learn_margin(m, &s), "learning ham puts it below the spam "
                                 "(%.3f < %.3f)",
       h1, learn_margin(m, &s));
    ok(learn_prob(learn_margin(m, &s)) > 0.5 && learn_prob(h1) < 0.5,
       "spam above 0.5, ham below");
    ok(m->nspam == 1 && m->nham == 1, "counters: 1 spam, 1 ham");
    learn_model_free(m);
    learn_fv_free(&s);
    learn_fv_free(&h);
}

static void test_on_error(void)
{
    struct learn_model *m, *before;
    struct learn_fv s, h;
    const char *err;
    int r;

    learn_fv_init(&s, LEARN_BITS);
    learn_fv_init(&h, LEARN_BITS);
    fv_of(spam_msg, &s);
    fv_of(ham_msg, &h);
    learn_model_new(LEARN_BITS, &m, &err);
    r = learn_train(m, &s, LEARN_SPAM, LEARN_TRAIN_ON_ERROR);
    ok(r == 1 && learn_margin(m, &s) >= LEARN_THICK,
       "train on error: an unknown spam is learned up to the margin "
       "(%.2f)",
       learn_margin(m, &s));
    before = learn_model_dup(m);
    r = learn_train(m, &s, LEARN_SPAM, LEARN_TRAIN_ON_ERROR);
    ok(r == 0 && memcmp(m->w, before->w, sizeof(float) << m->bits) == 0 &&
           m->nspam == 1,
       "train on error: the same spam again changes nothing");
    r = learn_train(m, &s, LEARN_HAM, LEARN_TRAIN_ON_ERROR);
    ok(r == 1 && learn_margin(m, &s) <= -LEARN_THICK && m->nham == 1,
       "train on error: the spam taught as ham (a false positive) is "
       "learned (%.2f)",
       learn_margin(m, &s));
    learn_model_free(before);
    learn_model_free(m);
    learn_fv_free(&s);
    learn_fv_free(&h);
}

/*
 * learn_corpus() with bags averages that many runs from the same start,
 * each shuffled with its own seed, and counts each message once.
 */
static void test_bags(void)
{
    static const char *const texts[] = {
        "Subject: cheap pills\n\nBuy cheap pills now, best price online.\n",
        "Subject: lunch\n\nShall we have lunch on Friday at noon?\n",
        "Subject: you won\n\nYou have won a prize, click here to claim it.\n",
        "Subject: minutes\n\nThe minutes of the meeting are attached below.\n",
        "Subject: offer\n\nLimited offer: double your income from home.\n",
        "Subject: patch\n\nThe patch fixes the build on the old compiler.\n",
    };
    enum { N = sizeof(texts) / sizeof(texts[0]), BAGS = 3 };
    struct learn_fv fv[N];
    unsigned char cls[N];
    struct learn_model *base, *bag, *one, *avg = NULL;
    struct learn_params p;
    const char *err;
    double maxdiff = 0, bdiff = 0, sumb = 0;
    size_t nw = (size_t)1 << LEARN_BITS, differ = 0;
    double *sum = xcalloc(nw, sizeof(*sum));

    for (size_t i = 0; i < N; i++) {
        learn_fv_init(&fv[i], LEARN_BITS);
        fv_of(texts[i], &fv[i]);
        cls[i] = i % 2 == 0;
    }
    learn_model_new(LEARN_BITS, &base, &err);
    learn_train(base, &fv[0], LEARN_SPAM, LEARN_TRAIN_ALL); /* a start */
    learn_params_default(&p);
    ok(p.bags > 1, "corpus training averages %d bags by default", p.bags);
    p.epochs = 2;
    p.bags = BAGS;
    bag = learn_model_dup(base);
    learn_corpus(bag, fv, cls, N, &p);
    for (int k = 0; k < BAGS; k++) {
        struct learn_params q = p;

        q.bags = 1;
        q.seed = p.seed + LEARN_BAG_SEED * (unsigned)k;
        one = learn_model_dup(base);
        learn_corpus(one, fv, cls, N, &q);
        for (size_t i = 0; i < nw; i++)
            sum[i] += one->w[i];
        sumb += one->bias;
        if (k == 0)
            avg = learn_model_dup(one);
        learn_model_free(one);
    }
    for (size_t i = 0; i < nw; i++) {
        double d = sum[i] / BAGS - bag->w[i];

        maxdiff = d > maxdiff ? d : -d > maxdiff ? -d : maxdiff;
        differ += avg->w[i] != bag->w[i];
    }
    bdiff = sumb / BAGS - bag->bias;
    ok(maxdiff < 1e-5 && bdiff < 1e-5 && bdiff > -1e-5,
       "%d bags: the weights are the average of %d single runs from the "
       "same start (largest difference %.2g)",
       BAGS, BAGS, maxdiff);
    ok(differ > 0, "and not a single run (%zu weights differ from the "
                   "first bag's)",
       differ);
    ok(bag->nspam == base->nspam + 3 && bag->nham == base->nham + 3,
       "each message counted once, not once per bag (%llu spam, %llu ham)",
       bag->nspam, bag->nham);
    ok(learn_margin(bag, &fv[2]) > 0 && learn_margin(bag, &fv[3]) < 0,
       "the average still puts spam above 0 and ham below");
    {
        /* A stored model of another size: its vectors are not learned. */
        struct learn_model *small;
        size_t nz = 0;

        learn_model_new(12, &small, &err);
        learn_corpus(small, fv, cls, N, &p);
        for (size_t i = 0; i < ((size_t)1 << 12); i++)
            nz += small->w[i] != 0;
        ok(nz == 0 && small->bias == 0 && small->nspam == 0 && small->nham == 0,
           "a 12-bit model learns nothing from 20-bit vectors (and writes "
           "nowhere)");
        learn_model_free(small);
    }
    free(sum);
    learn_model_free(avg);
    learn_model_free(bag);
    learn_model_free(base);
    for (size_t i = 0; i < N; i++)
        learn_fv_free(&fv[i]);
}

static void test_bytes(void)
{
    struct learn_model *m, *l = NULL;
    struct learn_fv s;
    struct strbuf b;
    const char *err = NULL;
    int r;

    learn_fv_init(&s, LEARN_BITS);
    fv_of(spam_msg, &s);
    learn_model_new(LEARN_BITS, &m, &err);
    learn_train(m, &s, LEARN_SPAM, LEARN_TRAIN_ON_ERROR);
    strbuf_init(&b, 0);
    err = learn_model_save(m, &b) == 0 ? NULL : "failed";
    ok(err == NULL && b.len == 40 + (4u << LEARN_BITS), "saved: %zu bytes",
       b.len);
    ok(learn_model_load(b.data, b.len, &l, &err) == 0 && l->bits == m->bits &&
           memcmp(l->w, m->w, sizeof(float) << m->bits) == 0 &&
           l->bias == m->bias && l->nspam == 1,
       "loaded back: the same model");
    ok(l != NULL && learn_margin(l, &s) == learn_margin(m, &s),
       "the loaded model scores the same");
    learn_model_free(l);
    l = NULL;
    r = learn_model_load(b.data, b.len - 1, &l, &err);
    ok(r < 0 && l == NULL, "a truncated model is refused: %s", err);
    b.data[0] = 'X';
    r = learn_model_load(b.data, b.len, &l, &err);
    ok(r < 0, "bad magic refused: %s", err);
    b.data[0] = 'S';
    b.data[4] = 1; /* version 1: the features before issue 12 */
    r = learn_model_load(b.data, b.len, &l, &err);
    ok(r < 0 && strstr(err, "version") != NULL,
       "a model of the old features is refused: %s", err);
    b.data[4] = 2;
    memcpy(b.data + 40, "\xff\xff\xff\x7f", 4); /* a NaN weight */
    r = learn_model_load(b.data, b.len, &l, &err);
    ok(r < 0, "a NaN weight refused: %s", err);
    strbuf_free(&b);
    learn_model_free(m);
    learn_fv_free(&s);
}

/* The fixed sample: even-numbered files train, odd ones are scored. */
static void test_sample(const char *srcdir)
{
    struct learn_fv *fvs = NULL, scratch;
    unsigned char *cls = NULL;
    struct learn_params p;
    struct learn_model *m;
    const char *err;
    size_t n = 0, ntr = 0, tp = 0, fp = 0, ns = 0, nh = 0, pairs = 0;
    double sm[100], hm[100], wins = 0;

    learn_fv_init(&scratch, LEARN_BITS);
    for (int c = 0; c < 2; c++) {
        char *dir = xasprintf("%s/t/data/learn/%s", srcdir, c ? "spam" : "ham");
        char **v = NULL;
        size_t k = list_files(dir, &v, 0);

        qsort(v, k, sizeof(*v), name_cmp);
        ok(k == 100, "sample %s: %zu messages", c ? "spam" : "ham", k);
        for (size_t i = 0; i < k; i++) {
            fvs = xrealloc(fvs, (n + 1) * sizeof(*fvs));
            cls = xrealloc(cls, n + 1);
            features_of(v[i], &scratch);
            learn_fv_copy(&fvs[n], &scratch);
            cls[n++] = (unsigned char)(c * 2 + (i % 2)); /* class, half */
            free(v[i]);
        }
        free(v);
        free(dir);
    }
    /* Training half first (class in bit 1, half in bit 0). */
    {
        struct learn_fv *tr = xmalloc(n * sizeof(*tr));
        unsigned char *tc = xmalloc(n);

        for (size_t i = 0; i < n; i++)
            if ((cls[i] & 1) == 0) {
                tr[ntr] = fvs[i];
                tc[ntr++] = cls[i] >> 1;
            }
        learn_params_default(&p);
        learn_model_new(LEARN_BITS, &m, &err);
        learn_corpus(m, tr, tc, ntr, &p);
        free(tr);
        free(tc);
    }
    for (size_t i = 0; i < n; i++) {
        double pr;

        if ((cls[i] & 1) == 0)
            continue;
        pr = learn_prob(learn_margin(m, &fvs[i]));
        if (cls[i] >> 1 && ns < 100) {
            sm[ns++] = pr;
            tp += pr >= 0.5;
        } else if (nh < 100) {
            hm[nh++] = pr;
            fp += pr >= 0.5;
        }
    }
    for (size_t i = 0; i < ns; i++)
        for (size_t j = 0; j < nh; j++, pairs++)
            wins += sm[i] > hm[j] ? 1 : sm[i] == hm[j] ? 0.5 : 0;
    ok(pairs > 0 && wins / pairs >= 0.96,
       "sample: AUC %.3f (floor 0.96)", pairs ? wins / pairs : 0);
    ok(ntr == 100 && ns == 50 && nh == 50, "sample: 100 train, 50+50 held out");
    ok(tp >= 44, "sample: recall %zu/50 at probability 0.5 (floor 44)", tp);
    ok(fp <= 6, "sample: %zu/50 ham false positives, 13 of them hard ham "
                "(ceiling 6)", fp);
    for (size_t i = 0; i < n; i++)
        learn_fv_free(&fvs[i]);
    free(fvs);
    free(cls);
    learn_model_free(m);
    learn_fv_free(&scratch);
}

int main(void)
{
    const char *srcdir = getenv("top_srcdir");
    const char *testdata = getenv("SLUICE_TESTDATA");

    mime_init();
    test_direction();
    test_on_error();
    test_bags();
    test_bytes();
    test_sample(srcdir ? srcdir : ".");
    test_corpora(testdata ? testdata : "../shared/testdata");
    return done_testing();
}
