/*
 * policy_dmarc_walk - DMARC records and the RFC 9989 DNS tree walk.
 *
 * DESCRIPTION
 *	dmarc_rec_parse() reads a DMARC record (a tag=value list, RFC 9989
 *	and RFC 7489): v=DMARC1 first (else -1: not a DMARC record), p, sp,
 *	np (none|quarantine|reject, or a prefix such as "n", as
 *	libopendmarc accepts), adkim and aspf (r|s, default r), psd
 *	(y|n|u, default u), t (y|n, default n); pct is read and ignored as
 *	RFC 9989 says; unknown tags (and the retired rf, ri) are ignored; a
 *	record without a valid p is read as p=none when it has a rua tag
 *	(RFC 9989 4.7) and is invalid otherwise.  A tag given twice, or a
 *	bad value of sp, np, adkim, aspf, psd or t, makes the record
 *	invalid (-1 with *why_r).
 *
 *	The walk (RFC 9989 4.10) asks walk_lookup_fn for "_dmarc.NAME";
 *	the function answers WALK_FOUND with one valid record, WALK_NONE,
 *	or WALK_TEMPFAIL.  Targets: the domain itself, then, while no
 *	record is found, the domain with its leftmost label removed -- or,
 *	when it has more than 7 labels, cut to its 7 rightmost ones -- down
 *	to one label; at most 8 queries.
 *
 *	dmarc_walk_policy() stops at the first record: the policy domain.
 *	dmarc_org_domain() walks on past records: the organizational domain
 *	is the first name with psd=n; or the name one label below the
 *	first one with psd=y (other than the starting name); else the name
 *	with the fewest labels that has a record; else the domain itself.
 *	A lookup that fails makes either walk WALK_TEMPFAIL: never a guess.
 *
 * OWNERSHIP
 *	struct walk_out's strings are the caller's (walk_out_free()); *org_r
 *	likewise.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "util.h"

#define WALK_MAX_QUERIES 8
#define WALK_LONG 7

size_t dmarc_labels(const char *d)
{
    size_t n = 1;

    if (d == NULL || *d == '\0')
        return 0;
    for (; *d; d++)
        n += *d == '.' && d[1] != '\0';
    return n;
}

/* The suffix of d with n labels. */
static const char *walk_suffix(const char *d, size_t n)
{
    size_t have = dmarc_labels(d);

    while (have > n) {
        d = strchr(d, '.') + 1;
        have--;
    }
    return d;
}

/* The next target after name, or NULL at one label. */
static const char *walk_next(const char *name)
{
    size_t n = dmarc_labels(name);

    if (n <= 1)
        return NULL;
    if (n > WALK_LONG + 1)
        return walk_suffix(name, WALK_LONG);
    return strchr(name, '.') + 1;
}

/* none, quarantine, reject, or a prefix of one ("n": libopendmarc
 * accepts it, and so do we). */
static int rec_policy(const char *v, size_t n, char *out)
{
    static const char *const words[] = {"none", "quarantine", "reject"};

    for (int i = 0; i < 3; i++)
        if (n > 0 && n <= strlen(words[i]) && strncasecmp(v, words[i], n) == 0) {
            *out = words[i][0];
            return 0;
        }
    return -1;
}

static int rec_char(const char *v, size_t n, const char *allowed, char *out)
{
    if (n != 1 || strchr(allowed, tolower((unsigned char)*v)) == NULL)
        return -1;
    *out = (char)tolower((unsigned char)*v);
    return 0;
}

/* One tag; seen: bit per known tag, for duplicates. */
static int rec_tag(struct dmarc_rec *r, const char *t, size_t tl,
                   const char *v, size_t vl, unsigned *seen,
                   const char **why_r)
{
    static const char *const tags[] = {"p",   "sp", "np", "adkim", "aspf",
                                       "psd", "t",  "pct", NULL};
    char y = 0;
    int i;

    for (i = 0; tags[i]; i++)
        if (strlen(tags[i]) == tl && strncasecmp(tags[i], t, tl) == 0)
            break;
    if (tags[i] == NULL)
        return 0; /* unknown tags are ignored */
    if (*seen & (1u << i)) {
        *why_r = "a tag appears twice";
        return -1;
    }
    *seen |= 1u << i;
    switch (i) {
    case 0:
        r->has_p = rec_policy(v, vl, &r->p) == 0;
        return 0;
    case 1:
        return rec_policy(v, vl, &r->sp) < 0 ? (*why_r = "bad sp", -1) : 0;
    case 2:
        return rec_policy(v, vl, &r->np) < 0 ? (*why_r = "bad np", -1) : 0;
    case 3:
        return rec_char(v, vl, "rs", &r->adkim) < 0 ? (*why_r = "bad adkim", -1) : 0;
    case 4:
        return rec_char(v, vl, "rs", &r->aspf) < 0 ? (*why_r = "bad aspf", -1) : 0;
    case 5:
        return rec_char(v, vl, "ynu", &r->psd) < 0 ? (*why_r = "bad psd", -1) : 0;
    case 6:
        if (rec_char(v, vl, "yn", &y) < 0) {
            *why_r = "bad t";
            return -1;
        }
        r->t = y == 'y';
        return 0;
    default:
        r->pct = atoi(v);
        return 0;
    }
}

static void rec_trim(const char **s, size_t *n)
{
    while (*n > 0 && isspace((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

int dmarc_rec_parse(const char *text, struct dmarc_rec *r, const char **why_r)
{
    const char *p = text, *semi, *eq, *t, *v;
    size_t n, tl, vl;
    unsigned seen = 0;
    int first = 1, rua = 0;

    memset(r, 0, sizeof(*r));
    r->adkim = r->aspf = 'r';
    r->psd = 'u';
    r->pct = 100;
    for (; p != NULL && *p; p = semi ? semi + 1 : NULL, first = 0) {
        semi = strchr(p, ';');
        n = semi ? (size_t)(semi - p) : strlen(p);
        t = p;
        rec_trim(&t, &n);
        if (n == 0)
            continue;
        if ((eq = memchr(t, '=', n)) == NULL) {
            *why_r = "a tag without a value";
            return -1;
        }
        tl = eq - t;
        v = eq + 1;
        vl = n - tl - 1;
        rec_trim(&t, &tl);
        rec_trim(&v, &vl);
        if (first) {
            if (tl != 1 || (*t != 'v' && *t != 'V') || vl != 6 ||
                strncmp(v, "DMARC1", 6) != 0) {
                *why_r = "not a DMARC1 record";
                return -1;
            }
            continue;
        }
        if (tl == 3 && strncasecmp(t, "rua", 3) == 0 && vl > 0)
            rua = 1;
        if (rec_tag(r, t, tl, v, vl, &seen, why_r) < 0)
            return -1;
    }
    if (first) {
        *why_r = "empty record";
        return -1;
    }
    if (!r->has_p) {
        if (!rua) {
            *why_r = "no valid p tag";
            return -1;
        }
        r->p = 'n';
    }
    return 0;
}

static enum walk_rc walk_ask(walk_lookup_fn fn, void *arg, const char *name,
                             char **rec_r)
{
    char q[300];

    if (snprintf(q, sizeof(q), "_dmarc.%s", name) >= (int)sizeof(q))
        return WALK_NONE;
    return fn(arg, q, rec_r);
}

void dmarc_walk_policy(walk_lookup_fn fn, void *arg, const char *domain,
                       struct walk_out *o)
{
    const char *name = domain;
    char *rec = NULL;

    memset(o, 0, sizeof(*o));
    o->rc = WALK_NONE;
    while (name != NULL && *name && o->queries < WALK_MAX_QUERIES) {
        enum walk_rc rc = walk_ask(fn, arg, name, &rec);

        o->queries++;
        if (rc == WALK_TEMPFAIL) {
            o->rc = WALK_TEMPFAIL;
            return;
        }
        if (rc == WALK_FOUND) {
            o->rc = WALK_FOUND;
            o->policy_domain = xstrdup(name);
            o->record = rec;
            return;
        }
        name = walk_next(name);
    }
}

enum walk_rc dmarc_org_domain(walk_lookup_fn fn, void *arg,
                              const char *domain, char **org_r,
                              int *queries_r)
{
    const char *name = domain, *fewest = NULL;
    struct dmarc_rec r;
    const char *why;
    char *rec;
    int q = 0;

    *org_r = NULL;
    while (name != NULL && *name && q < WALK_MAX_QUERIES) {
        enum walk_rc rc;

        rec = NULL;
        rc = walk_ask(fn, arg, name, &rec);
        q++;
        if (rc == WALK_TEMPFAIL) {
            *queries_r = q;
            return WALK_TEMPFAIL;
        }
        if (rc == WALK_FOUND && dmarc_rec_parse(rec, &r, &why) == 0) {
            if (r.psd == 'n') {
                *org_r = xstrdup(name);
                free(rec);
                break;
            }
            if (r.psd == 'y' && name != domain) {
                *org_r = xstrdup(walk_suffix(domain, dmarc_labels(name) + 1));
                free(rec);
                break;
            }
            fewest = name;
        }
        free(rec);
        name = walk_next(name);
    }
    if (*org_r == NULL)
        *org_r = xstrdup(fewest ? fewest : domain);
    *queries_r = q;
    return WALK_FOUND;
}

void walk_out_free(struct walk_out *o)
{
    free(o->policy_domain);
    free(o->record);
    free(o->org_domain);
    memset(o, 0, sizeof(*o));
}
