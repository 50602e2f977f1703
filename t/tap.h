/*
 * tap.h - a tiny TAP producer for the C unit tests (header only).
 *
 *	ok(cond, "name %s", ...)  one test case; returns cond
 *	is_str(got, want, name)   string equality (NULL-safe), shows both on failure
 *	is_int(got, want, name)   integer equality
 *	skip_all(reason)          "1..0 # SKIP reason", exit 0
 *	done_testing()            prints the plan, returns the exit code
 */
#ifndef SLUICE_TAP_H
#define SLUICE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_okv(int cond, const char *fmt, va_list ap)
{
    tap_n++;
    printf("%s %d - ", cond ? "ok" : "not ok", tap_n);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    if (!cond)
        tap_failed++;
    return cond;
}

static inline __attribute__((format(printf, 2, 3))) int ok(int cond,
                                                            const char *fmt,
                                                            ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = tap_okv(cond, fmt, ap);
    va_end(ap);
    return r;
}

static inline int is_str(const char *got, const char *want, const char *name)
{
    int c = (got == NULL && want == NULL) ||
            (got != NULL && want != NULL && strcmp(got, want) == 0);

    ok(c, "%s", name);
    if (!c)
        printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
               want ? want : "(null)");
    return c;
}

static inline int is_int(long long got, long long want, const char *name)
{
    int c = got == want;

    ok(c, "%s", name);
    if (!c)
        printf("#   got:  %lld\n#   want: %lld\n", got, want);
    return c;
}

static inline void diag(const char *fmt, ...)
{
    va_list ap;

    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static inline void skip_all(const char *reason)
{
    printf("1..0 # SKIP %s\n", reason);
    exit(0);
}

static inline int done_testing(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
