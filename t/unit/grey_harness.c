/*
 * grey_harness - sluice-grey's module driven stage by stage for the unit
 * tests (see grey_harness.h).
 */
#include "grey_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "tap.h"
#include "util.h"

const char *gh_write(const char *dir, const char *name, const char *text)
{
    static char path[16][512];
    static int n;
    char *p = path[n++ % 16];
    FILE *f;

    snprintf(p, 512, "%s/%s", dir, name);
    if ((f = fopen(p, "w")) == NULL) {
        diag("cannot write %s", p);
        return p;
    }
    fputs(text, f);
    fclose(f);
    return p;
}

int gh_open(struct gh *h, const char *dir, struct store *s, const char *common,
            const char *grey)
{
    static int seq;
    const struct cfg_section *secs[] = {&common_section, &grey_section};
    struct cfg_errors errs = {0};
    char name[32], *text;
    const char *path;

    memset(h, 0, sizeof(*h));
    reply_register(grey_replies);
    snprintf(name, sizeof(name), "grey%d.conf", ++seq);
    text = xasprintf("[common]\n%s\n[grey]\n%s\n", common ? common : "",
                     grey ? grey : "");
    path = gh_write(dir, name, text);
    free(text);
    h->cfg = cfg_load(path, secs, 2, NULL, &errs);
    if (h->cfg != NULL && grey_module.setup(h->cfg, &h->state, &errs) < 0) {
        cfg_release(h->cfg);
        h->cfg = NULL;
    }
    if (h->cfg != NULL && sl_env_open(&h->env, h->cfg, &errs) < 0) {
        grey_module.teardown(h->state);
        cfg_release(h->cfg);
        h->cfg = NULL;
    }
    for (size_t i = 0; i < errs.n; i++)
        diag("%s", errs.v[i]);
    cfg_errors_free(&errs);
    if (h->cfg == NULL)
        return -1;
    h->env.store = s;
    return 0;
}

void gh_close(struct gh *h)
{
    if (h->cfg == NULL)
        return;
    sl_env_close(&h->env);
    grey_module.teardown(h->state);
    cfg_release(h->cfg);
    memset(h, 0, sizeof(*h));
}

/* One callback with the glue's on_error rule. */
static enum mod_rc gh_call(struct gh_sess *s, enum mod_rc (*fn)(struct mod_ctx *),
                           const char *rcpt, int eom)
{
    struct mod_ctx x;
    enum mod_rc rc;

    mod_ctx_init(&x, &grey_module, s->h->state, &s->h->env, &s->conn,
                 s->in_msg ? &s->msg : NULL, s->in_msg ? &s->mres : &s->cres,
                 eom ? &s->ed : NULL);
    x.conn_data = &s->conn_data;
    x.msg_data = s->in_msg ? &s->msg_data : NULL;
    x.rcpt = rcpt;
    rc = fn(&x);
    if (rc == MOD_ERROR)
        rc = mod_on_error(&x, x.out.reason);
    s->out = x.out;
    if (x.out.reason == x.out.reason_buf && x.out.reason != NULL)
        s->out.reason = s->out.reason_buf;
    snprintf(s->reply, sizeof(s->reply), "%s %s %s", s->out.reply.rcode,
             s->out.reply.xcode, s->out.reply.text);
    return rc;
}

enum mod_rc gh_conn(struct gh *h, struct gh_sess *s, const char *ip)
{
    memset(s, 0, sizeof(*s));
    s->h = h;
    s->conn.client_addr = xstrdup(ip);
    s->conn.client_name = xstrdup("unknown");
    s->conn.mta_name = xstrdup("mx.test.example");
    s->conn.daemon_addr = xstrdup("192.0.2.1");
    s->conn.helo = xstrdup("client.test");
    result_init(&s->cres, "grey", "NOQUEUE");
    return gh_call(s, grey_module.connect, NULL, 0);
}

enum mod_rc gh_mail(struct gh_sess *s, const char *from, const char *auth)
{
    gh_end(s);
    s->in_msg = 1;
    s->msg.conn = &s->conn;
    s->msg.qid = xstrdup("TESTQID");
    s->msg.from = xstrdup(from);
    s->msg.auth_user = auth ? xstrdup(auth) : NULL;
    result_copy(&s->mres, &s->cres);
    return gh_call(s, grey_module.mail, NULL, 0);
}

enum mod_rc gh_rcpt(struct gh_sess *s, const char *rcpt)
{
    enum mod_rc rc = gh_call(s, grey_module.rcpt, rcpt, 0);

    if (rc == MOD_CONTINUE) {
        s->msg.rcpts = xrealloc(s->msg.rcpts,
                                (s->msg.nrcpts + 1) * sizeof(char *));
        s->msg.rcpts[s->msg.nrcpts++] = xstrdup(rcpt);
    }
    return rc;
}

enum mod_rc gh_eom(struct gh_sess *s, size_t size)
{
    sl_edits_free(&s->ed);
    s->msg.size = size;
    return gh_call(s, grey_module.eom, NULL, 1);
}

void gh_end(struct gh_sess *s)
{
    if (!s->in_msg)
        return;
    if (s->msg_data)
        grey_module.msg_free(s->h->state, s->msg_data);
    s->msg_data = NULL;
    free(s->msg.qid);
    free(s->msg.from);
    free(s->msg.auth_user);
    for (size_t i = 0; i < s->msg.nrcpts; i++)
        free(s->msg.rcpts[i]);
    free(s->msg.rcpts);
    memset(&s->msg, 0, sizeof(s->msg));
    result_free(&s->mres);
    sl_edits_free(&s->ed);
    s->in_msg = 0;
}

void gh_close_conn(struct gh_sess *s)
{
    gh_end(s);
    if (s->conn_data)
        grey_module.conn_free(s->h->state, s->conn_data);
    s->conn_data = NULL;
    result_free(&s->cres);
    free(s->conn.client_addr);
    free(s->conn.client_name);
    free(s->conn.mta_name);
    free(s->conn.daemon_addr);
    free(s->conn.helo);
}

const char *gh_reply(struct gh_sess *s)
{
    return s->reply;
}

const char *gh_added(const struct gh_sess *s, const char *name)
{
    for (size_t i = 0; i < s->ed.nhdr; i++)
        if (strcmp(s->ed.hdr[i].name, name) == 0)
            return s->ed.hdr[i].value;
    return NULL;
}
