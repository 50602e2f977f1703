/*
 * policy_dkim - DKIM verification (RFC 6376, RFC 8463 ed25519-sha256)
 * with libopendkim 2.11, its key lookups through dns.h.
 *
 * DESCRIPTION
 *	policy_dkim_open() makes one DKIM_LIB for the configuration (shared
 *	by the worker's threads, as opendkim does): the DNS hooks of
 *	dns_dkim_attach() (libcommon), the minimum key size
 *	(DKIM_OPTS_MINKEYBITS).
 *
 *	policy_dkim_verify() feeds the message as received (x->msg->raw:
 *	each header field with its folding, lone LFs made CRLF; then the
 *	body) to one verifying handle and reports every signature: d=, s=,
 *	the first 8 characters of b= (RFC 6008 header.b), and a result:
 *	    pass       signature and body hash verified
 *	    temperror  the key could not be fetched (DNS timeout, SERVFAIL,
 *	               the budget): key retrieval failure is never a fail
 *	    permerror  no key, a malformed signature or key, a key below
 *	               dkim_min_key_bits, an unknown algorithm
 *	    fail       the signature or the body hash does not verify, or
 *	               the signature expired
 *	It returns 0 (no signature: n = 0), or -1 with *error_r when
 *	libopendkim could not run at all (out of memory).
 *
 * OWNERSHIP
 *	*sigs_r is the caller's: policy_dkim_sigs_free().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

#include "dns_dkim.h"
#include "policy.h"
#include "util.h"

struct policy_dkim {
    DKIM_LIB *lib;
};

int policy_dkim_open(struct dns *d, long long min_bits,
                     struct policy_dkim **k_r, const char **error_r)
{
    struct policy_dkim *k = xcalloc(1, sizeof(*k));
    unsigned int bits = (unsigned int)min_bits;

    if ((k->lib = dkim_init(NULL, NULL)) == NULL) {
        *error_r = "dkim_init failed";
        free(k);
        return -1;
    }
    if (dns_dkim_attach(k->lib, d, error_r) < 0 ||
        dkim_options(k->lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &bits,
                     sizeof(bits)) != DKIM_STAT_OK) {
        if (*error_r == NULL)
            *error_r = "cannot set the minimum key size";
        dkim_close(k->lib);
        free(k);
        return -1;
    }
    *k_r = k;
    return 0;
}

void policy_dkim_close(struct policy_dkim *k)
{
    if (k == NULL)
        return;
    dkim_close(k->lib);
    free(k);
}

/* One header field of raw (start to before its last CRLF), LF -> CRLF. */
static void dkim_feed_header(DKIM *dkim, const char *s, size_t n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            strbuf_append(&b, "\r", 1);
        strbuf_append(&b, s + i, 1);
    }
    dkim_header(dkim, (u_char *)(b.data ? b.data : ""), b.len);
    strbuf_free(&b);
}

static void dkim_feed_headers(DKIM *dkim, const struct sl_msg *m)
{
    const char *raw = m->raw.data, *end = raw + m->body_off, *p = raw, *f;

    while (p < end && !(p[0] == '\r' && p + 1 < end && p[1] == '\n')) {
        f = p;
        /* the field goes on while the next line starts with a blank */
        for (;;) {
            const char *nl = memchr(p, '\n', end - p);

            if (nl == NULL) {
                p = end;
                break;
            }
            p = nl + 1;
            if (p >= end || (*p != ' ' && *p != '\t'))
                break;
        }
        dkim_feed_header(dkim, f,
                         (size_t)(p - f) - (p[-1] == '\n') -
                             (p - f >= 2 && p[-2] == '\r' && p[-1] == '\n'));
    }
}

static int dkim_sig_result(DKIM_SIGINFO *sig)
{
    int err = dkim_sig_geterror(sig);

    if ((dkim_sig_getflags(sig) & DKIM_SIGFLAG_PASSED) &&
        dkim_sig_getbh(sig) == DKIM_SIGBH_MATCH)
        return AUTH_PASS;
    switch (err) {
    case DKIM_SIGERROR_KEYFAIL:
        return AUTH_TEMPERROR;
    case DKIM_SIGERROR_OK:
    case DKIM_SIGERROR_BADSIG:
    case DKIM_SIGERROR_EXPIRED:
    case DKIM_SIGERROR_FUTURE:
        return AUTH_FAIL;
    default:
        return AUTH_PERMERROR;
    }
}

static void dkim_sig_take(DKIM *dkim, DKIM_SIGINFO *sig,
                          struct policy_dkim_sig *o)
{
    char b[256];
    size_t blen = sizeof(b);
    unsigned char *d = dkim_sig_getdomain(sig), *s = dkim_sig_getselector(sig);
    int err = dkim_sig_geterror(sig);

    o->d = xstrdup(d ? (char *)d : "");
    str_lower(o->d);
    o->s = xstrdup(s ? (char *)s : "");
    if (dkim_get_sigsubstring(dkim, sig, b, &blen) != DKIM_STAT_OK)
        blen = 0;
    if (blen > 8)
        blen = 8;
    o->b = xstrndup(b, blen);
    o->result = dkim_sig_result(sig);
    if (o->result != AUTH_PASS)
        o->why = xstrdup(err == DKIM_SIGERROR_OK ? "body hash did not verify"
                                                 : dkim_sig_geterrorstr(err));
}

int policy_dkim_verify(struct policy_dkim *k, const struct sl_msg *m,
                       struct deadline budget, struct policy_dkim_sig **sigs_r,
                       size_t *n_r, const char **error_r)
{
    DKIM_SIGINFO **sigs = NULL;
    DKIM_STAT st;
    DKIM *dkim;
    int nsigs = 0;

    *sigs_r = NULL;
    *n_r = 0;
    if (m->raw.data == NULL || m->body_off == 0)
        return 0;
    dkim = dkim_verify(k->lib, (const unsigned char *)m->qid, NULL, &st);
    if (dkim == NULL) {
        *error_r = "libopendkim could not make a verifying handle";
        return -1;
    }
    dns_thread_budget_set(budget);
    dkim_feed_headers(dkim, m);
    st = dkim_eoh(dkim);
    if (st == DKIM_STAT_OK) {
        dkim_body(dkim, (u_char *)m->raw.data + m->body_off,
                  m->raw.len - m->body_off);
        dkim_eom(dkim, NULL);
    }
    if (dkim_getsiglist(dkim, &sigs, &nsigs) == DKIM_STAT_OK && nsigs > 0) {
        *sigs_r = xcalloc((size_t)nsigs, sizeof(**sigs_r));
        for (int i = 0; i < nsigs; i++)
            dkim_sig_take(dkim, sigs[i], &(*sigs_r)[i]);
        *n_r = (size_t)nsigs;
    }
    dkim_free(dkim);
    return 0;
}

void policy_dkim_sigs_free(struct policy_dkim_sig *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].d);
        free(v[i].s);
        free(v[i].b);
        free(v[i].why);
    }
    free(v);
}
