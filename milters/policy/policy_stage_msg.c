/*
 * policy_stage_msg - sluice-policy at MAIL FROM and at the end of the
 * message (see policy_module.c for the order of the checks).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "policy_stage.h"
#include "util.h"

static const char *msg_auth_user(const struct mod_ctx *x)
{
    const char *a = x->msg->auth_user ? x->msg->auth_user : x->conn->auth_user;

    return a != NULL && *a != '\0' ? a : NULL;
}

static enum mod_rc mail_dnsbl(struct mod_ctx *x, const struct policy_conn *pc)
{
    const struct policy_state *st = x->state;
    const char *zone, *url;
    char see[300] = "";
    struct reply_arg args[3];

    if (!pc->bl_done || !dnsbl_refuses(&pc->bl, st->conf->dnsbl_threshold, &zone))
        return MOD_CONTINUE;
    if ((url = dnsbl_url_for(&st->conf->dnsbl_urls, zone)) != NULL) {
        const char *pct = strstr(url, "%s");

        if (pct != NULL)
            snprintf(see, sizeof(see), " (see %.*s%s%s)", (int)(pct - url), url,
                     x->conn->client_addr, pct + 2);
        else
            snprintf(see, sizeof(see), " (see %s)", url);
    }
    args[0] = (struct reply_arg){"value", x->conn->client_addr};
    args[1] = (struct reply_arg){"rule", zone};
    args[2] = (struct reply_arg){"file", see};
    return policy_refuse(x, "policy_dnsbl", MOD_REJECT, args, 3,
                         "client listed by a DNSBL");
}

static enum mod_rc mail_sender(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const char *from = x->msg->from, *at = strrchr(from, '@'), *why = "";
    struct reply_arg arg;
    int temp;

    if (!st->conf->sender_domain_check || *from == '\0')
        return MOD_CONTINUE;
    if (at == NULL || !domain_is_fqdn(at + 1)) {
        policy_sym(st, x->res, SYM_SENDER_NOT_FQDN, from);
        return MOD_CONTINUE;
    }
    arg = (struct reply_arg){"value", at + 1};
    switch (sender_domain_check(x->env->dns, at + 1, x->msg->dns_budget, &why)) {
    case SENDER_OK:
        return MOD_CONTINUE;
    case SENDER_NULLMX:
        policy_sym(st, x->res, SYM_SENDER_NULLMX, at + 1);
        return policy_refuse(x, "policy_sender_nullmx", MOD_REJECT, &arg, 1,
                             "sender domain has a null MX");
    case SENDER_NXDOMAIN:
        policy_sym(st, x->res, SYM_SENDER_NXDOMAIN, at + 1);
        temp = st->conf->sender_nxdomain_code == 1;
        return policy_refuse(x, temp ? "policy_sender_nxdomain_temp"
                                     : "policy_sender_nxdomain",
                             temp ? MOD_TEMPFAIL : MOD_REJECT, &arg, 1,
                             "sender domain does not exist");
    default:
        policy_sym(st, x->res, SYM_SENDER_TEMPFAIL, why);
        return policy_refuse(x, "policy_sender_tempfail", MOD_TEMPFAIL, &arg, 1,
                             "sender domain lookup failed");
    }
}

static enum mod_rc spf_act(struct mod_ctx *x, const struct spf_decision *d,
                           const char *domain)
{
    struct reply_arg args[2] = {{"value", x->conn->client_addr},
                                {"rule", domain}};
    int perm = d->act == POLICY_REJECT;

    if (d->act != POLICY_REJECT && d->act != POLICY_TEMPFAIL)
        return MOD_CONTINUE;
    if (d->text[0] != '\0') {
        policy_reply_explicit(&x->out, d->text, perm);
        x->out.reason = "SPF override";
        return perm ? MOD_REJECT : MOD_TEMPFAIL;
    }
    return policy_refuse(x, perm ? "policy_spf_fail" : "policy_spf_tempfail",
                         perm ? MOD_REJECT : MOD_TEMPFAIL, args, 2,
                         "SPF result");
}

static enum mod_rc mail_spf(struct mod_ctx *x, struct policy_msg *pm)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    const char *ip = x->conn->client_addr, *helo = x->conn->helo, *err = NULL;
    struct spf_decision d;

    if (!c->spf_check || pm->spf_done)
        return MOD_CONTINUE;
    if (x->env->spf == NULL)
        return policy_fail(x, "no SPF service");
    spf_check(x->env->spf, SPF_ID_MAILFROM, ip, helo ? helo : "",
              x->msg->from, x->msg->dns_budget, &pm->spf);
    pm->spf_done = 1;
    if (spf_decide(c, pm->spf.result, pm->spf.domain, &d, &err) < 0)
        return policy_fail(x, err);
    if (d.act != POLICY_ACCEPT)
        policy_sym(st, x->res, spf_symbol(pm->spf.result), pm->spf.domain);
    if (c->spf_helo_check && helo != NULL && *helo != '\0') {
        spf_check(x->env->spf, SPF_ID_HELO, ip, helo, x->msg->from,
                  x->msg->dns_budget, &pm->spf_helo);
        pm->spf_helo_done = 1;
        if (pm->spf_helo.result == SPF_RES_FAIL)
            policy_sym(st, x->res, SYM_SPF_HELO_FAIL, helo);
    }
    return spf_act(x, &d, pm->spf.domain ? pm->spf.domain : "");
}

static int mail_cbv_wanted(const struct policy_conf *c,
                           const struct policy_msg *pm, const char *from)
{
    const char *v, *err;

    if (c->cbv_domains != NULL &&
        map_lookup(c->cbv_domains, from, &v, &err) == MAP_FOUND)
        return 1;
    return pm->spf_done &&
           cfg_list_contains_ci(&c->cbv_spf_results,
                                spf_result_name(pm->spf.result));
}

static enum mod_rc mail_cbv(struct mod_ctx *x, struct policy_msg *pm)
{
    const struct policy_state *st = x->state;
    const char *from = x->msg->from;
    struct reply_arg args[2];
    struct cbv_out o;

    const char *err = NULL;
    int cached = 0;

    if (*from == '\0' || !mail_cbv_wanted(st->conf, pm, from))
        return MOD_CONTINUE;
    if (x->env->store != NULL &&
        (cached = cbv_cache_get(x->env->store, 's', from, &o, &err)) < 0)
        return policy_fail(x, err ? err : "store error");
    if (!cached) {
        cbv_verify(x->env->dns, st->conf, x->conn, x->env->inside, from,
                   x->msg->dns_budget, &o);
        if (x->env->store != NULL &&
            cbv_cache_put(x->env->store, 's', from, &o, st->conf->cbv_ttl_pass,
                          st->conf->cbv_ttl_fail, &err) < 0)
            log_warn(mod_qid(x), "policy: call-back cache: %s", err);
    }
    pm->cbv = o.result;
    if (o.result == AUTH_TEMPERROR) {
        x->out.tempfail_symbol = policy_symbol_name(SYM_CBV_TEMPFAIL);
        return policy_fail(x, o.answer);
    }
    if (o.result != AUTH_FAIL)
        return MOD_CONTINUE;
    policy_sym(st, x->res, SYM_CBV_FAIL, from);
    args[0] = (struct reply_arg){"value", from};
    args[1] = (struct reply_arg){"rule", o.answer};
    return policy_refuse(x, "policy_cbv_fail", MOD_REJECT, args, 2,
                         "sender call-back: refused");
}

enum mod_rc policy_mail(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    struct policy_conn *pc = policy_conn_get(x);
    struct policy_msg *pm = xcalloc(1, sizeof(*pm));
    struct access_value v;
    enum mod_rc rc;

    *x->msg_data = pm;
    pm->authenticated = msg_auth_user(x) != NULL;
    if (pc->deny.kind == ACCESS_REJECT || pc->deny.kind == ACCESS_TEMPFAIL)
        return policy_access_refuse(x, &pc->deny, "client access map");
    switch (policy_access(x, c->access_sender, x->msg->from, "sender", &v)) {
    case ACCESS_ERROR:
        return MOD_ERROR;
    case ACCESS_REJECT:
    case ACCESS_TEMPFAIL:
        return policy_access_refuse(x, &v, "sender access map");
    case ACCESS_OK:
        pm->access_ok = 1;
        break;
    default:
        break;
    }
    pm->skip_inbound = pc->inside || pm->authenticated || pc->access_ok ||
                       pm->access_ok;
    if (pm->skip_inbound)
        return c->spf_outbound && !pc->access_ok && !pm->access_ok
                   ? mail_spf(x, pm)
                   : MOD_CONTINUE;
    if (x->env->dns == NULL && (c->sender_domain_check || c->spf_check ||
                                c->cbv_domains || c->cbv_spf_results.n))
        return policy_fail(x, "no resolver");
    if ((rc = mail_dnsbl(x, pc)) != MOD_CONTINUE ||
        (rc = mail_sender(x)) != MOD_CONTINUE ||
        (rc = mail_spf(x, pm)) != MOD_CONTINUE)
        return rc;
    return mail_cbv(x, pm);
}

/* ---- end of message ---- */

static void eom_dkim(struct mod_ctx *x, struct policy_msg *pm, int report)
{
    const struct policy_state *st = x->state;
    const char *err = NULL;
    size_t i;

    if (st->dkim == NULL)
        return;
    if (x->msg->truncated) {
        /* a body cut at message_buffer_limit would fail every signature */
        log_info(mod_qid(x), "policy: DKIM not verified: the message is "
                             "larger than message_buffer_limit");
        return;
    }
    if (policy_dkim_verify(st->dkim, x->msg, x->msg->dns_budget, &pm->sigs,
                           &pm->nsigs, &err) < 0) {
        log_warn(mod_qid(x), "policy: DKIM: %s", err);
        return;
    }
    pm->dkim_done = 1;
    for (i = 0; report && i < pm->nsigs; i++) {
        static const enum policy_symbol sym[] = {
            [AUTH_PASS] = SYM_DKIM_PASS, [AUTH_FAIL] = SYM_DKIM_FAIL,
            [AUTH_TEMPERROR] = SYM_DKIM_TEMPERROR,
            [AUTH_PERMERROR] = SYM_DKIM_PERMERROR};
        int r = pm->sigs[i].result;

        if (r >= AUTH_PASS && r <= AUTH_PERMERROR)
            policy_sym(st, x->res, sym[r], pm->sigs[i].d);
    }
}

static int dmarc_exists(void *arg, const char *domain)
{
    struct dmarc_dns_arg *a = arg;
    const char *why;

    switch (sender_domain_check(a->dns, domain, a->budget, &why)) {
    case SENDER_NXDOMAIN:
        return 0;
    case SENDER_TEMPFAIL:
        return -1;
    default:
        return 1;
    }
}

static enum mod_rc dmarc_act(struct mod_ctx *x, const struct policy_dmarc_out *o)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    struct reply_arg arg = {"rule", o->policy_domain};
    int act = o->policy == 'r' ? c->dmarc_reject_action
              : o->policy == 'q' ? (c->dmarc_quarantine_action == 0 ? 1 : 2)
                                 : 2; /* 0 reject, 1 quarantine, 2 tag */

    if (o->testing)
        act = 2;
    if (act == 1) {
        policy_sym(st, x->res, SYM_DMARC_QUARANTINE, o->from_domain);
        return MOD_CONTINUE;
    }
    if (act == 2) {
        policy_sym(st, x->res, SYM_DMARC_FAIL, o->from_domain);
        return MOD_CONTINUE;
    }
    policy_sym(st, x->res, SYM_DMARC_REJECT, o->from_domain);
    return policy_refuse(x, "policy_dmarc_reject", MOD_REJECT, &arg, 1,
                         "DMARC policy reject");
}

static enum mod_rc eom_dmarc(struct mod_ctx *x, struct policy_msg *pm)
{
    const struct policy_state *st = x->state;
    struct dmarc_dns_arg a = {x->env->dns, x->msg->dns_budget};
    struct dmarc_input in;
    const char *why = NULL;
    char *from = dmarc_from_domain(x->msg, &why);

    pm->dmarc_done = 1;
    if (from == NULL) {
        log_info(mod_qid(x), "policy: DMARC not applicable: %s", why);
        return MOD_CONTINUE;
    }
    memset(&in, 0, sizeof(in));
    in.from_domain = from;
    in.spf_domain = pm->spf_done ? pm->spf.domain : NULL;
    in.spf = pm->spf_done ? spf_auth(pm->spf.result) : AUTH_NONE;
    in.sigs = pm->sigs;
    in.nsigs = pm->nsigs;
    in.exists = dmarc_exists;
    dmarc_evaluate(dmarc_dns_lookup, &a, &in, &pm->dmarc);
    free(from);
    switch (pm->dmarc.result) {
    case AUTH_PASS:
        policy_sym(st, x->res, SYM_DMARC_PASS, pm->dmarc.from_domain);
        return MOD_CONTINUE;
    case AUTH_FAIL:
        return dmarc_act(x, &pm->dmarc);
    case AUTH_TEMPERROR:
        x->out.tempfail_symbol = policy_symbol_name(SYM_DMARC_TEMPERROR);
        return mod_on_error(x, pm->dmarc.why);
    default:
        return MOD_CONTINUE;
    }
}

static void eom_headers(struct mod_ctx *x, const struct policy_conn *pc,
                        const struct policy_msg *pm)
{
    const struct policy_state *st = x->state;
    char *ar;

    if (st->conf->spf_received_spf && pm->spf_done && pm->spf.received_spf)
        sl_edits_insert_header(x->ed, 0, "Received-SPF", pm->spf.received_spf);
    ar = authres_format(st->authserv_id, x->conn, x->msg, pc, pm);
    sl_edits_insert_header(x->ed, 0, "Authentication-Results", ar);
    free(ar);
}

/* DMARC needs SPF and DKIM results even when their checks are off. */
static void eom_prepare(struct mod_ctx *x, struct policy_msg *pm)
{
    const struct policy_conf *c = ((const struct policy_state *)x->state)->conf;
    const char *helo = x->conn->helo;

    if (c->dkim_check || c->dmarc_check)
        eom_dkim(x, pm, c->dkim_check);
    if (c->dmarc_check && !pm->spf_done && x->env->spf != NULL) {
        spf_check(x->env->spf, SPF_ID_MAILFROM, x->conn->client_addr,
                  helo ? helo : "", x->msg->from, x->msg->dns_budget, &pm->spf);
        pm->spf_done = 1;
    }
}

enum mod_rc policy_eom(struct mod_ctx *x)
{
    const struct policy_state *st = x->state;
    const struct policy_conf *c = st->conf;
    struct policy_conn *pc = policy_conn_get(x);
    struct policy_msg *pm = *x->msg_data;
    enum mod_rc rc = MOD_CONTINUE;
    const char *err;

    if (pm == NULL) /* no MAIL FROM callback ran: nothing is known */
        *x->msg_data = pm = xcalloc(1, sizeof(*pm));
    authres_remove_forged(x->msg, st->authserv_id, x->ed);
    if (!pm->skip_inbound) {
        if ((c->dkim_check || c->dmarc_check) && x->env->dns == NULL)
            return policy_fail(x, "no resolver");
        eom_prepare(x, pm);
        if (c->dmarc_check)
            rc = eom_dmarc(x, pm);
    }
    if (c->dmarc_history && pm->dmarc_done && pm->dmarc.from_domain &&
        dmarc_history_write(c->dmarc_history, mod_qid(x), x->conn->client_addr,
                            pm, &err) < 0)
        log_warn(mod_qid(x), "policy: %s: %s", c->dmarc_history, err);
    eom_headers(x, pc, pm);
    return rc;
}
