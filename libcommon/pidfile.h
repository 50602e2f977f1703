/*
 * pidfile - the PID file that is also the lock of the running instance.
 *
 * SYNOPSIS
 *	int fd;
 *	long holder;
 *	switch (pidfile_lock("/run/sluice/attach.pid", &fd, &holder, &err)) {
 *	case 1:  already running as PID holder
 *	case -1: cannot create or lock the file: err says why
 *	}
 *	... fork, then in the process named in the file:
 *	pidfile_write(fd, getpid());
 *
 * DESCRIPTION
 *	pidfile_lock() opens path (creating it, mode 0644), creating its
 *	directory first when that is missing (one level, root-owned 0755:
 *	/run/sluice on a machine where no service manager made it), and
 *	takes an exclusive flock() on it without waiting.  It returns 0 with
 *	*fd_r; 1 when another process holds the lock, with *holder_r the PID
 *	written in the file (0 when it cannot be read); -1 with *error_r
 *	("cannot create /run/x/y.pid: Permission denied") otherwise.
 *
 *	The lock belongs to the open file, not to a process: it passes to
 *	the children across fork() and lasts until the last process that
 *	holds the descriptor exits.  So a second start of the same milter
 *	is refused while any process of the first one (the supervisor or a
 *	worker still closing its connections) runs, and a PID file left
 *	behind by a crash (nobody holds the lock) is simply taken over.
 *
 *	pidfile_write() replaces the contents with pid and a newline; 0 or
 *	-1 (errno set).  pidfile_remove() unlinks path if it is still the
 *	file behind fd (a newer instance may have replaced it).
 *
 * OWNERSHIP
 *	The caller owns fd; it is opened O_CLOEXEC.  *error_r points to
 *	static storage, valid until the next call.
 */
#ifndef SLUICE_PIDFILE_H
#define SLUICE_PIDFILE_H

#include <sys/types.h>

int pidfile_lock(const char *path, int *fd_r, long *holder_r,
                 const char **error_r);
int pidfile_write(int fd, pid_t pid);
void pidfile_remove(const char *path, int fd);

#endif
