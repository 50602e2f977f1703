/*
 * policy_harness - see policy_harness.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "common.h"
#include "policy_harness.h"
#include "store.h"
#include "util.h"

static struct dns *ph_resolver;
static struct spf *ph_spf;
static struct store *ph_store;
static char ph_tmp[64]; /* maps of the tests, removed at exit */

static void ph_tmp_remove(void)
{
    char cmd[128];

    if (ph_store != NULL)
        store_close(ph_store);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ph_tmp);
    if (ph_tmp[0] && system(cmd) != 0)
        printf("# could not remove %s\n", ph_tmp);
}

const char *ph_dir(void)
{
    return ph_tmp;
}

struct dns *ph_dns(const char *server_env)
{
    const char *srv = getenv(server_env);
    char *v[1] = {(char *)srv};
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, 500, 1};
    struct dns *d = NULL;
    const char *err = NULL;

    if (srv == NULL || dns_new(&c, &d, &err) < 0) {
        printf("Bail out! no resolver (run me through my .sh): %s\n",
               err ? err : server_env);
        exit(1);
    }
    return d;
}

void ph_init(void)
{
    const char *err = NULL;

    reply_register(policy_replies);
    snprintf(ph_tmp, sizeof(ph_tmp), "/tmp/policy_maps.XXXXXX");
    if (mkdtemp(ph_tmp) == NULL) {
        printf("Bail out! mkdtemp\n");
        exit(1);
    }
    atexit(ph_tmp_remove);
    {
        char db[128];
        struct store_conf sc = {STORE_SQLITE, db, NULL, NULL, 0, 2000};

        snprintf(db, sizeof(db), "%s/store.db", ph_tmp);
        if (store_open(&sc, &ph_store, &err) < 0) {
            printf("Bail out! store_open: %s\n", err);
            exit(1);
        }
    }
    ph_resolver = ph_dns("SLUICE_DNS_SERVER");
    if (spf_new(ph_resolver, "mx.rcpt.test", &ph_spf, &err) < 0) {
        printf("Bail out! spf_new: %s\n", err);
        exit(1);
    }
}

const char *ph_file(struct ph *h, const char *name, const char *text)
{
    static char path[128];
    FILE *f;

    (void)h;
    snprintf(path, sizeof(path), "%s/%s", ph_tmp, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

int ph_open(struct ph *h, const char *extra)
{
    const struct cfg_section *secs[] = {&common_section, &policy_section};
    struct cfg_errors e = {0};
    const char *err = NULL;
    char path[128];
    FILE *f;

    if (h->dir[0] == '\0') {
        snprintf(h->dir, sizeof(h->dir), "/tmp/policy_harness.XXXXXX");
        if (mkdtemp(h->dir) == NULL)
            return -1;
    }
    snprintf(path, sizeof(path), "%s/sluice.conf", h->dir);
    f = fopen(path, "w");
    fprintf(f, "[common]\ndns_servers = %s\nlocal_domains = rcpt.test\n"
               "internal_networks = 127.0.0.0/8\n[policy]\n"
               "authserv_id = mx.rcpt.test\n%s\n",
            getenv("SLUICE_DNS_SERVER"), extra ? extra : "");
    fclose(f);
    h->cfg = cfg_load(path, secs, 2, NULL, &e);
    if (h->cfg == NULL || sl_env_open(&h->env, h->cfg, &e) < 0 ||
        policy_module.setup(h->cfg, &h->state, &e) < 0) {
        for (size_t i = 0; i < e.n; i++)
            printf("# %s\n", e.v[i]);
        cfg_errors_free(&e);
        return -1;
    }
    h->env.dns = ph_resolver;
    h->env.spf = ph_spf;
    h->env.store = ph_store;
    if (policy_module.start(h->state, &h->env, &err) < 0) {
        printf("# start: %s\n", err);
        return -1;
    }
    return 0;
}

void ph_close(struct ph *h)
{
    char cmd[128];

    policy_module.teardown(h->state);
    sl_env_close(&h->env);
    cfg_release(h->cfg);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->dir);
    if (system(cmd) != 0)
        printf("# could not remove %s\n", h->dir);
    memset(h, 0, sizeof(*h));
}

static void ph_ctx(struct mod_ctx *x, struct ph_sess *s, struct sl_msg *m,
                   void **msg_data, struct result *res, struct sl_edits *ed)
{
    mod_ctx_init(x, &policy_module, s->h->state, &s->h->env, &s->conn, m, res,
                 ed);
    x->conn_data = &s->conn_data;
    x->msg_data = msg_data;
}

void ph_connect(struct ph_sess *s, struct ph *h, const char *ip,
                const char *helo)
{
    struct mod_ctx x;

    memset(s, 0, sizeof(*s));
    s->h = h;
    s->conn.client_addr = (char *)ip;
    s->conn.client_name = "unknown";
    s->conn.mta_name = "mx.rcpt.test";
    s->conn.daemon_addr = "198.51.100.25";
    s->conn.dns_budget = deadline_in(common_conf(h->cfg)->dns_budget);
    result_init(&s->res, "policy", "NOQUEUE");
    ph_ctx(&x, s, NULL, NULL, &s->res, NULL);
    s->rc = policy_module.connect(&x);
    if (s->rc == MOD_ERROR)
        s->rc = mod_on_error(&x, x.out.reason);
    if (s->rc != MOD_CONTINUE || helo == NULL)
        return;
    s->conn.helo = (char *)helo;
    ph_ctx(&x, s, NULL, NULL, &s->res, NULL);
    s->rc = policy_module.helo(&x);
}

void ph_disconnect(struct ph_sess *s)
{
    if (s->conn_data)
        policy_module.conn_free(s->h->state, s->conn_data);
    result_free(&s->res);
    memset(s, 0, sizeof(*s));
}

/* Is p at an empty line ("\n" or "\r\n")? */
static int ph_blank(const char *p)
{
    return p[0] == '\n' || (p[0] == '\r' && p[1] == '\n');
}

static void ph_crlf(struct strbuf *raw, const char *p, const char *end)
{
    for (const char *q = p; q < end; q++) {
        if (*q == '\n' && (q == p || q[-1] != '\r'))
            strbuf_append(raw, "\r", 1);
        strbuf_append(raw, q, 1);
    }
}

static void ph_header(struct sl_msg *m, const char *p, const char *end)
{
    const char *colon = memchr(p, ':', end - p), *v;
    size_t n;

    if (colon == NULL)
        return;
    v = colon + 1;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    n = end - v;
    while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r'))
        n--;
    m->hdrs = xrealloc(m->hdrs, (m->nhdrs + 1) * sizeof(*m->hdrs));
    m->hdrs[m->nhdrs].name = xstrndup(p, colon - p);
    m->hdrs[m->nhdrs].value = xstrndup(v, n);
    m->hdrs[m->nhdrs].index = sl_msg_header_count(m, m->hdrs[m->nhdrs].name) + 1;
    m->nhdrs++;
}

/* "Name: value\n..." (LF or CRLF) -> raw (CRLF) and the header list. */
void ph_build(struct sl_msg *m, const char *text)
{
    const char *p = text, *end;
    struct strbuf raw;

    strbuf_init(&raw, 0);
    while (*p && !ph_blank(p)) {
        end = p;
        do {
            end = strchr(end, '\n');
            end = end ? end + 1 : p + strlen(p);
        } while (*end == ' ' || *end == '\t');
        ph_header(m, p, end);
        ph_crlf(&raw, p, end);
        if (end > p && end[-1] != '\n')
            strbuf_puts(&raw, "\r\n");
        p = end;
    }
    strbuf_puts(&raw, "\r\n");
    m->body_off = raw.len;
    if (*p)
        p += p[0] == '\r' ? 2 : 1;
    ph_crlf(&raw, p, p + strlen(p));
    m->raw = raw;
    m->size = raw.len;
}

void ph_free_msg(struct sl_msg *m)
{
    for (size_t i = 0; i < m->nhdrs; i++) {
        free(m->hdrs[i].name);
        free(m->hdrs[i].value);
    }
    free(m->hdrs);
    strbuf_free(&m->raw);
    free(m->rcpts);
}

static int ph_stage(struct mod_ctx *x, enum mod_rc rc, struct ph_msg *r,
                    const char *stage)
{
    if (rc == MOD_ERROR)
        rc = mod_on_error(x, x->out.reason);
    if (rc == MOD_CONTINUE)
        return 0;
    r->rc = rc;
    r->stage = stage;
    r->reply = x->out.reply;
    return 1;
}

static void ph_eom(struct ph_sess *s, struct sl_msg *m, void **md,
                   struct ph_msg *r)
{
    struct mod_ctx x;

    ph_ctx(&x, s, m, md, &r->res, &r->ed);
    if (ph_stage(&x, policy_module.eom(&x), r, "eom"))
        return;
    for (size_t i = 0; i < r->ed.nhdr; i++) {
        struct sl_hdr_edit *e = &r->ed.hdr[i];

        if (strcmp(e->name, "Authentication-Results") != 0)
            continue;
        if (e->op == SL_HDR_INSERT)
            r->ar = xstrdup(e->value);
        else if (e->op == SL_HDR_CHANGE && e->value == NULL)
            r->deleted_ar++;
    }
}

void ph_message(struct ph_sess *s, const char *from, const char *const *rcpts,
                const char *text, struct ph_msg *r)
{
    struct sl_msg m;
    struct mod_ctx x;
    void *md = NULL;
    size_t i;

    memset(r, 0, sizeof(*r));
    memset(&m, 0, sizeof(m));
    r->stage = "";
    m.conn = &s->conn;
    m.qid = "TESTQID";
    m.from = (char *)from;
    m.dns_budget = deadline_in(common_conf(s->h->cfg)->dns_budget);
    result_copy(&r->res, &s->res);
    ph_ctx(&x, s, &m, &md, &r->res, NULL);
    if (ph_stage(&x, policy_module.mail(&x), r, "mail"))
        goto out;
    m.rcpts = xcalloc(8, sizeof(char *));
    for (i = 0; rcpts && rcpts[i] && i < 8; i++) {
        ph_ctx(&x, s, &m, &md, &r->res, NULL);
        x.rcpt = rcpts[i];
        r->rcpt_refused[i] = policy_module.rcpt(&x);
        if (r->rcpt_refused[i] == MOD_ERROR)
            r->rcpt_refused[i] = mod_on_error(&x, x.out.reason);
        if (r->rcpt_refused[i] == MOD_CONTINUE)
            m.rcpts[m.nrcpts++] = (char *)rcpts[i];
        else
            r->reply = x.out.reply;
    }
    r->naccepted = m.nrcpts;
    if (m.nrcpts == 0 && rcpts && rcpts[0]) {
        r->rc = MOD_REJECT;
        r->stage = "rcpt";
        goto out;
    }
    ph_build(&m, text ? text : "From: <x@example.org>\nSubject: t\n\nHi.\n");
    ph_eom(s, &m, &md, r);
out:
    if (md)
        policy_module.msg_free(s->h->state, md);
    ph_free_msg(&m);
}

void ph_msg_free(struct ph_msg *r)
{
    result_free(&r->res);
    sl_edits_free(&r->ed);
    free(r->ar);
    memset(r, 0, sizeof(*r));
}

int ph_has(const struct result *r, const char *sym)
{
    return result_has(r, sym);
}
