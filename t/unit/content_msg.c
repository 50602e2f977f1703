/*
 * content_msg - helpers for the sluice-content unit tests: configurations
 *	from text, eom() runs with an envelope, and documents built in
 *	memory (zip with libarchive, docx, xlsx, odt, a PDF written by hand
 *	with the standard Helvetica font).  See content_msg.h.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "common.h"
#include "content_msg.h"
#include "mime.h"

const char *cmsg_testdata(void)
{
    const char *d = getenv("SLUICE_TESTDATA");

    return d ? d : "../shared/testdata";
}

/* Configurations. */
#define MAX_LOADED 32
static struct loaded {
    void *state;
    struct cfg *cfg;
    struct sl_env env;
} loaded[MAX_LOADED];

static char *cmsg_subst(const char *text)
{
    const char *src = getenv("top_srcdir") ? getenv("top_srcdir") : "..";
    struct strbuf b;
    const char *p;

    strbuf_init(&b, 0);
    for (p = text; *p;) {
        if (strncmp(p, "@TESTDATA@", 10) == 0) {
            strbuf_puts(&b, cmsg_testdata());
            p += 10;
        } else if (strncmp(p, "@SRCDIR@", 8) == 0) {
            strbuf_puts(&b, src);
            p += 8;
        } else {
            strbuf_append(&b, p++, 1);
        }
    }
    return strbuf_detach(&b);
}

struct cfg *cmsg_load(const char *text, void **state_r,
                      struct cfg_errors *errs_r)
{
    const struct cfg_section *secs[] = {&common_section, &content_section};
    struct cfg_errors errs = {0};
    char path[] = "/tmp/content_test.XXXXXX";
    char *body = cmsg_subst(text);
    struct cfg *c;
    int fd = mkstemp(path), bad = 0;
    size_t i;

    reply_register(content_replies);
    if (fd < 0 || write(fd, body, strlen(body)) != (ssize_t)strlen(body))
        bad = 1;
    if (fd >= 0)
        close(fd);
    free(body);
    c = bad ? NULL : cfg_load(path, secs, 2, NULL, &errs);
    if (c != NULL && content_module.setup(c, state_r, &errs) < 0) {
        cfg_release(c);
        c = NULL;
    }
    unlink(path);
    for (i = 0; i < errs.n && errs_r == NULL; i++)
        diag("%s", errs.v[i]);
    if (errs_r != NULL)
        *errs_r = errs;
    else
        cfg_errors_free(&errs);
    if (c == NULL)
        return NULL;
    for (i = 0; i < MAX_LOADED; i++)
        if (loaded[i].state == NULL) {
            struct cfg_errors e2 = {0};

            if (sl_env_open(&loaded[i].env, c, &e2) == 0) {
                loaded[i].state = *state_r;
                loaded[i].cfg = c;
                content_module.start(*state_r, &loaded[i].env,
                                     &(const char *){NULL});
            }
            cfg_errors_free(&e2);
            break;
        }
    return c;
}

void cmsg_unload(struct cfg *c, void *state)
{
    for (size_t i = 0; i < MAX_LOADED; i++)
        if (loaded[i].state == state && state != NULL) {
            sl_env_close(&loaded[i].env);
            loaded[i].state = NULL;
        }
    if (state != NULL)
        content_module.teardown(state);
    if (c != NULL)
        cfg_release(c);
}

void cmsg_env_dns(void *state, struct dns *d)
{
    for (size_t i = 0; i < MAX_LOADED; i++)
        if (loaded[i].state == state)
            loaded[i].env.dns = d;
}

static const struct sl_env *cmsg_env_of(void *state)
{
    for (size_t i = 0; i < MAX_LOADED; i++)
        if (loaded[i].state == state)
            return &loaded[i].env;
    return NULL;
}

void cmsg_run(void *state, const char *raw, const struct cenv *e,
              struct crun *r)
{
    static const char *const def_rcpt[] = {"bob@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct sl_edits ed = {0};
    struct mod_ctx x;

    memset(r, 0, sizeof(*r));
    conn.client_addr = (char *)(e && e->client ? e->client : "198.51.100.7");
    conn.client_name = "unknown";
    m.conn = &conn;
    m.qid = "TESTQID";
    m.from = (char *)(e && e->from ? e->from : "alice@example.org");
    m.rcpts = (char **)(e && e->rcpts ? e->rcpts : def_rcpt);
    m.nrcpts = e && e->rcpts ? e->nrcpts : 1;
    m.auth_user = (char *)(e ? e->auth : NULL);
    sl_msg_from_raw(&m, raw, strlen(raw));
    result_init(&r->res, "content", "TESTQID");
    mod_ctx_init(&x, &content_module, state, cmsg_env_of(state), &conn, &m,
                 &r->res, &ed);
    r->rc = content_module.eom(&x);
    if (r->rc == MOD_ERROR)
        r->rc = mod_on_error(&x, x.out.reason);
    r->out = x.out;
    if (x.out.reason == x.out.reason_buf)
        r->out.reason = r->out.reason_buf;
    sl_msg_clear(&m);
    sl_edits_free(&ed);
}

void cmsg_run_free(struct crun *r)
{
    result_free(&r->res);
}

int cmsg_has(const struct crun *r, const char *sym, const char *detail)
{
    for (size_t i = 0; i < r->res.n; i++)
        if (strcmp(r->res.sym[i].name, sym) == 0 &&
            (detail == NULL ||
             (r->res.sym[i].detail && strstr(r->res.sym[i].detail, detail))))
            return 1;
    return 0;
}

double cmsg_score(const struct crun *r, const char *sym)
{
    for (size_t i = 0; i < r->res.n; i++)
        if (strcmp(r->res.sym[i].name, sym) == 0)
            return r->res.sym[i].score;
    return -12345;
}

/* Documents. */
unsigned char *cmsg_zip(const struct centry *e, size_t n, size_t *len_r)
{
    size_t cap = 4 << 20, used = 0;
    unsigned char *buf = xmalloc(cap);
    struct archive *a = archive_write_new();
    struct archive_entry *ae;

    archive_write_set_format_zip(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < n; i++) {
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

#define CT_XML "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

unsigned char *cmsg_docx(const char *text, size_t *len_r)
{
    char *doc = xasprintf(
        CT_XML "<w:document xmlns:w=\"http://schemas.openxmlformats.org/"
               "wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Rapport"
               "</w:t></w:r></w:p><w:p><w:r><w:t>%s</w:t></w:r></w:p>"
               "</w:body></w:document>",
        text);
    const char *ct = CT_XML "<Types xmlns=\"http://schemas.openxmlformats.org/"
                            "package/2006/content-types\"/>";
    struct centry e[] = {
        {"[Content_Types].xml", (const unsigned char *)ct, strlen(ct)},
        {"word/document.xml", (const unsigned char *)doc, strlen(doc)},
    };
    unsigned char *z = cmsg_zip(e, 2, len_r);

    free(doc);
    return z;
}

unsigned char *cmsg_xlsx(const char *const *cells, size_t n, size_t *len_r)
{
    struct strbuf ss, sh;
    unsigned char *z;
    size_t i;

    strbuf_init(&ss, 0);
    strbuf_init(&sh, 0);
    strbuf_puts(&ss, CT_XML "<sst xmlns=\"http://schemas.openxmlformats.org/"
                            "spreadsheetml/2006/main\"><si><t>Namn</t></si>"
                            "<si><t>Personnummer</t></si></sst>");
    strbuf_puts(&sh, CT_XML "<worksheet xmlns=\"http://schemas.openxmlformats."
                            "org/spreadsheetml/2006/main\"><sheetData>");
    for (i = 0; i < n; i++)
        strbuf_printf(&sh,
                      "<row r=\"%zu\"><c r=\"A%zu\" t=\"s\"><v>0</v></c>"
                      "<c r=\"B%zu\"><v>%s</v></c></row>",
                      i + 1, i + 1, i + 1, cells[i]);
    strbuf_puts(&sh, "</sheetData></worksheet>");
    {
        struct centry e[] = {
            {"xl/sharedStrings.xml", (const unsigned char *)ss.data, ss.len},
            {"xl/worksheets/sheet1.xml", (const unsigned char *)sh.data,
             sh.len},
        };

        z = cmsg_zip(e, 2, len_r);
    }
    strbuf_free(&ss);
    strbuf_free(&sh);
    return z;
}

unsigned char *cmsg_odt(const char *text, size_t *len_r)
{
    char *doc = xasprintf(
        CT_XML "<office:document-content xmlns:office=\"urn:oasis:names:tc:"
               "opendocument:xmlns:office:1.0\" xmlns:text=\"urn:oasis:names:"
               "tc:opendocument:xmlns:text:1.0\"><office:body><office:text>"
               "<text:p>%s</text:p></office:text></office:body>"
               "</office:document-content>",
        text);
    const char *mt = "application/vnd.oasis.opendocument.text";
    struct centry e[] = {
        {"mimetype", (const unsigned char *)mt, strlen(mt)},
        {"content.xml", (const unsigned char *)doc, strlen(doc)},
    };
    unsigned char *z = cmsg_zip(e, 2, len_r);

    free(doc);
    return z;
}

/* A one-page PDF with text in Helvetica (no font embedded), each line of
 * text on a line of the page. */
unsigned char *cmsg_pdf(const char *text, size_t *len_r)
{
    struct strbuf b, content;
    size_t off[6], xref, i;
    const char *p, *nl;

    strbuf_init(&content, 0);
    strbuf_puts(&content, "BT /F1 11 Tf 14 TL 72 760 Td\n");
    for (p = text; *p; p = nl ? nl + 1 : p + strlen(p)) {
        nl = strchr(p, '\n');
        strbuf_append(&content, "(", 1);
        for (const char *q = p; q < (nl ? nl : p + strlen(p)); q++) {
            if (*q == '(' || *q == ')' || *q == '\\')
                strbuf_append(&content, "\\", 1);
            strbuf_append(&content, q, 1);
        }
        strbuf_puts(&content, ") Tj T*\n");
    }
    strbuf_puts(&content, "ET\n");
    strbuf_init(&b, 0);
    strbuf_puts(&b, "%PDF-1.4\n");
    off[1] = b.len;
    strbuf_puts(&b, "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
    off[2] = b.len;
    strbuf_puts(&b,
                "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n");
    off[3] = b.len;
    strbuf_puts(&b, "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 "
                    "792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> "
                    ">> >> endobj\n");
    off[4] = b.len;
    strbuf_printf(&b, "4 0 obj << /Length %zu >> stream\n", content.len);
    strbuf_append(&b, content.data, content.len);
    strbuf_puts(&b, "endstream endobj\n");
    off[5] = b.len;
    strbuf_puts(&b, "5 0 obj << /Type /Font /Subtype /Type1 /BaseFont "
                    "/Helvetica >> endobj\n");
    xref = b.len;
    strbuf_puts(&b, "xref\n0 6\n0000000000 65535 f \n");
    for (i = 1; i < 6; i++)
        strbuf_printf(&b, "%010zu 00000 n \n", off[i]);
    strbuf_printf(
        &b, "trailer << /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n",
        xref);
    strbuf_free(&content);
    *len_r = b.len;
    return (unsigned char *)strbuf_detach(&b);
}

static void cmsg_b64(struct strbuf *b, const unsigned char *d, size_t n)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789+/";
    size_t col = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 |
                     (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        char q[4] = {t[v >> 18 & 63], t[v >> 12 & 63],
                     i + 1 < n ? t[v >> 6 & 63] : '=',
                     i + 2 < n ? t[v & 63] : '='};

        strbuf_append(b, q, 4);
        if ((col += 4) >= 76 && i + 3 < n) {
            strbuf_puts(b, "\r\n");
            col = 0;
        }
    }
}

char *cmsg_build(const char *headers, const char *text, const struct catt *a,
                 size_t n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_puts(&b, headers ? headers
                            : "From: Alice <alice@example.org>\r\n"
                              "To: Bob <bob@example.net>\r\n"
                              "Subject: test\r\n");
    strbuf_puts(&b, "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
                    "boundary=\"=_b\"\r\n\r\n--=_b\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n");
    strbuf_puts(&b, text ? text : "");
    strbuf_puts(&b, "\r\n");
    for (size_t i = 0; i < n; i++) {
        strbuf_printf(&b,
                      "--=_b\r\nContent-Type: %s\r\n"
                      "Content-Disposition: attachment; filename=\"%s\"\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n",
                      a[i].ctype, a[i].name);
        cmsg_b64(&b, a[i].data, a[i].len);
        strbuf_puts(&b, "\r\n");
    }
    strbuf_puts(&b, "--=_b--\r\n");
    return strbuf_detach(&b);
}
