/*
 * sluicectl - the Sluice admin tool: configuration test, and one command
 * family per concern (see ctl.h for the index and the contract).
 *
 * SYNOPSIS
 *	sluicectl [-c FILE] [--json] COMMAND SUBCOMMAND [ARGS...]
 *	sluicectl [-c FILE] -n | -d | -V | -h
 *
 * DESCRIPTION
 *	The configuration is loaded and checked as every milter of the suite
 *	would at start (all sections, the secrets, every module's setup), so
 *	"sluicectl -n" tests the whole file.  Commands are looked up in
 *	ctl_commands[]; a new family is one line there and one ctl_*.c file.
 */
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "milter.h"
#include "mime.h"

/* Every module of the suite, so that -n checks every section. */
extern const struct module *const ctl_modules[];
extern const size_t ctl_nmodules;

extern const struct ctl_command ctl_quarantine, ctl_learn, ctl_classify;
extern const struct ctl_command ctl_misp;

/* The command families, in sluicectl(8) order. */
extern const struct ctl_command ctl_grey, ctl_ratelimit;
static const struct ctl_command *const ctl_commands[] = {
    &ctl_grey,
    &ctl_ratelimit,
    &ctl_quarantine,
    &ctl_learn,
    &ctl_classify,
    &ctl_misp,
    NULL,
};

static void ctl_usage(FILE *f)
{
    fprintf(f, "usage: sluicectl [-c FILE] [--json] COMMAND SUBCOMMAND "
               "[ARGS...]\n"
               "       sluicectl [-c FILE] -n | -d | -V | -h\n"
               "  -c FILE   configuration file (default %s/sluice/sluice.conf)\n"
               "  -n        test the whole configuration and exit\n"
               "  -d        print the effective configuration and exit\n"
               "  --json    print results as JSON\n"
               "commands:\n",
            SYSCONFDIR);
    for (size_t i = 0; ctl_commands[i] != NULL; i++)
        for (const char *const *u = ctl_commands[i]->usage; *u; u++)
            fprintf(f, "  %s %s\n", ctl_commands[i]->name, *u);
}

static const struct ctl_command *ctl_find(const char *name)
{
    for (size_t i = 0; ctl_commands[i] != NULL; i++)
        if (strcmp(ctl_commands[i]->name, name) == 0)
            return ctl_commands[i];
    return NULL;
}

static struct cfg *ctl_load(const char *path)
{
    struct cfg_errors errs = {0};
    struct cfg *c = milter_config_load(path, ctl_modules, ctl_nmodules, &errs);

    for (size_t i = 0; i < errs.n; i++)
        fprintf(stderr, "%s\n", errs.v[i]);
    for (size_t i = 0; c != NULL && i < errs.nwarn; i++)
        fprintf(stderr, "%s\n", errs.warn[i]);
    if (c == NULL)
        fprintf(stderr, "sluicectl: %zu configuration error%s\n", errs.n,
                errs.n == 1 ? "" : "s");
    cfg_errors_free(&errs);
    return c;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ctl c;
    struct cfg_errors errs = {0};
    const struct ctl_command *cmd;
    int ch, test = 0, dump = 0, rc;

    setlocale(LC_CTYPE, "C.UTF-8");
    memset(&c, 0, sizeof(c));
    c.config_path = SYSCONFDIR "/sluice/sluice.conf";
    while ((ch = getopt_long(argc, argv, "+c:ndVh", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': c.config_path = optarg; break;
        case 'n': test = 1; break;
        case 'd': dump = 1; break;
        case 'j': c.json = 1; break;
        case 'V': printf("sluicectl %s\n", PACKAGE_VERSION); return CTL_EX_OK;
        case 'h': ctl_usage(stdout); return CTL_EX_OK;
        default: ctl_usage(stderr); return CTL_EX_USAGE;
        }
    }
    if (!test && !dump && optind >= argc) {
        ctl_usage(stderr);
        return CTL_EX_USAGE;
    }
    if (!test && !dump && (cmd = ctl_find(argv[optind])) == NULL) {
        ctl_err(NULL, "unknown command %s (sluicectl -h lists them)",
                argv[optind]);
        return CTL_EX_USAGE;
    }
    mime_init();
    if ((c.cfg = ctl_load(c.config_path)) == NULL)
        return CTL_EX_CONFIG;
    if (test || dump) {
        if (dump)
            cfg_dump(c.cfg, stdout);
        if (test)
            printf("%s: configuration OK\n", c.config_path);
        cfg_release(c.cfg);
        return CTL_EX_OK;
    }
    if (sl_env_open(&c.env, c.cfg, &errs) < 0) {
        cfg_errors_free(&errs);
        cfg_release(c.cfg);
        return CTL_EX_CONFIG;
    }
    if (optind + 1 >= argc) {
        ctl_err(cmd->name, "a subcommand is needed (sluicectl -h)");
        rc = CTL_EX_USAGE;
    } else {
        rc = cmd->run(&c, argc - optind - 1, argv + optind + 1);
    }
    sl_env_close(&c.env);
    cfg_release(c.cfg);
    return rc;
}
