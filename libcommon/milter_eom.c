/*
 * milter_eom - end of message: run the modules, pass results, enforce.
 *
 * milter_eom() refuses a message whose header is over [common]
 * max_header_lines/max_header_bytes (552 5.3.4; milter_cb.c refuses it
 * at the header that goes over, through milter_refuse_headers(), so
 * this is for an MTA that sent on), then runs every
 * module's eom in chain order on the buffered message.  A module may
 * refuse at once (its rule says reject), or fail (the on_error path);
 * else its findings stay in its result and its edits are applied.  A
 * milter that does not enforce adds its signed X-Sluice-Result header
 * and lets the message go on.  The enforcer trusts only results whose
 * signature and queue ID verify (the others are removed and cost
 * SLUICE_FORGED_RESULT), removes inbound X-Sluice-Verdict (and X-Spam-*)
 * headers, decides with verdict_decide() and takes the one final action.
 *
 * Every call that changes the message at the MTA is checked: when one
 * fails, the message is temporarily refused (4xx, logged with the queue
 * ID), never delivered without the change.
 *
 * Ownership: results live in the connection's module slots (reset with
 * the message); edits and verified header results are local to one call.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "milter_int.h"
#include "mime.h"
#include "util.h"
#include "verdict.h"

const char *eom_first_rcpt(const struct sl_msg *m)
{
    return m->nrcpts ? m->rcpts[0] : "";
}

void eom_reply(struct eom_run *er, struct reply *r, const char *reason,
               const struct reply_arg *args, size_t nargs)
{
    struct mod_out out;

    memset(&out, 0, sizeof(out));
    mod_reply(&out, er->cc->rt->cfg, eom_first_rcpt(er->m), reason, args,
              nargs);
    *r = out.reply;
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

void milter_log_refusal(struct conn_ctx *cc, const char *milter,
                        const char *action, const struct result *res,
                        const char *reason, const char *rcpt)
{
    struct sl_msg *m = &cc->msg.m;
    char *syms = res ? result_symbols_str(res) : xstrdup("");
    char *rcpts = rcpt ? xstrdup(rcpt) : rcpt_list(m);
    char *why = rcpt ? xasprintf("recipient <%s>: %s", rcpt, reason ? reason : "")
                     : xstrdup(reason ? reason : "");

    log_summary(cc->msg.active ? m->qid : "NOQUEUE", milter, action,
                res ? result_score(res) : 0, syms, why, cc->conn.client_addr,
                cc->msg.active ? m->from : NULL, rcpts);
    free(why);
    free(rcpts);
    free(syms);
}

int milter_reply(SMFICTX *ctx, const char *qid, const struct reply *r)
{
    if (smfi_setreply(ctx, (char *)r->rcode, (char *)r->xcode,
                      (char *)r->text) == MI_SUCCESS)
        return 0;
    log_err(qid, "the MTA refused the reply \"%s %s %s\": the message is "
                 "temporarily refused instead",
            r->rcode, r->xcode, r->text);
    return -1;
}

/* Check one MTA call; on failure log and mark the message. */
int eom_mta_ok(struct eom_run *er, int rc, const char *what,
                  const char *name)
{
    if (rc == MI_SUCCESS)
        return 1;
    if (!er->failed)
        log_err(er->m->qid,
                "the MTA refused to %s %s: the message is temporarily "
                "refused, not delivered without the change",
                what, name ? name : "");
    er->failed = 1;
    return 0;
}

void eom_summary(struct eom_run *er, const char *milter,
                    const char *action, double score, const char *symbols,
                    const char *reason)
{
    char *rcpts = rcpt_list(er->m);

    log_summary(er->m->qid, milter, action, score, symbols, reason,
                er->cc->conn.client_addr, er->m->from, rcpts);
    free(rcpts);
}

/* With SMFIP_HDR_LEADSPC both MTAs write an added or changed value as
 * given ("Name:value"): give it the space every other header has. */
static char *hdr_value(const struct eom_run *er, const char *value)
{
    if (value == NULL)
        return NULL;
    if (!er->cc->leadspc || *value == ' ' || *value == '\t')
        return xstrdup(value);
    return xasprintf(" %s", value);
}

int eom_hdr_add(struct eom_run *er, const char *name, const char *value)
{
    char *v = hdr_value(er, value);
    int rc = smfi_addheader(er->ctx, (char *)name, v);

    free(v);
    return rc;
}

/* index counts the headers the milter saw (0: the very top).  Sendmail
 * showed the milter its own Received header and counts it; Postfix hid
 * its own and counts it anyway ("relative to the message as delivered"),
 * so there position k >= 1 is k + 1. */
int eom_hdr_insert(struct eom_run *er, int index, const char *name,
                   const char *value)
{
    char *v = hdr_value(er, value);
    int rc = smfi_insheader(er->ctx, er->cc->postfix && index > 0 ? index + 1
                                                                 : index,
                            (char *)name, v);

    free(v);
    return rc;
}

int eom_hdr_change(struct eom_run *er, const char *name, int index,
                   const char *value)
{
    char *v = hdr_value(er, value);
    int rc = smfi_chgheader(er->ctx, (char *)name, index, v);

    free(v);
    return rc;
}

/* Where an added header lands: at the end (Postfix), or above the first
 * header of the same name (Sendmail's addheader groups them). */
static size_t hdrs_add_pos(const struct sl_msg *m, const char *name,
                           int postfix)
{
    if (!postfix)
        for (size_t i = 0; i < m->nhdrs; i++)
            if (str_casecmp(m->hdrs[i].name, name) == 0)
                return i;
    return m->nhdrs;
}

/* The header list follows the edits, for the modules after this one,
 * in the order the MTA keeps them. */
static void hdrs_apply(struct sl_msg *m, const struct sl_hdr_edit *h,
                       int postfix)
{
    size_t pos = hdrs_add_pos(m, h->name, postfix);
    int count = sl_msg_header_count(m, h->name);

    if (h->op == SL_HDR_CHANGE) {
        for (size_t i = 0; i < m->nhdrs; i++) {
            struct sl_header *x = &m->hdrs[i];

            if (x->index != h->index || str_casecmp(x->name, h->name) != 0)
                continue;
            if (h->value != NULL) {
                free(x->value);
                x->value = xstrdup(h->value);
                return;
            }
            free(x->name);
            free(x->value);
            memmove(x, x + 1, (m->nhdrs - i - 1) * sizeof(*x));
            m->nhdrs--;
            for (size_t j = i; j < m->nhdrs; j++)
                if (str_casecmp(m->hdrs[j].name, h->name) == 0)
                    m->hdrs[j].index--;
            return;
        }
        return;
    }
    if (h->op == SL_HDR_INSERT && (size_t)h->index < m->nhdrs)
        pos = (size_t)h->index;
    m->hdrs = xrealloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
    memmove(&m->hdrs[pos + 1], &m->hdrs[pos],
            (m->nhdrs - pos) * sizeof(*m->hdrs));
    m->hdrs[pos].name = xstrdup(h->name);
    m->hdrs[pos].value = xstrdup(h->value ? h->value : "");
    m->nhdrs++;
    /* Renumber this name in list order. */
    count = 0;
    for (size_t j = 0; j < m->nhdrs; j++)
        if (str_casecmp(m->hdrs[j].name, h->name) == 0)
            m->hdrs[j].index = ++count;
}

/* Apply a module's queued edits at the MTA; the modules after it see
 * the new header list and body.  0, or -1 when the MTA refused one. */
static int apply_edits(struct eom_run *er, const struct sl_edits *ed)
{
    struct sl_msg *m = er->m;
    int rc;

    for (size_t i = 0; i < ed->nhdr; i++) {
        const struct sl_hdr_edit *h = &ed->hdr[i];

        if (h->op == SL_HDR_ADD)
            rc = eom_hdr_add(er, h->name, h->value);
        else if (h->op == SL_HDR_INSERT)
            rc = eom_hdr_insert(er, h->index, h->name, h->value);
        else
            rc = eom_hdr_change(er, h->name, h->index, h->value);
        if (!eom_mta_ok(er, rc, h->value ? "set header" : "delete header",
                    h->name))
            return -1;
        hdrs_apply(m, h, er->cc->postfix);
    }
    if (ed->body == NULL)
        return 0;
    rc = smfi_replacebody(er->ctx, (unsigned char *)ed->body,
                          (int)ed->body_len);
    if (!eom_mta_ok(er, rc, "replace the body of the message", NULL))
        return -1;
    m->raw.len = m->body_off;
    m->raw.over = 0;
    strbuf_append(&m->raw, ed->body, ed->body_len);
    mime_tree_free(m->mime);
    m->mime = NULL;
    m->mime_tried = 0;
    return 0;
}

/* The message is temporarily refused because the MTA refused a change. */
sfsistat eom_mta_failed(struct eom_run *er, const char *milter)
{
    struct reply r;

    eom_reply(er, &r, "tempfail", NULL, 0);
    milter_reply(er->ctx, er->m->qid, &r);
    eom_summary(er, milter, "tempfail", 0, "", "the MTA refused a change");
    return SMFIS_TEMPFAIL;
}

/* A module refused or failed: answer now.  Returns the libmilter status. */
static sfsistat refuse(struct eom_run *er, const struct module *mod,
                       const struct result *res, enum mod_rc rc,
                       const struct mod_out *out)
{
    char *syms = result_symbols_str(res);
    const char *action = "reject";
    sfsistat st = SMFIS_REJECT;

    if (rc == MOD_TEMPFAIL) {
        action = "tempfail";
        st = SMFIS_TEMPFAIL;
    } else if (rc == MOD_DISCARD) {
        action = "discard";
        st = SMFIS_DISCARD;
    }
    if (rc != MOD_DISCARD && out->reply.rcode[0] &&
        milter_reply(er->ctx, er->m->qid, &out->reply) < 0)
        st = SMFIS_TEMPFAIL;
    eom_summary(er, mod->name, action, result_score(res), syms,
            out->reason ? out->reason : out->reply.text);
    free(syms);
    return st;
}

/* The header is over the bounds: 552 5.3.4 before any module runs. */
static sfsistat refuse_headers(struct eom_run *er)
{
    const struct common_conf *c = er->cc->rt->cc;
    struct reply r;
    char limit[64];
    struct reply_arg arg = {"limit", limit};
    const char *why, *tpl;

    /* The number alone: the words around it are the template's, in the
     * recipient's language. */
    if ((long long)er->m->hdr_lines > c->max_header_lines) {
        snprintf(limit, sizeof(limit), "%lld", c->max_header_lines);
        why = "too many header lines";
        tpl = "too_many_header_lines";
    } else {
        snprintf(limit, sizeof(limit), "%lld", c->max_header_bytes);
        why = "header too big";
        tpl = "too_many_header_bytes";
    }
    eom_reply(er, &r, tpl, &arg, 1);
    log_warn(er->m->qid, "%s: %zu lines, %zu bytes", why, er->m->hdr_lines,
             er->m->hdr_bytes);
    if (milter_reply(er->ctx, er->m->qid, &r) < 0) {
        eom_summary(er, "sluice", "tempfail", 0, "", why);
        return SMFIS_TEMPFAIL;
    }
    eom_summary(er, "sluice", "reject", 0, "", why);
    return SMFIS_REJECT;
}

static void eom_cleanup(struct eom_run *er)
{
    for (size_t i = 0; i < er->nhres; i++)
        result_free(&er->hres[i]);
    result_free(&er->core);
}

/* Add this milter's signed result (chained deployment); 0 or -1. */
int eom_add_result(struct eom_run *er)
{
    char *h = result_format(&er->cc->slot[0].mres, &er->cc->rt->cur);
    int ok = eom_mta_ok(er, eom_hdr_add(er, RESULT_HEADER, h), "add",
                        RESULT_HEADER);

    free(h);
    return ok ? 0 : -1;
}

/* Run every module's eom; SMFIS_CONTINUE when all went on. */
static sfsistat run_modules(struct eom_run *er)
{
    struct conn_ctx *cc = er->cc;

    for (size_t i = 0; i < milter_app.nmods; i++) {
        const struct module *mod = milter_app.mods[i];
        struct sl_edits ed = {0};
        struct mod_ctx x = milter_mod_ctx(cc, i, 1);
        enum mod_rc rc = MOD_CONTINUE;
        sfsistat st;

        x.ed = &ed;
        if (mod->eom)
            rc = mod->eom(&x);
        if (rc == MOD_ERROR)
            rc = mod_on_error(&x, x.out.reason);
        if (rc != MOD_CONTINUE) {
            sl_edits_free(&ed);
            return refuse(er, mod, x.res, rc, &x.out);
        }
        st = apply_edits(er, &ed) < 0 ? eom_mta_failed(er, mod->name)
                                      : SMFIS_CONTINUE;
        sl_edits_free(&ed);
        if (st != SMFIS_CONTINUE)
            return st;
    }
    return SMFIS_CONTINUE;
}

/* At the header that goes over the bounds (milter_cb.c). */
sfsistat milter_refuse_headers(SMFICTX *ctx)
{
    struct eom_run er;

    memset(&er, 0, sizeof(er));
    er.ctx = ctx;
    er.cc = smfi_getpriv(ctx);
    er.m = &er.cc->msg.m;
    return refuse_headers(&er);
}

sfsistat milter_eom(SMFICTX *ctx)
{
    struct eom_run er;
    struct conn_ctx *cc = smfi_getpriv(ctx);
    struct result *own;
    sfsistat st;

    memset(&er, 0, sizeof(er));
    er.ctx = ctx;
    er.cc = cc;
    er.m = &cc->msg.m;
    if (er.m->hdr_over)
        return refuse_headers(&er);
    result_init(&er.core, "sluice", er.m->qid);
    if ((st = run_modules(&er)) != SMFIS_CONTINUE) {
        eom_cleanup(&er);
        return st;
    }
    own = &cc->slot[0].mres;
    if (!cc->rt->enforce) {
        char *syms = result_symbols_str(own);

        if (eom_add_result(&er) < 0)
            st = eom_mta_failed(&er, milter_app.mods[0]->name);
        else
            eom_summary(&er, milter_app.mods[0]->name, "tag", result_score(own),
                    syms, NULL);
        free(syms);
    } else {
        st = milter_enforce(&er);
    }
    eom_cleanup(&er);
    return st;
}
