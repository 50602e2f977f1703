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
 *	Only the SMTP events the modules need are negotiated with the MTA
 *	(SMFIP_NO*), and no reply is expected where no module answers
 *	(SMFIP_NR_*).  Unless -f, a supervisor (supervise.h) keeps the
 *	worker alive.  SIGUSR1 to the worker reloads the configuration:
 *	the new one is built and validated, then swapped in; connections
 *	keep the configuration snapshot they started with (taken when the
 *	MTA opened the milter connection), new connections get the new one.
 *
 *	Exit status: 0 ok; 64 (EX_USAGE) bad options; 78 (EX_CONFIG) bad
 *	configuration; 69 (EX_UNAVAILABLE) the socket could not be opened;
 *	71 (EX_OSERR) other start-up failures.
 */
#ifndef SLUICE_MILTER_H
#define SLUICE_MILTER_H

#include <stddef.h>

#include "module.h"

int milter_main(int argc, char **argv, const char *progname,
                const struct module *const *mods, size_t nmods);
int milter_main_all(int argc, char **argv, const char *progname,
                    const struct module *const *mods, size_t nmods);

#endif
