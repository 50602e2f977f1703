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

#include "common.h"
#include "content.h"
#include "mime.h"

static void run_once(void *st, const struct sl_env *env, const char *raw,
                     size_t len, struct result *res)
{
    static char *rcpt[] = {"bob@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct sl_edits ed = {0};
    struct mod_ctx x;

    raw = mbox_skip_from(raw, &len);
    conn.client_addr = "192.0.2.1";
    conn.client_name = "unknown";
    m.conn = &conn;
    m.qid = "RULESCORE";
    m.from = "alice@example.org";
    m.rcpts = rcpt;
    m.nrcpts = 1;
    sl_msg_from_raw(&m, raw, len);
    mod_ctx_init(&x, &content_module, st, env, &conn, &m, res, &ed);
    content_module.eom(&x);
    sl_msg_clear(&m);
    sl_edits_free(&ed);
}

int main(int argc, char **argv)
{
    const struct cfg_section *secs[] = {&common_section, &content_section};
    struct cfg_errors errs = {0};
    struct sl_env env;
    const char *err = NULL, *why;
    char line[4096];
    struct cfg *c;
    FILE *list;
    void *st;
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
    reply_register(content_replies);
    c = cfg_load(argv[1], secs, 2, NULL, &errs);
    if (c == NULL || content_module.setup(c, &st, &errs) < 0 ||
        sl_env_open(&env, c, &errs) < 0 ||
        content_module.start(st, &env, &err) < 0) {
        for (size_t k = 0; k < errs.n; k++)
            fprintf(stderr, "%s\n", errs.v[k]);
        fprintf(stderr, "rulescore: cannot load %s %s\n", argv[1],
                err ? err : "");
        return 78;
    }
    while (fgets(line, sizeof(line), list) != NULL) {
        char *path = strchr(line, ' '), *raw;
        struct result res;
        size_t len;

        line[strcspn(line, "\n")] = 0;
        if (path == NULL)
            continue;
        path++;
        if ((raw = file_read(path, 0, &len, &why)) == NULL) {
            fprintf(stderr, "%s: %s\n", path, why);
            return 66;
        }
        result_init(&res, "content", "RULESCORE");
        run_once(st, &env, raw, len, &res);
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
    content_module.teardown(st);
    sl_env_close(&env);
    cfg_release(c);
    return 0;
}
