/*
 * t/sluice-sign - print a signed X-Sluice-Result value (tests only).
 *
 * usage: sluice-sign SECRETFILE MILTER QID SYMBOL=SCORE[:DETAIL]...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "result.h"

int main(int argc, char **argv)
{
    struct secret s;
    struct result r;
    const char *err;
    char *v;

    if (argc < 4) {
        fprintf(stderr, "usage: sluice-sign SECRETFILE MILTER QID "
                        "SYMBOL=SCORE[:DETAIL]...\n");
        return 64;
    }
    if (secret_load(argv[1], &s, &err) < 0) {
        fprintf(stderr, "sluice-sign: %s: %s\n", argv[1], err);
        return 1;
    }
    result_init(&r, argv[2], argv[3]);
    for (int i = 4; i < argc; i++) {
        char *sym = strdup(argv[i]), *eq = strchr(sym, '='), *colon;

        if (eq == NULL) {
            free(sym);
            continue;
        }
        *eq++ = '\0';
        colon = strchr(eq, ':');
        if (colon)
            *colon++ = '\0';
        result_add(&r, sym, strtod(eq, NULL), colon);
        free(sym);
    }
    v = result_format(&r, &s);
    printf("%s\n", v);
    free(v);
    result_free(&r);
    secret_free(&s);
    return 0;
}
