/*
 * ctl.h - sluicectl, the admin tool: the index of its files and what
 * they share.
 *
 *	sluicectl.c     options, configuration, the command table, exit codes
 *	ctl_out.c       output: aligned tables for people, JSON for scripts
 *	ctl_store.c     the store of the configuration, times for people
 *	ctl_grey.c      grey: greylisting triplets and auto-whitelisting
 *	ctl_ratelimit.c ratelimit: counters and blocks of the rate limits
 *	ctl_<name>.c    one file per command family (grey, ratelimit, misp,
 *	                learn, quarantine...), each a struct ctl_command
 *	ctl_learn.c     learn (and the feedback helper)
 *	ctl_classify.c  classify
 *	ctl_quarantine.c quarantine
 *
 * CONTRACT
 *	A command family is a struct ctl_command in the table of
 *	sluicectl.c: its name ("grey"), a one-line usage per subcommand,
 *	and run(c, argc, argv) where argv[0] is the subcommand.  run()
 *	returns one of the CTL_EX_* codes, prints results on stdout through
 *	ctl_out_* (a table, or with --json one JSON document) and errors on
 *	stderr with ctl_err() ("sluicectl: grey: ...").
 *
 *	struct ctl is what every command gets: the loaded configuration
 *	(every section of the suite, checked as the milters check it), an
 *	env with who is inside (sl_env_open()), and --json.  Shared services
 *	(the store, the resolver) are opened by the command that needs them.
 *
 *	Exit codes (sluicectl(8)): CTL_EX_OK 0 done; CTL_EX_NOTFOUND 1 the
 *	entry asked for does not exist; CTL_EX_USAGE 64 bad command line;
 *	CTL_EX_DATAERR 65 bad input data (a file that cannot be read as
 *	what it should be); CTL_EX_UNAVAILABLE 69 the store (or another
 *	service) cannot be used; CTL_EX_SOFTWARE 70 internal error;
 *	CTL_EX_CONFIG 78 bad configuration.
 *
 * OWNERSHIP
 *	struct ctl belongs to main(); commands never free it.
 */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <stdarg.h>
#include <stddef.h>
#include <sysexits.h>
#include <time.h>

#include "cfg.h"
#include "learn.h"
#include "module.h"

#define CTL_EX_OK 0
#define CTL_EX_NOTFOUND 1
#define CTL_EX_USAGE EX_USAGE
#define CTL_EX_DATAERR EX_DATAERR
#define CTL_EX_UNAVAILABLE EX_UNAVAILABLE
#define CTL_EX_SOFTWARE EX_SOFTWARE
#define CTL_EX_CONFIG EX_CONFIG

struct ctl {
    const char *config_path;
    struct cfg *cfg;
    struct sl_env env;
    int json;
};

struct ctl_command {
    const char *name;
    const char *const *usage; /* one line per subcommand, NULL-terminated */
    int (*run)(struct ctl *c, int argc, char **argv);
};

/* ctl_out.c: a table (header row, then rows), or JSON with --json. */
struct ctl_table;
struct ctl_table *ctl_table_new(const struct ctl *c, const char *const *cols);
void ctl_table_row(struct ctl_table *t, ...); /* one char * per column */
void ctl_table_print(struct ctl_table *t);    /* prints and frees */
void ctl_err(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ctl_store.c: the store of [common] for every command family (0, or -1
 * with the reason printed; *pw_r is freed by the caller after
 * store_close()), and a time as "YYYY-MM-DD HH:MM:SS" (local; "-" for
 * 0). */
struct store;
int ctl_store_open(const struct ctl *c, struct store **s_r, char **pw_r);
void ctl_time(time_t t, char *buf, size_t size);

/* ctl_learn.c: feedback from other commands: learn one message as spam
 * or ham (train on error), a CTL_EX_* code.  ctl_learn_model(): the
 * model in the store, CTL_EX_OK with *m_r (learn_model_free()), or the
 * code with the reason printed for cmd (nothing learned yet:
 * CTL_EX_NOTFOUND). */
struct learn_model;
int ctl_learn_message(struct ctl *c, const char *raw, size_t len,
                      enum learn_class cls);
int ctl_learn_model(struct ctl *c, const char *cmd, struct learn_model **m_r);

#endif
