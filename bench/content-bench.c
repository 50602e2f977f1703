/*
 * content-bench - CPU time per message of sluice-content's checks, without
 * the MTA and the milter protocol.
 *
 * SYNOPSIS
 *	content-bench CONFIG MESSAGE [N]
 *
 * DESCRIPTION
 *	Loads CONFIG as sluice-content would ([common] and [content]: setup,
 *	then start, which opens the clamd pool), then runs the module's
 *	eom() N times (default 200) on MESSAGE, sent from 127.0.0.1 (inside:
 *	the default internal_networks) to bob@example.net (outside), so that
 *	the DLP check and the documents' text run too.  It prints the symbols
 *	of the first run, the setup time, the CPU milliseconds per message
 *	(user + system, getrusage), the wall milliseconds per message, and
 *	the peak RSS of the process (VmHWM).  One thread: the figures are
 *	those of the checks, not of concurrency.  Nothing here is installed;
 *	bench/RESULTS.md has the figures of our machine.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clock.h"
#include "common.h"
#include "content.h"
#include "mime.h"

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long hwm_kb(void)
{
    FILE *fp = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;

    while (fp != NULL && fgets(line, sizeof(line), fp))
        if (strncmp(line, "VmHWM:", 6) == 0)
            kb = atol(line + 6);
    if (fp != NULL)
        fclose(fp);
    return kb;
}

static enum mod_rc run_once(void *st, const struct sl_env *env,
                            const char *raw, size_t len, struct result *res)
{
    static char *rcpt[] = {"bob@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct sl_edits ed = {0};
    struct mod_ctx x;
    enum mod_rc rc;

    conn.client_addr = "127.0.0.1";
    conn.client_name = "localhost";
    m.conn = &conn;
    m.qid = "BENCH";
    m.from = "alice@example.org";
    m.rcpts = rcpt;
    m.nrcpts = 1;
    sl_msg_from_raw(&m, raw, len);
    mod_ctx_init(&x, &content_module, st, env, &conn, &m, res, &ed);
    rc = content_module.eom(&x);
    sl_msg_clear(&m);
    sl_edits_free(&ed);
    return rc;
}

int main(int argc, char **argv)
{
    const struct cfg_section *secs[] = {&common_section, &content_section};
    struct cfg_errors errs = {0};
    struct sl_env env;
    const char *err = NULL, *why;
    struct result res;
    double t0, c0, setup;
    size_t len;
    char *raw, *syms;
    struct cfg *c;
    void *st;
    int n = argc > 3 ? atoi(argv[3]) : 200, i;
    enum mod_rc rc;

    if (argc < 3) {
        fprintf(stderr, "usage: content-bench CONFIG MESSAGE [N]\n");
        return 64;
    }
    if ((raw = file_read(argv[2], 0, &len, &why)) == NULL) {
        fprintf(stderr, "content-bench: %s: %s\n", argv[2], why);
        return 66;
    }
    reply_register(content_replies);
    t0 = clock_mono();
    c = cfg_load(argv[1], secs, 2, NULL, &errs);
    if (c == NULL || content_module.setup(c, &st, &errs) < 0 ||
        sl_env_open(&env, c, &errs) < 0 ||
        content_module.start(st, &env, &err) < 0) {
        for (size_t k = 0; k < errs.n; k++)
            fprintf(stderr, "%s\n", errs.v[k]);
        fprintf(stderr, "content-bench: cannot load %s %s\n", argv[1],
                err ? err : "");
        return 78;
    }
    setup = clock_mono() - t0;
    result_init(&res, "content", "BENCH");
    rc = run_once(st, &env, raw, len, &res);
    syms = result_symbols_str(&res);
    printf("message %s: rc %d, score %.2f, symbols %s\n", argv[2], rc,
           result_score(&res), syms);
    free(syms);
    result_free(&res);
    t0 = clock_mono();
    c0 = cpu_now();
    for (i = 0; i < n; i++) {
        result_init(&res, "content", "BENCH");
        run_once(st, &env, raw, len, &res);
        result_free(&res);
    }
    printf("setup %.0f ms; %d messages: %.2f ms CPU/msg, %.2f ms wall/msg; "
           "peak RSS %ld KiB\n",
           setup * 1000, n, (cpu_now() - c0) * 1000 / n,
           (clock_mono() - t0) * 1000 / n, hwm_kb());
    content_module.teardown(st);
    sl_env_close(&env);
    cfg_release(c);
    free(raw);
    return 0;
}
