/*
 * milter - the common main() of every Sluice milter, and the libmilter edge.
 *
 * SYNOPSIS
 *	int main(int argc, char **argv)
 *	{
 *	    static const struct module *const mods[] = { &attach_module };
 *	    return milter_main(argc, argv, "sluice-attach", mods, 1);
 *	}
 *
 * DESCRIPTION
 *	milter_main() parses the options (-c FILE, -n, -d, -f, -V, -p SOCKET,
 *	-u USER), loads the configuration with the sections of the given
 *	modules, and runs them:
 *
 *	- milter_main(): one module, the chained deployment.  The socket and pidfile come
 *	  from the module's section; the module enforces the verdict when
 *	  its section says "enforce = yes".
 *	- milter_main_all(): sluice-milter, all the modules.  One socket ([common] socket), the
 *	  modules run in the given order, results pass in memory, and the
 *	  process always enforces and writes one verdict.
 *
 *	Only the SMTP events the modules need are negotiated with the MTA,
 *	per milter connection (milter_neg.c): HELO, headers and body are
 *	asked for only when a module needs them (struct module.events, or a
 *	callback for that stage; the enforcer always takes headers and
 *	body), and no reply is expected at connect, HELO, MAIL or RCPT
 *	where no module has a callback (SMFIP_NR_*).  The macros the
 *	modules read are requested with smfi_setsymlist() (sluice(7)).
 *
 *	The program loads and checks the configuration (all of it for -n
 *	and -d), opens the log and, unless -f, starts a supervisor
 *	(supervise.h) that keeps a worker alive.  The worker loads the
 *	configuration again itself, so that a worker respawned after a
 *	crash runs the file as it is then, with every reload since the
 *	start; it opens the socket, drops privileges, opens the shared
 *	services the modules need (resolver, store) and runs each module's
 *	start().  SIGUSR1 to the worker (or SIGHUP to the supervisor)
 *	reloads: the new configuration is built, validated and started,
 *	then swapped in; connections keep the configuration snapshot they
 *	started with (taken when the MTA opened the milter connection), new
 *	connections get the new one; a configuration that fails keeps the
 *	running one and is logged.
 *
 *	Exit status: 0 ok; 64 (EX_USAGE) bad options; 70 (EX_SOFTWARE) a
 *	program built with more modules than the glue runs
 *	(MILTER_MAX_MODS); 78 (EX_CONFIG) bad configuration, or a module
 *	that could not start; 69 (EX_UNAVAILABLE) the socket could not be
 *	opened; 71 (EX_OSERR) other start-up failures.
 */
#ifndef SLUICE_MILTER_H
#define SLUICE_MILTER_H

#include <stddef.h>

#include "module.h"

int milter_main(int argc, char **argv, const char *progname,
                const struct module *const *mods, size_t nmods);
int milter_main_all(int argc, char **argv, const char *progname,
                    const struct module *const *mods, size_t nmods);

/*
 * For tools (sluicectl): load path as a program with these modules would
 * at start, checking all of it (every section, the secrets, who is
 * inside, every module's setup()); the configuration, with one reference
 * for the caller, or NULL with every error in errs.  Not thread-safe.
 */
struct cfg *milter_config_load(const char *path,
                               const struct module *const *mods, size_t nmods,
                               struct cfg_errors *errs);

#endif
