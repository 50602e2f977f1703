/*
 * dnsxl - DNS block and allow lists in postscreen's syntax (see dnsxl.h).
 *
 * An entry "zone=filter*weight" is parsed once into the zone, a filter
 * of four octet sets (a 256-bit map per octet, so that matching an
 * answer is four bit tests) and the weight.  Entries that name the same
 * zone share one query: the zones are kept once, in the order they
 * first appear, and every query of a check goes into one dns.h batch.
 * TXT records of the lists that matched are fetched in a second batch
 * (only for the zones that matched, so that a clean client costs one
 * round).
 */
#include "dnsxl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define DNSXL_TXT_MAX 512 /* bytes of TXT kept per hit */
#define DNSXL_WEIGHT_MAX 1000.0

struct dnsxl_entry {
    size_t zone;            /* index into zones */
    int has_filter;
    uint8_t octet[4][32];   /* bit n of octet[k]: n allowed at position k */
    double weight;
};

struct dnsxl {
    struct dnsxl_entry *e;
    size_t n;
    char **zones;
    size_t nzones;
};

/* ---- parsing ------------------------------------------------------------- */

static int dnsxl_number(const char **p, unsigned *v)
{
    char *end;
    unsigned long x;

    if (!isdigit((unsigned char)**p))
        return -1;
    errno = 0;
    x = strtoul(*p, &end, 10);
    if (errno != 0 || x > 255 || end - *p > 3)
        return -1;
    *v = (unsigned)x;
    *p = end;
    return 0;
}

static void dnsxl_set(uint8_t *bits, unsigned lo, unsigned hi)
{
    unsigned i;

    for (i = lo; i <= hi; i++)
        bits[i / 8] |= (uint8_t)(1u << (i % 8));
}

/* One octet pattern: a number, or "[" items "]" with items separated by
 * ";", each a number or "lo..hi". */
static const char *dnsxl_octet(const char **p, uint8_t *bits)
{
    unsigned lo, hi;

    if (**p != '[') {
        if (dnsxl_number(p, &lo) < 0)
            return "an octet is not a number from 0 to 255 or a [...] list";
        dnsxl_set(bits, lo, lo);
        return NULL;
    }
    (*p)++;
    for (;;) {
        if (dnsxl_number(p, &lo) < 0)
            return "a [...] item is not a number from 0 to 255";
        hi = lo;
        if ((*p)[0] == '.' && (*p)[1] == '.') {
            *p += 2;
            if (dnsxl_number(p, &hi) < 0)
                return "a range end is not a number from 0 to 255";
            if (hi < lo)
                return "a range ends below its start";
        }
        dnsxl_set(bits, lo, hi);
        if (**p == ']') {
            (*p)++;
            return NULL;
        }
        if (**p != ';')
            return "a [...] list needs \";\" between items and a closing \"]\"";
        (*p)++;
    }
}

static const char *dnsxl_filter(const char *s, struct dnsxl_entry *e)
{
    const char *p = s, *err;
    int k;

    for (k = 0; k < 4; k++) {
        if (k > 0 && *p++ != '.')
            return "the filter needs four octets d.d.d.d";
        if ((err = dnsxl_octet(&p, e->octet[k])) != NULL)
            return err;
    }
    if (*p != '\0')
        return "trailing text after the filter's four octets";
    e->has_filter = 1;
    return NULL;
}

static const char *dnsxl_weight(const char *s, double *w)
{
    char *end;

    if (*s == '\0')
        return "an empty weight after \"*\"";
    errno = 0;
    *w = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(*w) ||
        fabs(*w) > DNSXL_WEIGHT_MAX || isspace((unsigned char)*s))
        return "the weight is not a number from -1000 to 1000";
    return NULL;
}

static const char *dnsxl_zone_check(const char *z)
{
    size_t n = strlen(z), label = 0;
    const char *p;

    if (n == 0)
        return "no zone";
    if (n > 160) /* room for 64 bytes of IPv6 nibbles in front */
        return "the zone is too long";
    if (z[0] == '.' || strstr(z, "..") != NULL)
        return "the zone has an empty label";
    for (p = z; *p; p++) {
        if (*p == '.') {
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return "the zone holds a character that is not a letter, a "
                   "digit, \"-\", \"_\" or \".\"";
        if (++label > 63)
            return "a label of the zone is longer than 63";
    }
    return NULL;
}

static size_t dnsxl_zone_index(struct dnsxl *x, const char *zone)
{
    size_t i;

    for (i = 0; i < x->nzones; i++)
        if (str_casecmp(x->zones[i], zone) == 0)
            return i;
    x->zones = xrealloc(x->zones, (x->nzones + 1) * sizeof *x->zones);
    x->zones[x->nzones] = str_lower(xstrdup(zone));
    return x->nzones++;
}

/* One entry; NULL, or why it is wrong. */
static const char *dnsxl_entry_parse(struct dnsxl *x, const char *text,
                                     struct dnsxl_entry *e)
{
    char *s = xstrdup(text), *star, *eq;
    const char *err = NULL;
    size_t zl;

    memset(e, 0, sizeof *e);
    e->weight = 1;
    star = strchr(s, '*');
    if (star != NULL) {
        *star = '\0';
        err = dnsxl_weight(star + 1, &e->weight);
    }
    eq = strchr(s, '=');
    if (eq != NULL) {
        *eq = '\0';
        if (err == NULL)
            err = eq[1] == '\0' ? "an empty filter after \"=\""
                                : dnsxl_filter(eq + 1, e);
    }
    zl = strlen(s);
    if (zl > 1 && s[zl - 1] == '.')
        s[zl - 1] = '\0';
    if (err == NULL)
        err = dnsxl_zone_check(s);
    if (err == NULL)
        e->zone = dnsxl_zone_index(x, s);
    free(s);
    return err;
}

int dnsxl_parse(const struct cfg_list *entries, struct dnsxl **x_r,
                char **error_r)
{
    struct dnsxl *x = xcalloc(1, sizeof *x);
    size_t i, n = entries != NULL ? entries->n : 0;
    const char *err;

    x->e = n > 0 ? xcalloc(n, sizeof *x->e) : NULL;
    for (i = 0; i < n; i++) {
        err = dnsxl_entry_parse(x, entries->v[i], &x->e[i]);
        if (err != NULL) {
            *error_r = xasprintf("DNS list entry \"%s\": %s", entries->v[i],
                                 err);
            dnsxl_free(x);
            return -1;
        }
        x->n++;
    }
    *x_r = x;
    return 0;
}

void dnsxl_free(struct dnsxl *x)
{
    size_t i;

    if (x == NULL)
        return;
    for (i = 0; i < x->nzones; i++)
        free(x->zones[i]);
    free(x->zones);
    free(x->e);
    free(x);
}

size_t dnsxl_count(const struct dnsxl *x)
{
    return x != NULL ? x->n : 0;
}

/* ---- querying ------------------------------------------------------------ */

/* One lookup of the check: a zone, and the name asked there. */
struct dnsxl_q {
    size_t zone;
    char *name;
    size_t a;   /* the A query in the first batch */
    size_t txt; /* the TXT query in the second batch, if any */
    int hit;
};

static int dnsxl_match(const struct dnsxl_entry *e, const unsigned char *a)
{
    int k;

    if (!e->has_filter)
        return 1;
    for (k = 0; k < 4; k++)
        if (!(e->octet[k][a[k] / 8] & (1u << (a[k] % 8))))
            return 0;
    return 1;
}

static void dnsxl_tempfail(const struct dnsxl *x, struct dnsxl_result *r,
                           size_t zone)
{
    r->ntempfail++;
    if (r->tempfail_zone == NULL)
        r->tempfail_zone = xstrdup(x->zones[zone]);
}

/* 127.255.255.254 and .255: the list refuses to answer us (Spamhaus's
 * "query via public resolver" / "excessive number of queries"). */
static int dnsxl_refusal(const unsigned char *a)
{
    return a[0] == 127 && a[1] == 255 && a[2] == 255 && a[3] >= 254;
}

static void dnsxl_add_hit(struct dnsxl_result *r, const char *zone,
                          const char *name, const char *answer, double w,
                          size_t entry)
{
    struct dnsxl_hit *h;

    r->hits = xrealloc(r->hits, (r->nhits + 1) * sizeof *r->hits);
    h = &r->hits[r->nhits++];
    h->zone = xstrdup(zone);
    h->name = xstrdup(name);
    h->answer = xstrdup(answer);
    h->txt = NULL;
    h->weight = w;
    h->entry = entry;
}

/* The entries of q's zone against its A records; "counted" marks the
 * entries whose weight is already in the score. */
static void dnsxl_judge(const struct dnsxl *x, struct dnsxl_q *q,
                        const struct dns_answer *ans, char *counted,
                        struct dnsxl_result *r)
{
    size_t i, k;

    if (ans->status == DNS_TEMPFAIL) {
        dnsxl_tempfail(x, r, q->zone);
        return;
    }
    if (ans->status != DNS_OK)
        return;
    for (k = 0; k < ans->n; k++) {
        if (!dnsxl_refusal(ans->rr[k].addr))
            continue;
        log_warn(NULL, "DNS list %s answered %s for %s: it refuses our "
                 "queries (counted as a temporary failure)",
                 x->zones[q->zone], ans->rr[k].text, q->name);
        dnsxl_tempfail(x, r, q->zone);
        return;
    }
    for (i = 0; i < x->n; i++) {
        if (x->e[i].zone != q->zone)
            continue;
        for (k = 0; k < ans->n; k++) {
            if (!dnsxl_match(&x->e[i], ans->rr[k].addr))
                continue;
            dnsxl_add_hit(r, x->zones[q->zone], q->name, ans->rr[k].text,
                          x->e[i].weight, i);
            if (!counted[i])
                r->score += x->e[i].weight;
            counted[i] = 1;
            q->hit = 1;
            break;
        }
    }
}

/* The TXT records of one answer, joined by "; ", at most
 * DNSXL_TXT_MAX bytes, every byte that is not printable ASCII made "?"
 * (the text is the list's, and ends up in logs and SMTP replies); NULL
 * when there are none. */
static char *dnsxl_txt_join(const struct dns_answer *a)
{
    struct strbuf sb;
    size_t k, i;

    if (a == NULL || a->status != DNS_OK)
        return NULL;
    strbuf_init(&sb, DNSXL_TXT_MAX);
    for (k = 0; k < a->n; k++) {
        if (k > 0)
            strbuf_puts(&sb, "; ");
        for (i = 0; i < a->rr[k].len; i++) {
            unsigned char c = (unsigned char)a->rr[k].text[i];

            strbuf_append(&sb, c >= 0x20 && c < 0x7f ? (char *)&c : "?", 1);
        }
    }
    if (sb.len == 0) {
        strbuf_free(&sb);
        return NULL;
    }
    return strbuf_detach(&sb);
}

static void dnsxl_fetch_txt(struct dns *d, struct dnsxl_q *qs, size_t nq,
                            struct deadline budget, struct dnsxl_result *r)
{
    struct dns_batch *b = dns_batch_new(d, budget);
    size_t i, h;

    for (i = 0; i < nq; i++)
        if (qs[i].hit)
            qs[i].txt = dns_batch_add(b, qs[i].name, DNS_T_TXT);
    dns_batch_wait(b);
    for (h = 0; h < r->nhits; h++) {
        for (i = 0; i < nq; i++) {
            if (qs[i].hit && strcmp(qs[i].name, r->hits[h].name) == 0) {
                r->hits[h].txt = dnsxl_txt_join(dns_batch_get(b, qs[i].txt));
                break;
            }
        }
    }
    dns_batch_free(b);
}

/* Ask every query of qs in one batch, judge, then the TXT round. */
static void dnsxl_run(const struct dnsxl *x, struct dns *d,
                      struct dnsxl_q *qs, size_t nq, int with_txt,
                      struct deadline budget, struct dnsxl_result *r)
{
    struct dns_batch *b = dns_batch_new(d, budget);
    char *counted = xcalloc(x->n + 1, 1);
    size_t i;
    int any = 0;

    for (i = 0; i < nq; i++)
        qs[i].a = dns_batch_add(b, qs[i].name, DNS_T_A);
    dns_batch_wait(b);
    for (i = 0; i < nq; i++) {
        dnsxl_judge(x, &qs[i], dns_batch_get(b, qs[i].a), counted, r);
        any |= qs[i].hit;
    }
    dns_batch_free(b);
    free(counted);
    if (with_txt && any)
        dnsxl_fetch_txt(d, qs, nq, budget, r);
}

static void dnsxl_qs_free(struct dnsxl_q *qs, size_t nq)
{
    size_t i;

    for (i = 0; i < nq; i++)
        free(qs[i].name);
    free(qs);
}

static void dnsxl_result_init(struct dnsxl_result *r)
{
    memset(r, 0, sizeof *r);
}

void dnsxl_query_ip(const struct dnsxl *x, struct dns *d, const char *ip,
                    int with_txt, struct deadline budget,
                    struct dnsxl_result *r)
{
    struct dnsxl_q *qs;
    char v4[INET_ADDRSTRLEN];
    unsigned char a6[16];
    size_t i;

    dnsxl_result_init(r);
    if (x == NULL || x->nzones == 0 || ip == NULL)
        return;
    /* An IPv4 client seen through an IPv6 socket is listed as IPv4. */
    if (inet_pton(AF_INET6, ip, a6) == 1 &&
        memcmp(a6, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0 &&
        inet_ntop(AF_INET, a6 + 12, v4, sizeof v4) != NULL)
        ip = v4;
    qs = xcalloc(x->nzones, sizeof *qs);
    for (i = 0; i < x->nzones; i++) {
        qs[i].zone = i;
        qs[i].name = dns_reverse_name(ip, x->zones[i]);
        if (qs[i].name == NULL) { /* not an address: nothing to ask */
            dnsxl_qs_free(qs, i);
            return;
        }
    }
    dnsxl_run(x, d, qs, x->nzones, with_txt, budget, r);
    dnsxl_qs_free(qs, x->nzones);
}

/* A domain name as the lists want it: lower case, no trailing dot;
 * NULL when it cannot be one. */
static char *dnsxl_name_norm(const char *name)
{
    size_t n = strlen(name);
    char *s;

    if (n > 0 && name[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || name[0] == '.')
        return NULL;
    s = str_lower(xstrndup(name, n));
    if (strstr(s, "..") != NULL || strpbrk(s, " \t\r\n\\") != NULL) {
        free(s);
        return NULL;
    }
    return s;
}

void dnsxl_query_names(const struct dnsxl *x, struct dns *d,
                       const char *const *names, size_t nnames, int with_txt,
                       struct deadline budget, struct dnsxl_result *r)
{
    struct dnsxl_q *qs;
    size_t i, j, z, nq = 0;

    dnsxl_result_init(r);
    if (x == NULL || x->nzones == 0 || nnames == 0)
        return;
    qs = xcalloc(nnames * x->nzones, sizeof *qs);
    for (i = 0; i < nnames; i++) {
        char *n = dnsxl_name_norm(names[i]);

        if (n == NULL)
            continue;
        for (z = 0; z < x->nzones; z++) {
            char *q = xasprintf("%s.%s", n, x->zones[z]);

            for (j = 0; j < nq; j++) /* the same name twice: asked once */
                if (strcmp(qs[j].name, q) == 0)
                    break;
            if (j < nq) {
                free(q);
                continue;
            }
            qs[nq].zone = z;
            qs[nq++].name = q;
        }
        free(n);
    }
    dnsxl_run(x, d, qs, nq, with_txt, budget, r);
    dnsxl_qs_free(qs, nq);
}

void dnsxl_result_free(struct dnsxl_result *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->nhits; i++) {
        free(r->hits[i].zone);
        free(r->hits[i].name);
        free(r->hits[i].answer);
        free(r->hits[i].txt);
    }
    free(r->hits);
    free(r->tempfail_zone);
    memset(r, 0, sizeof *r);
}
