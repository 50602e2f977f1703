/*
 * milter_quarantine - the enforcer's quarantine: hold the message in the
 * quarantine store, then tell the MTA to discard it.
 *
 * DESCRIPTION
 *	milter_quarantine() runs when the verdict is quarantine and
 *	[common] quarantine_mode is discard.  It writes the message as
 *	received, with X-Sluice-Verdict and X-Sluice-Quarantine headers in
 *	front, to quarantine_dir (quarantine_put(): written and fsync()ed
 *	before it returns) and only then answers SMFIS_DISCARD: the client
 *	gets the MTA's 250 and the message is not delivered.  When the
 *	message cannot be held (the directory is not writable, the index
 *	is locked, the message was larger than message_buffer_limit and
 *	only its start is buffered) the answer is a temporary failure with
 *	the "tempfail" reply: the sender retries, nothing is lost.
 *
 *	With quarantine_mode = hold, milter_enforce() asks the MTA to put
 *	the message in its own hold queue instead (smfi_quarantine).
 *
 * OWNERSHIP
 *	Everything allocated here is freed here.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "milter_int.h"
#include "quarantine.h"
#include "reply.h"
#include "util.h"

/* Our headers in front of the stored message, folded at the commas. */
static char *quarantine_head(const struct sl_msg *m, const char *verdict)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_puts(&b, "X-Sluice-Verdict: ");
    for (const char *p = verdict; *p; p++) {
        strbuf_append(&b, p, 1);
        if (*p == ',' && p[1] == ' ')
            strbuf_puts(&b, "\r\n\t"), p++;
    }
    strbuf_printf(&b, "\r\n%s: qid=%s\r\n", QUARANTINE_HEADER, m->qid);
    return strbuf_detach(&b);
}

static void quarantine_langs(const struct common_conf *c,
                             const struct sl_msg *m, char **langs)
{
    for (size_t i = 0; i < m->nrcpts; i++)
        langs[i] = (char *)reply_lang_name(reply_lang_for(
            m->rcpts[i], c->reply_language_map, (enum reply_lang)c->reply_language));
}

sfsistat milter_quarantine(struct eom_run *er, const struct verdict *v,
                           const char *hdr, struct mod_out *out)
{
    const struct common_conf *c = er->cc->rt->cc;
    struct sl_msg *m = er->m;
    const struct sl_header *subj = sl_msg_header(m, "Subject", 1);
    struct quarantine_meta meta;
    char *head = quarantine_head(m, hdr), *id = NULL;
    const char *err = "the message is larger than message_buffer_limit";
    int rc = -1;

    memset(&meta, 0, sizeof(meta));
    meta.qid = m->qid;
    meta.sender = m->from;
    meta.rcpts = m->rcpts;
    meta.nrcpts = m->nrcpts;
    meta.langs = xcalloc(m->nrcpts + 1, sizeof(char *));
    quarantine_langs(c, m, meta.langs);
    meta.client = m->conn->client_addr;
    meta.subject = subj ? subj->value : "";
    meta.score = v->score;
    meta.symbols = v->symbols;
    meta.reason = v->forced_by
                      ? xasprintf("forced by %s", v->forced_by)
                      : xasprintf("score %.2f >= %.2f", v->score, v->threshold);
    if (!m->truncated)
        rc = quarantine_put(c->quarantine_dir, c->quarantine_retention, &meta,
                            head, strlen(head), m->raw.data, m->raw.len, &id,
                            &err);
    if (rc == 0) {
        log_info(m->qid, "quarantined as %s in %s", id, c->quarantine_dir);
    } else {
        log_err(m->qid, "cannot quarantine: %s: temporary failure", err);
        eom_reply(er, &out->reply, "tempfail", NULL, 0);
        milter_reply(er->ctx, m->qid, &out->reply);
    }
    free(meta.reason);
    free(meta.langs);
    free(head);
    free(id);
    return rc == 0 ? SMFIS_DISCARD : SMFIS_TEMPFAIL;
}
