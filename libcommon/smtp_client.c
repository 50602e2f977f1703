/*
 * smtp_client - one message by SMTP: the release path of the quarantine.
 *
 * DESCRIPTION
 *	See smtp_client.h.  One blocking connection with SO_RCVTIMEO and
 *	SO_SNDTIMEO; replies are read line by line until the line whose
 *	fourth byte is a space (RFC 5321 4.2.1).  The message is sent line
 *	by line: a line that starts with "." gets another one in front
 *	(4.5.2), a bare LF becomes CRLF, and a last line without an end
 *	gets one.
 *
 * OWNERSHIP
 *	See smtp_client.h.
 */
#include "smtp_client.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "util.h"

static __thread char serr[512];

struct conn {
    int fd;
    char buf[4096];
    size_t len, off;
    char line[1024]; /* the last reply line */
};

static __attribute__((format(printf, 1, 2))) const char *
sfail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(serr, sizeof(serr), fmt, ap);
    va_end(ap);
    return serr;
}

static int sc_connect(const char *host, int port, int timeout_ms,
                      const char **error_r)
{
    struct addrinfo hints, *res, *ai;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    char ps[16];
    int fd = -1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(ps, sizeof(ps), "%d", port);
    if ((rc = getaddrinfo(host, ps, &hints, &res)) != 0) {
        *error_r = sfail("%s: %s", host, gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0)
            continue;
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        rc = errno;
        close(fd);
        fd = -1;
        errno = rc;
    }
    freeaddrinfo(res);
    if (fd < 0)
        *error_r = sfail("connect to %s:%d: %s", host, port, strerror(errno));
    return fd;
}

static int sc_write(struct conn *c, const char *p, size_t n,
                    const char **error_r)
{
    while (n > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            *error_r = sfail("write: %s", w < 0 ? strerror(errno) : "closed");
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One reply; returns its code (0 on a read error, *error_r set). */
static int sc_reply(struct conn *c, const char **error_r)
{
    for (;;) {
        size_t k = 0;
        int done = 0;

        while (!done) {
            if (c->off == c->len) {
                ssize_t r = recv(c->fd, c->buf, sizeof(c->buf), 0);

                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0) {
                    *error_r = sfail("read: %s", r < 0 ? strerror(errno)
                                                       : "connection closed");
                    return 0;
                }
                c->len = (size_t)r;
                c->off = 0;
            }
            while (c->off < c->len) {
                char ch = c->buf[c->off++];

                if (ch == '\n') {
                    done = 1;
                    break;
                }
                if (ch != '\r' && k < sizeof(c->line) - 1)
                    c->line[k++] = ch;
            }
        }
        c->line[k] = 0;
        if (k < 3) {
            *error_r = sfail("bad reply: %s", c->line);
            return 0;
        }
        if (k == 3 || c->line[3] == ' ')
            return atoi(c->line);
    }
}

/* Send a command, expect a reply code in [lo, hi]. */
static int sc_cmd(struct conn *c, const char *cmd, int lo, int hi,
                  const char **error_r)
{
    int code;

    if (cmd != NULL && sc_write(c, cmd, strlen(cmd), error_r) < 0)
        return -1;
    code = sc_reply(c, error_r);
    if (code == 0)
        return -1;
    if (code < lo || code > hi) {
        *error_r = sfail("%.*s: %s", cmd ? (int)strcspn(cmd, "\r:") : 8,
                         cmd ? cmd : "greeting", c->line);
        return -1;
    }
    return 0;
}

static int sc_data(struct conn *c, const char *msg, size_t len,
                   const char **error_r)
{
    struct strbuf b;
    int rc;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(msg + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - msg) : len, le = e;

        if (le > i && msg[le - 1] == '\r')
            le--;
        if (msg[i] == '.')
            strbuf_append(&b, ".", 1);
        strbuf_append(&b, msg + i, le - i);
        strbuf_append(&b, "\r\n", 2);
        i = nl ? e + 1 : len;
    }
    strbuf_append(&b, ".\r\n", 3);
    rc = sc_write(c, b.data, b.len, error_r);
    strbuf_free(&b);
    return rc;
}

int smtp_client_send(const char *host, int port, const char *helo,
                     const char *from, char *const *rcpts, size_t nrcpts,
                     const char *msg, size_t len, int timeout_ms,
                     char **reply_r, const char **error_r)
{
    struct conn c;
    char *cmd;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    if ((c.fd = sc_connect(host, port, timeout_ms, error_r)) < 0)
        return -1;
    if (sc_cmd(&c, NULL, 220, 220, error_r) < 0)
        goto out;
    cmd = xasprintf("EHLO %s\r\n", helo);
    rc = sc_cmd(&c, cmd, 250, 250, error_r);
    free(cmd);
    if (rc < 0)
        goto out;
    cmd = xasprintf("MAIL FROM:<%s>\r\n", from);
    rc = sc_cmd(&c, cmd, 250, 250, error_r);
    free(cmd);
    for (size_t i = 0; rc == 0 && i < nrcpts; i++) {
        cmd = xasprintf("RCPT TO:<%s>\r\n", rcpts[i]);
        rc = sc_cmd(&c, cmd, 250, 251, error_r);
        free(cmd);
    }
    if (rc == 0)
        rc = sc_cmd(&c, "DATA\r\n", 354, 354, error_r);
    if (rc == 0)
        rc = sc_data(&c, msg, len, error_r);
    if (rc == 0)
        rc = sc_cmd(&c, NULL, 250, 250, error_r);
    if (rc == 0) {
        *reply_r = xstrdup(c.line);
        sc_cmd(&c, "QUIT\r\n", 221, 221, error_r);
    } else {
        const char *ignored;

        sc_cmd(&c, "RSET\r\n", 250, 250, &ignored);
    }
out:
    close(c.fd);
    return rc;
}
