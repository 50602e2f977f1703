/*
 * rulescore - the rule score of sluice-content for every message of a
 * list (bench/detection/run.sh -s), without the classifier.
 *
 * SYNOPSIS
 *	rulescore [-v] CONFIG LIST
 *
 * DESCRIPTION
 *	Loads CONFIG as sluice-content would ([common] and [content]), then
 *	runs the module's eom() once on every message of LIST ("CLASS PATH"
 *	lines, as eval reads them; a leading mbox "From " line dropped),
 *	as inbound mail: from 192.0.2.1 to bob@example.net.  Prints
 *	"PATH SCORE" per message on stdout (run.sh -s), and the symbols on
 *	stderr with -v.  CONFIG should say learn = no: the classifier's own
 *	score is added by eval.
 *
 *	Built by "make" (bench/Makefile.inc), never installed
 *	(bench/DETECTION.md, Reproduce).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_run.h"

int main(int argc, char **argv)
{
    struct content_run r;
    const char *why;
    char line[4096];
    FILE *list;
    int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;

    if (argc - verbose != 3) {
        fprintf(stderr, "usage: rulescore [-v] CONFIG LIST\n");
        return 64;
    }
    argv += verbose;
    if ((list = fopen(argv[2], "r")) == NULL) {
        perror(argv[2]);
        return 66;
    }
    if (content_run_open(&r, argv[1], "rulescore") < 0)
        return 78;
    while (fgets(line, sizeof(line), list) != NULL) {
        char *path = strchr(line, ' '), *raw;
        const char *body;
        struct result res;
        size_t len, blen;

        line[strcspn(line, "\n")] = 0;
        if (path == NULL)
            continue;
        path++;
        if ((raw = file_read(path, 0, &len, &why)) == NULL) {
            fprintf(stderr, "%s: %s\n", path, why);
            return 66;
        }
        result_init(&res, "content", "RULESCORE");
        blen = len;
        body = mbox_skip_from(raw, &blen);
        content_run_msg(&r, "192.0.2.1", "unknown", "RULESCORE", body, blen,
                        &res);
        printf("%s %.3f\n", path, result_score(&res));
        if (verbose) {
            char *syms = result_symbols_str(&res);

            fprintf(stderr, "%s %.3f %s\n", path, result_score(&res), syms);
            free(syms);
        }
        result_free(&res);
        free(raw);
    }
    fclose(list);
    content_run_close(&r);
    return 0;
}
