/*
 * policy_stage_conn - sluice-policy at connect, HELO and RCPT TO, and the
 * access-map helpers every stage uses (see policy_module.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "inside.h"
#include "log.h"
#include "policy_stage.h"
#include "util.h"

struct policy_conn *policy_conn_get(struct mod_ctx *x)
{
    if (*x->conn_data == NULL)
        *x->conn_data = xcalloc(1, sizeof(struct policy_conn));
    return *x->conn_data;
}

enum mod_rc policy_fail(struct mod_ctx *x, const char *why)
{
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", why);
    x->out.reason = x->out.reason_buf;
    return MOD_ERROR;
}

enum access_kind policy_access(struct mod_ctx *x, struct map *m,
                               const char *key, const char *what,
                               struct access_value *v)
{
    const struct policy_state *st = x->state;
    const char *err = NULL;
    enum access_kind k = access_check(m, key, v, &err);

    if (k == ACCESS_ERROR) {
        policy_fail(x, "access map");
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf),
                 "access map %s: %s", map_spec(m), err ? err : "error");
        return k;
    }
    if (err != NULL)
        log_warn(mod_qid(x), "policy: access map %s: %s: %s", map_spec(m), key,
                 err);
    if (k == ACCESS_OK)
        policy_sym(st, x->res, SYM_ACCESS_OK, what);
    else if (k == ACCESS_SCORE)
        policy_sym_score(x->res, SYM_ACCESS_SCORE, v->score, what);
    else if (k == ACCESS_REJECT)
        policy_sym(st, x->res, SYM_ACCESS_REJECT, what);
    else if (k == ACCESS_TEMPFAIL)
        policy_sym(st, x->res, SYM_ACCESS_TEMPFAIL, what);
    return k;
}

enum mod_rc policy_access_refuse(struct mod_ctx *x,
                                 const struct access_value *v,
                                 const char *what)
{
    int perm = v->kind == ACCESS_REJECT;
    char buf[480];

    if (v->text[0] == '\0' && v->code[0] == '\0')
        return policy_refuse(x, perm ? "policy_access_denied"
                                     : "policy_access_tempfail",
                             perm ? MOD_REJECT : MOD_TEMPFAIL, NULL, 0, what);
    snprintf(buf, sizeof(buf), "%s%s%s%s%s", v->code, v->code[0] ? " " : "",
             v->xcode, v->xcode[0] ? " " : "",
             v->text[0] ? v->text : "Access denied");
    policy_reply_explicit(&x->out, buf, perm);
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", what);
    x->out.reason = x->out.reason_buf;
    return perm ? MOD_REJECT : MOD_TEMPFAIL;
}

static void conn_iprev(struct mod_ctx *x, struct policy_conn *pc)
{
    const struct policy_state *st = x->state;
    const char *ip = x->conn->client_addr;

    pc->iprev = iprev_check(x->env->dns, ip, x->conn->dns_budget, &pc->ptr);
    if (pc->iprev == IPREV_FAIL)
        policy_sym(st, x->res, SYM_IPREV_NONE, ip);
    else if (pc->iprev == IPREV_PERMERROR)
        policy_sym(st, x->res, SYM_IPREV_MISMATCH, ip);
    else if (pc->iprev == IPREV_TEMPERROR)
        policy_sym(st, x->res, SYM_IPREV_TEMPERROR, ip);
}

static void conn_dynamic(struct mod_ctx *x, struct policy_conn *pc)
{
    const struct policy_state *st = x->state;
    const char *name = pc->ptr ? pc->ptr : x->conn->client_ptr, *v, *err;

    if (name == NULL || *name == '\0' || strcmp(name, "unknown") == 0)
        return;
    if (map_lookup(st->conf->dynamic_ptr, name, &v, &err) == MAP_FOUND)
        policy_sym(st, x->res, SYM_DYNAMIC_PTR, name);
}

static int conn_needs_dns(const struct policy_conf *c,
                          const struct policy_state *st)
{
    return c->iprev_check || st->dnsbl != NULL;
}

enum mod_rc policy_connect(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    struct policy_conn *pc = policy_conn_get(x);
    const char *ip = x->conn->client_addr, *name = x->conn->client_name;

    if (pc->done)
        return MOD_CONTINUE;
    pc->done = 1;
    pc->inside = ip != NULL && *ip != '\0' && inside_network(x->env->inside, ip);
    switch (policy_access(x, c->access_client, ip, "client", &pc->deny)) {
    case ACCESS_ERROR:
        return MOD_ERROR;
    case ACCESS_OK:
        pc->access_ok = 1;
        break;
    case ACCESS_NONE:
        if (name != NULL && strcmp(name, "unknown") != 0 &&
            policy_access(x, c->access_client_name, name, "client name",
                          &pc->deny) == ACCESS_ERROR)
            return MOD_ERROR;
        pc->access_ok = pc->deny.kind == ACCESS_OK;
        break;
    default:
        break;
    }
    if (pc->inside || pc->access_ok || ip == NULL || *ip == '\0')
        return MOD_CONTINUE;
    if (conn_needs_dns(c, st) && x->env->dns == NULL)
        return policy_fail(x, "no resolver");
    if (c->iprev_check)
        conn_iprev(x, pc);
    if (c->dynamic_ptr != NULL) /* the verified name, else {client_ptr} */
        conn_dynamic(x, pc);
    if (st->dnsbl != NULL) {
        dnsxl_query_ip(st->dnsbl, x->env->dns, ip, 0, x->conn->dns_budget,
                       &pc->bl);
        pc->bl_done = 1;
        dnsbl_report(st, &pc->bl, x->res);
    }
    return MOD_CONTINUE;
}

enum mod_rc policy_helo(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    struct policy_conn *pc = policy_conn_get(x);
    struct access_value v;
    struct helo_findings f;
    const char *helo = x->conn->helo;

    if (helo == NULL || pc->helo_done)
        return MOD_CONTINUE;
    pc->helo_done = 1;
    switch (policy_access(x, c->access_helo, helo, "helo", &v)) {
    case ACCESS_ERROR:
        return MOD_ERROR;
    case ACCESS_REJECT:
    case ACCESS_TEMPFAIL:
        if (pc->deny.kind != ACCESS_REJECT)
            pc->deny = v;
        return MOD_CONTINUE;
    default:
        break;
    }
    if (!c->helo_check || pc->inside || pc->access_ok)
        return MOD_CONTINUE;
    helo_examine(helo, x->conn->client_addr, x->conn->mta_name,
                 x->conn->daemon_addr, &f);
    if (f.not_fqdn)
        policy_sym(st, x->res, SYM_HELO_NOT_FQDN, helo);
    if (f.is_us)
        policy_sym(st, x->res, SYM_HELO_IS_US, helo);
    if (f.bad_ip)
        policy_sym(st, x->res, SYM_HELO_BAD_IP, helo);
    return MOD_CONTINUE;
}

/* Ask the back-end "host[:port]" whether rcpt exists; 0, or -1 when the
 * back-end's name does not resolve. */
static int rcpt_probe(struct mod_ctx *x, const char *backend,
                      struct cbv_out *o)
{
    const struct policy_conf *c = ((const struct policy_state *)x->state)->conf;
    char host[256];
    const char *colon = strrchr(backend, ':');
    struct cbv_target t;
    struct dns_answer a;

    snprintf(host, sizeof(host), "%.*s",
             (int)(colon ? (size_t)(colon - backend) : strlen(backend)), backend);
    t.host = host;
    t.port = colon ? atoi(colon + 1) : 25;
    memset(&a, 0, sizeof(a));
    t.ip = host;
    if (strspn(host, "0123456789.:") != strlen(host)) {
        if (x->env->dns == NULL ||
            dns_lookup(x->env->dns, host, DNS_T_A, x->msg->dns_budget, &a) != DNS_OK) {
            dns_answer_free(&a);
            return -1;
        }
        t.ip = a.rr[0].text;
    }
    cbv_probe(&t, c->cbv_helo ? c->cbv_helo : "localhost", x->rcpt,
              c->cbv_timeout, o);
    dns_answer_free(&a);
    return 0;
}

/* The recipient call-back, through the store's cache when there is one. */
static enum mod_rc rcpt_cbv(struct mod_ctx *x, const char *backend)
{
    const struct policy_conf *c = ((const struct policy_state *)x->state)->conf;
    struct reply_arg args[2];
    const char *err = NULL;
    struct cbv_out o;
    int cached = 0;

    if (x->env->store != NULL &&
        (cached = cbv_cache_get(x->env->store, 'r', x->rcpt, &o, &err)) < 0)
        return policy_fail(x, err ? err : "store error");
    if (!cached) {
        if (rcpt_probe(x, backend, &o) < 0)
            return policy_fail(x, "recipient call-back: back-end not found");
        if (x->env->store != NULL &&
            cbv_cache_put(x->env->store, 'r', x->rcpt, &o, c->cbv_ttl_pass,
                          c->cbv_ttl_fail, &err) < 0)
            log_warn(mod_qid(x), "policy: call-back cache: %s", err);
    }
    if (o.result == AUTH_PASS)
        return MOD_CONTINUE;
    if (o.result != AUTH_FAIL)
        return policy_fail(x, o.answer);
    args[0] = (struct reply_arg){"value", x->rcpt};
    args[1] = (struct reply_arg){"rule", o.answer};
    return policy_refuse(x, "policy_rcpt_cbv_fail", MOD_REJECT, args, 2,
                         "recipient call-back: unknown");
}

enum mod_rc policy_rcpt(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    const char *auth = x->msg->auth_user ? x->msg->auth_user : x->conn->auth_user;
    const char *backend, *err;
    struct access_value v;
    struct reply_arg arg = {"value", x->rcpt};

    switch (policy_access(x, c->access_recipient, x->rcpt, "recipient", &v)) {
    case ACCESS_ERROR:
        return MOD_ERROR;
    case ACCESS_REJECT:
    case ACCESS_TEMPFAIL:
        return policy_access_refuse(x, &v, "recipient access map");
    case ACCESS_OK:
        return MOD_CONTINUE;
    default:
        break;
    }
    if (c->relay_check &&
        relay_denied(x->env->inside, x->conn->client_addr, auth, x->rcpt))
        return policy_refuse(x, "policy_relay_denied", MOD_REJECT, &arg, 1,
                             "relaying denied");
    if (c->rcpt_cbv == NULL)
        return MOD_CONTINUE;
    switch (map_lookup(c->rcpt_cbv, x->rcpt, &backend, &err)) {
    case MAP_ERROR:
        return policy_fail(x, err);
    case MAP_NOTFOUND:
        return MOD_CONTINUE;
    default:
        return rcpt_cbv(x, backend);
    }
}
