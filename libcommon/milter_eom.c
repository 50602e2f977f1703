/*
 * milter_eom - end of message: run the modules, pass results, enforce.
 *
 * milter_eom() runs every module's eom in chain order on the buffered
 * message.  A module may refuse at once (its rule says reject); else
 * its findings become a struct result.  A milter that does not enforce
 * adds its signed X-Sluice-Result header and lets the message go on.
 * The enforcer trusts only results whose signature and queue ID verify
 * (the others are removed and cost SLUICE_FORGED_RESULT), removes
 * inbound X-Sluice-Verdict (and X-Spam-*) headers, decides with
 * verdict_decide() and takes the one final action.  Ownership: all
 * results and edits are local to one call.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "milter_int.h"
#include "util.h"
#include "verdict.h"

struct eom_run {
    SMFICTX *ctx;
    struct conn_ctx *cc;
    struct sl_msg *m;
    struct result res[MILTER_MAX_MODS]; /* this process's modules */
    size_t nres;
    struct result hres[MILTER_MAX_MODS]; /* verified from headers */
    size_t nhres;
    struct result core; /* SLUICE_* symbols of the enforcer itself */
};

static const char *first_rcpt(const struct sl_msg *m)
{
    return m->nrcpts ? m->rcpts[0] : "";
}

static char *rcpt_list(const struct sl_msg *m)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < m->nrcpts; i++) {
        if (i)
            strbuf_puts(&b, ",");
        strbuf_puts(&b, m->rcpts[i]);
    }
    return strbuf_detach(&b);
}

static void summary(struct eom_run *er, const char *milter,
                    const char *action, double score, const char *symbols,
                    const char *reason)
{
    char *rcpts = rcpt_list(er->m);

    log_summary(er->m->qid, milter, action, score, symbols, reason,
                er->cc->conn.client_addr, er->m->from, rcpts);
    free(rcpts);
}

/* Apply a module's queued edits; in sluice-milter the next module sees
 * the new body. */
static void apply_edits(struct eom_run *er, const struct sl_edits *ed)
{
    for (size_t i = 0; i < ed->nhdr; i++) {
        const struct sl_hdr_edit *h = &ed->hdr[i];

        if (h->index == 0)
            smfi_addheader(er->ctx, h->name, h->value);
        else
            smfi_chgheader(er->ctx, h->name, h->index, h->value);
    }
    if (ed->body == NULL)
        return;
    smfi_replacebody(er->ctx, (unsigned char *)ed->body, (int)ed->body_len);
    er->m->raw.len = er->m->body_off;
    er->m->raw.over = 0;
    strbuf_append(&er->m->raw, ed->body, ed->body_len);
}

/* A module refused or failed: answer now.  Returns the libmilter status. */
static sfsistat refuse(struct eom_run *er, const struct module *mod,
                       size_t i, enum mod_rc rc, struct mod_out *out)
{
    const struct mod_conf *mc = cfg_section(er->cc->rt->cfg, mod->name);
    char *syms = result_symbols_str(&er->res[i]);
    const char *action = "reject";
    sfsistat st = SMFIS_REJECT;

    if (rc == MOD_ERROR) {
        int oe = mc ? mc->on_error : ON_ERROR_TEMPFAIL;

        log_warn(er->m->qid, "%s: check could not run: %s", mod->name,
                 out->reason ? out->reason : "unknown error");
        if (oe == ON_ERROR_ACCEPT) {
            free(syms);
            return SMFIS_CONTINUE; /* caller goes on as if clean */
        }
        if (oe == ON_ERROR_TEMPFAIL) {
            mod_reply(out, er->cc->rt->cfg, first_rcpt(er->m), "tempfail",
                      NULL, 0);
            rc = MOD_TEMPFAIL;
        } else {
            mod_reply(out, er->cc->rt->cfg, first_rcpt(er->m), "policy",
                      NULL, 0);
            rc = MOD_REJECT;
        }
    }
    if (rc == MOD_TEMPFAIL) {
        action = "tempfail";
        st = SMFIS_TEMPFAIL;
    } else if (rc == MOD_DISCARD) {
        action = "discard";
        st = SMFIS_DISCARD;
    }
    if (rc != MOD_DISCARD && out->reply.rcode[0])
        milter_reply(er->ctx, &out->reply);
    summary(er, mod->name, action, result_score(&er->res[i]), syms,
            out->reason ? out->reason : out->reply.text);
    free(syms);
    return st;
}

/* Verify the X-Sluice-Result headers; remove the untrustworthy ones. */
static void trust_headers(struct eom_run *er)
{
    struct msg_ctx *mc = &er->cc->msg;
    struct runtime *rt = er->cc->rt;
    const struct secret *prev = rt->prev.key ? &rt->prev : NULL;
    char *bad = xcalloc(mc->nresults + 1, 1);

    for (size_t i = 0; i < mc->nresults; i++) {
        struct result r;
        const char *why = NULL;

        if (result_verify(mc->results[i], er->m->qid, &rt->cur, prev, &r,
                          &why) == 0) {
            if (er->nhres < MILTER_MAX_MODS) {
                er->hres[er->nhres++] = r;
                continue;
            }
            result_free(&r);
            why = "too many results";
        }
        bad[i] = 1;
        log_warn(er->m->qid, "untrusted %s header removed (%s): %.120s",
                 RESULT_HEADER, why, mc->results[i]);
        result_add(&er->core, "SLUICE_FORGED_RESULT",
                   rt->cc->forged_result_score, why);
    }
    /* Remove from the last index down, so the indexes stay valid. */
    for (size_t i = mc->nresults; i > 0; i--)
        if (bad[i - 1])
            smfi_chgheader(er->ctx, RESULT_HEADER, (int)i, NULL);
    free(bad);
}

static void remove_all(SMFICTX *ctx, const char *name, int n)
{
    for (int i = n; i > 0; i--)
        smfi_chgheader(ctx, (char *)name, i, NULL);
}

static sfsistat enforce(struct eom_run *er)
{
    struct runtime *rt = er->cc->rt;
    const struct result *all[2 * MILTER_MAX_MODS + 1];
    struct verdict_conf vc;
    struct verdict v;
    struct mod_out out = {0};
    sfsistat st = SMFIS_CONTINUE;
    char *hdr;
    size_t n = 0;

    trust_headers(er);
    remove_all(er->ctx, "X-Sluice-Verdict", er->cc->msg.nverdict);
    if (rt->cc->spam_headers) {
        remove_all(er->ctx, "X-Spam-Flag", er->cc->msg.nspamflag);
        remove_all(er->ctx, "X-Spam-Status", er->cc->msg.nspamstatus);
    }
    for (size_t i = 0; i < er->nhres; i++)
        all[n++] = &er->hres[i];
    for (size_t i = 0; i < er->nres; i++)
        all[n++] = &er->res[i];
    if (er->core.n)
        all[n++] = &er->core;
    common_verdict_conf(rt->cc, &vc);
    verdict_decide(&vc, all, n, &v);
    hdr = verdict_header(&v);
    switch (v.action) {
    case ACT_GREYLIST:
    case ACT_REJECT: {
        char *lower = v.forced_by ? str_lower(xstrdup(v.forced_by)) : NULL;
        const char *reason = v.action == ACT_GREYLIST ? "greylist"
                             : lower && reply_known(lower) ? lower
                                                           : "policy";
        struct reply_arg args[] = {{"file", v.reason_detail},
                                   {"rule", v.forced_by}};

        mod_reply(&out, rt->cfg, first_rcpt(er->m), reason, args, 2);
        milter_reply(er->ctx, &out.reply);
        st = v.action == ACT_GREYLIST ? SMFIS_TEMPFAIL : SMFIS_REJECT;
        free(lower);
        break;
    }
    case ACT_DISCARD:
        st = SMFIS_DISCARD;
        break;
    default:
        smfi_addheader(er->ctx, "X-Sluice-Verdict", hdr);
        if (rt->cc->spam_headers) {
            char *ss = verdict_spam_status(&v, vc.add_header);

            smfi_addheader(er->ctx, "X-Spam-Flag",
                           v.action >= ACT_ADD_HEADER ? "YES" : "NO");
            smfi_addheader(er->ctx, "X-Spam-Status", ss);
            free(ss);
        }
        if (v.action == ACT_REWRITE_SUBJECT) {
            char *s = xasprintf("%s %s", rt->cc->subject_tag,
                                er->cc->msg.subject ? er->cc->msg.subject
                                                    : "");

            if (er->cc->msg.subject)
                smfi_chgheader(er->ctx, "Subject", 1, s);
            else
                smfi_addheader(er->ctx, "Subject", s);
            free(s);
        }
        if (v.action == ACT_QUARANTINE)
            smfi_quarantine(er->ctx, hdr);
    }
    summary(er, milter_app.allinone ? "sluice" : milter_app.mods[0]->name,
            action_name(v.action), v.score, v.symbols,
            st == SMFIS_CONTINUE ? NULL : out.reply.text);
    free(hdr);
    verdict_free(&v);
    return st;
}

/* Add this milter's signed result (chained deployment). */
static void add_result_header(struct eom_run *er, const struct result *r)
{
    char *h = result_format(r, &er->cc->rt->cur);

    smfi_addheader(er->ctx, RESULT_HEADER, h);
    free(h);
}

static void eom_cleanup(struct eom_run *er)
{
    for (size_t i = 0; i < er->nres; i++)
        result_free(&er->res[i]);
    for (size_t i = 0; i < er->nhres; i++)
        result_free(&er->hres[i]);
    result_free(&er->core);
}

sfsistat milter_eom(SMFICTX *ctx)
{
    struct eom_run er;
    const char *qid = smfi_getsymval(ctx, "i");
    sfsistat st = SMFIS_CONTINUE;

    memset(&er, 0, sizeof(er));
    er.ctx = ctx;
    er.cc = smfi_getpriv(ctx);
    er.m = &er.cc->msg.m;
    if (qid && *qid) {
        free(er.m->qid);
        er.m->qid = xstrdup(qid);
    }
    result_init(&er.core, "sluice", er.m->qid);
    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *mod = milter_app.mods[i];
        struct sl_edits ed = {0};
        struct mod_out out = {0};
        enum mod_rc rc = MOD_CONTINUE;

        result_init(&er.res[i], mod->name, er.m->qid);
        er.nres = i + 1;
        if (mod->eom)
            rc = mod->eom(er.cc->rt->state[i], er.m, &er.res[i], &ed, &out);
        if (rc != MOD_CONTINUE &&
            (st = refuse(&er, mod, i, rc, &out)) != SMFIS_CONTINUE) {
            sl_edits_free(&ed);
            eom_cleanup(&er);
            return st;
        }
        apply_edits(&er, &ed);
        sl_edits_free(&ed);
    }
    if (!er.cc->rt->enforce) {
        char *syms = result_symbols_str(&er.res[0]);

        add_result_header(&er, &er.res[0]);
        summary(&er, milter_app.mods[0]->name, "tag",
                result_score(&er.res[0]), syms, NULL);
        free(syms);
    } else {
        if (!milter_app.allinone)
            add_result_header(&er, &er.res[0]);
        st = enforce(&er);
    }
    eom_cleanup(&er);
    return st;
}
