/*
 * milter_enforce - the enforcer's end of message: trust, decide, act.
 *
 * DESCRIPTION
 *	milter_enforce() runs after every module of the process went on.
 *	It verifies each X-Sluice-Result header of the message (signature
 *	under the current or previous secret, and this queue ID); an
 *	untrustworthy one is deleted and costs SLUICE_FORGED_RESULT.  It
 *	deletes inbound X-Sluice-Verdict headers (and X-Spam-Flag /
 *	X-Spam-Status when spam_headers is on), sums the trusted results
 *	with its own modules' results, decides with verdict_decide() and
 *	takes the one final action: a reply for reject and greylist, a
 *	silent discard, or the verdict headers (and a rewritten Subject, or
 *	for quarantine the quarantine store then a discard, or with
 *	quarantine_mode = hold the MTA's hold queue).  The greylist action
 *	remembers the message in the store (greylist.h): its retry after
 *	[common] greylist_delay passes with the action its score reaches
 *	below greylist, and SLUICE_GREYLIST_PASSED among the symbols; a
 *	store that fails defers the message (a temporary failure, logged),
 *	never lets it through.
 *
 *	Deleting several headers of one name goes from the highest index
 *	down, so that the indexes still to delete do not move.  Every MTA
 *	call is checked; one that fails makes the message a temporary
 *	failure (eom_mta_failed()).
 *
 * OWNERSHIP
 *	Verified results are kept in struct eom_run (freed by the caller).
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "greylist.h"
#include "log.h"
#include "milter_int.h"
#include "quarantine.h"
#include "util.h"
#include "verdict.h"

/* Verify the X-Sluice-Result headers; delete the untrustworthy ones. */
static void trust_headers(struct eom_run *er)
{
    struct sl_msg *m = er->m;
    struct runtime *rt = er->cc->rt;
    const struct secret *prev = rt->prev.key ? &rt->prev : NULL;
    int n = sl_msg_header_count(m, RESULT_HEADER);
    char *bad = xcalloc((size_t)n + 1, 1);

    for (int i = 1; i <= n; i++) {
        const struct sl_header *h = sl_msg_header(m, RESULT_HEADER, i);
        struct result r;
        const char *why = NULL;

        if (h == NULL)
            continue;
        if (result_verify(h->value, m->qid, &rt->cur, prev, &r, &why) == 0) {
            if (er->nhres < MILTER_MAX_MODS) {
                er->hres[er->nhres++] = r;
                continue;
            }
            result_free(&r);
            why = "too many results";
        }
        bad[i] = 1;
        log_warn(m->qid, "untrusted %s header removed (%s): %.120s",
                 RESULT_HEADER, why, h->value);
        result_add(&er->core, "SLUICE_FORGED_RESULT",
                   rt->cc->forged_result_score, why);
    }
    for (int i = n; i >= 1 && !er->failed; i--)
        if (bad[i])
            eom_mta_ok(er, eom_hdr_change(er, RESULT_HEADER, i, NULL),
                       "delete header", RESULT_HEADER);
    free(bad);
}

/* Delete every header called name, from the highest index down. */
static void delete_all(struct eom_run *er, const char *name)
{
    for (int i = sl_msg_header_count(er->m, name); i >= 1 && !er->failed; i--)
        eom_mta_ok(er, eom_hdr_change(er, name, i, NULL),
                   "delete header", name);
}

static sfsistat enforce_refuse(struct eom_run *er, const struct verdict *v,
                               struct mod_out *out)
{
    char *lower = v->forced_by ? str_lower(xstrdup(v->forced_by)) : NULL;
    const char *reason = v->action == ACT_GREYLIST   ? "greylist"
                         : lower && reply_known(lower) ? lower
                                                       : "policy";
    struct reply_arg args[] = {{"file", v->reason_detail},
                               {"rule", v->forced_by}};
    sfsistat st = v->action == ACT_GREYLIST ? SMFIS_TEMPFAIL : SMFIS_REJECT;

    eom_reply(er, &out->reply, reason, args, 2);
    if (milter_reply(er->ctx, er->m->qid, &out->reply) < 0)
        st = SMFIS_TEMPFAIL;
    free(lower);
    return st;
}

/* The greylist action, remembered: the retry of the message passes. */
static void enforce_greylist(struct eom_run *er, struct verdict *v,
                             const struct verdict_conf *vc)
{
    struct runtime *rt = er->cc->rt;
    const char *qid = er->m->qid, *err = "the store is not open";
    struct greylist_out o;
    enum greylist_rc rc = GREYLIST_ERROR;
    char *syms;

    if (rt->env.store != NULL)
        rc = greylist_message(rt->env.store, rt->cc, er->m, clock_wall(), &o,
                              &err);
    if (rc == GREYLIST_ERROR) {
        log_warn(qid, "greylist: cannot remember the message (%s): it is "
                      "deferred", err);
        return;
    }
    if (rc == GREYLIST_DEFER) {
        log_info(qid, "greylist: message deferred, its retry passes in %lld s",
                 o.retry_in);
        return;
    }
    v->action = vc->rewrite_subject > 0 && v->score >= vc->rewrite_subject
                    ? ACT_REWRITE_SUBJECT
                : vc->add_header > 0 && v->score >= vc->add_header
                    ? ACT_ADD_HEADER
                    : ACT_ACCEPT;
    syms = xasprintf("%s%sSLUICE_GREYLIST_PASSED(0.00)[delayed %llds]",
                     v->symbols ? v->symbols : "",
                     v->symbols && *v->symbols ? ", " : "", o.delayed);
    free(v->symbols);
    v->symbols = syms;
    log_info(qid, "greylist: the retry of a deferred message passes "
                  "(delayed %lld s)", o.delayed);
}

/* The headers (and Subject, hold queue) of a message that goes on. */
static void enforce_mark(struct eom_run *er, const struct verdict *v,
                         const struct verdict_conf *vc, const char *hdr)
{
    const struct common_conf *c = er->cc->rt->cc;
    const struct sl_header *subj = sl_msg_header(er->m, "Subject", 1);

    eom_mta_ok(er, eom_hdr_add(er, "X-Sluice-Verdict", hdr), "add",
               "X-Sluice-Verdict");
    if (c->spam_headers && !er->failed) {
        char *ss = verdict_spam_status(v, vc->add_header);

        if (eom_mta_ok(er,
                       eom_hdr_add(er, "X-Spam-Flag",
                                   v->action >= ACT_ADD_HEADER ? "YES" : "NO"),
                       "add", "X-Spam-Flag"))
            eom_mta_ok(er, eom_hdr_add(er, "X-Spam-Status", ss), "add",
                       "X-Spam-Status");
        free(ss);
    }
    if (v->action == ACT_REWRITE_SUBJECT && !er->failed) {
        char *s = xasprintf("%s %s", c->subject_tag, subj ? subj->value : "");

        if (subj)
            eom_mta_ok(er, eom_hdr_change(er, "Subject", 1, s), "change",
                       "Subject");
        else
            eom_mta_ok(er, eom_hdr_add(er, "Subject", s), "add", "Subject");
        free(s);
    }
    if (v->action == ACT_QUARANTINE && !er->failed)
        eom_mta_ok(er, smfi_quarantine(er->ctx, (char *)hdr),
                   "put in the hold queue", "the message");
}

sfsistat milter_enforce(struct eom_run *er)
{
    struct runtime *rt = er->cc->rt;
    const struct result *all[2 * MILTER_MAX_MODS + 1];
    const char *milter =
        milter_app.allinone ? "sluice" : milter_app.mods[0]->name;
    struct verdict_conf vc;
    struct verdict v;
    struct mod_out out;
    sfsistat st = SMFIS_CONTINUE;
    char *hdr;
    size_t n = 0;

    memset(&out, 0, sizeof(out));
    /* Every deletion before any addition: the indexes are those of the
     * headers as received, and Sendmail puts an added header above the
     * first one of its name (an added X-Sluice-Result would take the
     * index of the forged one). */
    trust_headers(er);
    delete_all(er, "X-Sluice-Verdict");
    if (rt->cc->spam_headers) {
        delete_all(er, "X-Spam-Flag");
        delete_all(er, "X-Spam-Status");
    }
    if (!er->failed && !milter_app.allinone)
        eom_add_result(er);
    if (er->failed)
        return eom_mta_failed(er, milter);
    for (size_t i = 0; i < er->nhres; i++)
        all[n++] = &er->hres[i];
    for (size_t i = 0; i < (milter_app.allinone ? milter_app.nmods : 1); i++)
        all[n++] = &er->cc->slot[i].mres;
    if (er->core.n)
        all[n++] = &er->core;
    common_verdict_conf(rt->cc, &vc);
    verdict_decide(&vc, all, n, &v);
    if (v.action == ACT_GREYLIST)
        enforce_greylist(er, &v, &vc);
    hdr = verdict_header(&v);
    if (v.action == ACT_GREYLIST || v.action == ACT_REJECT)
        st = enforce_refuse(er, &v, &out);
    else if (v.action == ACT_DISCARD)
        st = SMFIS_DISCARD;
    else if (v.action == ACT_QUARANTINE &&
             rt->cc->quarantine_mode == QUARANTINE_DISCARD)
        st = milter_quarantine(er, &v, hdr, &out);
    else
        enforce_mark(er, &v, &vc, hdr);
    if (er->failed) {
        st = eom_mta_failed(er, milter);
    } else {
        eom_summary(er, milter, action_name(v.action), v.score, v.symbols,
                    st == SMFIS_CONTINUE || st == SMFIS_DISCARD
                        ? NULL
                        : out.reply.text);
    }
    free(hdr);
    verdict_free(&v);
    return st;
}
