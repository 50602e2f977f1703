/*
 * sarules_fuzz - libFuzzer target for sluice-content's rule reader: the
 *	input is a rule file in SpamAssassin's syntax (content_sa.c:
 *	conditionals, rule lines, ReplaceTags, tflags), compiled
 *	(content_rules.c: patterns, fuzzy letters, metas and their order);
 *	the input's first line is also evaluated as an if-expression.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_errors errs = {0};
    struct rules *r = rules_new(NULL);
    const char *nl;
    char *first;
    int v;

    sa_read_buffer(r, (const char *)data, size, "fuzz.cf", size % 2, &errs);
    rules_finish(r, 0, &errs);
    rules_free(r);
    cfg_errors_free(&errs);
    nl = memchr(data, '\n', size);
    first = xstrndup((const char *)data,
                     nl ? (size_t)(nl - (const char *)data) : size);
    sa_if_eval(first, 4.000001, &v);
    free(first);
    return 0;
}
