/*
 * supervise - see supervise.h for the contract.
 */
#define _GNU_SOURCE 1 /* pipe2() */
#include "supervise.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "pidfile.h"

static volatile sig_atomic_t got_hup, got_term, got_chld;
static int ready_fd = -1; /* the first worker: its "ready" pipe */

static void on_signal(int sig)
{
    if (sig == SIGHUP || sig == SIGUSR1)
        got_hup = 1;
    else if (sig == SIGCHLD)
        got_chld = 1;
    else
        got_term = 1;
}

static double now_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The start-up is over: stdin, stdout and stderr become /dev/null, so
 * that nothing waits on the terminal or pipe of the command that started
 * us ("out=$(sluice-attach)" returns) and nothing writes to it later.
 */
static void quiet_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return;
    for (int i = 0; i <= 2; i++)
        dup2(fd, i);
    if (fd > 2)
        close(fd);
}

void supervise_ready(void)
{
    char c = 0;

    log_startup_done();
    if (ready_fd < 0)
        return;
    if (write(ready_fd, &c, 1) != 1)
        log_warn(NULL, "cannot tell the supervisor that the worker is ready");
    close(ready_fd);
    ready_fd = -1;
    quiet_stdio();
}

/*
 * Detach: the process the admin started waits for one byte on a pipe,
 * the status to exit with, and returns -1 only when it cannot fork; the
 * new process (the supervisor) gets the pipe's write end.
 */
static int detach(void)
{
    int p[2];
    pid_t pid;
    unsigned char c;
    ssize_t n;

    if (pipe2(p, O_CLOEXEC) < 0) {
        log_err(NULL, "pipe: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    if ((pid = fork()) < 0) {
        log_err(NULL, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        do
            n = read(p[0], &c, 1);
        while (n < 0 && errno == EINTR);
        if (n == 1)
            _exit(c);
        log_err(NULL, "the supervisor died while starting");
        _exit(EX_OSERR);
    }
    close(p[0]);
    setsid();
    if (chdir("/") < 0)
        log_warn(NULL, "chdir /: %s", strerror(errno));
    return p[1];
}

/* Tell the waiting process how the start-up ended, once. */
static void notify_status(int *notify, int status)
{
    unsigned char c = (unsigned char)status;

    if (*notify < 0)
        return;
    if (write(*notify, &c, 1) != 1)
        log_warn(NULL, "cannot notify the starting process");
    close(*notify);
    *notify = -1;
}

/* Wait until the first worker is ready: 0, or the status it exited with. */
static int wait_ready(int fd, pid_t pid)
{
    char c;
    ssize_t n;
    int st;

    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n == 1)
        return 0;
    if (waitpid(pid, &st, 0) != pid)
        return EX_OSERR;
    if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        log_err(NULL, "the worker was killed by signal %d while starting",
                WTERMSIG(st));
    else
        log_err(NULL, "the worker exited while starting");
    return EX_SOFTWARE;
}

static void set_handlers(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGCHLD, &sa, NULL);
}

static pid_t spawn(sigset_t *oldmask)
{
    pid_t pid = fork();

    if (pid == 0) {
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGUSR1, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGCHLD, &sa, NULL);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        sigprocmask(SIG_SETMASK, oldmask, NULL);
    }
    return pid;
}

/* libmilter's listener looks at its stop flag only when a connection
 * comes in or every 5 s: one connection to the socket makes it see the
 * SIGTERM at once. */
static void poke(const char *unix_socket)
{
    struct sockaddr_un sa;
    int fd;

    if (unix_socket == NULL || strlen(unix_socket) >= sizeof(sa.sun_path))
        return;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, unix_socket, strlen(unix_socket));
    (void)connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    close(fd);
}

static void stop_worker(pid_t pid, const char *unix_socket)
{
    double until = now_mono() + 10.0;
    int st;

    kill(pid, SIGTERM);
    for (int i = 0; now_mono() < until; i++) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return;
        if (i % 5 == 1) /* every 100 ms, until it notices */
            poke(unix_socket);
        usleep(20000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

static void describe(int st, char *buf, size_t len)
{
    if (WIFSIGNALED(st))
        snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
    else
        snprintf(buf, len, "exit status %d", WEXITSTATUS(st));
}

/* Stop: remove the pidfile and exit with status. */
static void supervise_exit(const char *pidfile, int pfd, int status)
{
    pidfile_remove(pidfile, pfd);
    exit(status);
}

/*
 * Watch one worker until it dies: returns -1 to respawn it (after the
 * back-off), or exits the supervisor.
 */
static int supervise_wait(const char *progname, const char *pidfile, int pfd,
                          const char *unix_socket, pid_t pid, sigset_t *old,
                          double started, double *delay)
{
    int st;
    pid_t w;
    char why[64];

    for (;;) {
        sigsuspend(old);
        if (got_term) {
            log_info(NULL, "%s: stopping", progname);
            stop_worker(pid, unix_socket);
            supervise_exit(pidfile, pfd, 0);
        }
        if (got_hup) {
            got_hup = 0;
            log_info(NULL, "%s: reload requested, signalling worker %ld",
                     progname, (long)pid);
            log_reopen();
            kill(pid, SIGUSR1);
        }
        if (!got_chld)
            continue;
        got_chld = 0;
        w = waitpid(pid, &st, WNOHANG);
        if (w != pid)
            continue;
        if (unix_socket)
            unlink(unix_socket);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
            log_info(NULL, "%s: worker exited", progname);
            supervise_exit(pidfile, pfd, 0);
        }
        describe(st, why, sizeof(why));
        if (WIFEXITED(st) && WEXITSTATUS(st) == EX_CONFIG) {
            log_err(NULL, "%s: worker cannot start (%s), giving up", progname,
                    why);
            supervise_exit(pidfile, pfd, EX_CONFIG);
        }
        if (now_mono() - started > 10.0)
            *delay = 0.1;
        log_err(NULL, "%s: worker %ld died (%s); respawning in %.1fs",
                progname, (long)pid, why, *delay);
        usleep((useconds_t)(*delay * 1e6));
        *delay = *delay * 2 > 30.0 ? 30.0 : *delay * 2;
        return -1;
    }
}

/* The supervision loop; never returns in the supervisor. */
static int supervise_loop(const char *progname, const char *pidfile, int pfd,
                          const char *unix_socket, int notify,
                          sigset_t *old)
{
    double delay = 0.1, started;
    int rp[2] = {-1, -1}, rc;
    pid_t pid;

    for (;;) {
        started = now_mono();
        if (notify >= 0 && pipe2(rp, O_CLOEXEC) < 0) {
            log_err(NULL, "pipe: %s", strerror(errno));
            notify_status(&notify, EX_OSERR);
            exit(EX_OSERR);
        }
        pid = spawn(old);
        if (pid == 0) {
            if (notify >= 0) {
                close(notify);
                close(rp[0]);
                ready_fd = rp[1];
            }
            return 0;
        }
        if (pid < 0 && notify >= 0) {
            log_err(NULL, "fork: %s", strerror(errno));
            pidfile_remove(pidfile, pfd);
            notify_status(&notify, EX_OSERR);
            exit(EX_OSERR);
        }
        if (pid < 0) {
            log_err(NULL, "fork: %s", strerror(errno));
            sleep(1);
            continue;
        }
        if (notify >= 0) {
            /* Paragraph: the first worker, until it listens. */
            close(rp[1]);
            rc = wait_ready(rp[0], pid);
            close(rp[0]);
            if (rc != 0) {
                pidfile_remove(pidfile, pfd);
                notify_status(&notify, rc);
                exit(rc);
            }
            notify_status(&notify, 0);
            log_startup_done();
            quiet_stdio();
        }
        log_info(NULL, "%s: worker %ld started", progname, (long)pid);
        if (supervise_wait(progname, pidfile, pfd, unix_socket, pid, old,
                           started, &delay) < 0)
            continue;
    }
}

int supervise_start(const char *progname, const char *pidfile,
                    const char *unix_socket)
{
    int pfd = -1, notify;
    long holder;
    const char *err;
    sigset_t block, old;

    if (pidfile != NULL && *pidfile != '\0') {
        switch (pidfile_lock(pidfile, &pfd, &holder, &err)) {
        case 1:
            log_err(NULL, "already running (pid %ld, %s): not started again",
                    holder, pidfile);
            return EX_UNAVAILABLE;
        case -1:
            log_err(NULL, "%s", err);
            return EX_CANTCREAT;
        }
    }
    if ((notify = detach()) < 0) {
        if (pfd >= 0)
            close(pfd);
        return EX_OSERR;
    }
    if (pfd >= 0 && pidfile_write(pfd, getpid()) < 0) {
        log_err(NULL, "cannot write pidfile %s: %s", pidfile,
                strerror(errno));
        pidfile_remove(pidfile, pfd);
        notify_status(&notify, EX_CANTCREAT);
        exit(EX_CANTCREAT);
    }
    set_handlers();
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);
    return supervise_loop(progname, pidfile, pfd, unix_socket, notify, &old);
}
