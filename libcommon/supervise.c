/*
 * supervise - see supervise.h for the contract.
 */
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
#include <time.h>
#include <unistd.h>

#include "log.h"

static volatile sig_atomic_t got_hup, got_term, got_chld;

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

static int write_pidfile(const char *path)
{
    char buf[32];
    int fd, n;

    if (path == NULL || *path == '\0')
        return 0;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
    if (write(fd, buf, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    return close(fd);
}

/* Detach: the original process waits for one byte on a pipe. */
static void detach(int *notify_fd)
{
    int p[2];
    pid_t pid;
    char c = 1;

    if (pipe(p) < 0) {
        perror("pipe");
        exit(1);
    }
    pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid > 0) {
        close(p[1]);
        exit(read(p[0], &c, 1) == 1 && c == 0 ? 0 : 1);
    }
    close(p[0]);
    setsid();
    if (chdir("/") < 0)
        exit(1);
    *notify_fd = p[1];
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

int supervise_start(const char *progname, const char *pidfile,
                    const char *unix_socket)
{
    int notify = -1;
    double delay = 0.1, started;
    sigset_t block, old;
    pid_t pid;
    char c = 0;

    detach(&notify);
    if (write_pidfile(pidfile) < 0) {
        log_err(NULL, "cannot write pidfile %s: %s", pidfile,
                strerror(errno));
        exit(1);
    }
    set_handlers();
    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &old);

    /* Paragraph: the supervision loop. */
    for (;;) {
        started = now_mono();
        pid = spawn(&old);
        if (pid == 0) {
            if (notify >= 0)
                close(notify);
            return 0;
        }
        if (pid < 0) {
            log_err(NULL, "fork: %s", strerror(errno));
            sleep(1);
            continue;
        }
        if (notify >= 0) {
            if (write(notify, &c, 1) != 1)
                log_warn(NULL, "cannot notify the starting process");
            close(notify);
            notify = -1;
        }
        log_info(NULL, "%s: worker %ld started", progname, (long)pid);
        for (;;) {
            int st;
            pid_t w;
            char why[64];

            sigsuspend(&old);
            if (got_term) {
                log_info(NULL, "%s: stopping", progname);
                stop_worker(pid, unix_socket);
                if (pidfile && *pidfile)
                    unlink(pidfile);
                exit(0);
            }
            if (got_hup) {
                got_hup = 0;
                log_info(NULL, "%s: reload requested, signalling worker %ld",
                         progname, (long)pid);
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
                if (pidfile && *pidfile)
                    unlink(pidfile);
                exit(0);
            }
            describe(st, why, sizeof(why));
            if (WIFEXITED(st) && WEXITSTATUS(st) == 78) {
                log_err(NULL, "%s: worker cannot start (%s), giving up",
                        progname, why);
                if (pidfile && *pidfile)
                    unlink(pidfile);
                exit(78);
            }
            if (now_mono() - started > 10.0)
                delay = 0.1;
            log_err(NULL, "%s: worker %ld died (%s); respawning in %.1fs",
                    progname, (long)pid, why, delay);
            usleep((useconds_t)(delay * 1e6));
            delay = delay * 2 > 30.0 ? 30.0 : delay * 2;
            break;
        }
    }
}
