/*
 * cfg_fuzz - libFuzzer target for the configuration reader: the input is
 *	written to a file in a private temporary directory and loaded by
 *	cfg_load() with the [common] and [attach] key tables; a file that
 *	loads goes through common_check(), attach setup/teardown and
 *	cfg_dump().  Errors are expected; crashes, leaks, hangs and
 *	sanitizer reports are not.  Built by "make fuzz" (CC=clang);
 *	replayed over t/fuzz/corpus/cfg by "make check" through
 *	t/fuzz/replay.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "common.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path[4096];
static FILE *fuzz_null;

/* Log lines go nowhere (before log_open() they go to stderr). */
static void fuzz_quiet(void)
{
    const struct log_conf lc = {NULL, "/dev/null", NULL, 0, 0};
    const char *error;

    if (log_open("fuzz", &lc, &error) < 0)
        abort();
}

/* Remove the file and its directory at exit. */
static void fuzz_cleanup(void)
{
    char *slash;

    remove(fuzz_path);
    if ((slash = strrchr(fuzz_path, '/')) != NULL) {
        *slash = '\0';
        rmdir(fuzz_path);
    }
}

static void fuzz_init(void)
{
    char tmpl[] = "/tmp/sluice-cfg-fuzz.XXXXXX";
    const char *dir = mkdtemp(tmpl);

    if (dir == NULL || (fuzz_null = fopen("/dev/null", "w")) == NULL)
        abort();
    snprintf(fuzz_path, sizeof(fuzz_path), "%s/sluice.conf", dir);
    atexit(fuzz_cleanup);
    fuzz_quiet();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const known[] = {"milter", "spf", NULL};
    const struct cfg_section *secs[] = {&common_section, &attach_section};
    struct cfg_errors errs = {0};
    struct cfg *c;
    void *st = NULL;
    FILE *f;

    if (fuzz_path[0] == '\0')
        fuzz_init();
    if ((f = fopen(fuzz_path, "wb")) == NULL)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    c = cfg_load(fuzz_path, secs, 2, known, &errs);
    if (c == NULL && errs.n == 0)
        abort(); /* a refusal always says why */
    if (c != NULL) {
        common_check(c, &errs);
        if (attach_module.setup(c, &st, &errs) == 0)
            attach_module.teardown(st);
        cfg_dump(c, fuzz_null);
        cfg_release(c);
    }
    cfg_errors_free(&errs);
    return 0;
}
