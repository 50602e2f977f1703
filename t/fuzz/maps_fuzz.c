/*
 * maps_fuzz - libFuzzer target for the map readers: the input is written
 *	to a file in a private temporary directory and opened as cidr:,
 *	domain:, addr: and pcre: (map_open()); each map that opens answers
 *	a few lookups (addresses, domains, mail addresses, a subject, and
 *	the input's first line).  Bad lines are expected errors; crashes,
 *	leaks, hangs and sanitizer reports are not.  Built by "make fuzz"
 *	(CC=clang); replayed over t/fuzz/corpus/maps by "make check"
 *	through t/fuzz/replay.c.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_types[] = {"cidr", "domain", "addr", "pcre"};
static const char *const fuzz_keys[] = {
    "192.0.2.7",
    "10.1.2.3",
    "2001:db8::1",
    "::ffff:192.0.2.7",
    "example.org",
    "mail.sub.example.org",
    "user@example.org",
    "User@Example.ORG",
    "<postmaster@example.net>",
    "Subject: hello",
    "",
    "@",
    "not an address/999",
};

static char fuzz_path[4096];

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
    char tmpl[] = "/tmp/sluice-maps-fuzz.XXXXXX";
    const char *dir = mkdtemp(tmpl);

    if (dir == NULL)
        abort();
    snprintf(fuzz_path, sizeof(fuzz_path), "%s/map", dir);
    atexit(fuzz_cleanup);
    fuzz_quiet();
}

static void fuzz_lookups(struct map *m, const char *first_line)
{
    const char *value, *error;
    size_t i;

    for (i = 0; i < sizeof(fuzz_keys) / sizeof(*fuzz_keys); i++)
        if (map_lookup(m, fuzz_keys[i], &value, &error) == MAP_FOUND &&
            value == NULL)
            abort();
    if (map_lookup(m, first_line, &value, &error) == MAP_FOUND && value == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char spec[4200], first[128];
    const char *error;
    struct map *m;
    size_t i, n;
    FILE *f;

    if (fuzz_path[0] == '\0')
        fuzz_init();
    if ((f = fopen(fuzz_path, "wb")) == NULL)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    for (n = 0; n < size && n < sizeof(first) - 1 && data[n] != '\n' &&
                data[n] != '\0';
         n++)
        first[n] = (char)data[n];
    first[n] = '\0';
    for (i = 0; i < sizeof(fuzz_types) / sizeof(*fuzz_types); i++) {
        snprintf(spec, sizeof(spec), "%s:%s", fuzz_types[i], fuzz_path);
        if ((m = map_open(spec, fuzz_path, &error)) == NULL)
            continue;
        fuzz_lookups(m, first);
        map_close(m);
    }
    return 0;
}
