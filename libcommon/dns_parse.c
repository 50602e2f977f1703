/*
 * dns_parse - one DNS message into a struct dns_answer (see dns_int.h).
 *
 * The message is parsed with glibc's ns_initparse()/ns_parserr() and
 * names with ns_name_uncompress(), as libspf2 does; every length is
 * checked against the record before it is read, so a hostile answer is
 * "malformed", never an overread.  Record types (dns.h): A/AAAA give
 * addr and the address as text; MX pref and the exchange; PTR, CNAME,
 * NS the name; TXT (and the old SPF type 99) the character-strings
 * concatenated; SOA "mname rname serial refresh retry expire minimum";
 * any other type its raw RDATA in text/len.
 */
#include "dns_int.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define DNS_MALFORMED "malformed answer"

void dns_answer_set_fail(struct dns_answer *a, enum dns_status st,
                         const char *error)
{
    a->status = st;
    a->error = error;
    a->ttl = 0;
    a->n = 0;
    a->rr = NULL;
}

/* The RCODEs other than NOERROR and NXDOMAIN, as the error text. */
static const char *dns_parse_rcode_name(int rcode)
{
    switch (rcode) {
    case ns_r_formerr:
        return "FORMERR";
    case ns_r_servfail:
        return "SERVFAIL";
    case ns_r_notimpl:
        return "NOTIMP";
    case ns_r_refused:
        return "REFUSED";
    default:
        return "unexpected RCODE";
    }
}

/* A name at rdata (compressed against the message) as text without the
 * trailing dot ("" for the root); NULL when malformed. */
static char *dns_parse_name(const ns_msg *m, const unsigned char *rdata)
{
    char buf[NS_MAXDNAME];
    size_t n;

    if (ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), rdata, buf,
                           sizeof buf) < 0)
        return NULL;
    n = strlen(buf);
    if (n > 0 && buf[n - 1] == '.')
        buf[--n] = '\0';
    return xstrdup(buf);
}

/* TXT: the character-strings of one record, concatenated. */
static int dns_parse_txt(const unsigned char *p, size_t rdlen,
                         struct dns_rr *r)
{
    size_t i = 0, out = 0;

    r->text = xmalloc(rdlen + 1);
    while (i < rdlen) {
        size_t l = p[i++];

        if (l > rdlen - i)
            return -1;
        memcpy(r->text + out, p + i, l);
        out += l;
        i += l;
    }
    r->text[out] = '\0';
    r->len = out;
    return 0;
}

static int dns_parse_soa(const ns_msg *m, const unsigned char *p,
                         size_t rdlen, struct dns_rr *r)
{
    char mname[NS_MAXDNAME], rname[NS_MAXDNAME];
    const unsigned char *end = p + rdlen;
    uint32_t v[5];
    int n1, n2, i;

    n1 = ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), p, mname,
                            sizeof mname);
    if (n1 < 0 || n1 > end - p)
        return -1;
    n2 = ns_name_uncompress(ns_msg_base(*m), ns_msg_end(*m), p + n1, rname,
                            sizeof rname);
    if (n2 < 0 || end - (p + n1 + n2) != 20)
        return -1;
    p += n1 + n2;
    for (i = 0; i < 5; i++)
        NS_GET32(v[i], p);
    r->text = xasprintf("%s %s %u %u %u %u %u", mname, rname, v[0], v[1],
                        v[2], v[3], v[4]);
    r->len = strlen(r->text);
    return 0;
}

/* One record's RDATA into r (type-specific, see the top). */
static int dns_parse_rdata(const ns_msg *m, const ns_rr *rr, struct dns_rr *r)
{
    const unsigned char *p = ns_rr_rdata(*rr);
    size_t rdlen = ns_rr_rdlen(*rr);
    char buf[INET6_ADDRSTRLEN];

    switch (r->type) {
    case ns_t_a:
    case ns_t_aaaa:
        if (rdlen != (r->type == ns_t_a ? 4u : 16u))
            return -1;
        memcpy(r->addr, p, rdlen);
        inet_ntop(r->type == ns_t_a ? AF_INET : AF_INET6, p, buf, sizeof buf);
        r->text = xstrdup(buf);
        break;
    case ns_t_mx:
        if (rdlen < 3)
            return -1;
        r->pref = (p[0] << 8) | p[1];
        if ((r->text = dns_parse_name(m, p + 2)) == NULL)
            return -1;
        break;
    case ns_t_ptr:
    case ns_t_cname:
    case ns_t_ns:
        if ((r->text = dns_parse_name(m, p)) == NULL)
            return -1;
        break;
    case ns_t_txt:
    case 99: /* SPF, RFC 4408; same RDATA as TXT */
        return dns_parse_txt(p, rdlen, r);
    case ns_t_soa:
        return dns_parse_soa(m, p, rdlen, r);
    default:
        r->text = xmalloc(rdlen + 1);
        memcpy(r->text, p, rdlen);
        r->text[rdlen] = '\0';
        break;
    }
    r->len = strlen(r->text);
    return 0;
}

/* Negative TTL (RFC 2308 5): the smaller of the SOA's TTL and its
 * MINIMUM field, from the authority section; 0 without a SOA. */
static unsigned dns_parse_negttl(ns_msg *m)
{
    int i, n = ns_msg_count(*m, ns_s_ns);
    ns_rr rr;

    for (i = 0; i < n; i++) {
        const unsigned char *p;
        uint32_t min;

        if (ns_parserr(m, ns_s_ns, i, &rr) < 0)
            return 0;
        if (ns_rr_type(rr) != ns_t_soa || ns_rr_rdlen(rr) < 22)
            continue;
        p = ns_rr_rdata(rr) + ns_rr_rdlen(rr) - 4;
        NS_GET32(min, p);
        return min < ns_rr_ttl(rr) ? min : ns_rr_ttl(rr);
    }
    return 0;
}

static void dns_parse_free_rrs(struct dns_rr *rr, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(rr[i].text);
    free(rr);
}

/* The records of type qtype in the answer section; -1 if malformed. */
static int dns_parse_records(ns_msg *m, int qtype, struct dns_answer *a)
{
    int i, count = ns_msg_count(*m, ns_s_an);
    ns_rr rr;

    a->rr = count > 0 ? xcalloc((size_t)count, sizeof *a->rr) : NULL;
    for (i = 0; i < count; i++) {
        struct dns_rr *r = &a->rr[a->n];

        if (ns_parserr(m, ns_s_an, i, &rr) < 0)
            goto malformed;
        if ((int)ns_rr_type(rr) != qtype || ns_rr_class(rr) != ns_c_in)
            continue;
        memset(r, 0, sizeof *r);
        r->type = qtype;
        r->ttl = ns_rr_ttl(rr);
        a->n++;
        if (dns_parse_rdata(m, &rr, r) < 0)
            goto malformed;
        if (a->n == 1 || r->ttl < a->ttl)
            a->ttl = r->ttl;
    }
    return 0;

malformed:
    dns_parse_free_rrs(a->rr, a->n);
    a->rr = NULL;
    a->n = 0;
    return -1;
}

void dns_parse_answer(const unsigned char *msg, size_t len, int qtype,
                      struct dns_answer *a)
{
    ns_msg m;
    int rcode;

    dns_answer_set_fail(a, DNS_TEMPFAIL, DNS_MALFORMED);
    if (ns_initparse(msg, (int)len, &m) < 0)
        return;
    rcode = ns_msg_getflag(m, ns_f_rcode);
    if (rcode == ns_r_nxdomain) {
        dns_answer_set_fail(a, DNS_NXDOMAIN, NULL);
        a->ttl = dns_parse_negttl(&m);
        return;
    }
    if (rcode != ns_r_noerror) {
        a->error = dns_parse_rcode_name(rcode);
        return;
    }
    if (dns_parse_records(&m, qtype, a) < 0) {
        dns_answer_set_fail(a, DNS_TEMPFAIL, DNS_MALFORMED);
        return;
    }
    if (a->n > 0) {
        a->status = DNS_OK;
        a->error = NULL;
        return;
    }
    free(a->rr);
    dns_answer_set_fail(a, DNS_NODATA, NULL);
    a->ttl = dns_parse_negttl(&m);
}
