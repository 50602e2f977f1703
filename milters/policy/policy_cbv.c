/*
 * policy_cbv - call-back verification: would the sender's mail server
 * accept mail for the sender (a bounce)?
 *
 * DESCRIPTION
 *	cbv_probe() talks SMTP to one server: it reads the greeting, says
 *	EHLO helo (HELO when EHLO is refused), MAIL FROM:<>, RCPT
 *	TO:<address>, then QUIT, all within timeout_ms in total (a
 *	non-blocking socket and poll()).  The answer to RCPT decides: 2xx
 *	pass, 5xx fail, anything else temperror; a refusal earlier in the
 *	dialogue (5xx greeting, MAIL FROM:<> refused) is a temperror too,
 *	since it says nothing about the address.  o->answer holds the
 *	server's deciding reply line, which a refusal quotes.
 *
 *	cbv_verify() finds the server for the address's domain: the MX
 *	records through our resolver, lowest preference first (the domain's
 *	own A record when it has no MX, RFC 5321 5.1), the first IPv4
 *	address of the first usable exchange, and probes it on cbv_port.
 *	A domain that does not exist or has a null MX fails; a lookup
 *	failure is temperror.  It never calls back to ourselves:
 *	cbv_excluded() is true for an exchange named like our {j}, with our
 *	{daemon_addr}, in local_domains, or listed in cbv_exclude (names,
 *	".suffix" entries and addresses) -- the pymilter "fraudulent MX"
 *	case; such an exchange is skipped, and when none is left the
 *	result is AUTH_NONE (not verified).  The null sender is never
 *	verified (the caller's rule).
 *
 *	An exchange at our own address is ourselves only when cbv_port is
 *	25 (a test aiming at a second local MTA on another port is not).
 *
 *	cbv_cache_get() and cbv_cache_put() keep results in libcommon's
 *	store under "cbv/s/ADDRESS" (sender) or "cbv/r/ADDRESS" (recipient),
 *	the address in lower case, value "pass ANSWER" or "fail ANSWER",
 *	with cbv_ttl_pass or cbv_ttl_fail; a temperror is never kept.  Get
 *	returns 1 (found, o filled), 0 (not found) or -1 (the store could not
 *	be used: the caller's on_error, never "not cached" in silence).
 *
 * OWNERSHIP
 *	struct cbv_out is a plain value.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "inside.h"
#include "policy.h"
#include "store.h"
#include "util.h"

#define CBV_MAX_MX 5

struct cbv_conn {
    int fd;
    struct deadline dl;
    char buf[1024];
    size_t len;
};

static int cbv_wait(struct cbv_conn *c, short ev)
{
    struct pollfd p = {c->fd, ev, 0};
    long long left = deadline_left_ms(c->dl);

    if (left <= 0)
        return -1;
    return poll(&p, 1, (int)left) == 1 ? 0 : -1;
}

/* One reply (the last line of a multi-line one) in line; its code. */
static int cbv_reply(struct cbv_conn *c, char *line, size_t size)
{
    for (;;) {
        char *nl = memchr(c->buf, '\n', c->len);
        ssize_t n;

        if (nl != NULL) {
            size_t ll = (size_t)(nl - c->buf) + 1;
            int more = ll > 4 && c->buf[3] == '-';

            snprintf(line, size, "%.*s", (int)(ll - (ll >= 2 && nl[-1] == '\r') - 1),
                     c->buf);
            memmove(c->buf, nl + 1, c->len - ll);
            c->len -= ll;
            if (more)
                continue;
            return atoi(line);
        }
        if (c->len == sizeof(c->buf) || cbv_wait(c, POLLIN) < 0)
            return -1;
        n = read(c->fd, c->buf + c->len, sizeof(c->buf) - c->len);
        if (n <= 0)
            return -1;
        c->len += (size_t)n;
    }
}

static int cbv_cmd(struct cbv_conn *c, const char *cmd, char *line, size_t size)
{
    size_t off = 0, n = strlen(cmd);

    while (off < n) {
        ssize_t w;

        if (cbv_wait(c, POLLOUT) < 0)
            return -1;
        w = write(c->fd, cmd + off, n - off);
        if (w <= 0)
            return -1;
        off += (size_t)w;
    }
    return cbv_reply(c, line, size);
}

static int cbv_connect(struct cbv_conn *c, const char *ip, int port)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int err = 0;
    socklen_t el = sizeof(err);

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, ip, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons((unsigned short)port);
        sl = sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, ip, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((unsigned short)port);
        sl = sizeof(struct sockaddr_in6);
    } else {
        return -1;
    }
    c->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    if (connect(c->fd, (struct sockaddr *)&ss, sl) == 0)
        return 0;
    if (errno != EINPROGRESS || cbv_wait(c, POLLOUT) < 0 ||
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err != 0)
        return -1;
    return 0;
}

static void cbv_dialogue(struct cbv_conn *c, const char *helo,
                         const char *address, struct cbv_out *o)
{
    char cmd[600], line[512];
    int code;

    o->result = AUTH_TEMPERROR;
    if ((code = cbv_reply(c, line, sizeof(line))) != 220)
        goto out;
    snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", helo);
    if ((code = cbv_cmd(c, cmd, line, sizeof(line))) / 100 != 2) {
        snprintf(cmd, sizeof(cmd), "HELO %s\r\n", helo);
        if ((code = cbv_cmd(c, cmd, line, sizeof(line))) / 100 != 2)
            goto out;
    }
    if ((code = cbv_cmd(c, "MAIL FROM:<>\r\n", line, sizeof(line))) / 100 != 2)
        goto out;
    snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", address);
    code = cbv_cmd(c, cmd, line, sizeof(line));
    o->result = code / 100 == 2 ? AUTH_PASS
                : code / 100 == 5 ? AUTH_FAIL
                                  : AUTH_TEMPERROR;
    (void)cbv_cmd(c, "QUIT\r\n", cmd, sizeof(cmd));
out:
    snprintf(o->answer, sizeof(o->answer), "%.250s",
             code < 0 ? "no answer in time" : line);
}

void cbv_probe(const struct cbv_target *t, const char *helo,
               const char *address, long long timeout_ms, struct cbv_out *o)
{
    struct cbv_conn c;

    memset(&c, 0, sizeof(c));
    memset(o, 0, sizeof(*o));
    c.fd = -1;
    c.dl = deadline_in(timeout_ms);
    if (cbv_connect(&c, t->ip, t->port) < 0) {
        o->result = AUTH_TEMPERROR;
        snprintf(o->answer, sizeof(o->answer), "cannot connect to %s [%s]:%d",
                 t->host, t->ip, t->port);
    } else {
        cbv_dialogue(&c, helo, address, o);
    }
    if (c.fd >= 0)
        close(c.fd);
}

static int cbv_listed(const struct cfg_list *l, const char *s)
{
    size_t i, n = strlen(s), k;

    for (i = 0; s && i < l->n; i++) {
        const char *e = l->v[i];

        if (strcasecmp(e, s) == 0)
            return 1;
        k = strlen(e);
        if (e[0] == '.' && n > k && strcasecmp(s + n - k, e) == 0)
            return 1;
    }
    return 0;
}

int cbv_excluded(const char *mx_name, const char *mx_ip,
                 const struct sl_conn *conn, const struct inside *in,
                 const struct cfg_list *exclude, int port)
{
    if (conn->mta_name && mx_name && strcasecmp(conn->mta_name, mx_name) == 0)
        return 1;
    if (port == 25 && conn->daemon_addr && mx_ip &&
        strcmp(conn->daemon_addr, mx_ip) == 0)
        return 1;
    if (mx_name && in != NULL && inside_domain(in, mx_name))
        return 1;
    return (mx_name && cbv_listed(exclude, mx_name)) ||
           (mx_ip && cbv_listed(exclude, mx_ip));
}

static int cbv_by_pref(const void *a, const void *b)
{
    return ((const struct dns_rr *)a)->pref - ((const struct dns_rr *)b)->pref;
}

/* The exchanges of domain (sorted), or the domain itself; -1 temperror,
 * 0 fail (o set), else their number. */
static int cbv_exchanges(struct dns *d, const char *domain,
                         struct deadline budget, char **names, size_t max,
                         struct cbv_out *o)
{
    struct dns_answer mx;
    size_t i, n = 0;

    dns_lookup(d, domain, DNS_T_MX, budget, &mx);
    if (mx.status == DNS_TEMPFAIL) {
        snprintf(o->answer, sizeof(o->answer), "MX lookup for %s failed: %s",
                 domain, mx.error ? mx.error : "temporary failure");
        dns_answer_free(&mx);
        return -1;
    }
    if (mx.status == DNS_NXDOMAIN ||
        (mx.status == DNS_OK && mx.n == 1 &&
         (mx.rr[0].text[0] == '\0' || strcmp(mx.rr[0].text, ".") == 0))) {
        o->result = AUTH_FAIL;
        snprintf(o->answer, sizeof(o->answer), "%s accepts no mail (%s)",
                 domain, mx.status == DNS_NXDOMAIN ? "NXDOMAIN" : "null MX");
        dns_answer_free(&mx);
        return 0;
    }
    if (mx.status == DNS_OK) {
        qsort(mx.rr, mx.n, sizeof(*mx.rr), cbv_by_pref);
        for (i = 0; i < mx.n && n < max; i++)
            names[n++] = xstrdup(mx.rr[i].text);
    } else {
        names[n++] = xstrdup(domain);
    }
    dns_answer_free(&mx);
    return (int)n;
}

static void cbv_try(struct dns *d, const struct policy_conf *c,
                    const struct sl_conn *conn, const struct inside *in,
                    const char *mx, const char *address,
                    struct deadline budget, struct cbv_out *o, int *tried)
{
    struct dns_answer a;
    struct cbv_target t;

    dns_lookup(d, mx, DNS_T_A, budget, &a);
    if (a.status != DNS_OK) {
        if (a.status == DNS_TEMPFAIL)
            snprintf(o->answer, sizeof(o->answer), "A lookup for %s failed", mx);
        dns_answer_free(&a);
        return;
    }
    if (cbv_excluded(mx, a.rr[0].text, conn, in, &c->cbv_exclude,
                     (int)c->cbv_port)) {
        dns_answer_free(&a);
        return;
    }
    t.host = mx;
    t.ip = a.rr[0].text;
    t.port = (int)c->cbv_port;
    *tried = 1;
    cbv_probe(&t, c->cbv_helo && *c->cbv_helo ? c->cbv_helo
                  : conn->mta_name                ? conn->mta_name
                                                  : "localhost",
              address, c->cbv_timeout, o);
    dns_answer_free(&a);
}

void cbv_verify(struct dns *d, const struct policy_conf *c,
                const struct sl_conn *conn, const struct inside *in,
                const char *address, struct deadline budget,
                struct cbv_out *o)
{
    const char *at = strrchr(address, '@');
    char *names[CBV_MAX_MX];
    int n, i, tried = 0;

    memset(o, 0, sizeof(*o));
    o->result = AUTH_NONE;
    if (at == NULL || at[1] == '\0' || (in && inside_domain(in, at + 1)))
        return;
    n = cbv_exchanges(d, at + 1, budget, names, CBV_MAX_MX, o);
    if (n < 0) {
        o->result = AUTH_TEMPERROR;
        return;
    }
    for (i = 0; i < n; i++) {
        if (!tried)
            cbv_try(d, c, conn, in, names[i], address, budget, o, &tried);
        if (tried && o->result == AUTH_TEMPERROR && i + 1 < n)
            tried = 0; /* the next exchange may answer */
        free(names[i]);
    }
    if (n > 0 && !tried && o->answer[0] != '\0')
        o->result = AUTH_TEMPERROR;
}

static void cbv_key(char *key, size_t size, char kind, const char *address)
{
    snprintf(key, size, "cbv/%c/%s", kind, address);
    str_lower(key + 6);
}

int cbv_cache_get(struct store *s, char kind, const char *address,
                  struct cbv_out *o, const char **error_r)
{
    char key[600], *val = NULL;
    size_t len;
    int rc;

    cbv_key(key, sizeof(key), kind, address);
    rc = store_get(s, key, &val, &len, NULL, error_r);
    if (rc == STORE_ERROR)
        return -1;
    if (rc != STORE_OK)
        return 0;
    memset(o, 0, sizeof(*o));
    o->result = strncmp(val, "pass", 4) == 0 ? AUTH_PASS : AUTH_FAIL;
    snprintf(o->answer, sizeof(o->answer), "%s", len > 5 ? val + 5 : "");
    free(val);
    return 1;
}

int cbv_cache_put(struct store *s, char kind, const char *address,
                  const struct cbv_out *o, long long ttl_pass,
                  long long ttl_fail, const char **error_r)
{
    char key[600], val[300];
    int n;

    if (o->result != AUTH_PASS && o->result != AUTH_FAIL)
        return 0;
    cbv_key(key, sizeof(key), kind, address);
    n = snprintf(val, sizeof(val), "%s %s",
                 o->result == AUTH_PASS ? "pass" : "fail", o->answer);
    return store_put(s, key, val, (size_t)n,
                     o->result == AUTH_PASS ? ttl_pass : ttl_fail,
                     error_r) == STORE_OK
               ? 0
               : -1;
}
