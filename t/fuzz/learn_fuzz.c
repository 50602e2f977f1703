/*
 * learn_fuzz - libFuzzer target for the classifier's readers of hostile
 *	bytes (libcommon learn*): the input is a whole message, read as
 *	the content milter and sluicectl read it (learn_message(): the
 *	header block, MIME parse, HTML to text, a list's footer and subject
 *	tag cut, words, n-grams, URLs, scripts), once without and once with
 *	the feature-name callback sluicectl classify uses; the vector must
 *	stay in its buckets with finite values and a finite norm.  The same
 *	bytes are then offered to learn_model_load() as a stored model.
 *	Built by "make fuzz" (CC=clang); replayed over t/fuzz/corpus/learn
 *	by "make check" through t/fuzz/replay.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "learn.h"
#include "mime.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mime_limits fuzz_lim = {6, 40, 256 * 1024};

static void fuzz_name(uint32_t idx, const char *name, size_t len, void *arg)
{
    size_t *n = arg;

    if (idx >= (1u << LEARN_BITS) || name == NULL || strlen(name) < len)
        abort();
    (*n)++;
}

static void fuzz_check(const struct learn_fv *fv)
{
    if (!isfinite(fv->norm) || fv->norm <= 0)
        abort();
    for (size_t i = 0; i < fv->n; i++)
        if (fv->idx[i] >= (1u << LEARN_BITS) || !isfinite(fv->val[i]))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct learn_fv fv;
    struct learn_model *m = NULL;
    const char *err;
    size_t names = 0;

    if (!init) {
        mime_init();
        init = 1;
    }
    learn_fv_init(&fv, LEARN_BITS);
    learn_message((const char *)data, size, &fuzz_lim, &fv, NULL, NULL);
    fuzz_check(&fv);
    learn_message((const char *)data, size, &fuzz_lim, &fv, fuzz_name, &names);
    fuzz_check(&fv);
    if (fv.n > 0 && names == 0)
        abort();
    learn_fv_free(&fv);
    if (learn_model_load(data, size, &m, &err) == 0)
        learn_model_free(m);
    else if (err == NULL)
        abort();
    return 0;
}
