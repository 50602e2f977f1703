/*
 * milter_cb - libmilter callbacks up to the end of the message.
 *
 * Callbacks only translate SMTP events into the plain structs of
 * module.h and call the modules in order; decisions live in the modules
 * and in milter_eom.c.  Where no module can answer an event, the MTA was
 * told not to wait for a reply (SMFIP_NR_*), and the callback returns
 * SMFIS_NOREPLY.  Ownership: struct conn_ctx is allocated at connect and
 * freed in close; it pins the configuration snapshot of the connection
 * (taken at negotiation).  Its struct msg_ctx is reset by msg_reset() at MAIL,
 * eom, abort and close.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "milter_int.h"
#include "util.h"

static unsigned nr_flags; /* SMFIP_NR_* agreed with the MTA */
static int leadspc;       /* SMFIP_HDR_LEADSPC agreed */

static struct conn_ctx *cctx(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

void msg_reset(struct msg_ctx *mc)
{
    free(mc->m.qid);
    free(mc->m.from);
    for (size_t i = 0; i < mc->m.nrcpts; i++)
        free(mc->m.rcpts[i]);
    free(mc->m.rcpts);
    free(mc->m.auth_user);
    strbuf_free(&mc->m.raw);
    for (size_t i = 0; i < mc->nresults; i++)
        free(mc->results[i]);
    free(mc->results);
    free(mc->subject);
    memset(mc, 0, sizeof(*mc));
}

static sfsistat noreply(unsigned flag)
{
    return (nr_flags & flag) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* Hand a reply to the MTA.  reply_build() guarantees printable ASCII
 * without '%' (which libmilter passes to the MTA's format handling). */
void milter_reply(SMFICTX *ctx, const struct reply *r)
{
    smfi_setreply(ctx, (char *)r->rcode, (char *)r->xcode, (char *)r->text);
}

/* Map a module's answer before EOM to libmilter; 1 when it refused. */
static int answer(SMFICTX *ctx, const struct module *mod, enum mod_rc rc,
                  const struct mod_out *out, sfsistat *st)
{
    if (rc == MOD_CONTINUE)
        return 0;
    if (rc == MOD_ERROR) {
        log_warn(NULL, "%s: check failed: %s", mod->name,
                 out->reason ? out->reason : "unknown");
        *st = SMFIS_TEMPFAIL;
        return 1;
    }
    if (rc == MOD_DISCARD) {
        *st = SMFIS_DISCARD;
        return 1;
    }
    if (out->reply.rcode[0])
        milter_reply(ctx, &out->reply);
    *st = rc == MOD_REJECT ? SMFIS_REJECT : SMFIS_TEMPFAIL;
    return 1;
}

static sfsistat cb_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                             unsigned long f2, unsigned long f3,
                             unsigned long *pf0, unsigned long *pf1,
                             unsigned long *pf2, unsigned long *pf3)
{
    unsigned ev = milter_app.events, re = milter_app.reply_events;
    unsigned long want = 0;

    *pf0 = (SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
            SMFIF_QUARANTINE) & f0;
    /* Events nobody needs: the glue itself always needs connect, mail,
     * rcpt (envelope for logs and allow-lists), headers, body, eom. */
    if (!(ev & MOD_EV_HELO))
        want |= SMFIP_NOHELO;
    /* DATA is taken and answered on purpose: with connect..rcpt
     * unanswered (SMFIP_NR_*), Postfix's last write before it hands the
     * connection to cleanup would otherwise wait ~40 ms for our delayed
     * ACK over TCP.  One small answer at DATA costs less. */
    want |= SMFIP_NOUNKNOWN | SMFIP_NOEOH;
    /* Events at which nobody answers: the MTA need not wait. */
    if (!(re & MOD_EV_CONNECT))
        want |= SMFIP_NR_CONN;
    if (!(re & MOD_EV_HELO))
        want |= SMFIP_NR_HELO;
    if (!(re & MOD_EV_MAIL))
        want |= SMFIP_NR_MAIL;
    if (!(re & MOD_EV_RCPT))
        want |= SMFIP_NR_RCPT;
    want |= SMFIP_NR_HDR | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC;
    *pf1 = want & f1;
    nr_flags = (unsigned)(*pf1 & (SMFIP_NR_CONN | SMFIP_NR_HELO |
                                  SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                                  SMFIP_NR_HDR | SMFIP_NR_BODY));
    leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
    *pf2 = 0;
    *pf3 = 0;
    /* The configuration snapshot is taken here, when the MTA opens the
     * connection and waits for our answer: events it was told not to
     * wait for (SMFIP_NR_*) may reach us much later, bundled with the
     * next one that needs a reply. */
    if (smfi_getpriv(ctx) == NULL) {
        struct conn_ctx *cc = xcalloc(1, sizeof(*cc));

        cc->rt = runtime_acquire();
        smfi_setpriv(ctx, cc);
    }
    return SMFIS_CONTINUE;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    struct conn_ctx *cc = cctx(ctx);
    const char *addr = smfi_getsymval(ctx, "{client_addr}");
    sfsistat st = SMFIS_CONTINUE;

    if (cc == NULL) { /* no negotiation callback (should not happen) */
        cc = xcalloc(1, sizeof(*cc));
        cc->rt = runtime_acquire();
        smfi_setpriv(ctx, cc);
    }
    free(cc->conn.client_name);
    free(cc->conn.client_addr);
    cc->conn.client_name = xstrdup(host ? host : "unknown");
    if (addr == NULL && host && host[0] == '[') {
        const char *e = strchr(host, ']');

        cc->conn.client_addr =
            xstrndup(host + 1, e ? (size_t)(e - host - 1) : strlen(host + 1));
    } else {
        cc->conn.client_addr = xstrdup(addr ? addr : "");
    }
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];
        struct mod_out out = {0};

        if (m->connect &&
            answer(ctx, m, m->connect(cc->rt->state[i], &cc->conn, &out),
                   &out, &st))
            return st;
    }
    return noreply(SMFIP_NR_CONN);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
    struct conn_ctx *cc = cctx(ctx);
    sfsistat st = SMFIS_CONTINUE;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    free(cc->conn.helo);
    cc->conn.helo = xstrdup(helo ? helo : "");
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];
        struct mod_out out = {0};

        if (m->helo &&
            answer(ctx, m, m->helo(cc->rt->state[i], &cc->conn, &out), &out,
                   &st))
            return st;
    }
    return noreply(SMFIP_NR_HELO);
}

static char *strip_brackets(const char *a)
{
    size_t n;

    if (a == NULL)
        return xstrdup("");
    if (*a == '<')
        a++;
    n = strlen(a);
    if (n > 0 && a[n - 1] == '>')
        n--;
    return xstrndup(a, n);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn_ctx *cc = cctx(ctx);
    const char *auth = smfi_getsymval(ctx, "{auth_authen}");
    sfsistat st = SMFIS_CONTINUE;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    /* A new message; the connection keeps its configuration snapshot. */
    msg_reset(&cc->msg);
    cc->msg.m.conn = &cc->conn;
    cc->msg.m.qid = xstrdup("NOQUEUE");
    cc->msg.m.from = strip_brackets(argv[0]);
    cc->msg.m.auth_user = auth ? xstrdup(auth) : NULL;
    strbuf_init(&cc->msg.m.raw, (size_t)cc->rt->cc->message_buffer_limit);
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];
        struct mod_out out = {0};

        if (m->mail && answer(ctx, m, m->mail(cc->rt->state[i], &cc->msg.m,
                                              &out),
                              &out, &st))
            return st;
    }
    return noreply(SMFIP_NR_MAIL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_msg *m;
    sfsistat st = SMFIS_CONTINUE;
    char *rcpt;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    m = &cc->msg.m;
    rcpt = strip_brackets(argv[0]);
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *mod = milter_app.mods[i];
        struct mod_out out = {0};

        if (mod->rcpt &&
            answer(ctx, mod, mod->rcpt(cc->rt->state[i], m, rcpt, &out),
                   &out, &st)) {
            free(rcpt);
            return st;
        }
    }
    m->rcpts = xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(char *));
    m->rcpts[m->nrcpts++] = rcpt;
    return noreply(SMFIP_NR_RCPT);
}

static void note_header(struct msg_ctx *mc, const char *name,
                        const char *value)
{
    const char *v = value;

    while (*v == ' ' || *v == '\t')
        v++;
    if (strcasecmp(name, RESULT_HEADER) == 0) {
        mc->results =
            xrealloc(mc->results, (mc->nresults + 1) * sizeof(char *));
        mc->results[mc->nresults++] = xstrdup(v);
    } else if (strcasecmp(name, "X-Sluice-Verdict") == 0) {
        mc->nverdict++;
    } else if (strcasecmp(name, "X-Spam-Flag") == 0) {
        mc->nspamflag++;
    } else if (strcasecmp(name, "X-Spam-Status") == 0) {
        mc->nspamstatus++;
    } else if (strcasecmp(name, "Subject") == 0 && mc->subject == NULL) {
        mc->subject = xstrdup(v);
    }
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_msg *m;
    size_t before;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    m = &cc->msg.m;
    note_header(&cc->msg, name, value);
    before = m->raw.len;
    strbuf_puts(&m->raw, name);
    strbuf_puts(&m->raw, leadspc ? ":" : ": ");
    strbuf_puts(&m->raw, value);
    strbuf_puts(&m->raw, "\r\n");
    m->size += m->raw.len - before;
    if (m->raw.over)
        m->truncated = 1;
    return noreply(SMFIP_NR_HDR);
}

static void start_body(struct sl_msg *m, struct msg_ctx *mc)
{
    if (mc->in_body)
        return;
    mc->in_body = 1;
    strbuf_puts(&m->raw, "\r\n");
    m->size += 2;
    m->body_off = m->raw.len;
}

static sfsistat cb_body(SMFICTX *ctx, unsigned char *data, size_t len)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_msg *m;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    m = &cc->msg.m;
    start_body(m, &cc->msg);
    if (strbuf_append(&m->raw, data, len) < 0)
        m->truncated = 1;
    m->size += len;
    return noreply(SMFIP_NR_BODY);
}

static sfsistat cb_data(SMFICTX *ctx)
{
    return SMFIS_CONTINUE;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);
    sfsistat st;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    start_body(&cc->msg.m, &cc->msg);
    st = milter_eom(ctx);
    msg_reset(&cc->msg);
    return st;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc)
        msg_reset(&cc->msg);
    return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc == NULL)
        return SMFIS_CONTINUE;
    msg_reset(&cc->msg);
    runtime_release(cc->rt);
    free(cc->conn.client_addr);
    free(cc->conn.client_name);
    free(cc->conn.helo);
    free(cc);
    smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "sluice",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
                  SMFIF_QUARANTINE,
    .xxfi_connect = cb_connect,
    .xxfi_helo = cb_helo,
    .xxfi_envfrom = cb_envfrom,
    .xxfi_envrcpt = cb_envrcpt,
    .xxfi_header = cb_header,
    .xxfi_eoh = NULL,
    .xxfi_body = cb_body,
    .xxfi_eom = cb_eom,
    .xxfi_abort = cb_abort,
    .xxfi_close = cb_close,
    .xxfi_unknown = NULL,
    .xxfi_data = cb_data,
    .xxfi_negotiate = cb_negotiate,
};
