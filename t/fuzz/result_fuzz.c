/*
 * result_fuzz - libFuzzer target for the X-Sluice-Result reader: the input
 *	(NUL-terminated) goes to result_parse() and to result_verify() with
 *	two secrets.  A value that parses is formatted again with the
 *	current secret and must then verify under the same qid and carry
 *	the same symbols (round trip); anything else aborts.  Built by
 *	"make fuzz" (CC=clang); replayed over t/fuzz/corpus/result by
 *	"make check" through t/fuzz/replay.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct secret fuzz_cur = {
    (unsigned char *)"0123456789abcdef0123456789abcdef", 32};
static struct secret fuzz_prev = {
    (unsigned char *)"the previous secret, 32 bytes ok!", 33};

/* Format r again and check that it reads back the same. */
static void fuzz_round_trip(const struct result *r)
{
    struct result back;
    const char *why;
    char *v = result_format(r, &fuzz_cur);
    size_t i;

    if (result_verify(v, r->qid, &fuzz_cur, NULL, &back, &why) != 0)
        abort();
    if (back.n != r->n || strcmp(back.milter, r->milter) != 0)
        abort();
    for (i = 0; i < r->n; i++)
        if (strcmp(back.sym[i].name, r->sym[i].name) != 0 ||
            (back.sym[i].detail == NULL) != (r->sym[i].detail == NULL))
            abort();
    result_free(&back);
    free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = xstrndup((const char *)data, size);
    struct result r;
    const char *why;

    if (result_parse(value, &r, &why) == 0) {
        fuzz_round_trip(&r);
        result_free(&r);
    }
    if (result_verify(value, "4XyZ1", &fuzz_cur, &fuzz_prev, &r, &why) == 0)
        result_free(&r);
    if (result_verify(value, NULL, NULL, NULL, &r, &why) == 0)
        abort(); /* no secret: nothing is trustworthy */
    free(value);
    return 0;
}
