/*
 * pidfile - see pidfile.h for the contract.
 *
 * DESCRIPTION
 *	flock() rather than fcntl() locks: fcntl() locks belong to a process
 *	and are not inherited by fork(), so the process that checks (the
 *	one the admin started, with the terminal) could not hand its lock
 *	to the supervisor it forks.  An flock() lock belongs to the open
 *	file description, which fork() shares.
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static char pidfile_err[600];

static int pidfile_fail(const char **error_r, const char *what,
                        const char *path)
{
    snprintf(pidfile_err, sizeof(pidfile_err), "%s %s: %s", what, path,
             strerror(errno));
    *error_r = pidfile_err;
    return -1;
}

/* Create the directory of path when it is missing (one level). */
static int pidfile_dir(const char *path, const char **error_r)
{
    char *copy = xstrdup(path), *dir = dirname(copy);
    struct stat st;
    int rc = 0;

    if (stat(dir, &st) == 0 || errno != ENOENT) {
        free(copy);
        return 0; /* exists, or open() will say what is wrong */
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        rc = pidfile_fail(error_r, "cannot create the directory", dir);
    free(copy);
    return rc;
}

/* The PID written in the file, 0 when there is none. */
static long pidfile_read(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

int pidfile_lock(const char *path, int *fd_r, long *holder_r,
                 const char **error_r)
{
    int fd;

    *holder_r = 0;
    if (pidfile_dir(path, error_r) < 0)
        return -1;
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return pidfile_fail(error_r, "cannot create", path);
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        *fd_r = fd;
        return 0;
    }
    if (errno == EWOULDBLOCK) {
        *holder_r = pidfile_read(fd);
        close(fd);
        return 1;
    }
    pidfile_fail(error_r, "cannot lock", path);
    close(fd);
    return -1;
}

int pidfile_write(int fd, pid_t pid)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);

    if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
        return -1;
    return 0;
}

void pidfile_remove(const char *path, int fd)
{
    struct stat a, b;

    if (path == NULL || *path == '\0' || fd < 0)
        return;
    if (stat(path, &a) == 0 && fstat(fd, &b) == 0 && a.st_dev == b.st_dev &&
        a.st_ino == b.st_ino)
        unlink(path);
}
