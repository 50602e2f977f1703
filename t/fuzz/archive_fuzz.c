/*
 * archive_fuzz - libFuzzer target for the archive and Office scanners:
 *	the input goes to attach_archive_scan() (libcommon/arc*.c: libarchive,
 *	TNEF, a zip's central directory; with passwords, small
 *	bounds and a deadline) and to attach_office_has_macro().  Findings
 *	are expected; crashes, leaks, hangs and sanitizer reports are not.
 *	Built by "make fuzz" (CC=clang); replayed over t/fuzz/corpus/archive
 *	by "make check" through t/fuzz/replay.c.
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "attach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_banned[] = {"exe", "js"};
static char fuzz_pw1[] = "s3cr3t!", fuzz_pw2[] = "infected";
static char *fuzz_pw[] = {fuzz_pw1, fuzz_pw2};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    struct attach_conf c;
    struct attach_scan s;
    struct timespec ts;

    if (!init++)
        setlocale(LC_CTYPE, "C.UTF-8");
    memset(&c, 0, sizeof(c));
    c.banned_extensions.n = 2;
    c.banned_extensions.v = fuzz_banned;
    c.archive_max_depth = 3;
    c.archive_max_entries = 200;
    c.archive_max_total = 8 * 1024 * 1024;
    c.archive_max_ratio = 100;
    c.archive_max_layers = 3;
    c.password_max_tries = 2;
    memset(&s, 0, sizeof(s));
    s.conf = &c;
    s.qid = "FUZZ";
    s.passwords = fuzz_pw;
    s.npasswords = 2;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s.arc.deadline = ts.tv_sec + ts.tv_nsec / 1e9 + 2.0;
    attach_archive_scan(&s, "fuzz.zip", data, size, 0, 0);
    attach_office_has_macro(data, size, NULL);
    s.passwords = NULL; /* static, not ours to free */
    s.npasswords = 0;
    attach_scan_free(&s);
    return 0;
}
