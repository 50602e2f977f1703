/*
 * milter_cb - libmilter callbacks up to the end of the message.
 *
 * Callbacks only translate SMTP events into the plain structs of
 * module.h and run the modules in order (run_stage()); decisions live
 * in the modules and in milter_eom.c.  A module that has a callback for
 * a stage may answer there (a refusal, or its on_error answer); where
 * no module has one, the MTA was told not to wait for a reply
 * (SMFIP_NR_*) and the callback returns SMFIS_NOREPLY.  What was agreed
 * with the MTA is kept per connection (struct conn_ctx).
 *
 * Headers are kept within [common] max_header_lines and
 * max_header_bytes; the header that goes over them is answered with
 * 552 5.3.4 at once (milter_refuse_headers()), and the MTA sends no
 * more of that message.
 *
 * Ownership: struct conn_ctx is allocated at negotiation and freed in
 * close; it pins the configuration snapshot of the connection.  Its
 * message is reset by msg_reset() at MAIL FROM, end of message, abort
 * and close, which also runs every module's msg_free hook, and after a
 * message of MSG_TRIM_SIZE or more gives the freed memory back to the
 * system (malloc_trim()), so that one big message does not keep the
 * worker big.
 */
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "milter_int.h"
#include "mime.h"
#include "util.h"

enum stage { ST_CONNECT, ST_HELO, ST_MAIL, ST_RCPT };

static const unsigned long stage_nr[] = {SMFIP_NR_CONN, SMFIP_NR_HELO,
                                         SMFIP_NR_MAIL, SMFIP_NR_RCPT};

static struct conn_ctx *cctx(SMFICTX *ctx)
{
    return smfi_getpriv(ctx);
}

static enum mod_rc (*stage_fn(const struct module *m, enum stage s))(
    struct mod_ctx *)
{
    switch (s) {
    case ST_CONNECT: return m->connect;
    case ST_HELO: return m->helo;
    case ST_MAIL: return m->mail;
    default: return m->rcpt;
    }
}

/* The events at which some module may answer (it has a callback). */
unsigned milter_answer_events(void)
{
    unsigned ev = 0;

    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];

        ev |= (m->connect ? MOD_EV_CONNECT : 0) | (m->helo ? MOD_EV_HELO : 0) |
              (m->mail ? MOD_EV_MAIL : 0) | (m->rcpt ? MOD_EV_RCPT : 0);
    }
    return ev;
}

static void slot_msg_free(struct conn_ctx *cc, size_t i)
{
    const struct module *m = milter_app.mods[i];
    struct mod_slot *s = &cc->slot[i];

    if (s->msg_data != NULL && m->msg_free != NULL)
        m->msg_free(cc->rt->state[i], s->msg_data);
    s->msg_data = NULL;
    result_free(&s->mres);
}

/* The next index of a header called name (1 for the first). */
static int hdr_next_index(struct msg_ctx *mc, const char *name)
{
    unsigned h = 5381;
    struct hdr_count *c;
    size_t len = strlen(name);

    for (const char *p = name; *p; p++)
        h = h * 33 + (unsigned char)(*p | 0x20);
    for (c = mc->hcount[h % HDR_BUCKETS]; c; c = c->next)
        if (str_casecmp(c->name, name) == 0)
            return ++c->n;
    c = xmalloc(sizeof(*c) + len + 1);
    memcpy(c->name, name, len + 1);
    c->n = 1;
    c->next = mc->hcount[h % HDR_BUCKETS];
    mc->hcount[h % HDR_BUCKETS] = c;
    return 1;
}

/* After a message this big, the worker gives freed memory back to the
 * system (glibc keeps it in the thread's arena otherwise). */
#define MSG_TRIM_SIZE (1024 * 1024)

void msg_reset(struct conn_ctx *cc)
{
    struct sl_msg *m = &cc->msg.m;
    int big = m->size >= MSG_TRIM_SIZE || m->raw.len >= MSG_TRIM_SIZE;

    for (size_t b = 0; b < HDR_BUCKETS; b++)
        for (struct hdr_count *c = cc->msg.hcount[b], *n; c; c = n) {
            n = c->next;
            free(c);
        }
    for (size_t i = 0; i < milter_app.nmods; i++)
        slot_msg_free(cc, i);
    free(m->qid);
    free(m->from);
    for (size_t i = 0; i < m->nrcpts; i++)
        free(m->rcpts[i]);
    free(m->rcpts);
    free(m->auth_user);
    for (size_t i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    strbuf_free(&m->raw);
    mime_tree_free(m->mime);
    memset(&cc->msg, 0, sizeof(cc->msg));
    if (big)
        malloc_trim(0);
}

struct mod_ctx milter_mod_ctx(struct conn_ctx *cc, size_t i, int in_msg)
{
    struct mod_ctx x;

    memset(&x, 0, sizeof(x));
    x.mod = milter_app.mods[i];
    x.state = cc->rt->state[i];
    x.env = &cc->rt->env;
    x.conn = &cc->conn;
    x.conn_data = &cc->slot[i].conn_data;
    if (in_msg) {
        x.msg = &cc->msg.m;
        x.msg_data = &cc->slot[i].msg_data;
        x.res = &cc->slot[i].mres;
    } else {
        x.res = &cc->slot[i].cres;
    }
    return x;
}

/* The queue ID, when the MTA has given it (Postfix: from RCPT on). */
static void take_qid(SMFICTX *ctx, struct conn_ctx *cc)
{
    const char *qid = smfi_getsymval(ctx, "i");
    struct sl_msg *m = &cc->msg.m;

    if (qid == NULL || *qid == '\0' || !cc->msg.active ||
        (m->qid && strcmp(m->qid, qid) == 0))
        return;
    free(m->qid);
    m->qid = xstrdup(qid);
    for (size_t i = 0; i < milter_app.nmods; i++)
        result_set_qid(&cc->slot[i].mres, qid);
}

/* Run one stage for every module in order; the first refusal answers. */
static sfsistat run_stage(SMFICTX *ctx, struct conn_ctx *cc, enum stage s,
                          const char *rcpt)
{
    int in_msg = s >= ST_MAIL;

    if (cc->rt->env.cfg == NULL)
        return SMFIS_TEMPFAIL;
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];
        enum mod_rc (*fn)(struct mod_ctx *) = stage_fn(m, s);
        struct mod_ctx x;
        enum mod_rc rc;
        const char *action;
        sfsistat st;

        if (fn == NULL)
            continue;
        x = milter_mod_ctx(cc, i, in_msg);
        x.rcpt = rcpt;
        rc = fn(&x);
        if (rc == MOD_ERROR)
            rc = mod_on_error(&x, x.out.reason);
        if (rc == MOD_CONTINUE)
            continue;
        if (rc == MOD_DISCARD && !in_msg)
            rc = MOD_REJECT; /* nothing to discard before MAIL FROM */
        action = rc == MOD_REJECT     ? "reject"
                 : rc == MOD_TEMPFAIL ? "tempfail"
                                      : "discard";
        st = rc == MOD_REJECT     ? SMFIS_REJECT
             : rc == MOD_TEMPFAIL ? SMFIS_TEMPFAIL
                                  : SMFIS_DISCARD;
        if (rc != MOD_DISCARD && x.out.reply.rcode[0] &&
            milter_reply(ctx, mod_qid(&x), &x.out.reply) < 0)
            st = SMFIS_TEMPFAIL;
        milter_log_refusal(cc, m->name, action, x.res,
                           x.out.reason ? x.out.reason : x.out.reply.text,
                           rcpt);
        return st;
    }
    return (cc->nr_flags & stage_nr[s]) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static char *macro_dup(SMFICTX *ctx, const char *name)
{
    const char *v = smfi_getsymval(ctx, (char *)name);

    return v && *v ? xstrdup(v) : NULL;
}

static void set_str(char **dst, char *v)
{
    free(*dst);
    *dst = v;
}

static int sockaddr_port(const _SOCK_ADDR *sa)
{
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}

static char *client_addr_of(SMFICTX *ctx, const char *host)
{
    const char *addr = smfi_getsymval(ctx, "{client_addr}");
    const char *e;

    if (addr != NULL)
        return xstrdup(addr);
    if (host && host[0] == '[' && (e = strchr(host, ']')) != NULL)
        return xstrndup(host + 1, (size_t)(e - host - 1));
    return xstrdup("");
}

/* {client_ptr}; NULL for none: Postfix says "unknown", Sendmail
 * "[192.0.2.1]". */
static char *client_ptr_of(SMFICTX *ctx)
{
    const char *v = smfi_getsymval(ctx, "{client_ptr}");

    if (v == NULL || *v == '\0' || *v == '[' || strcmp(v, "unknown") == 0)
        return NULL;
    return xstrdup(v);
}

/* {v} is "Postfix 3.7.11" under Postfix, "8.17.1.9" under Sendmail. */
static int mta_is_postfix(SMFICTX *ctx)
{
    const char *v = smfi_getsymval(ctx, "v");

    return v != NULL && strncmp(v, "Postfix", 7) == 0;
}

static sfsistat cb_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_conn *c;
    char *ip;

    if (cc == NULL) /* no negotiation callback (should not happen) */
        return SMFIS_TEMPFAIL;
    c = &cc->conn;
    ip = client_addr_of(ctx, host);
    /* "IPv6:2001:db8::1" (Sendmail's form) is just the address. */
    if (str_ncasecmp(ip, "IPv6:", 5) == 0)
        memmove(ip, ip + 5, strlen(ip + 5) + 1);
    set_str(&c->client_addr, ip);
    /* No verified name: Postfix says "unknown", Sendmail "[192.0.2.1]". */
    set_str(&c->client_name,
            xstrdup(host && *host && *host != '[' ? host : "unknown"));
    cc->postfix = mta_is_postfix(ctx);
    set_str(&c->client_ptr, client_ptr_of(ctx));
    set_str(&c->mta_name, macro_dup(ctx, "j"));
    set_str(&c->daemon_name, macro_dup(ctx, "{daemon_name}"));
    set_str(&c->daemon_addr, macro_dup(ctx, "{daemon_addr}"));
    if (c->daemon_addr == NULL)
        set_str(&c->daemon_addr, macro_dup(ctx, "{if_addr}"));
    c->client_port = sockaddr_port(sa);
    c->dns_budget = deadline_in(cc->rt->cc->dns_budget);
    log_debug(NULL, "connect from %s [%s]:%d, MTA %s", c->client_name,
              c->client_addr, c->client_port,
              cc->postfix ? "Postfix" : "Sendmail");
    milter_macros_debug(ctx, NULL, "connect");
    return run_stage(ctx, cc, ST_CONNECT, NULL);
}

static sfsistat cb_helo(SMFICTX *ctx, char *helo)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_conn *c;

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    c = &cc->conn;
    set_str(&c->helo, xstrdup(helo ? helo : ""));
    set_str(&c->tls_version, macro_dup(ctx, "{tls_version}"));
    set_str(&c->cipher, macro_dup(ctx, "{cipher}"));
    set_str(&c->cert_subject, macro_dup(ctx, "{cert_subject}"));
    milter_macros_debug(ctx, NULL, "HELO");
    return run_stage(ctx, cc, ST_HELO, NULL);
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

/* A new message: reset the old one, start from the connection's results. */
static void msg_start(SMFICTX *ctx, struct conn_ctx *cc, const char *from)
{
    struct sl_msg *m = &cc->msg.m;
    struct sl_conn *c = &cc->conn;

    msg_reset(cc);
    cc->msg.active = 1;
    m->conn = c;
    m->qid = xstrdup("NOQUEUE");
    m->from = strip_brackets(from);
    set_str(&c->auth_user, macro_dup(ctx, "{auth_authen}"));
    set_str(&c->auth_type, macro_dup(ctx, "{auth_type}"));
    m->auth_user = c->auth_user ? xstrdup(c->auth_user) : NULL;
    m->dns_budget = deadline_in(cc->rt->cc->dns_budget);
    if (cc->events & MOD_EV_BODY)
        strbuf_init(&m->raw, (size_t)cc->rt->cc->message_buffer_limit);
    for (size_t i = 0; i < milter_app.nmods; i++)
        result_copy(&cc->slot[i].mres, &cc->slot[i].cres);
    take_qid(ctx, cc);
}

static sfsistat cb_envfrom(SMFICTX *ctx, char **argv)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc == NULL)
        return SMFIS_TEMPFAIL;
    msg_start(ctx, cc, argv[0]);
    milter_macros_debug(ctx, cc->msg.m.qid, "MAIL");
    return run_stage(ctx, cc, ST_MAIL, NULL);
}

static sfsistat cb_envrcpt(SMFICTX *ctx, char **argv)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_msg *m;
    sfsistat st;
    char *rcpt;

    if (cc == NULL || !cc->msg.active)
        return SMFIS_TEMPFAIL;
    m = &cc->msg.m;
    take_qid(ctx, cc);
    milter_macros_debug(ctx, m->qid, "RCPT");
    rcpt = strip_brackets(argv[0]);
    st = run_stage(ctx, cc, ST_RCPT, rcpt);
    if (st != SMFIS_CONTINUE && st != SMFIS_NOREPLY) {
        free(rcpt);
        return st;
    }
    m->rcpts = xrealloc(m->rcpts, (m->nrcpts + 1) * sizeof(char *));
    m->rcpts[m->nrcpts++] = rcpt;
    return st;
}

static sfsistat cb_data(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc == NULL || !cc->msg.active)
        return SMFIS_TEMPFAIL;
    take_qid(ctx, cc);
    milter_macros_debug(ctx, cc->msg.m.qid, "DATA");
    return SMFIS_CONTINUE;
}

/* Keep one header: in the list and in raw, within the header bounds.
 * 1 when this header went over them. */
static int keep_header(struct conn_ctx *cc, const char *name,
                       const char *value)
{
    struct sl_msg *m = &cc->msg.m;
    const struct common_conf *c = cc->rt->cc;
    size_t line = strlen(name) + strlen(value) + 4;
    const char *v = value;
    struct sl_header *h;

    m->hdr_lines++;
    m->hdr_bytes += line;
    m->size += line;
    if (m->hdr_over)
        return 0;
    if ((long long)m->hdr_lines > c->max_header_lines ||
        (long long)m->hdr_bytes > c->max_header_bytes) {
        m->hdr_over = 1;
        return 1;
    }
    while (*v == ' ' || *v == '\t')
        v++;
    if (cc->events & MOD_EV_HEADER) {
        if ((m->nhdrs & (m->nhdrs - 1)) == 0) /* 0, 1, 2, 4, 8... */
            m->hdrs = xrealloc(m->hdrs, (m->nhdrs ? 2 * m->nhdrs : 1) *
                                            sizeof(*m->hdrs));
        h = &m->hdrs[m->nhdrs];
        h->name = xstrdup(name);
        h->value = xstrdup(v);
        h->index = hdr_next_index(&cc->msg, name);
        m->nhdrs++;
    }
    if (cc->events & MOD_EV_BODY) {
        strbuf_puts(&m->raw, name);
        strbuf_puts(&m->raw, cc->leadspc ? ":" : ": ");
        strbuf_puts(&m->raw, value);
        strbuf_puts(&m->raw, "\r\n");
        if (m->raw.over)
            m->truncated = 1;
    }
    return 0;
}

static sfsistat cb_header(SMFICTX *ctx, char *name, char *value)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc == NULL || !cc->msg.active)
        return SMFIS_TEMPFAIL;
    if (keep_header(cc, name, value ? value : "") &&
        !(cc->nr_flags & SMFIP_NR_HDR))
        return milter_refuse_headers(ctx);
    return (cc->nr_flags & SMFIP_NR_HDR) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static void start_body(struct msg_ctx *mc)
{
    struct sl_msg *m = &mc->m;

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

    if (cc == NULL || !cc->msg.active)
        return SMFIS_TEMPFAIL;
    m = &cc->msg.m;
    if (cc->events & MOD_EV_BODY) {
        start_body(&cc->msg);
        if (strbuf_append(&m->raw, data, len) < 0)
            m->truncated = 1;
    }
    m->size += len;
    return (cc->nr_flags & SMFIP_NR_BODY) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

static sfsistat cb_eom(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);
    sfsistat st;

    if (cc == NULL || !cc->msg.active)
        return SMFIS_TEMPFAIL;
    if (cc->events & MOD_EV_BODY)
        start_body(&cc->msg);
    take_qid(ctx, cc);
    milter_macros_debug(ctx, cc->msg.m.qid, "end of message");
    st = milter_eom(ctx);
    msg_reset(cc);
    return st;
}

static sfsistat cb_abort(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);

    if (cc)
        msg_reset(cc);
    return SMFIS_CONTINUE;
}

static sfsistat cb_close(SMFICTX *ctx)
{
    struct conn_ctx *cc = cctx(ctx);
    struct sl_conn *c;

    if (cc == NULL)
        return SMFIS_CONTINUE;
    c = &cc->conn;
    msg_reset(cc);
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *m = milter_app.mods[i];

        if (cc->slot[i].conn_data != NULL && m->conn_free != NULL)
            m->conn_free(cc->rt->state[i], cc->slot[i].conn_data);
        result_free(&cc->slot[i].cres);
    }
    runtime_release(cc->rt);
    free(c->client_addr);
    free(c->client_name);
    free(c->client_ptr);
    free(c->helo);
    free(c->mta_name);
    free(c->daemon_name);
    free(c->daemon_addr);
    free(c->tls_version);
    free(c->cipher);
    free(c->cert_subject);
    free(c->auth_type);
    free(c->auth_user);
    free(cc);
    /* Cannot fail with the ctx libmilter gave us; were it to, libmilter
     * would keep a pointer it never reads again (the connection ends). */
    (void)smfi_setpriv(ctx, NULL);
    return SMFIS_CONTINUE;
}

struct smfiDesc milter_desc = {
    .xxfi_name = "sluice",
    .xxfi_version = SMFI_VERSION,
    .xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_CHGBODY |
                  SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
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
    .xxfi_negotiate = milter_negotiate,
};
