/*
 * milter_start - see milter_start.h for the contract.
 *
 * DESCRIPTION
 *	The socket forms are libmilter's (smfi_setconn(3)): the type before
 *	the first ':' without case, "unix" and "local" being the same.  A
 *	bare path, which libmilter would also take, is refused: the manuals
 *	only show the prefixed forms, and "foo:bar" is more often a typo
 *	than a file.  A relative unix path is refused too: the supervisor
 *	works in "/", so it would not be where the admin looks for it.
 *	Host names are checked for their characters only; resolving them
 *	here would ask the DNS during "-n".
 */
#include "milter_start.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static char start_err[600];

static int start_fail(const char **error_r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int start_fail(const char **error_r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(start_err, sizeof(start_err), fmt, ap);
    va_end(ap);
    *error_r = start_err;
    return -1;
}

/* The part after "unix:"/"local:", or NULL for another type. */
static const char *start_unix_path(const char *spec)
{
    if (str_ncasecmp(spec, "unix:", 5) == 0)
        return spec + 5;
    if (str_ncasecmp(spec, "local:", 6) == 0)
        return spec + 6;
    return NULL;
}

static int start_check_unix(const char *path, const char **error_r)
{
    struct sockaddr_un sun;
    struct stat st;
    char *copy, *dir;
    int rc = 0;

    if (*path == '\0')
        return start_fail(error_r, "no path after \"unix:\" (as in "
                                   "unix:/var/spool/postfix/sluice/"
                                   "attach.sock)");
    if (*path != '/')
        return start_fail(error_r, "%s: the path must be absolute", path);
    if (strlen(path) >= sizeof(sun.sun_path))
        return start_fail(error_r, "%s: longer than the %zu bytes of a unix "
                                   "socket path",
                          path, sizeof(sun.sun_path) - 1);
    if (path[strlen(path) - 1] == '/')
        return start_fail(error_r, "%s: names a directory, not a socket",
                          path);
    copy = xstrdup(path);
    dir = dirname(copy);
    if (stat(dir, &st) < 0)
        rc = start_fail(error_r, "directory %s: %s%s", dir, strerror(errno),
                        errno == ENOENT ? " (create it, for Postfix: install "
                                          "-d -o sluice -g sluice -m 0750 "
                                          "DIR)"
                                        : "");
    else if (!S_ISDIR(st.st_mode))
        rc = start_fail(error_r, "%s is not a directory", dir);
    free(copy);
    return rc;
}

static int start_port_ok(const char *port)
{
    char *end;
    long n;

    if (*port >= '0' && *port <= '9') {
        errno = 0;
        n = strtol(port, &end, 10);
        return *end == '\0' && errno == 0 && n >= 1 && n <= 65535;
    }
    return getservbyname(port, "tcp") != NULL;
}

static int start_host_ok(const char *host, int v6)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) == 1)
        return 1;
    if (*host == '-' || *host == '.')
        return 0;
    for (const char *p = host; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
            return 0;
    return 1;
}

static int start_check_inet(const char *rest, int v6, const char **error_r)
{
    const char *at = strchr(rest, '@'), *host = at ? at + 1 : NULL;
    char *port = at ? xstrndup(rest, (size_t)(at - rest)) : xstrdup(rest);
    int ok = *port != '\0' && start_port_ok(port);

    if (*port == '\0')
        start_fail(error_r, "no port (as in inet:8891@127.0.0.1)");
    else if (!ok)
        start_fail(error_r, "port \"%s\" is not a number from 1 to 65535",
                   port);
    free(port);
    if (!ok)
        return -1;
    if (host != NULL && *host == '\0')
        return start_fail(error_r, "no host after '@' (as in "
                                   "inet:8891@127.0.0.1)");
    if (host != NULL && !start_host_ok(host, v6))
        return start_fail(error_r, "\"%s\" is not an %s address or a host "
                                   "name",
                          host, v6 ? "IPv6" : "IPv4");
    return 0;
}

int milter_socket_check(const char *spec, const char **error_r)
{
    const char *path = start_unix_path(spec);

    if (path != NULL)
        return start_check_unix(path, error_r);
    if (str_ncasecmp(spec, "inet:", 5) == 0)
        return start_check_inet(spec + 5, 0, error_r);
    if (str_ncasecmp(spec, "inet6:", 6) == 0)
        return start_check_inet(spec + 6, 1, error_r);
    if (*spec == '\0')
        return start_fail(error_r, "no socket");
    return start_fail(error_r, "\"%s\" is not unix:PATH, inet:PORT@HOST or "
                               "inet6:PORT@HOST",
                      spec);
}

int milter_start_check(const struct cfg *c, const struct milter_start *st,
                       struct cfg_errors *errs)
{
    const char *why;
    int rc = 0;

    if (st->socket != NULL && milter_socket_check(st->socket, &why) < 0) {
        if (st->socket_option) {
            cfg_errors_add(errs, "-p %s: %s", st->socket, why);
            rc = EX_USAGE;
        } else {
            cfg_key_error(c, errs, st->socket_section, "socket", "%s", why);
            rc = EX_CONFIG;
        }
    }
    if (st->user == NULL || *st->user == '\0' || getpwnam(st->user) != NULL)
        return rc;
    if (st->user_option) {
        cfg_errors_add(errs, "-u %s: no such user", st->user);
        return EX_USAGE;
    }
    cfg_key_error(c, errs, "common", "user",
                  "no such user \"%s\" (create it: adduser --system "
                  "--group --no-create-home %s)",
                  st->user, st->user);
    return rc ? rc : EX_CONFIG;
}

static int start_busy_unix(const char *path, const char **error_r)
{
    struct sockaddr_un sun;
    struct stat st;
    int fd, rc;

    if (lstat(path, &st) < 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        start_fail(error_r, "%s exists and is not a socket", path);
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
        return 0;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
    close(fd);
    if (rc)
        start_fail(error_r, "a milter is already listening on unix:%s", path);
    return rc;
}

static int start_busy_inet(const char *rest, int v6, const char **error_r)
{
    const char *at = strchr(rest, '@');
    char *port = at ? xstrndup(rest, (size_t)(at - rest)) : xstrdup(rest);
    struct addrinfo hints, *ai = NULL;
    int fd, one = 1, rc = 0, gai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = v6 ? AF_INET6 : AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    gai = getaddrinfo(at ? at + 1 : NULL, port, &hints, &ai);
    if (gai != 0) {
        start_fail(error_r, "%s: %s", at ? at + 1 : port, gai_strerror(gai));
        free(port);
        return -1;
    }
    fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
            rc = errno == EADDRINUSE ? 1 : -1;
            start_fail(error_r, "cannot listen on port %s%s%s: %s", port,
                       at ? " of " : "", at ? at + 1 : "", strerror(errno));
        }
        close(fd);
    }
    freeaddrinfo(ai);
    free(port);
    return rc;
}

int milter_start_busy(const struct milter_start *st, const char **error_r)
{
    const char *spec = st->socket, *path;

    if (spec == NULL)
        return 0;
    if ((path = start_unix_path(spec)) != NULL)
        return start_busy_unix(path, error_r);
    if (str_ncasecmp(spec, "inet:", 5) == 0)
        return start_busy_inet(spec + 5, 0, error_r);
    if (str_ncasecmp(spec, "inet6:", 6) == 0)
        return start_busy_inet(spec + 6, 1, error_r);
    return 0;
}

void milter_start_warn(const struct milter_start *st)
{
    const char *path = st->socket ? start_unix_path(st->socket) : NULL;

    if (geteuid() != 0 || (st->user != NULL && *st->user != '\0'))
        return;
    log_warn(NULL, "running as root: no user to switch to (set \"user = "
                   "sluice\" in [common], or use -u USER)");
    if (path != NULL)
        log_warn(NULL, "the socket %s stays root's, mode 0660: Postfix, "
                       "which does not run as root, cannot connect to it "
                       "and defers every message",
                 path);
}
