/*
 * policy_dmarc - DMARC (RFC 9989) for one message: the From domain,
 * alignment done by us, the result, the policy to apply, the history.
 *
 * DESCRIPTION
 *	dmarc_from_domain() is the author domain: of the first address of
 *	the one From header, found by libopendmarc's own parser (RFC 5322
 *	display names, comments, angle brackets); NULL with *why_r when
 *	there is no From header, several, or no domain in it (DMARC does
 *	not apply).  dmarc_from_value_domain() does it for one value.
 *
 *	dmarc_aligned() compares two domains: strict ('s') equal ignoring
 *	case; relaxed ('r') the same organizational domain, found by the
 *	tree walk (dmarc_org_domain()) -- never with libopendmarc, whose
 *	1.4.2 says "aligned" for adkim=s once a PSL is loaded.  It returns
 *	0, or -1 when a walk failed (temperror).
 *
 *	dmarc_evaluate() runs the policy walk for the From domain and sets
 *	o->result: none (no record), pass (an aligned SPF pass or an aligned
 *	DKIM pass), fail, or temperror -- the record lookup failed, an
 *	alignment walk failed, or the message would fail only because an
 *	identity that could have aligned has a temperror result.  DNS down
 *	never becomes "none".  o->policy is what applies: p for the policy
 *	domain itself; for a subdomain np when the From domain does not
 *	exist and np is given, else sp when given, else p.  o->testing
 *	is t=y (the policy is reported, not applied).
 *
 *	dmarc_dns_lookup() is the walk's lookup through dns.h: the TXT
 *	records of a name that start with "v=DMARC1"; exactly one makes
 *	WALK_FOUND (none or several: WALK_NONE, RFC 9989 4.7).
 *
 *	dmarc_history_write() appends one JSON line per message to the
 *	history file (the input of RFC 9990 aggregate reports): time, qid,
 *	client IP, From, policy domain, result, policy, SPF and DKIM
 *	results and alignment.  The file is opened, appended and closed for
 *	each message (O_APPEND: lines of concurrent workers do not mix);
 *	rotate it with logrotate's copytruncate or by renaming it (the next
 *	message creates a new one).
 *
 * OWNERSHIP
 *	o's strings are the caller's: dmarc_out_free().
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>

#include "clock.h"
#include "policy.h"
#include "util.h"

enum walk_rc dmarc_dns_lookup(void *arg, const char *name, char **rec_r)
{
    struct dmarc_dns_arg *a = arg;
    struct dns_answer ans;
    size_t i, found = 0;
    enum walk_rc rc = WALK_NONE;
    struct dmarc_rec r;
    const char *why;

    *rec_r = NULL;
    if (dns_lookup(a->dns, name, DNS_T_TXT, a->budget, &ans) == DNS_TEMPFAIL) {
        dns_answer_free(&ans);
        return WALK_TEMPFAIL;
    }
    for (i = 0; ans.status == DNS_OK && i < ans.n; i++) {
        if (strncasecmp(ans.rr[i].text, "v=DMARC1", 8) != 0)
            continue;
        if (++found > 1) {
            free(*rec_r);
            *rec_r = NULL;
            break;
        }
        if (dmarc_rec_parse(ans.rr[i].text, &r, &why) == 0)
            *rec_r = xstrdup(ans.rr[i].text);
    }
    if (*rec_r != NULL)
        rc = WALK_FOUND;
    dns_answer_free(&ans);
    return rc;
}

/* libopendmarc's From parser (exported, not declared in dmarc.h): right
 * for the author domain, so it is used rather than one of our own. */
u_char *opendmarc_util_finddomain(u_char *raw, u_char *buf, size_t buflen);

char *dmarc_from_value_domain(const char *v)
{
    u_char buf[256];
    char *d;

    if (strchr(v, '@') == NULL || strlen(v) > 4096 ||
        opendmarc_util_finddomain((u_char *)v, buf, sizeof(buf)) == NULL ||
        buf[0] == '\0')
        return NULL;
    d = xstrdup((char *)buf);
    str_lower(d);
    while (*d && d[strlen(d) - 1] == '.')
        d[strlen(d) - 1] = '\0';
    if (*d == '\0' || strpbrk(d, " \t;()\"<>@,") != NULL || !strchr(d, '.')) {
        free(d);
        return NULL;
    }
    return d;
}

char *dmarc_from_domain(const struct sl_msg *m, const char **why_r)
{
    const struct sl_header *h;
    char *d;

    if (sl_msg_header_count(m, "From") != 1) {
        *why_r = sl_msg_header_count(m, "From") == 0 ? "no From header"
                                                     : "several From headers";
        return NULL;
    }
    h = sl_msg_header(m, "From", 1);
    if ((d = dmarc_from_value_domain(h->value)) == NULL)
        *why_r = "no author domain in the From header";
    return d;
}

int dmarc_aligned(walk_lookup_fn fn, void *arg, const char *a, const char *b,
                  char mode, int *aligned_r)
{
    char *oa = NULL, *ob = NULL;
    int q;

    *aligned_r = 0;
    if (a == NULL || b == NULL || *a == '\0' || *b == '\0')
        return 0;
    if (strcasecmp(a, b) == 0) {
        *aligned_r = 1;
        return 0;
    }
    if (mode == 's')
        return 0;
    if (dmarc_org_domain(fn, arg, a, &oa, &q) == WALK_TEMPFAIL ||
        dmarc_org_domain(fn, arg, b, &ob, &q) == WALK_TEMPFAIL) {
        free(oa);
        return -1;
    }
    *aligned_r = strcasecmp(oa, ob) == 0;
    free(oa);
    free(ob);
    return 0;
}

static char dmarc_applied(const struct dmarc_input *in, void *arg,
                          const struct dmarc_rec *r, int at_self, int *err)
{
    if (at_self)
        return r->p;
    if (r->np && in->exists != NULL) {
        int e = in->exists(arg, in->from_domain);

        if (e < 0)
            *err = 1;
        if (e == 0)
            return r->np;
    }
    return r->sp ? r->sp : r->p;
}

/* Alignment of SPF and of each DKIM signature; -1 if a walk failed, and
 * *could_r when an identity with a temperror would have aligned. */
static int dmarc_align_all(walk_lookup_fn fn, void *arg,
                           const struct dmarc_input *in,
                           const struct dmarc_rec *r,
                           struct policy_dmarc_out *o, int *could_r)
{
    int al, bad = 0;
    size_t i;

    *could_r = 0;
    if (in->spf_domain != NULL &&
        (in->spf == AUTH_PASS || in->spf == AUTH_TEMPERROR)) {
        if (dmarc_aligned(fn, arg, in->spf_domain, in->from_domain, r->aspf,
                          &al) < 0)
            bad = 1;
        o->spf_aligned = al && in->spf == AUTH_PASS;
        *could_r |= al && in->spf == AUTH_TEMPERROR;
    }
    for (i = 0; i < in->nsigs; i++) {
        const struct policy_dkim_sig *s = &in->sigs[i];

        if (s->result != AUTH_PASS && s->result != AUTH_TEMPERROR)
            continue;
        if (dmarc_aligned(fn, arg, s->d, in->from_domain, r->adkim, &al) < 0)
            bad = 1;
        if (al && s->result == AUTH_PASS)
            o->dkim_aligned = 1;
        *could_r |= al && s->result == AUTH_TEMPERROR;
    }
    return bad ? -1 : 0;
}

void dmarc_evaluate(walk_lookup_fn fn, void *arg, const struct dmarc_input *in,
                    struct policy_dmarc_out *o)
{
    struct walk_out w;
    struct dmarc_rec r;
    const char *why = NULL;
    int could = 0, err = 0;

    memset(o, 0, sizeof(*o));
    o->from_domain = xstrdup(in->from_domain);
    dmarc_walk_policy(fn, arg, in->from_domain, &w);
    if (w.rc != WALK_FOUND) {
        o->result = w.rc == WALK_TEMPFAIL ? AUTH_TEMPERROR : AUTH_NONE;
        o->why = xstrdup(w.rc == WALK_TEMPFAIL ? "DMARC record lookup failed"
                                               : "no DMARC record");
        walk_out_free(&w);
        return;
    }
    o->policy_domain = xstrdup(w.policy_domain);
    if (dmarc_rec_parse(w.record, &r, &why) < 0) {
        o->result = AUTH_PERMERROR;
        o->why = xstrdup(why);
        walk_out_free(&w);
        return;
    }
    o->testing = r.t;
    o->policy = dmarc_applied(in, arg, &r,
                              strcasecmp(w.policy_domain, in->from_domain) == 0,
                              &err);
    if (dmarc_align_all(fn, arg, in, &r, o, &could) < 0)
        err = 1;
    walk_out_free(&w);
    if (o->spf_aligned || o->dkim_aligned) {
        o->result = AUTH_PASS;
        return;
    }
    if (err || could) {
        o->result = AUTH_TEMPERROR;
        o->why = xstrdup(err ? "an alignment lookup failed"
                             : "an aligned identity has a temporary error");
        return;
    }
    o->result = AUTH_FAIL;
    o->why = xstrdup("no aligned SPF or DKIM pass");
}

void dmarc_out_free(struct policy_dmarc_out *o)
{
    free(o->from_domain);
    free(o->policy_domain);
    free(o->org_domain);
    free(o->why);
    memset(o, 0, sizeof(*o));
}

static void json_str(struct strbuf *b, const char *key, const char *v)
{
    strbuf_printf(b, ",\"%s\":\"", key);
    for (; v && *v; v++) {
        if (*v == '"' || *v == '\\')
            strbuf_printf(b, "\\%c", *v);
        else if ((unsigned char)*v < 0x20)
            strbuf_printf(b, "\\u%04x", (unsigned char)*v);
        else
            strbuf_printf(b, "%c", *v);
    }
    strbuf_printf(b, "\"");
}

int dmarc_history_write(const char *path, const char *qid,
                        const char *client_ip, const struct policy_msg *pm,
                        const char **error_r)
{
    const struct policy_dmarc_out *o = &pm->dmarc;
    struct strbuf b;
    char pol[2] = {o->policy ? o->policy : 'n', 0};
    size_t i;
    int fd, ok;

    strbuf_init(&b, 0);
    strbuf_printf(&b, "{\"time\":%lld", (long long)clock_wall());
    json_str(&b, "qid", qid);
    json_str(&b, "ip", client_ip);
    json_str(&b, "from", o->from_domain);
    json_str(&b, "policy_domain", o->policy_domain);
    json_str(&b, "dmarc", policy_auth_name(o->result));
    json_str(&b, "policy", pol);
    strbuf_printf(&b, ",\"testing\":%d", o->testing);
    json_str(&b, "spf", pm->spf_done ? spf_result_name(pm->spf.result) : "none");
    json_str(&b, "spf_domain", pm->spf_done ? pm->spf.domain : "");
    strbuf_printf(&b, ",\"spf_aligned\":%d,\"dkim_aligned\":%d,\"dkim\":[",
                  o->spf_aligned, o->dkim_aligned);
    for (i = 0; i < pm->nsigs; i++)
        strbuf_printf(&b, "%s{\"d\":\"%s\",\"s\":\"%s\",\"result\":\"%s\"}",
                      i ? "," : "", pm->sigs[i].d, pm->sigs[i].s,
                      policy_auth_name(pm->sigs[i].result));
    strbuf_printf(&b, "]}\n");
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        *error_r = "cannot open the DMARC history file";
        strbuf_free(&b);
        return -1;
    }
    ok = write(fd, b.data, b.len) == (ssize_t)b.len;
    close(fd);
    strbuf_free(&b);
    if (!ok)
        *error_r = "cannot write the DMARC history file";
    return ok ? 0 : -1;
}
