/*
 * dns - the suite's resolver over c-ares 1.18 (see dns.h).
 *
 * Channels.  A c-ares 1.18 channel must not be used by two threads at
 * once, and making one costs about 31 us (ares_init_options() reads
 * resolv.conf and seeds its id generator; measured on the test machine,
 * against 0.014 us for taking one from a locked list).  So struct dns
 * keeps a pool of idle channels: a batch takes one (or makes one when
 * the pool is empty), owns it until dns_batch_free(), and gives it back.
 * An idle channel holds no socket (c-ares closes its sockets when no
 * query is pending), so the pool costs memory only; it keeps at most
 * DNS_POOL_MAX idle channels and destroys the rest.  A pool is used
 * rather than a channel per thread (a pthread key) because libmilter
 * threads come and go with the SMTP connections, and a channel per
 * thread would need a destructor racing dns_free().
 *
 * Queries.  Each query is built with ares_create_query() and sent with
 * ares_send(), so that every response reaches us with its RCODE
 * (ARES_FLAG_NOCHECKRESP) and is parsed by dns_parse.c.  The wait loop
 * polls the channel's sockets (ares_getsock() + poll()) until every
 * query is answered or the earlier of two deadlines passes: the budget,
 * and timeout x tries from the batch's first query.  Then ares_cancel()
 * ends the rest as DNS_TEMPFAIL ("DNS budget exhausted" or "timeout").
 */
#include "dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns_int.h"
#include "util.h"

#define DNS_POOL_MAX 64
#define DNS_BATCH_MAX 4096 /* queries in one batch */
#define DNS_BUDGET_ERROR "DNS budget exhausted"

struct dns_chan {
    ares_channel ch;
    struct dns_chan *next;
};

struct dns {
    struct ares_options opts;
    int optmask;
    char *servers; /* "a:p,[b]:p" for c-ares; NULL: the system's */
    long long cap_ms; /* timeout x tries */
    pthread_mutex_t lock;
    struct dns_chan *idle;
    size_t nidle;
};

struct dns_query {
    struct dns_batch *b;
    size_t i;
    int type;
};

struct dns_batch {
    struct dns *d;
    struct dns_chan *chan;
    const char *chan_error;   /* when no channel could be made */
    struct deadline budget;
    struct deadline cap;      /* timeout x tries; 0 while nothing pending */
    const char *cancel_error; /* what ares_cancel() means right now */
    size_t n, alloc, pending;
    struct dns_answer *ans;
    struct dns_query **q;
    int keep_raw;             /* dns_query_raw(): keep the message */
    unsigned char *raw;
    size_t rawlen;
};

static _Thread_local struct deadline dns_tls_budget;
static _Thread_local const char *dns_tls_raw_error;
static pthread_once_t dns_once = PTHREAD_ONCE_INIT;
static int dns_lib_status;

static void dns_lib_init(void)
{
    dns_lib_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* ---- channels --------------------------------------------------------- */

static struct dns_chan *dns_chan_make(struct dns *d, const char **error_r)
{
    struct ares_options o = d->opts;
    struct dns_chan *c;
    ares_channel ch;
    int st;

    st = ares_init_options(&ch, &o, d->optmask);
    if (st != ARES_SUCCESS) {
        *error_r = ares_strerror(st);
        return NULL;
    }
    if (d->servers != NULL &&
        (st = ares_set_servers_ports_csv(ch, d->servers)) != ARES_SUCCESS) {
        ares_destroy(ch);
        *error_r = ares_strerror(st);
        return NULL;
    }
    c = xcalloc(1, sizeof *c);
    c->ch = ch;
    return c;
}

static struct dns_chan *dns_chan_get(struct dns *d, const char **error_r)
{
    struct dns_chan *c;

    pthread_mutex_lock(&d->lock);
    c = d->idle;
    if (c != NULL) {
        d->idle = c->next;
        d->nidle--;
    }
    pthread_mutex_unlock(&d->lock);
    return c != NULL ? c : dns_chan_make(d, error_r);
}

static void dns_chan_put(struct dns *d, struct dns_chan *c)
{
    pthread_mutex_lock(&d->lock);
    if (d->nidle < DNS_POOL_MAX) {
        c->next = d->idle;
        d->idle = c;
        d->nidle++;
        c = NULL;
    }
    pthread_mutex_unlock(&d->lock);
    if (c != NULL) {
        ares_destroy(c->ch);
        free(c);
    }
}

/* ---- the resolver ------------------------------------------------------- */

/* The server list as c-ares wants it; every entry must be an address
 * with an optional port, checked one by one so that a bad entry is
 * refused here rather than silently dropped. */
static int dns_servers_csv(struct dns *d, const struct cfg_list *l,
                           const char **error_r)
{
    struct strbuf sb;
    size_t i;

    if (l == NULL || l->n == 0)
        return 0;
    strbuf_init(&sb, 0);
    for (i = 0; i < l->n; i++) {
        if (l->v[i][0] == '\0' || strchr(l->v[i], ',') != NULL ||
            strchr(l->v[i], ' ') != NULL) {
            strbuf_free(&sb);
            *error_r = "dns_servers: an entry is empty or holds a blank "
                       "or a comma";
            return -1;
        }
        strbuf_printf(&sb, "%s%s", i ? "," : "", l->v[i]);
    }
    d->servers = strbuf_detach(&sb);
    return 0;
}

int dns_new(const struct dns_conf *c, struct dns **dns_r,
            const char **error_r)
{
    struct dns *d;
    struct dns_chan *ch;

    pthread_once(&dns_once, dns_lib_init);
    if (dns_lib_status != ARES_SUCCESS) {
        *error_r = ares_strerror(dns_lib_status);
        return -1;
    }
    if (c->timeout_ms <= 0 || c->timeout_ms > 3600000 || c->tries < 1) {
        *error_r = "DNS timeout and tries must be positive";
        return -1;
    }
    d = xcalloc(1, sizeof *d);
    pthread_mutex_init(&d->lock, NULL);
    d->opts.flags =
        ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
    d->opts.timeout = (int)c->timeout_ms;
    d->opts.tries = c->tries;
    d->optmask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    d->cap_ms = c->timeout_ms * c->tries;
    if (dns_servers_csv(d, c->servers, error_r) < 0) {
        dns_free(d);
        return -1;
    }
    /* One channel now: it checks the server list, and the first batch
     * finds it in the pool. */
    if ((ch = dns_chan_make(d, error_r)) == NULL) {
        if (d->servers != NULL)
            *error_r = "dns_servers: not an IP address with an optional "
                       "port (\"192.0.2.1:53\", \"[2001:db8::1]:53\")";
        dns_free(d);
        return -1;
    }
    dns_chan_put(d, ch);
    *dns_r = d;
    return 0;
}

void dns_free(struct dns *d)
{
    struct dns_chan *c, *next;

    if (d == NULL)
        return;
    for (c = d->idle; c != NULL; c = next) {
        next = c->next;
        ares_destroy(c->ch);
        free(c);
    }
    pthread_mutex_destroy(&d->lock);
    free(d->servers);
    free(d);
}

/* ---- batches ------------------------------------------------------------- */

struct dns_batch *dns_batch_new(struct dns *d, struct deadline budget)
{
    struct dns_batch *b = xcalloc(1, sizeof *b);

    b->d = d;
    b->budget = budget;
    return b;
}

/* c-ares is done with one query: its answer, or why there is none. */
static void dns_batch_cb(void *arg, int status, int timeouts,
                         unsigned char *abuf, int alen)
{
    struct dns_query *q = arg;
    struct dns_batch *b = q->b;
    struct dns_answer *a = &b->ans[q->i];
    const char *e;

    (void)timeouts;
    b->pending--;
    if (status == ARES_SUCCESS && abuf != NULL && alen > 0) {
        dns_parse_answer(abuf, (size_t)alen, q->type, a);
        if (b->keep_raw && b->raw == NULL) {
            b->raw = xmalloc((size_t)alen);
            memcpy(b->raw, abuf, (size_t)alen);
            b->rawlen = (size_t)alen;
        }
        return;
    }
    switch (status) {
    case ARES_ETIMEOUT:
        e = "timeout";
        break;
    case ARES_ECANCELLED:
        e = b->cancel_error != NULL ? b->cancel_error : "cancelled";
        break;
    case ARES_ECONNREFUSED:
        e = "no server reachable";
        break;
    case ARES_EBADRESP:
        e = "malformed answer";
        break;
    default:
        e = ares_strerror(status);
        break;
    }
    dns_answer_set_fail(a, DNS_TEMPFAIL, e);
}

static size_t dns_batch_slot(struct dns_batch *b)
{
    if (b->n == b->alloc) {
        b->alloc = b->alloc ? 2 * b->alloc : 8;
        b->ans = xrealloc(b->ans, b->alloc * sizeof *b->ans);
        b->q = xrealloc(b->q, b->alloc * sizeof *b->q);
    }
    b->q[b->n] = NULL;
    dns_answer_set_fail(&b->ans[b->n], DNS_TEMPFAIL, "not asked");
    return b->n++;
}

size_t dns_batch_add(struct dns_batch *b, const char *name, int type)
{
    size_t i = dns_batch_slot(b);
    struct dns_answer *a = &b->ans[i];
    unsigned char *qbuf;
    int qlen, st;

    if (b->n > DNS_BATCH_MAX) {
        dns_answer_set_fail(a, DNS_TEMPFAIL, "too many queries in one batch");
        return i;
    }
    if (deadline_passed(b->budget)) {
        dns_answer_set_fail(a, DNS_TEMPFAIL, DNS_BUDGET_ERROR);
        return i;
    }
    if (b->chan == NULL && b->chan_error == NULL)
        b->chan = dns_chan_get(b->d, &b->chan_error);
    if (b->chan == NULL) {
        dns_answer_set_fail(a, DNS_TEMPFAIL, b->chan_error);
        return i;
    }
    /* A name that cannot be put in a query cannot exist in the DNS. */
    st = ares_create_query(name, ns_c_in, type, 0, 1, &qbuf, &qlen, 0);
    if (st != ARES_SUCCESS) {
        dns_answer_set_fail(a, st == ARES_ENOMEM ? DNS_TEMPFAIL : DNS_NXDOMAIN,
                            st == ARES_ENOMEM ? "out of memory"
                                              : DNS_INVALID_NAME);
        return i;
    }
    if (b->pending == 0)
        b->cap = deadline_in(b->d->cap_ms);
    b->q[i] = xmalloc(sizeof *b->q[i]);
    b->q[i]->b = b;
    b->q[i]->i = i;
    b->q[i]->type = type;
    b->pending++;
    ares_send(b->chan->ch, qbuf, qlen, dns_batch_cb, b->q[i]);
    ares_free_string(qbuf);
    return i;
}

/* Poll the channel's sockets for at most ms milliseconds, then let
 * c-ares read, write and handle its own timeouts. */
static void dns_batch_poll(struct dns_batch *b, long long ms)
{
    ares_channel ch = b->chan->ch;
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    struct pollfd pfd[ARES_GETSOCK_MAXNUM];
    struct timeval maxtv, tv, *t;
    unsigned bits;
    int i, n = 0, r;

    maxtv.tv_sec = ms / 1000;
    maxtv.tv_usec = (ms % 1000) * 1000;
    t = ares_timeout(ch, &maxtv, &tv);
    ms = (long long)t->tv_sec * 1000 + (t->tv_usec + 999) / 1000;
    /* ARES_GETSOCK_WRITABLE() shifts a signed 1 into the sign bit:
     * the same bits, tested unsigned */
    bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
    for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
        unsigned rd = bits & (1u << i);
        unsigned wr = bits & (1u << (i + ARES_GETSOCK_MAXNUM));

        if (!rd && !wr)
            continue;
        pfd[n].fd = socks[i];
        pfd[n].events = (short)((rd ? POLLIN : 0) | (wr ? POLLOUT : 0));
        pfd[n].revents = 0;
        n++;
    }
    r = poll(pfd, (nfds_t)n, (int)ms);
    if (r <= 0) {
        ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
        return;
    }
    for (i = 0; i < n; i++) {
        int in = pfd[i].revents & (POLLIN | POLLERR | POLLHUP);
        int out = pfd[i].revents & (POLLOUT | POLLERR | POLLHUP);

        if (in || out)
            ares_process_fd(ch, in ? pfd[i].fd : ARES_SOCKET_BAD,
                            out ? pfd[i].fd : ARES_SOCKET_BAD);
    }
}

void dns_batch_wait(struct dns_batch *b)
{
    while (b->pending > 0) {
        struct deadline end = deadline_min(b->budget, b->cap);
        long long left = deadline_left_ms(end);

        if (left == 0) {
            b->cancel_error = end.at == b->cap.at ? "timeout" : DNS_BUDGET_ERROR;
            ares_cancel(b->chan->ch);
            b->cancel_error = NULL;
            break;
        }
        dns_batch_poll(b, left);
    }
}

const struct dns_answer *dns_batch_get(const struct dns_batch *b, size_t i)
{
    return i < b->n ? &b->ans[i] : NULL;
}

void dns_batch_free(struct dns_batch *b)
{
    size_t i;

    if (b == NULL)
        return;
    if (b->chan != NULL) {
        if (b->pending > 0) {
            b->cancel_error = "cancelled";
            ares_cancel(b->chan->ch);
        }
        dns_chan_put(b->d, b->chan);
    }
    for (i = 0; i < b->n; i++) {
        dns_answer_free(&b->ans[i]);
        free(b->q[i]);
    }
    free(b->ans);
    free(b->q);
    free(b->raw);
    free(b);
}

/* ---- one lookup ---------------------------------------------------------- */

void dns_answer_free(struct dns_answer *a)
{
    size_t i;

    if (a == NULL)
        return;
    for (i = 0; i < a->n; i++)
        free(a->rr[i].text);
    free(a->rr);
    a->rr = NULL;
    a->n = 0;
}

enum dns_status dns_lookup(struct dns *d, const char *name, int type,
                           struct deadline budget, struct dns_answer *ans_r)
{
    struct dns_batch *b = dns_batch_new(d, budget);
    size_t i = dns_batch_add(b, name, type);

    dns_batch_wait(b);
    *ans_r = b->ans[i];
    /* the records now belong to the caller */
    b->ans[i].rr = NULL;
    b->ans[i].n = 0;
    dns_batch_free(b);
    return ans_r->status;
}

int dns_query_raw(struct dns *d, const char *name, int type,
                  struct deadline budget, unsigned char *buf, size_t buflen,
                  size_t *len_r, enum dns_status *st_r)
{
    struct dns_batch *b = dns_batch_new(d, budget);
    size_t i;
    int ret = -1;

    b->keep_raw = 1;
    i = dns_batch_add(b, name, type);
    dns_batch_wait(b);
    *st_r = b->ans[i].status;
    *len_r = 0;
    dns_tls_raw_error = b->ans[i].error;
    if (*st_r != DNS_TEMPFAIL && b->raw != NULL && b->rawlen <= buflen) {
        memcpy(buf, b->raw, b->rawlen);
        *len_r = b->rawlen;
        dns_tls_raw_error = NULL;
        ret = 0;
    } else {
        if (*st_r != DNS_TEMPFAIL && b->raw != NULL)
            dns_tls_raw_error = "answer too large";
        *st_r = DNS_TEMPFAIL;
    }
    dns_batch_free(b);
    return ret;
}

/* ---- names, statuses, the thread's budget ---------------------------------- */

char *dns_reverse_name(const char *ip, const char *zone)
{
    unsigned char a[16];
    char buf[80], *p = buf;
    const char *z = zone;
    size_t zl;
    int i, v6 = 0;

    if (inet_pton(AF_INET, ip, a) == 1) {
        snprintf(buf, sizeof buf, "%u.%u.%u.%u", a[3], a[2], a[1], a[0]);
    } else if (inet_pton(AF_INET6, ip, a) == 1) {
        v6 = 1;
        for (i = 15; i >= 0; i--) {
            *p++ = "0123456789abcdef"[a[i] & 0xf];
            *p++ = '.';
            *p++ = "0123456789abcdef"[a[i] >> 4];
            *p++ = '.';
        }
        p[-1] = '\0';
    } else {
        return NULL;
    }
    if (z == NULL)
        z = v6 ? "ip6.arpa" : "in-addr.arpa";
    zl = strlen(z);
    if (zl > 0 && z[zl - 1] == '.')
        zl--;
    if (zl == 0)
        return xstrdup(buf);
    return xasprintf("%s.%.*s", buf, (int)zl, z);
}

const char *dns_status_name(enum dns_status s)
{
    switch (s) {
    case DNS_OK:
        return "ok";
    case DNS_NXDOMAIN:
        return "nxdomain";
    case DNS_NODATA:
        return "nodata";
    case DNS_TEMPFAIL:
        return "tempfail";
    }
    return "unknown";
}

const char *dns_raw_error(void)
{
    return dns_tls_raw_error;
}

void dns_thread_budget_set(struct deadline budget)
{
    dns_tls_budget = budget;
}

struct deadline dns_thread_budget(void)
{
    return dns_tls_budget;
}
