/*
 * rtf_fuzz - libFuzzer target for attach_rtf_has_object(): any bytes,
 *	any length; the scanner must stay in bounds and answer 0 or 1.
 *	Built by "make fuzz" (CC=clang); replayed over t/fuzz/corpus/rtf by
 *	"make check" through t/fuzz/replay.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int r = attach_rtf_has_object(data, size);

    if (r != 0 && r != 1)
        abort();
    return 0;
}
