/*
 * content_av - clamd: the INSTREAM client, its connection pool, and the
 * antivirus check.
 *
 * SYNOPSIS
 *	content_av_new(conf, &av, &error);      (start(), in the worker)
 *	content_av_scan(av, data, len, &r);     (0: r.infected, r.name)
 *	enum mod_rc content_av_check(struct content_scan *s);
 *
 * DESCRIPTION
 *	clamd_socket is "unix:PATH" or "inet:PORT@HOST" (HOST an address
 *	or a name resolved with getaddrinfo() when the pool opens a
 *	connection).  A connection is a clamd session (zIDSESSION): scans
 *	are "zINSTREAM", the data in chunks of at most AV_CHUNK bytes each
 *	with its 4-byte length, then a zero length; the answer ("N:
 *	stream: OK", "N: stream: NAME FOUND", "N: ... ERROR") ends with a
 *	NUL.  Up to clamd_pool idle sessions per worker are kept for the
 *	next scan; one idle for more than AV_IDLE_MAX seconds is closed
 *	(clamd's IdleTimeout is 30 s).  A kept session that turns out to be
 *	closed (no answer at all) is replaced by a new connection once.
 *	Connecting, each write and each answer are bounded by
 *	clamd_timeout (poll()).  Any error closes that connection.
 *
 *	content_av_scan() returns 0 when clamd answered OK or FOUND, -1
 *	with r->error when it could not scan: clamd down, a timeout, an
 *	ERROR answer (the size limit, a database problem), data larger
 *	than clamd_max_stream.  content_av_ping() sends zPING on a new
 *	connection (start() logs when clamd does not answer).
 *
 *	content_av_check() sends the whole raw message when it fits in
 *	clamd_max_stream (clamd reads the MIME structure and archives
 *	itself); when clamd finds something, each attachment is then sent
 *	alone to name the file in the reply and the log.  A larger message
 *	is sent part by part (each decoded part); a part larger than
 *	clamd_max_stream cannot be scanned.  A message that could not be
 *	scanned whole is never accepted unscanned: the check returns
 *	MOD_ERROR with CONTENT_AV_TEMPFAIL, and on_error answers (tempfail
 *	by default).  A virus is CONTENT_VIRUS and the module's own action
 *	(virus_action): reject with 550 5.7.0 naming the malware and the
 *	attachment when known, or discard (the log line keeps the queue
 *	ID, the sender, the recipients and the malware).  Never delivered,
 *	never stripped into a clean copy.
 *
 * OWNERSHIP
 *	struct content_av belongs to the state of one configuration in one
 *	worker; its pool is locked; content_av_free() closes everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "content.h"
#include "log.h"
#include "mime.h"

#define AV_CHUNK 65536
#define AV_IDLE_MAX 20.0
#define AV_REPLY_MAX 1024
#define AV_MAX_POOL 256

struct av_conn {
    int fd;
    unsigned seq; /* requests sent in this session */
    double last;  /* clock_mono() of its last use */
};

struct content_av {
    pthread_mutex_t lock;
    char *path; /* unix socket, or NULL */
    char *host; /* inet */
    char *port;
    long long timeout_ms;
    long long max_stream;
    int max_idle;
    struct av_conn idle[AV_MAX_POOL];
    int nidle;
};

/* "unix:PATH" or "inet:PORT@HOST"; 0 ok. */
int content_av_parse(const char *spec, char **path_r, char **host_r,
                     char **port_r)
{
    const char *at;

    *path_r = *host_r = *port_r = NULL;
    if (spec == NULL)
        return -1;
    if (strncmp(spec, "unix:", 5) == 0 && spec[5] == '/') {
        *path_r = xstrdup(spec + 5);
        return 0;
    }
    if (strncmp(spec, "inet:", 5) != 0 || (at = strchr(spec, '@')) == NULL ||
        at == spec + 5 || at[1] == '\0')
        return -1;
    *port_r = xstrndup(spec + 5, (size_t)(at - spec - 5));
    *host_r = xstrdup(at + 1);
    return 0;
}

int content_av_new(const struct content_conf *c, struct content_av **av_r,
                   const char **error_r)
{
    struct content_av *av = xcalloc(1, sizeof(*av));

    if (content_av_parse(c->clamd_socket, &av->path, &av->host, &av->port) <
        0) {
        free(av);
        *error_r = "clamd_socket: expected unix:PATH or inet:PORT@HOST";
        return -1;
    }
    pthread_mutex_init(&av->lock, NULL);
    av->timeout_ms = c->clamd_timeout;
    av->max_stream = c->clamd_max_stream;
    av->max_idle =
        c->clamd_pool > AV_MAX_POOL ? AV_MAX_POOL : (int)c->clamd_pool;
    *av_r = av;
    return 0;
}

void content_av_free(struct content_av *av)
{
    if (av == NULL)
        return;
    for (int i = 0; i < av->nidle; i++)
        close(av->idle[i].fd);
    pthread_mutex_destroy(&av->lock);
    free(av->path);
    free(av->host);
    free(av->port);
    free(av);
}

/* I/O with the timeout. */
static int av_wait(int fd, short ev, long long ms)
{
    struct pollfd p = {fd, ev, 0};
    int r;

    do
        r = poll(&p, 1, (int)ms);
    while (r < 0 && errno == EINTR);
    if (r == 0)
        errno = ETIMEDOUT;
    return r > 0 ? 0 : -1;
}

static int av_connect_addr(const struct sockaddr *sa, socklen_t len,
                           long long ms)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    0),
        err = 0;
    socklen_t elen = sizeof(err);

    if (fd < 0)
        return -1;
    if (connect(fd, sa, len) == 0)
        return fd;
    if (errno == EINPROGRESS && av_wait(fd, POLLOUT, ms) == 0 &&
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) == 0 && err == 0)
        return fd;
    if (err != 0)
        errno = err;
    close(fd);
    return -1;
}

static int av_connect(struct content_av *av, char *err, size_t size)
{
    struct addrinfo hints, *res = NULL, *ai;
    struct sockaddr_un sun;
    int fd = -1, rc;

    if (av->path != NULL) {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", av->path);
        fd = av_connect_addr((struct sockaddr *)&sun, sizeof(sun),
                             av->timeout_ms);
    } else {
        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_STREAM;
        if ((rc = getaddrinfo(av->host, av->port, &hints, &res)) != 0) {
            snprintf(err, size, "clamd %s: %s", av->host, gai_strerror(rc));
            return -1;
        }
        for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
            fd = av_connect_addr(ai->ai_addr, ai->ai_addrlen, av->timeout_ms);
        freeaddrinfo(res);
    }
    if (fd < 0)
        snprintf(err, size, "cannot connect to clamd: %m");
    return fd;
}

static int av_write(int fd, const void *buf, size_t len, long long ms)
{
    const char *p = buf;
    ssize_t n;

    while (len > 0) {
        if (av_wait(fd, POLLOUT, ms) < 0)
            return -1;
        n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One answer, up to its NUL; its length, 0 at EOF, -1 on error. */
static ssize_t av_read_reply(int fd, char *buf, size_t size, long long ms)
{
    size_t got = 0;
    ssize_t n;

    while (got + 1 < size) {
        if (av_wait(fd, POLLIN, ms) < 0)
            return -1;
        n = recv(fd, buf + got, size - got - 1, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return n < 0 ? -1 : (ssize_t)got;
        got += (size_t)n;
        if (memchr(buf, '\0', got) != NULL)
            break;
    }
    buf[got] = '\0';
    return (ssize_t)got;
}

/* The pool. */
static int av_get(struct content_av *av, struct av_conn *c, int *pooled_r,
                  char *err, size_t size)
{
    double now = clock_mono();

    *pooled_r = 0;
    pthread_mutex_lock(&av->lock);
    while (av->nidle > 0) {
        *c = av->idle[--av->nidle];
        if (now - c->last <= AV_IDLE_MAX) {
            pthread_mutex_unlock(&av->lock);
            *pooled_r = 1;
            return 0;
        }
        close(c->fd);
    }
    pthread_mutex_unlock(&av->lock);
    c->seq = 0;
    if ((c->fd = av_connect(av, err, size)) < 0)
        return -1;
    if (av_write(c->fd, "zIDSESSION", 11, av->timeout_ms) < 0) {
        snprintf(err, size, "clamd: cannot start a session: %m");
        close(c->fd);
        return -1;
    }
    return 0;
}

static void av_put(struct content_av *av, struct av_conn *c)
{
    c->last = clock_mono();
    pthread_mutex_lock(&av->lock);
    if (av->nidle < av->max_idle) {
        av->idle[av->nidle++] = *c;
        c->fd = -1;
    }
    pthread_mutex_unlock(&av->lock);
    if (c->fd >= 0) {
        av_write(c->fd, "zEND", 5, av->timeout_ms);
        close(c->fd);
    }
}

/* clamd's answers. */
int content_av_reply(const char *line, char *name, size_t size)
{
    const char *p = line, *colon;
    size_t n;

    /* "N: " in a session */
    while (*p >= '0' && *p <= '9')
        p++;
    if (p > line && p[0] == ':' && p[1] == ' ')
        line = p + 2;
    if ((colon = strstr(line, ": ")) != NULL && strncmp(line, "stream", 6) == 0)
        line = colon + 2;
    n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == ' '))
        n--;
    if (n == 2 && strncmp(line, "OK", 2) == 0)
        return 0;
    if (n > 6 && strncmp(line + n - 6, " FOUND", 6) == 0) {
        snprintf(name, size, "%.*s", (int)(n - 6), line);
        return 1;
    }
    snprintf(name, size, "%.*s", (int)n, line);
    return -1;
}

/* One INSTREAM on c; 0 answered, -1 error, -2 no answer at all (a
 * pooled session clamd closed). */
static int av_instream(struct content_av *av, struct av_conn *c,
                       const unsigned char *data, size_t len,
                       struct av_result *r)
{
    char reply[AV_REPLY_MAX];
    unsigned char hdr[4];
    size_t off, n;
    ssize_t got;
    int rc;

    if (av_write(c->fd, "zINSTREAM", 10, av->timeout_ms) < 0)
        return -2;
    for (off = 0; off < len; off += n) {
        n = len - off > AV_CHUNK ? AV_CHUNK : len - off;
        hdr[0] = (unsigned char)(n >> 24);
        hdr[1] = (unsigned char)(n >> 16);
        hdr[2] = (unsigned char)(n >> 8);
        hdr[3] = (unsigned char)n;
        if (av_write(c->fd, hdr, 4, av->timeout_ms) < 0 ||
            av_write(c->fd, data + off, n, av->timeout_ms) < 0)
            return off == 0 ? -2 : -1;
    }
    memset(hdr, 0, 4);
    if (av_write(c->fd, hdr, 4, av->timeout_ms) < 0)
        return -1;
    c->seq++;
    got = av_read_reply(c->fd, reply, sizeof(reply), av->timeout_ms);
    if (got <= 0) {
        snprintf(r->error, sizeof(r->error), "clamd: %s",
                 got < 0
                     ? (errno == ETIMEDOUT ? "no answer within clamd_timeout"
                                           : strerror(errno))
                     : "connection closed without an answer");
        return got == 0 ? -2 : -1;
    }
    rc = content_av_reply(reply, r->name, sizeof(r->name));
    if (rc < 0) {
        snprintf(r->error, sizeof(r->error), "clamd: %s", r->name);
        r->name[0] = '\0';
        return -1;
    }
    r->infected = rc == 1;
    return 0;
}

int content_av_scan(struct content_av *av, const void *data, size_t len,
                    struct av_result *r)
{
    struct av_conn c;
    int pooled, rc, tries;

    memset(r, 0, sizeof(*r));
    if ((long long)len > av->max_stream) {
        snprintf(r->error, sizeof(r->error),
                 "%zu bytes is more than clamd_max_stream (%lld)", len,
                 av->max_stream);
        return -1;
    }
    for (tries = 0; tries < 2; tries++) {
        if (av_get(av, &c, &pooled, r->error, sizeof(r->error)) < 0)
            return -1;
        rc = av_instream(av, &c, data, len, r);
        if (rc == 0) {
            av_put(av, &c);
            return 0;
        }
        close(c.fd);
        if (rc == -1 || !pooled)
            break;
        r->error[0] = '\0'; /* a stale session: once more on a new one */
    }
    if (r->error[0] == '\0')
        snprintf(r->error, sizeof(r->error), "clamd: the connection failed");
    return -1;
}

int content_av_ping(struct content_av *av, char *err, size_t size)
{
    char reply[64];
    int fd = av_connect(av, err, size);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = av_write(fd, "zPING", 6, av->timeout_ms) < 0
            ? -1
            : av_read_reply(fd, reply, sizeof(reply), av->timeout_ms);
    close(fd);
    if (n <= 0 || strncmp(reply, "PONG", 4) != 0) {
        snprintf(err, size, "no PONG from clamd");
        return -1;
    }
    return 0;
}

/* The check. */
static void av_found(struct content_scan *s, const char *name, const char *file)
{
    const struct sl_msg *m = s->m;
    int discard = s->conf->virus_action == VIRUS_DISCARD;
    struct reply_arg args[2];
    struct strbuf rc;
    char reason[200];

    strbuf_init(&rc, 2048);
    for (size_t i = 0; i < m->nrcpts; i++)
        strbuf_printf(&rc, "%s<%s>", i ? "," : "", m->rcpts[i]);
    result_add(s->x->res, "CONTENT_VIRUS", 100, name);
    log_info(m->qid,
             "content: virus=\"%s\" file=\"%s\" action=%s from=<%s> to=%s",
             name, file ? file : "", discard ? "discard" : "reject", m->from,
             rc.data ? rc.data : "");
    strbuf_free(&rc);
    args[0] = (struct reply_arg){"rule", name};
    args[1] = (struct reply_arg){"file", file ? file : ""};
    snprintf(reason, sizeof(reason), "CONTENT_VIRUS %s%s%s", name,
             file ? " in " : "", file ? file : "");
    content_refuse(s, discard ? MOD_DISCARD : MOD_REJECT, 3,
                   file ? "content_virus_file" : "content_virus", args, 2,
                   reason);
}

/* clamd found name in the message: which attachment?  Best effort: a
 * part that cannot be scanned alone leaves the file unnamed. */
static const char *av_which(struct content_scan *s, const struct mime_tree *t)
{
    struct av_result r;

    for (size_t i = 0; t != NULL && i < t->nparts; i++) {
        const struct mime_part *p = &t->parts[i];

        if (p->filename == NULL || p->len == 0)
            continue;
        if (content_av_scan(s->st->av, p->data, p->len, &r) == 0 && r.infected)
            return p->filename;
    }
    return NULL;
}

static enum mod_rc av_error(struct content_scan *s, const char *why)
{
    struct mod_out *out = &s->x->out;

    snprintf(out->reason_buf, sizeof(out->reason_buf), "%s", why);
    out->reason = out->reason_buf;
    out->tempfail_symbol = "CONTENT_AV_TEMPFAIL";
    return MOD_ERROR;
}

/* Larger than clamd_max_stream: each decoded part on its own. */
static enum mod_rc av_parts(struct content_scan *s, const struct mime_tree *t)
{
    struct av_result r;

    if (t == NULL)
        return av_error(s, "message larger than clamd_max_stream and its "
                           "MIME structure cannot be read");
    for (size_t i = 0; i < t->nparts; i++) {
        const struct mime_part *p = &t->parts[i];

        if (content_av_scan(s->st->av, p->data, p->len, &r) < 0)
            return av_error(s, r.error);
        if (r.infected) {
            av_found(s, r.name, p->filename);
            return MOD_CONTINUE;
        }
    }
    return MOD_CONTINUE;
}

enum mod_rc content_av_check(struct content_scan *s)
{
    const struct sl_msg *m = s->m;
    const struct mime_tree *t;
    const char *error = NULL;
    struct av_result r;

    if (s->st->av == NULL)
        return MOD_CONTINUE;
    t = sl_msg_mime(s->m, s->x->env->cc, &error);
    if ((long long)m->raw.len > s->conf->clamd_max_stream)
        return av_parts(s, t);
    if (content_av_scan(s->st->av, m->raw.data, m->raw.len, &r) < 0)
        return av_error(s, r.error);
    if (r.infected)
        av_found(s, r.name, av_which(s, t));
    return MOD_CONTINUE;
}
