/*
 * supervise - the small parent that keeps a milter worker alive.
 *
 * DESCRIPTION
 *	supervise_start() detaches from the terminal (unless foreground),
 *	writes the pidfile with the supervisor's PID, and forks the worker.
 *	It returns 0 in the worker, which then runs the milter.  The
 *	supervisor never returns: it waits for the worker and
 *
 *	- respawns it when it dies abnormally (killed by a signal, or a
 *	  non-zero exit): after 0.1 s the first time, doubling up to 30 s
 *	  while it keeps dying within 10 s of its start; every respawn is
 *	  logged with the reason;
 *	- turns SIGHUP (and SIGUSR1) into SIGUSR1 for the worker: a reload
 *	  (libmilter itself treats SIGHUP as "stop");
 *	- on SIGTERM or SIGINT stops the worker (SIGTERM, then SIGKILL after
 *	  10 s), removes the pidfile and exits 0;
 *	- exits with the worker's status when the worker exits 0 by itself.
 *
 *	unix_socket (may be NULL) is removed when a worker dies, so that
 *	nobody mistakes a dead socket for a live milter.  The worker gets
 *	PR_SET_PDEATHSIG SIGTERM: it never outlives its supervisor.
 *
 *	The original process (before detaching) exits 0 once the pidfile
 *	is written, so "sluice-attach -c FILE" returns when the pidfile is
 *	there; it exits 1 if the supervisor could not start.
 */
#ifndef SLUICE_SUPERVISE_H
#define SLUICE_SUPERVISE_H

int supervise_start(const char *progname, const char *pidfile,
                    const char *unix_socket);

#endif
