/*
 * policy_sender - the sender's domain must resolve; the client's reverse
 * DNS (iprev, RFC 8601 3.3).
 *
 * DESCRIPTION
 *	sender_domain_judge() decides from the MX, A and AAAA answers of the
 *	envelope sender's domain:
 *	    SENDER_NULLMX    one MX "." (RFC 7505): the domain sends no mail
 *	    SENDER_OK        an MX, or an A or AAAA record
 *	    SENDER_NXDOMAIN  all three say the name does not exist or has
 *	                     no such record
 *	    SENDER_TEMPFAIL  otherwise: a lookup failed (timeout, SERVFAIL,
 *	                     the budget), so "does not exist" cannot be
 *	                     told: never a reject, a 451 4.4.3
 *	sender_domain_check() makes the three lookups in one batch.
 *
 *	iprev_check() looks up the client's PTR names, then the A/AAAA of
 *	each (one batch), and returns IPREV_PASS with *name_r when one name
 *	points back to the address, IPREV_FAIL when there is no PTR,
 *	IPREV_PERMERROR when names exist but none points back, and
 *	IPREV_TEMPERROR when a lookup failed.
 *
 * OWNERSHIP
 *	*name_r is the caller's.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "util.h"

#define IPREV_MAX_NAMES 10

enum sender_verdict sender_domain_judge(const struct dns_answer *mx,
                                        const struct dns_answer *a,
                                        const struct dns_answer *aaaa,
                                        const char **why_r)
{
    if (mx->status == DNS_OK) {
        if (mx->n == 1 && (mx->rr[0].text[0] == '\0' ||
                           strcmp(mx->rr[0].text, ".") == 0)) {
            *why_r = "null MX";
            return SENDER_NULLMX;
        }
        return SENDER_OK;
    }
    if (a->status == DNS_OK || aaaa->status == DNS_OK)
        return SENDER_OK;
    if (mx->status == DNS_TEMPFAIL || a->status == DNS_TEMPFAIL ||
        aaaa->status == DNS_TEMPFAIL) {
        *why_r = mx->status == DNS_TEMPFAIL  ? mx->error
                 : a->status == DNS_TEMPFAIL ? a->error
                                             : aaaa->error;
        return SENDER_TEMPFAIL;
    }
    *why_r = mx->status == DNS_NXDOMAIN ? "NXDOMAIN" : "no MX, A or AAAA";
    return SENDER_NXDOMAIN;
}

enum sender_verdict sender_domain_check(struct dns *d, const char *domain,
                                        struct deadline budget,
                                        const char **why_r)
{
    struct dns_batch *b = dns_batch_new(d, budget);
    size_t imx = dns_batch_add(b, domain, DNS_T_MX);
    size_t ia = dns_batch_add(b, domain, DNS_T_A);
    size_t i6 = dns_batch_add(b, domain, DNS_T_AAAA);
    enum sender_verdict v;

    dns_batch_wait(b);
    v = sender_domain_judge(dns_batch_get(b, imx), dns_batch_get(b, ia),
                            dns_batch_get(b, i6), why_r);
    dns_batch_free(b);
    return v;
}

static int iprev_same(const struct dns_rr *rr, const unsigned char *addr,
                      size_t alen)
{
    return (rr->type == DNS_T_A && alen == 4 && memcmp(rr->addr, addr, 4) == 0) ||
           (rr->type == DNS_T_AAAA && alen == 16 &&
            memcmp(rr->addr, addr, 16) == 0);
}

int iprev_check(struct dns *d, const char *ip, struct deadline budget,
                char **name_r)
{
    unsigned char addr[16];
    size_t alen, i, j, n, idx[IPREV_MAX_NAMES];
    struct dns_answer ptr;
    struct dns_batch *b;
    char *rev;
    int rc = IPREV_PERMERROR, type;

    *name_r = NULL;
    if (inet_pton(AF_INET, ip, addr) == 1)
        alen = 4;
    else if (inet_pton(AF_INET6, ip, addr) == 1)
        alen = 16;
    else
        return IPREV_FAIL;
    type = alen == 4 ? DNS_T_A : DNS_T_AAAA;
    if ((rev = dns_reverse_name(ip, NULL)) == NULL)
        return IPREV_FAIL;
    dns_lookup(d, rev, DNS_T_PTR, budget, &ptr);
    free(rev);
    if (ptr.status != DNS_OK) {
        rc = ptr.status == DNS_TEMPFAIL ? IPREV_TEMPERROR : IPREV_FAIL;
        dns_answer_free(&ptr);
        return rc;
    }
    b = dns_batch_new(d, budget);
    n = ptr.n < IPREV_MAX_NAMES ? ptr.n : IPREV_MAX_NAMES;
    for (i = 0; i < n; i++)
        idx[i] = dns_batch_add(b, ptr.rr[i].text, type);
    dns_batch_wait(b);
    for (i = 0; i < n && *name_r == NULL; i++) {
        const struct dns_answer *fw = dns_batch_get(b, idx[i]);

        if (fw->status == DNS_TEMPFAIL)
            rc = IPREV_TEMPERROR;
        for (j = 0; fw->status == DNS_OK && j < fw->n; j++)
            if (iprev_same(&fw->rr[j], addr, alen)) {
                *name_r = xstrdup(ptr.rr[i].text);
                rc = IPREV_PASS;
                break;
            }
    }
    dns_batch_free(b);
    dns_answer_free(&ptr);
    return rc;
}
