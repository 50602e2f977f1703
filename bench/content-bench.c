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
#include "content_run.h"

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

int main(int argc, char **argv)
{
    struct content_run r;
    const char *why;
    struct result res;
    double t0, c0, setup;
    size_t len;
    char *raw, *syms;
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
    t0 = clock_mono();
    if (content_run_open(&r, argv[1], "content-bench") < 0)
        return 78;
    setup = clock_mono() - t0;
    result_init(&res, "content", "BENCH");
    rc = content_run_msg(&r, "127.0.0.1", "localhost", "BENCH", raw, len, &res);
    syms = result_symbols_str(&res);
    printf("message %s: rc %d, score %.2f, symbols %s\n", argv[2], rc,
           result_score(&res), syms);
    free(syms);
    result_free(&res);
    t0 = clock_mono();
    c0 = cpu_now();
    for (i = 0; i < n; i++) {
        result_init(&res, "content", "BENCH");
        content_run_msg(&r, "127.0.0.1", "localhost", "BENCH", raw, len, &res);
        result_free(&res);
    }
    printf("setup %.0f ms; %d messages: %.2f ms CPU/msg, %.2f ms wall/msg; "
           "peak RSS %ld KiB\n",
           setup * 1000, n, (cpu_now() - c0) * 1000 / n,
           (clock_mono() - t0) * 1000 / n, hwm_kb());
    content_run_close(&r);
    free(raw);
    return 0;
}
