/*
 * attach_msg - helpers for the sluice-attach unit tests: a minimal PE,
 *	zips written with libarchive, multipart messages, eom() runs and
 *	configurations from t/data/attach/.  See attach_msg.h.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach_msg.h"
#include "mime.h"
#include "common.h"

unsigned char pe[256];

void make_pe(void)
{
    memset(pe, 0, sizeof(pe));
    memcpy(pe, "MZ", 2);
    pe[0x3c] = 0x80;
    memcpy(pe + 0x80, "PE\0\0\x4c\x01", 6);
    pe[0x94] = 0xe0; /* SizeOfOptionalHeader */
    pe[0x96] = 0x02; /* executable image */
    pe[0x98] = 0x0b; /* PE32 optional header magic 0x10b */
    pe[0x99] = 0x01;
}

/* Base64 with CRLF every 76 characters. */
void b64(struct strbuf *b, const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789+/";
    size_t i, col = 0;
    char q[4];

    for (i = 0; i < n; i += 3) {
        unsigned v = d[i] << 16 | (i + 1 < n ? d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        q[0] = t[v >> 18 & 63];
        q[1] = t[v >> 12 & 63];
        q[2] = i + 1 < n ? t[v >> 6 & 63] : '=';
        q[3] = i + 2 < n ? t[v & 63] : '=';
        strbuf_append(b, q, 4);
        if ((col += 4) >= 76 && i + 3 < n) {
            strbuf_puts(b, "\r\n");
            col = 0;
        }
    }
}

/* A zip in memory; caller frees.  password NULL: not encrypted. */
unsigned char *zip(const struct entry *e, size_t n, const char *password,
                   size_t *len_r)
{
    size_t cap = (1 << 20), used = 0, i;
    unsigned char *buf = xmalloc(cap);
    struct archive *a = archive_write_new();
    struct archive_entry *ae;

    archive_write_set_format_zip(a);
    if (password) {
        archive_write_set_options(a, "zip:encryption=zipcrypt");
        archive_write_set_passphrase(a, password);
    }
    archive_write_open_memory(a, buf, cap, &used);
    for (i = 0; i < n; i++) {
        ae = archive_entry_new();
        archive_entry_set_pathname(ae, e[i].name);
        archive_entry_set_size(ae, (la_int64_t)e[i].len);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_write_header(a, ae);
        archive_write_data(a, e[i].data, e[i].len);
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len_r = used;
    return buf;
}

/* multipart/mixed: text first (or last), then the attachments. */
char *build(const char *text, int text_last, const struct att *a, size_t n,
            size_t *body_off_r)
{
    struct strbuf b;
    size_t i;

    strbuf_init(&b, 0);
    strbuf_puts(&b, "From: a@example.org\r\nTo: b@example.net\r\n"
                    "Subject: test\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n");
    *body_off_r = b.len;
    strbuf_puts(&b, "This is a multi-part message in MIME format.\r\n");
    if (!text_last)
        strbuf_printf(&b,
                      "--=_b\r\nContent-Type: text/plain; "
                      "charset=utf-8\r\n\r\n%s\r\n",
                      text);
    for (i = 0; i < n; i++) {
        strbuf_printf(&b, "--=_b\r\nContent-Type: %s\r\n", a[i].ctype);
        if (a[i].param)
            strbuf_printf(&b, "Content-Disposition: attachment; %s\r\n",
                          a[i].param);
        strbuf_puts(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
        b64(&b, a[i].data, a[i].len);
        strbuf_puts(&b, "\r\n");
    }
    if (text_last)
        strbuf_printf(&b,
                      "--=_b\r\nContent-Type: text/plain; "
                      "charset=utf-8\r\n\r\n%s\r\n",
                      text);
    strbuf_puts(&b, "--=_b--\r\n");
    return strbuf_detach(&b);
}

/* Every configuration load() made, with its state and env, so that
 * run() finds the configuration of a state. */
#define MAX_LOADED 16
static struct loaded {
    void *state;
    struct cfg *cfg;
    struct sl_env env;
} loaded[MAX_LOADED];
static size_t nloaded;

static const struct sl_env *env_of(void *state)
{
    for (size_t i = 0; i < nloaded; i++)
        if (loaded[i].state == state)
            return &loaded[i].env;
    return NULL;
}

void run(void *state, const char *raw, size_t body_off, const struct env *env,
         struct run *r)
{
    static char *def_rcpt[] = {"b@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct mod_ctx x;

    memset(r, 0, sizeof(*r));
    conn.client_addr = (char *)(env && env->client ? env->client : "10.1.2.3");
    conn.client_name = "unknown";
    m.conn = &conn;
    m.qid = "TESTQID";
    m.from = (char *)(env && env->from ? env->from : "a@example.org");
    m.rcpts = env && env->rcpts ? env->rcpts : def_rcpt;
    m.nrcpts = env && env->rcpts ? env->nrcpts : 1;
    strbuf_init(&m.raw, 0);
    strbuf_append(&m.raw, raw, strlen(raw));
    m.body_off = body_off;
    m.size = env && env->size ? env->size : strlen(raw);
    m.truncated = env && env->truncated;
    result_init(&r->res, "attach", "TESTQID");
    mod_ctx_init(&x, &attach_module, state, env_of(state), &conn, &m, &r->res,
                 &r->ed);
    r->rc = attach_module.eom(&x);
    if (r->rc == MOD_ERROR)
        r->rc = mod_on_error(&x, x.out.reason);
    r->out = x.out;
    mime_tree_free(m.mime);
    strbuf_free(&m.raw);
}

void run_free(struct run *r)
{
    result_free(&r->res);
    sl_edits_free(&r->ed);
}

struct cfg *load(const char *name, void **state_r)
{
    const struct cfg_section *secs[] = {&common_section, &attach_section};
    struct cfg_errors errs = {0};
    char path[4096];
    struct cfg *c;
    size_t i;

    reply_register(attach_replies);
    snprintf(path, sizeof(path), "%s/t/data/attach/%s",
             getenv("top_srcdir") ? getenv("top_srcdir") : ".", name);
    c = cfg_load(path, secs, 2, NULL, &errs);
    for (i = 0; i < errs.n; i++)
        diag("%s", errs.v[i]);
    cfg_errors_free(&errs);
    if (c == NULL)
        return NULL;
    if (attach_module.setup(c, state_r, &errs) < 0) {
        for (i = 0; i < errs.n; i++)
            diag("%s", errs.v[i]);
        cfg_errors_free(&errs);
        cfg_release(c);
        return NULL;
    }
    if (nloaded < MAX_LOADED && sl_env_open(&loaded[nloaded].env, c, &errs) == 0) {
        loaded[nloaded].state = *state_r;
        loaded[nloaded++].cfg = c;
    }
    return c;
}

/* One message, one expected outcome. */
