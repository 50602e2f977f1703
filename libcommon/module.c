/*
 * module - the small helpers modules share: replies and queued edits.
 * See module.h for the contract.
 */
#include "module.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"

void sl_edits_add_header(struct sl_edits *e, const char *name,
                         const char *value)
{
    sl_edits_change_header(e, name, 0, value);
}

void sl_edits_change_header(struct sl_edits *e, const char *name, int index,
                            const char *value)
{
    struct sl_hdr_edit *h;

    e->hdr = xrealloc(e->hdr, (e->nhdr + 1) * sizeof(*e->hdr));
    h = &e->hdr[e->nhdr++];
    h->name = xstrdup(name);
    h->value = value ? xstrdup(value) : NULL;
    h->index = index;
}

void sl_edits_replace_body(struct sl_edits *e, const char *body, size_t len)
{
    free(e->body);
    e->body = xmalloc(len + 1);
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->body_len = len;
}

void sl_edits_free(struct sl_edits *e)
{
    for (size_t i = 0; i < e->nhdr; i++) {
        free(e->hdr[i].name);
        free(e->hdr[i].value);
    }
    free(e->hdr);
    free(e->body);
    memset(e, 0, sizeof(*e));
}

void mod_reply(struct mod_out *out, const struct cfg *cfg, const char *rcpt,
               const char *reason, const struct reply_arg *args, size_t nargs)
{
    const struct common_conf *cc = common_conf(cfg);
    enum reply_lang lang;

    lang = reply_lang_for(rcpt ? rcpt : "", cc->reply_language_map,
                          (enum reply_lang)cc->reply_language);
    reply_build(&out->reply, reason, lang, cc->info_url, args, nargs);
}
