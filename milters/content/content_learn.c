/*
 * content_learn - the statistical classifier (libcommon learn_check) as a
 * check of sluice-content.
 *
 * SYNOPSIS
 *	enum mod_rc content_learn_check(struct content_scan *s);
 *
 * DESCRIPTION
 *	With learn = yes (and a store: [common] store_*), every message is
 *	scored with the site's model (LEARN_SPAM or LEARN_HAM, see
 *	learn_check.h), after the other checks, whose score so far is the
 *	"rule score" that autolearn compares with learn_autolearn_spam and
 *	learn_autolearn_ham.  It reads the message's one MIME parse.  A
 *	model that cannot be read (and none in memory) is MOD_ERROR with
 *	CONTENT_LEARN_TEMPFAIL: on_error decides.  Without a store the check
 *	does nothing.
 */
#include "content.h"
#include "learn_check.h"

enum mod_rc content_learn_check(struct content_scan *s)
{
    struct learn_input in;
    const char *err = NULL;
    struct mod_out *out = &s->x->out;

    if (s->st->learn == NULL || s->x->env->store == NULL)
        return MOD_CONTINUE;
    in.raw = s->m->raw.data ? s->m->raw.data : "";
    in.len = s->m->raw.len;
    in.body_off = s->m->body_off;
    in.mime = s->tree;
    if (learn_check_run(s->st->learn, s->x->env->store, &in,
                        result_score(s->x->res), s->x->res, s->m->qid,
                        &err) == 0)
        return MOD_CONTINUE;
    snprintf(out->reason_buf, sizeof(out->reason_buf), "classifier: %s",
             err ? err : "the model cannot be read");
    out->reason = out->reason_buf;
    out->tempfail_symbol = "CONTENT_LEARN_TEMPFAIL";
    return MOD_ERROR;
}
