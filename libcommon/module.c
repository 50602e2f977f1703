/*
 * module - what modules share: queued edits, the header list, the one
 * MIME parse, replies and the one on_error path.  See module.h for the
 * contract.
 */
#include "module.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "inside.h"
#include "log.h"
#include "mime.h"

/* Edits. */

static void sl_edits_push(struct sl_edits *e, int op, const char *name,
                          int index, const char *value)
{
    struct sl_hdr_edit *h;

    e->hdr = xrealloc(e->hdr, (e->nhdr + 1) * sizeof(*e->hdr));
    h = &e->hdr[e->nhdr++];
    h->op = op;
    h->name = xstrdup(name);
    h->value = value ? xstrdup(value) : NULL;
    h->index = index;
}

void sl_edits_add_header(struct sl_edits *e, const char *name,
                         const char *value)
{
    sl_edits_push(e, SL_HDR_ADD, name, 0, value ? value : "");
}

void sl_edits_insert_header(struct sl_edits *e, int index, const char *name,
                            const char *value)
{
    sl_edits_push(e, SL_HDR_INSERT, name, index < 0 ? 0 : index,
                  value ? value : "");
}

void sl_edits_change_header(struct sl_edits *e, const char *name, int index,
                            const char *value)
{
    sl_edits_push(e, SL_HDR_CHANGE, name, index, value);
}

void sl_edits_delete_header(struct sl_edits *e, const char *name, int index)
{
    sl_edits_push(e, SL_HDR_CHANGE, name, index, NULL);
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

/* The header list. */

const struct sl_header *sl_msg_header(const struct sl_msg *m,
                                      const char *name, int nth)
{
    for (size_t i = 0; i < m->nhdrs; i++)
        if (m->hdrs[i].index == nth && str_casecmp(m->hdrs[i].name, name) == 0)
            return &m->hdrs[i];
    return NULL;
}

int sl_msg_header_count(const struct sl_msg *m, const char *name)
{
    int n = 0;

    for (size_t i = 0; i < m->nhdrs; i++)
        n += str_casecmp(m->hdrs[i].name, name) == 0;
    return n;
}

/* A message from a file (tools, tests). */

static void sl_msg_add_header(struct sl_msg *m, const char *name, size_t nlen,
                              const char *value)
{
    struct sl_header *h;

    m->hdrs = xrealloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
    h = &m->hdrs[m->nhdrs];
    h->name = xstrndup(name, nlen);
    while (*value == ' ' || *value == '\t')
        value++;
    h->value = xstrdup(value);
    h->index = sl_msg_header_count(m, h->name) + 1;
    m->nhdrs++;
    strbuf_printf(&m->raw, "%s: %s\r\n", h->name, h->value);
    m->hdr_lines++;
}

/* One line of p (up to len): its length without the line end, and
 * *next past it. */
static size_t sl_msg_line(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

    *next = nl ? nl + 1 : end;
    return n > 0 && p[n - 1] == '\r' ? n - 1 : n;
}

void sl_msg_from_raw(struct sl_msg *m, const char *raw, size_t len)
{
    const char *p = raw, *end = raw + len, *next, *colon;
    struct strbuf v;
    size_t n, nlen = 0;
    const char *name = NULL;

    strbuf_init(&m->raw, 0);
    strbuf_init(&v, 0);
    while (p < end) {
        n = sl_msg_line(p, end, &next);
        if (n > 0 && (*p == ' ' || *p == '\t') && name != NULL) {
            strbuf_puts(&v, "\r\n");
            strbuf_append(&v, p, n);
        } else {
            if (name != NULL)
                sl_msg_add_header(m, name, nlen, v.data ? v.data : "");
            strbuf_reset(&v);
            name = NULL;
            if (n == 0 || (colon = memchr(p, ':', n)) == NULL)
                break;
            name = p;
            nlen = (size_t)(colon - p);
            strbuf_append(&v, colon + 1, n - nlen - 1);
        }
        p = next;
    }
    if (name != NULL)
        sl_msg_add_header(m, name, nlen, v.data ? v.data : "");
    strbuf_free(&v);
    if (p < end && sl_msg_line(p, end, &next) == 0) /* the empty line */
        p = next;
    strbuf_puts(&m->raw, "\r\n");
    m->body_off = m->raw.len;
    while (p < end) {
        n = sl_msg_line(p, end, &next);
        strbuf_append(&m->raw, p, n);
        if (next > p + n)
            strbuf_puts(&m->raw, "\r\n");
        p = next;
    }
    m->size = m->raw.len;
}

void sl_msg_clear(struct sl_msg *m)
{
    for (size_t i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    m->hdrs = NULL;
    m->nhdrs = 0;
    strbuf_free(&m->raw);
    mime_tree_free(m->mime);
    m->mime = NULL;
    m->mime_tried = 0;
}

/* The one MIME parse. */

const struct mime_tree *sl_msg_mime(struct sl_msg *m,
                                    const struct common_conf *cc,
                                    const char **error_r)
{
    static const char *const failed = "message could not be parsed";
    struct mime_limits lim;

    if (m->mime != NULL)
        return m->mime;
    if (m->mime_tried) {
        *error_r = failed;
        return NULL;
    }
    m->mime_tried = 1;
    common_mime_limits(cc, &lim);
    if (mime_parse(m->raw.data ? m->raw.data : "", m->raw.len, m->body_off,
                   &lim, &m->mime, error_r) < 0) {
        m->mime = NULL;
        return NULL;
    }
    return m->mime;
}

/* Replies. */

void mod_reply(struct mod_out *out, const struct cfg *cfg, const char *rcpt,
               const char *reason, const struct reply_arg *args, size_t nargs)
{
    const struct common_conf *cc = common_conf(cfg);
    enum reply_lang lang;

    lang = reply_lang_for(rcpt ? rcpt : "", cc->reply_language_map,
                          (enum reply_lang)cc->reply_language);
    reply_build(&out->reply, reason, lang, cc->info_url, args, nargs);
}

const char *mod_reply_rcpt(const struct mod_ctx *x)
{
    if (x->rcpt != NULL)
        return x->rcpt;
    if (x->msg != NULL && x->msg->nrcpts > 0)
        return x->msg->rcpts[0];
    return NULL;
}

const char *mod_qid(const struct mod_ctx *x)
{
    return x->msg && x->msg->qid ? x->msg->qid : "NOQUEUE";
}

/* The one on_error path. */

enum mod_rc mod_on_error(struct mod_ctx *x, const char *reason)
{
    const struct mod_conf *mc = cfg_section(x->env->cfg, x->mod->name);
    int oe = mc ? mc->on_error : ON_ERROR_TEMPFAIL;
    char sym[RESULT_SYM_MAX];
    static const char *const names[] = {"tempfail", "accept", "reject"};

    if (reason == NULL || *reason == '\0')
        reason = "unknown error";
    if (x->out.tempfail_symbol != NULL) {
        snprintf(sym, sizeof(sym), "%s", x->out.tempfail_symbol);
    } else {
        snprintf(sym, sizeof(sym), "%s_TEMPFAIL", x->mod->name);
        for (char *p = sym; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
    }
    result_add(x->res, sym, 0, reason);
    log_warn(mod_qid(x), "%s: check could not run: %s (on_error=%s)",
             x->mod->name, reason, names[oe >= 0 && oe <= 2 ? oe : 0]);
    if (x->out.reason == NULL) {
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s: %s", sym,
                 reason);
        x->out.reason = x->out.reason_buf;
    }
    if (oe == ON_ERROR_ACCEPT)
        return MOD_CONTINUE;
    if (oe == ON_ERROR_REJECT) {
        mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x), "error", NULL, 0);
        return MOD_REJECT;
    }
    mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x), "tempfail", NULL, 0);
    return MOD_TEMPFAIL;
}

/* Reloads asked for by modules. */

static int mod_reload_on;

void mod_reload_enable(void)
{
    __atomic_store_n(&mod_reload_on, 1, __ATOMIC_SEQ_CST);
}

int mod_request_reload(void)
{
    if (!__atomic_load_n(&mod_reload_on, __ATOMIC_SEQ_CST))
        return -1;
    return kill(getpid(), SIGUSR1);
}

/* Outside libmilter. */

int sl_env_open(struct sl_env *env, const struct cfg *cfg,
                struct cfg_errors *errs)
{
    struct inside *in;

    memset(env, 0, sizeof(*env));
    env->cfg = cfg;
    env->cc = common_conf(cfg);
    if (inside_new(cfg, &in, errs) < 0)
        return -1;
    env->inside = in;
    return 0;
}

void sl_env_close(struct sl_env *env)
{
    inside_free((struct inside *)env->inside);
    memset(env, 0, sizeof(*env));
}

void mod_ctx_init(struct mod_ctx *x, const struct module *mod, void *state,
                  const struct sl_env *env, struct sl_conn *conn,
                  struct sl_msg *msg, struct result *res, struct sl_edits *ed)
{
    memset(x, 0, sizeof(*x));
    x->mod = mod;
    x->state = state;
    x->env = env;
    x->conn = conn;
    x->msg = msg;
    x->res = res;
    x->ed = ed;
}
