/*
 * supervise - the small parent that keeps a milter worker alive.
 *
 * DESCRIPTION
 *	supervise_start() takes the PID file's lock (pidfile.h) in the
 *	calling process, which still has the terminal, detaches, writes
 *	the supervisor's PID into the file, and forks the worker.  It
 *	returns 0 in the worker, which then runs the milter, and calls
 *	supervise_ready() once it listens.  The supervisor never returns:
 *	it waits for the worker and
 *
 *	- respawns it when it dies abnormally (killed by a signal, or a
 *	  non-zero exit) after it was ready once: after 0.1 s the first
 *	  time, doubling up to 30 s while it keeps dying within 10 s of its
 *	  start; every respawn is logged with the reason;
 *	- turns SIGHUP (and SIGUSR1) into SIGUSR1 for the worker: a reload
 *	  (libmilter itself treats SIGHUP as "stop"), and reopens its own
 *	  log file;
 *	- on SIGTERM or SIGINT stops the worker (SIGTERM, then SIGKILL after
 *	  10 s), removes the pidfile and exits 0;
 *	- exits with the worker's status when the worker exits 0 by itself,
 *	  or 78 (bad configuration) at any time.
 *
 *	unix_socket (may be NULL) is removed when a worker dies, so that
 *	nobody mistakes a dead socket for a live milter.  The worker gets
 *	PR_SET_PDEATHSIG SIGTERM: it never outlives its supervisor.
 *
 *	The process the admin started returns only when the first worker
 *	is ready (exit 0) or could not start: it then exits with the
 *	worker's status (64, 69, 71, 78: milter.h), and the supervisor
 *	with it, so that "sluice-attach && echo started" means what it
 *	says and the reason was already printed on its standard error
 *	(log.h: start-up lines go to stderr too).  supervise_start()
 *	returns, in the calling process, 69 (EX_UNAVAILABLE) when another
 *	instance holds the PID file ("already running (pid N)"), 73
 *	(EX_CANTCREAT) when the PID file cannot be created, 71 (EX_OSERR)
 *	when it cannot fork; each with a line on stderr.  An empty or NULL
 *	pidfile skips the PID file.
 *
 *	Once the worker is ready, the supervisor and the worker let go of
 *	the terminal: stdin, stdout and stderr become /dev/null, so that
 *	nothing waits on the pipe of the command that started them.
 */
#ifndef SLUICE_SUPERVISE_H
#define SLUICE_SUPERVISE_H

int supervise_start(const char *progname, const char *pidfile,
                    const char *unix_socket);
/* In the worker, once it listens; a no-op in a respawned worker or
 * without a supervisor.  Ends the start-up's stderr logging. */
void supervise_ready(void);

#endif
