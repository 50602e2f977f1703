/*
 * policy_authres - the Authentication-Results header (RFC 8601).
 *
 * DESCRIPTION
 *	authres_format() writes the value of our one header per message:
 *	    AUTHSERV-ID; iprev=pass policy.iprev=192.0.2.7 (mx.example.net);
 *	     auth=pass smtp.auth=alice;
 *	     spf=pass smtp.mailfrom=alice@example.net;
 *	     spf=none smtp.helo=mx.example.net;
 *	     dkim=pass header.d=example.net header.s=sel1 header.b=AbCdEf12;
 *	     dmarc=fail (p=reject) header.from=example.net
 *	with one method per check that ran ("none" when none did).  Values
 *	that are not RFC 2045 tokens are quoted.  Lines are folded with
 *	LF TAB between methods (libmilter: a line feed and a blank continue
 *	a header; the MTA writes CRLF).
 *
 *	authres_is_ours() tells whether a header value starts with our
 *	authserv-id (after comments and blanks, case-insensitive, an
 *	optional version number allowed).  authres_remove_forged() queues
 *	the deletion of every such header the message came with, from the
 *	highest index down: a header claiming our verdict that we did not
 *	write must never reach the mailbox.
 *
 * OWNERSHIP
 *	authres_format() returns a string the caller frees.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"
#include "util.h"

static void ar_value(struct strbuf *b, const char *v)
{
    const char *p;

    for (p = v; *p; p++)
        if (!isalnum((unsigned char)*p) && strchr("-._@+!#$&'*/=?^`{|}~", *p) == NULL)
            break;
    if (*p == '\0' && *v != '\0') {
        strbuf_puts(b, v);
        return;
    }
    strbuf_puts(b, "\"");
    for (p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_puts(b, "\\");
        if ((unsigned char)*p >= 0x20 && *p != 0x7f)
            strbuf_append(b, p, 1);
    }
    strbuf_puts(b, "\"");
}

static void ar_method(struct strbuf *b, int *n, const char *method, int res)
{
    strbuf_printf(b, ";\n\t%s=%s", method, policy_auth_name(res));
    (*n)++;
}

static void ar_prop(struct strbuf *b, const char *name, const char *v)
{
    strbuf_printf(b, " %s=", name);
    ar_value(b, v);
}

static void ar_spf(struct strbuf *b, int *n, const struct sl_msg *m,
                   const struct policy_msg *pm)
{
    if (pm->spf_done) {
        ar_method(b, n, "spf", spf_auth(pm->spf.result));
        ar_prop(b, "smtp.mailfrom",
                m->from[0] ? m->from : (pm->spf.domain ? pm->spf.domain : ""));
    }
    if (pm->spf_helo_done && m->conn && m->conn->helo) {
        ar_method(b, n, "spf", spf_auth(pm->spf_helo.result));
        ar_prop(b, "smtp.helo", m->conn->helo);
    }
}

static void ar_dkim(struct strbuf *b, int *n, const struct policy_msg *pm)
{
    size_t i;

    if (!pm->dkim_done)
        return;
    if (pm->nsigs == 0) {
        ar_method(b, n, "dkim", AUTH_NONE);
        return;
    }
    for (i = 0; i < pm->nsigs; i++) {
        const struct policy_dkim_sig *s = &pm->sigs[i];

        ar_method(b, n, "dkim", s->result);
        if (s->why != NULL) {
            strbuf_puts(b, " (");
            for (const char *p = s->why; *p; p++)
                if (*p != '(' && *p != ')' && (unsigned char)*p >= 0x20)
                    strbuf_append(b, p, 1);
            strbuf_puts(b, ")");
        }
        ar_prop(b, "header.d", s->d);
        ar_prop(b, "header.s", s->s);
        if (s->b && *s->b)
            ar_prop(b, "header.b", s->b);
    }
}

static void ar_dmarc(struct strbuf *b, int *n, const struct policy_msg *pm)
{
    const struct policy_dmarc_out *d = &pm->dmarc;

    if (!pm->dmarc_done || d->from_domain == NULL)
        return;
    ar_method(b, n, "dmarc", d->result);
    if (d->policy_domain != NULL)
        strbuf_printf(b, " (p=%s%s)",
                      d->policy == 'r'   ? "reject"
                      : d->policy == 'q' ? "quarantine"
                                         : "none",
                      d->testing ? " t=y" : "");
    ar_prop(b, "header.from", d->from_domain);
}

char *authres_format(const char *authserv_id, const struct sl_conn *conn,
                     const struct sl_msg *m, const struct policy_conn *pc,
                     const struct policy_msg *pm)
{
    static const int iprev_auth[] = {AUTH_NONE, AUTH_PASS, AUTH_FAIL,
                                     AUTH_PERMERROR, AUTH_TEMPERROR};
    struct strbuf b;
    int n = 0;

    strbuf_init(&b, 0);
    strbuf_puts(&b, authserv_id);
    if (pc != NULL && pc->iprev != IPREV_SKIPPED) {
        ar_method(&b, &n, "iprev", iprev_auth[pc->iprev]);
        ar_prop(&b, "policy.iprev", conn->client_addr);
        if (pc->ptr)
            strbuf_printf(&b, " (%s)", pc->ptr);
    }
    if (pm != NULL && pm->authenticated && m->auth_user)
        ar_method(&b, &n, "auth", AUTH_PASS), ar_prop(&b, "smtp.auth", m->auth_user);
    if (pm != NULL) {
        ar_spf(&b, &n, m, pm);
        ar_dkim(&b, &n, pm);
        ar_dmarc(&b, &n, pm);
    }
    if (n == 0)
        strbuf_puts(&b, "; none");
    return strbuf_detach(&b);
}

/* Skip blanks and (nested) comments. */
static const char *ar_cfws(const char *p)
{
    int depth = 0;

    for (; *p; p++) {
        if (*p == '(')
            depth++;
        else if (*p == ')' && depth > 0)
            depth--;
        else if (depth == 0 && !isspace((unsigned char)*p))
            break;
    }
    return p;
}

int authres_is_ours(const char *value, const char *authserv_id)
{
    const char *p = ar_cfws(value);
    size_t n = strlen(authserv_id);

    if (strncasecmp(p, authserv_id, n) != 0)
        return 0;
    p += n;
    if (*p == '\0' || *p == ';')
        return 1;
    if (!isspace((unsigned char)*p) && *p != '(')
        return 0;
    p = ar_cfws(p);
    while (isdigit((unsigned char)*p))
        p++;
    p = ar_cfws(p);
    return *p == '\0' || *p == ';';
}

void authres_remove_forged(const struct sl_msg *m, const char *authserv_id,
                           struct sl_edits *ed)
{
    int i, n = sl_msg_header_count(m, "Authentication-Results");

    for (i = n; i >= 1; i--) {
        const struct sl_header *h = sl_msg_header(m, "Authentication-Results", i);

        if (h != NULL && authres_is_ours(h->value, authserv_id))
            sl_edits_delete_header(ed, "Authentication-Results", h->index);
    }
}
