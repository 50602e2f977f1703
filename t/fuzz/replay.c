/*
 * replay - a plain-C driver for the libFuzzer targets, so that "make
 *	check" replays each corpus as a regression test without clang:
 *	every file under the given directories (or, without arguments,
 *	under $top_srcdir/t/fuzz/corpus/FUZZ_NAME) goes once through
 *	LLVMFuzzerTestOneInput(); one TAP case per file.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"

#ifndef FUZZ_NAME
#error FUZZ_NAME must name the corpus directory
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void replay_file(const char *path, const char *name)
{
    struct stat st;
    unsigned char *p;
    size_t n;
    FILE *f;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        (f = fopen(path, "rb")) == NULL) {
        ok(0, "%s: readable", name);
        return;
    }
    p = malloc((size_t)st.st_size + 1);
    n = fread(p, 1, (size_t)st.st_size, f);
    fclose(f);
    LLVMFuzzerTestOneInput(p, n);
    free(p);
    ok(1, "%s %s: replayed (%zu bytes)", FUZZ_NAME, name, n);
}

static void replay_dir(const char *dir)
{
    char **names = NULL, path[8192];
    size_t n = 0, i;
    struct dirent *d;
    DIR *dh = opendir(dir);

    if (dh == NULL) {
        ok(0, "corpus %s: opened", dir);
        return;
    }
    while ((d = readdir(dh)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        names[n++] = strdup(d->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof(*names), by_name);
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        replay_file(path, names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *top = getenv("top_srcdir");
    char dir[4096];
    int i;

    if (argc > 1) {
        for (i = 1; i < argc; i++)
            replay_dir(argv[i]);
        return done_testing();
    }
    if (top == NULL)
        skip_all("top_srcdir is not set (run through make check)");
    snprintf(dir, sizeof(dir), "%s/t/fuzz/corpus/%s", top, FUZZ_NAME);
    replay_dir(dir);
    return done_testing();
}
