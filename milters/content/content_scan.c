/*
 * content_scan - one message as the checks of sluice-content see it,
 * extracted once and shared.
 *
 * DESCRIPTION
 *	content_scan_prepare() reads the message's one MIME tree
 *	(sl_msg_mime()) and builds:
 *	  - its text (text.h): the decoded Subject and addresses, every
 *	    text part in UTF-8 with HTML reduced, within text_max_bytes;
 *	  - its URLs: the links of the HTML parts and those written in the
 *	    text and the Subject, parsed and normalised (url.h),
 *	    deduplicated, a redirector's target added (one level), at most
 *	    url_max;
 *	  - its files (content_files.c): every part that is not text and
 *	    every archive member, each seen once by the MISP hashes, YARA
 *	    and, when documents are read, the document-text visitor, whose
 *	    text joins the message's text; file names for the rules;
 *	  - whether the DLP check applies (outbound: inside_outbound()).
 *	Documents are read when document_text is always, or outbound and
 *	the DLP check applies.  It returns 0, or -1 with *error_r when the
 *	message could not be parsed at all.
 *
 *	content_refuse() records the module's own refusal: a reply from a
 *	template, and the reason for the log; a stronger one (prio)
 *	replaces a weaker one, never the other way round.
 *
 * OWNERSHIP
 *	struct content_scan owns what it extracted; content_scan_free().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "content.h"
#include "inside.h"
#include "log.h"
#include "mime.h"

void content_scan_init(struct content_scan *s, struct mod_ctx *x,
                       struct content_state *st)
{
    memset(s, 0, sizeof(*s));
    s->x = x;
    s->st = st;
    s->conf = st->conf;
    s->m = x->msg;
    s->own = MOD_CONTINUE;
}

void content_refuse(struct content_scan *s, enum mod_rc rc, int prio,
                    const char *key, const struct reply_arg *args, size_t nargs,
                    const char *reason)
{
    struct mod_out *out = &s->x->out;

    if (prio <= s->own_prio)
        return;
    s->own = rc;
    s->own_prio = prio;
    if (rc != MOD_DISCARD)
        mod_reply(out, s->x->env->cfg, mod_reply_rcpt(s->x), key, args, nargs);
    snprintf(out->reason_buf, sizeof(out->reason_buf), "%s", reason);
    out->reason = out->reason_buf;
}

/* URLs. */
static struct content_url *content_url_find(struct content_scan *s,
                                            const char *norm)
{
    for (size_t i = 0; i < s->nurls; i++)
        if (strcmp(s->urls[i].u.url, norm) == 0)
            return &s->urls[i];
    return NULL;
}

static struct content_url *content_url_push(struct content_scan *s,
                                            struct url *u, const char *raw,
                                            size_t len, size_t index, int kind)
{
    struct content_url *cu;

    if ((long long)s->nurls >= s->conf->url_max) {
        s->url_hit_max = 1;
        url_free(u);
        return NULL;
    }
    s->urls = xrealloc(s->urls, (s->nurls + 1) * sizeof(*s->urls));
    cu = &s->urls[s->nurls++];
    memset(cu, 0, sizeof(*cu));
    cu->u = *u;
    cu->raw = xstrndup(raw, len);
    cu->index = index;
    cu->kind = kind;
    return cu;
}

void content_add_url(struct content_scan *s, const char *raw, size_t len,
                     const char *anchor, size_t index, int kind)
{
    struct content_url *cu;
    struct url u, inner;
    char *target;

    if (url_parse(raw, len, &u) < 0)
        return;
    if ((cu = content_url_find(s, u.url)) != NULL) {
        if (anchor != NULL && cu->anchor == NULL)
            cu->anchor = xstrdup(anchor);
        url_free(&u);
        return;
    }
    if ((cu = content_url_push(s, &u, raw, len, index, kind)) == NULL)
        return;
    if (anchor != NULL)
        cu->anchor = xstrdup(anchor);
    /* one level of redirector */
    if ((target = url_redirect_target(&cu->u)) == NULL)
        return;
    if (url_parse(target, strlen(target), &inner) == 0) {
        if (content_url_find(s, inner.url) != NULL)
            url_free(&inner);
        else if ((cu = content_url_push(s, &inner, target, strlen(target),
                                        index, kind)) != NULL)
            cu->redirected = 1;
    }
    free(target);
}

struct url_text_ctx {
    struct content_scan *s;
    size_t index;
};

static void content_url_in_text(const char *p, size_t len, void *arg)
{
    struct url_text_ctx *c = arg;

    content_add_url(c->s, p, len, NULL, c->index, TEXT_LINK_PLAIN);
}

static void content_urls(struct content_scan *s)
{
    struct url_text_ctx c = {s, 0};
    size_t i;

    for (i = 0; i < s->mt->nlinks; i++)
        content_add_url(s, s->mt->links[i].url, strlen(s->mt->links[i].url),
                        s->mt->links[i].anchor, s->mt->links[i].index,
                        s->mt->links[i].kind);
    url_find(s->mt->subject, strlen(s->mt->subject), content_url_in_text, &c);
    for (i = 0; i < s->mt->nparts; i++) {
        c.index = s->mt->parts[i].index;
        url_find(s->mt->parts[i].text, s->mt->parts[i].len, content_url_in_text,
                 &c);
    }
}

/* Who the message is from and to: does the DLP check apply? */
static int content_outbound(const struct content_scan *s)
{
    const struct sl_msg *m = s->m;
    const char *ip = m->conn ? m->conn->client_addr : "";
    const char *auth = m->auth_user;

    if (auth == NULL && m->conn != NULL)
        auth = m->conn->auth_user;
    return s->x->env->inside != NULL &&
           inside_outbound(s->x->env->inside, ip, auth, m->rcpts, m->nrcpts);
}

int content_scan_prepare(struct content_scan *s, const char **error_r)
{
    const struct common_conf *cc = s->x->env->cc;
    struct text_limits lim;
    size_t nlinks_text;

    if ((s->tree = sl_msg_mime(s->m, cc, error_r)) == NULL)
        return -1;
    s->outbound = s->st->dlp_mask != 0 && content_outbound(s);
    s->want_docs = s->conf->document_text == DOC_ALWAYS ||
                   (s->conf->document_text == DOC_OUTBOUND && s->outbound);
    lim.max_bytes = (size_t)s->conf->text_max_bytes;
    lim.max_links = (size_t)s->conf->url_max * 4;
    text_message(s->tree, s->m->hdrs, s->m->nhdrs, &lim, &s->mt);
    nlinks_text = s->mt->nparts;
    content_urls(s);
    content_files_walk(s);
    if (s->mt->hit_bytes || s->doc_limit_hit)
        result_add(s->x->res, "CONTENT_TEXT_LIMIT", 0,
                   s->doc_limit ? s->doc_limit : "text_max_bytes");
    if (s->arc_limit_hit)
        result_add(s->x->res, "CONTENT_ARCHIVE_LIMIT", 0, s->arc_limit);
    (void)nlinks_text;
    return 0;
}

void content_scan_free(struct content_scan *s)
{
    size_t i;

    msg_text_free(s->mt);
    for (i = 0; i < s->nurls; i++) {
        url_free(&s->urls[i].u);
        free(s->urls[i].raw);
        free(s->urls[i].anchor);
    }
    free(s->urls);
    for (i = 0; i < s->nnames; i++) {
        free(s->names[i].name);
        free(s->names[i].where);
    }
    free(s->names);
    free(s->misp_seen);
    for (i = 0; i < s->nym; i++) {
        free(s->ym[i].rule);
        free(s->ym[i].where);
    }
    free(s->ym);
    content_yara_scan_free(s);
    memset(s, 0, sizeof(*s));
}
