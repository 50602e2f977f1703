/*
 * dns_dkim - libopendkim's key lookups through dns.h (see dns_dkim.h).
 *
 * libopendkim 2.11 asks in three steps: start (type, name, its reply
 * buffer), waitreply (with its own timeout, DKIM_OPTS_TIMEOUT), cancel
 * (always, to free the handle).  Our start only records the question;
 * waitreply asks it with dns_query_raw(), bounded by the earlier of the
 * thread's budget and libopendkim's timeout, and writes the DNS message
 * into libopendkim's buffer, which then reads NXDOMAIN and an empty
 * answer as "no key" itself.  A lookup that timed out or ran out of
 * budget is DKIM_DNS_EXPIRED ("query timed out"), any other failure
 * DKIM_DNS_ERROR ("query failed"): both are DKIM_STAT_KEYFAIL.
 */
#include "dns_dkim.h"

#include <stdlib.h>
#include <string.h>

#include "dns_int.h"
#include "util.h"

struct dns_dkim_q {
    int type;
    char *name;
    unsigned char *buf;
    size_t buflen;
};

static int dns_dkim_start(void *srv, int type, unsigned char *query,
                          unsigned char *buf, size_t buflen, void **qh)
{
    struct dns_dkim_q *q;

    if (srv == NULL || query == NULL || buf == NULL)
        return -1;
    q = xcalloc(1, sizeof *q);
    q->type = type;
    q->name = xstrdup((const char *)query);
    q->buf = buf;
    q->buflen = buflen;
    *qh = q;
    return 0;
}

static int dns_dkim_cancel(void *srv, void *qh)
{
    struct dns_dkim_q *q = qh;

    (void)srv;
    if (q != NULL) {
        free(q->name);
        free(q);
    }
    return 0;
}

/* A name that cannot be asked cannot have a key: an NXDOMAIN reply made
 * here (for the question "invalid. TXT", libopendkim checks only the
 * type and class), so that libopendkim says "no key", a permanent
 * result, and a forged signature cannot turn a DKIM fail into a
 * temporary error. */
static int dns_dkim_nxdomain(struct dns_dkim_q *q, size_t *bytes)
{
    static const unsigned char nx[] = {
        0, 0, 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0, /* QR RD RA, NXDOMAIN */
        7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0, 0, 16, 0, 1,
    };

    if (q->buflen < sizeof nx)
        return DKIM_DNS_ERROR;
    memcpy(q->buf, nx, sizeof nx);
    *bytes = sizeof nx;
    return DKIM_DNS_SUCCESS;
}

static int dns_dkim_waitreply(void *srv, void *qh, struct timeval *to,
                              size_t *bytes, int *error, int *dnssec)
{
    struct dns_dkim_q *q = qh;
    struct deadline budget = dns_thread_budget();
    enum dns_status st;
    const char *e;

    if (error != NULL)
        *error = 0;
    if (dnssec != NULL)
        *dnssec = DKIM_DNSSEC_UNKNOWN;
    if (q == NULL)
        return DKIM_DNS_INVALID;
    if (to != NULL)
        budget = deadline_min(budget,
                              deadline_in((long long)to->tv_sec * 1000 +
                                          to->tv_usec / 1000));
    if (dns_query_raw(srv, q->name, q->type, budget, q->buf, q->buflen,
                      bytes, &st) == 0)
        return DKIM_DNS_SUCCESS;
    e = dns_raw_error();
    if (e != NULL && strcmp(e, DNS_INVALID_NAME) == 0)
        return dns_dkim_nxdomain(q, bytes);
    if (e != NULL && (strcmp(e, "timeout") == 0 ||
                      strcmp(e, "DNS budget exhausted") == 0))
        return DKIM_DNS_EXPIRED;
    return DKIM_DNS_ERROR;
}

int dns_dkim_attach(DKIM_LIB *lib, struct dns *d, const char **error_r)
{
    if (lib == NULL || d == NULL) {
        *error_r = "dns_dkim_attach: no library handle or no resolver";
        return -1;
    }
    (void)dkim_dns_set_query_service(lib, d);
    dkim_dns_set_query_start(lib, dns_dkim_start);
    dkim_dns_set_query_cancel(lib, dns_dkim_cancel);
    dkim_dns_set_query_waitreply(lib, dns_dkim_waitreply);
    dkim_dns_set_init(lib, NULL);
    dkim_dns_set_close(lib, NULL);
    return 0;
}
