/*
 * content_run - sluice-content's module outside the MTA, for the bench
 * tools (bench/content-bench.c, bench/detection/rulescore.c).
 *
 * SYNOPSIS
 *	struct content_run r;
 *	if (content_run_open(&r, "suite.conf", "content-bench") < 0) exit(78);
 *	result_init(&res, "content", qid);
 *	content_run_msg(&r, "192.0.2.1", "unknown", qid, raw, len, &res);
 *	content_run_close(&r);
 *
 * DESCRIPTION
 *	content_run_open() loads a configuration as sluice-content would
 *	([common] and [content]: setup, the environment, then start, which
 *	opens the clamd pool); on failure it prints every error on stderr,
 *	prefixed by prog, and returns -1.  content_run_msg() runs the
 *	module's eom() once on a whole message (headers, empty line, body)
 *	from client_addr to bob@example.net, sender alice@example.org, and
 *	returns eom()'s answer; the symbols go to res.
 *
 * OWNERSHIP
 *	struct content_run holds the configuration, the environment and the
 *	module's state; content_run_close() frees them.  Nothing here is
 *	installed.
 */
#ifndef SLUICE_BENCH_CONTENT_RUN_H
#define SLUICE_BENCH_CONTENT_RUN_H

#include <stddef.h>

#include "common.h"
#include "content.h"

struct content_run {
    struct cfg *cfg;
    struct sl_env env;
    void *st;
};

int content_run_open(struct content_run *r, const char *conf, const char *prog);
enum mod_rc content_run_msg(struct content_run *r, char *client_addr,
                            char *client_name, char *qid, const char *raw,
                            size_t len, struct result *res);
void content_run_close(struct content_run *r);

#endif
