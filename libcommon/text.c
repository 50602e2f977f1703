/*
 * text - what a message says, as UTF-8.  See text.h for the contract.
 *
 * DESCRIPTION
 *	Charset conversion is GMime's (its alias tables and iconv cache);
 *	the loop around iconv() is ours only because iconv stops at the
 *	first invalid byte and mail is full of them.  HTML goes through
 *	libxml2 (html_*), headers through GMime's RFC 2047 decoder and
 *	address parser.
 */
#include "text.h"

#include <errno.h>
#include <iconv.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <gmime/gmime.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>

#include "mime.h"
#include "module.h"
#include "util.h"

#define TEXT_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */
#define TEXT_HTML_MAX_DEPTH 200

static pthread_once_t text_once = PTHREAD_ONCE_INIT;

static void text_init_once(void)
{
    xmlInitParser();
}

void text_init(void)
{
    mime_init();
    pthread_once(&text_once, text_init_once);
}

/* Charsets. */
size_t text_utf8_cut(const char *text, size_t len)
{
    while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
        len--;
    return len;
}

/* Append valid UTF-8: invalid bytes become U+FFFD, NUL a blank. */
static size_t text_valid_append(struct strbuf *b, const char *p, size_t len)
{
    const gchar *end;
    size_t bad = 0, ok;

    while (len > 0) {
        if (g_utf8_validate_len(p, len, &end)) {
            strbuf_append(b, p, len);
            break;
        }
        ok = (size_t)(end - p);
        strbuf_append(b, p, ok);
        if (*end == '\0') {
            strbuf_append(b, " ", 1);
        } else {
            strbuf_append(b, TEXT_REPLACEMENT, 3);
            bad++;
        }
        p = end + 1;
        len -= ok + 1;
    }
    return bad;
}

static int text_is_ascii_name(const char *cs)
{
    return str_casecmp(cs, "us-ascii") == 0 || str_casecmp(cs, "ascii") == 0 ||
           str_casecmp(cs, "ansi_x3.4-1968") == 0 ||
           str_casecmp(cs, "iso646-us") == 0;
}

static int text_is_utf8_name(const char *cs)
{
    return str_casecmp(cs, "utf-8") == 0 || str_casecmp(cs, "utf8") == 0;
}

/* iconv with U+FFFD for each byte the charset does not have; -1 when
 * iconv does not know the charset. */
static int text_iconv(const char *charset, const char *in, size_t len,
                      struct strbuf *b, size_t *bad_r)
{
    const char *name = g_mime_charset_iconv_name(charset);
    iconv_t cd = g_mime_iconv_open("UTF-8", name);
    char out[4096], *op, *ip = (char *)in;
    size_t il = len, ol, r;

    if (cd == (iconv_t)-1)
        return -1;
    while (il > 0) {
        op = out;
        ol = sizeof(out);
        r = iconv(cd, &ip, &il, &op, &ol);
        strbuf_append(b, out, sizeof(out) - ol);
        if (r != (size_t)-1 || errno == E2BIG)
            continue;
        strbuf_append(b, TEXT_REPLACEMENT, 3);
        (*bad_r)++;
        if (errno == EINVAL) /* incomplete sequence at the end */
            break;
        ip++;
        il--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    op = out;
    ol = sizeof(out);
    iconv(cd, NULL, NULL, &op, &ol);
    strbuf_append(b, out, sizeof(out) - ol);
    g_mime_iconv_close(cd);
    return 0;
}

char *text_utf8(const char *charset, const void *data, size_t len,
                size_t *len_r, size_t *replaced_r)
{
    struct strbuf b, v;
    size_t bad = 0;
    int done = 0;

    strbuf_init(&b, 0);
    if (charset != NULL && !text_is_ascii_name(charset) &&
        !text_is_utf8_name(charset))
        done = text_iconv(charset, data, len, &b, &bad) == 0;
    if (!done && (charset != NULL && text_is_utf8_name(charset))) {
        strbuf_append(&b, data, len);
        done = 1;
    }
    if (!done) {
        /* unknown or ASCII: UTF-8 when valid, else windows-1252 */
        if (g_utf8_validate_len(data, len, NULL) ||
            text_iconv("windows-1252", data, len, &b, &bad) < 0)
            strbuf_append(&b, data, len);
    }
    strbuf_init(&v, 0);
    bad += text_valid_append(&v, b.data ? b.data : "", b.len);
    strbuf_free(&b);
    if (replaced_r != NULL)
        *replaced_r += bad;
    if (len_r != NULL)
        *len_r = v.len;
    if (v.data == NULL)
        return xstrdup("");
    return strbuf_detach(&v);
}

/* Headers. */
/* RFC 5322 unfolding: the line breaks go, the blanks after them stay. */
static char *text_unfold(const char *value)
{
    char *s = xstrdup(value), *p, *o;

    for (p = o = s; *p; p++)
        if (*p != '\r' && *p != '\n')
            *o++ = *p;
    *o = '\0';
    return s;
}

char *text_header(const char *value)
{
    char *u, *d, *r;
    size_t n;

    if (value == NULL)
        return xstrdup("");
    text_init();
    u = text_unfold(value);
    d = g_mime_utils_header_decode_text(NULL, u);
    free(u);
    if (d == NULL)
        return xstrdup("");
    r = text_utf8("utf-8", d, strlen(d), &n, NULL);
    g_free(d);
    u = xstrdup_trim(r);
    free(r);
    return u;
}

static void text_addr_push(struct text_addr **v, size_t *n, const char *name,
                           const char *addr)
{
    struct text_addr *a;
    char *at;

    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    a = &(*v)[(*n)++];
    a->name = text_utf8("utf-8", name ? name : "", name ? strlen(name) : 0,
                        NULL, NULL);
    a->addr = xstrdup(addr ? addr : "");
    if ((at = strrchr(a->addr, '@')) != NULL)
        str_lower(at);
}

static void text_addr_list(InternetAddressList *l, struct text_addr **v,
                           size_t *n, int depth)
{
    int i, count = internet_address_list_length(l);
    InternetAddress *ia;

    for (i = 0; i < count && *n < 1000; i++) {
        ia = internet_address_list_get_address(l, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            text_addr_push(v, n, internet_address_get_name(ia),
                           internet_address_mailbox_get_addr(
                               INTERNET_ADDRESS_MAILBOX(ia)));
        else if (INTERNET_ADDRESS_IS_GROUP(ia) && depth == 0)
            text_addr_list(
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
                v, n, 1);
    }
}

size_t text_addresses(const char *value, struct text_addr **v_r)
{
    InternetAddressList *l;
    size_t n = 0;
    char *u;

    *v_r = NULL;
    if (value == NULL)
        return 0;
    text_init();
    u = text_unfold(value);
    l = internet_address_list_parse(NULL, u);
    free(u);
    if (l == NULL)
        return 0;
    text_addr_list(l, v_r, &n, 0);
    g_object_unref(l);
    return n;
}

void text_addrs_free(struct text_addr *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].addr);
    }
    free(v);
}

/* HTML. */
struct html_walk {
    struct strbuf *out;
    text_link_cb cb;
    void *arg;
    struct strbuf anchor;
    int in_anchor;
    int pre;
};

static int html_is(const xmlNode *n, const char *name)
{
    return n->name != NULL && str_casecmp((const char *)n->name, name) == 0;
}

static int html_is_any(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (html_is(n, *names))
            return 1;
    return 0;
}

static void html_newline(struct strbuf *b)
{
    while (b->len > 0 && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
    if (b->len > 0 && b->data[b->len - 1] != '\n')
        strbuf_append(b, "\n", 1);
}

/* Text with runs of white space collapsed (outside <pre>). */
static void html_text(struct html_walk *w, const char *s, struct strbuf *b)
{
    int space;

    if (w->pre) {
        strbuf_puts(b, s);
        return;
    }
    space = b->len == 0 || b->data[b->len - 1] == ' ' ||
            b->data[b->len - 1] == '\n';
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\f') {
            if (!space)
                strbuf_append(b, " ", 1);
            space = 1;
        } else {
            strbuf_append(b, s, 1);
            space = 0;
        }
    }
}

static void html_link(struct html_walk *w, const xmlNode *n, const char *attr,
                      enum text_link_kind kind, const char *anchor)
{
    xmlChar *v;
    struct text_link l;

    if (w->cb == NULL || (v = xmlGetProp(n, (const xmlChar *)attr)) == NULL)
        return;
    l.url = (const char *)v;
    l.anchor = anchor;
    l.kind = kind;
    w->cb(&l, w->arg);
    xmlFree(v);
}

static void html_links(struct html_walk *w, const xmlNode *n)
{
    static const char *const src[] = {"img",    "iframe", "frame",  "embed",
                                      "source", "input",  "script", NULL};

    if (html_is(n, "form"))
        html_link(w, n, "action", TEXT_LINK_FORM, NULL);
    else if (html_is_any(n, src))
        html_link(w, n, "src", TEXT_LINK_SRC, NULL);
    else if (html_is(n, "area"))
        html_link(w, n, "href", TEXT_LINK_HREF, NULL);
}

static void html_node(struct html_walk *w, const xmlNode *n, int depth);

static void html_children(struct html_walk *w, const xmlNode *n, int depth)
{
    const xmlNode *c;

    for (c = n->children; c != NULL; c = c->next)
        html_node(w, c, depth + 1);
}

static void html_anchor(struct html_walk *w, const xmlNode *n, int depth)
{
    size_t start = w->out->len;
    char *text, *raw;

    if (w->in_anchor) { /* nested anchors: the outer one takes the text */
        html_children(w, n, depth);
        return;
    }
    w->in_anchor = 1;
    html_children(w, n, depth);
    w->in_anchor = 0;
    /* A block inside the anchor may have taken back the blanks before
     * it (html_newline()): the text is then shorter than where it began. */
    if (w->out->len < start)
        start = w->out->len;
    raw =
        xstrndup(w->out->data ? w->out->data + start : "", w->out->len - start);
    text = xstrdup_trim(raw);
    free(raw);
    if (strlen(text) > TEXT_ANCHOR_MAX)
        text[text_utf8_cut(text, TEXT_ANCHOR_MAX)] = '\0';
    html_link(w, n, "href", TEXT_LINK_HREF, text);
    free(text);
}

static void html_element(struct html_walk *w, const xmlNode *n, int depth)
{
    static const char *const skip[] = {"script", "style",    "head",
                                       "title",  "template", NULL};
    static const char *const block[] = {
        "p",      "div",        "br",      "tr", "li", "h1",      "h2",
        "h3",     "h4",         "h5",      "h6", "hr", "ul",      "ol",
        "table",  "blockquote", "pre",     "dt", "dd", "section", "article",
        "header", "footer",     "address", NULL};
    int block_el = html_is_any(n, block), was_pre = w->pre;

    html_links(w, n);
    if (html_is_any(n, skip))
        return;
    if (block_el)
        html_newline(w->out);
    if (html_is(n, "td") || html_is(n, "th"))
        html_text(w, " ", w->out);
    w->pre |= html_is(n, "pre");
    if (html_is(n, "a"))
        html_anchor(w, n, depth);
    else
        html_children(w, n, depth);
    w->pre = was_pre;
    if (block_el)
        html_newline(w->out);
}

static void html_node(struct html_walk *w, const xmlNode *n, int depth)
{
    if (depth > TEXT_HTML_MAX_DEPTH)
        return;
    switch (n->type) {
    case XML_ELEMENT_NODE:
        html_element(w, n, depth);
        break;
    case XML_TEXT_NODE:
    case XML_CDATA_SECTION_NODE:
        if (n->content != NULL)
            html_text(w, (const char *)n->content, w->out);
        break;
    default:
        break;
    }
}

void text_html(const char *html, size_t len, struct strbuf *out,
               text_link_cb cb, void *arg)
{
    struct html_walk w;
    htmlDocPtr doc;
    xmlNode *root;

    text_init();
    if (len > (size_t)INT32_MAX)
        len = INT32_MAX;
    doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
                         HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                             HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
    if (doc == NULL)
        return;
    memset(&w, 0, sizeof(w));
    w.out = out;
    w.cb = cb;
    w.arg = arg;
    if ((root = xmlDocGetRootElement(doc)) != NULL)
        html_node(&w, root, 0);
    while (out->len > 0 &&
           (out->data[out->len - 1] == '\n' || out->data[out->len - 1] == ' '))
        out->data[--out->len] = '\0';
    xmlFreeDoc(doc);
}

/* The message. */
int msg_text_add(struct msg_text *mt, const char *text, size_t len,
                 size_t index, const char *name, enum text_origin origin)
{
    struct text_part *p;
    int cut = 0;

    if (mt->lim.max_bytes > 0) {
        if (mt->bytes >= mt->lim.max_bytes) {
            mt->hit_bytes = 1;
            return -1;
        }
        if (len > mt->lim.max_bytes - mt->bytes) {
            len = text_utf8_cut(text, mt->lim.max_bytes - mt->bytes);
            mt->hit_bytes = cut = 1;
        }
    }
    mt->parts = xrealloc(mt->parts, (mt->nparts + 1) * sizeof(*mt->parts));
    p = &mt->parts[mt->nparts++];
    p->text = xstrndup(text, len);
    p->len = len;
    p->index = index;
    p->name = name ? xstrdup(name) : NULL;
    p->origin = origin;
    p->truncated = cut;
    mt->bytes += len;
    return 0;
}

struct text_link_ctx {
    struct msg_text *mt;
    size_t index;
};

static void text_keep_link(const struct text_link *l, void *arg)
{
    struct text_link_ctx *c = arg;
    struct msg_text *mt = c->mt;
    struct text_href *h;

    if (mt->lim.max_links > 0 && mt->nlinks >= mt->lim.max_links) {
        mt->hit_links = 1;
        return;
    }
    mt->links = xrealloc(mt->links, (mt->nlinks + 1) * sizeof(*mt->links));
    h = &mt->links[mt->nlinks++];
    h->url = xstrdup(l->url);
    h->anchor = l->anchor ? xstrdup(l->anchor) : NULL;
    h->kind = l->kind;
    h->index = c->index;
}

static void text_part(struct msg_text *mt, const struct mime_part *p)
{
    struct text_link_ctx lc = {mt, p->index};
    struct strbuf b;
    size_t n;
    char *u = text_utf8(p->charset, p->data, p->len, &n, &mt->replaced);

    if (str_casecmp(p->ctype, "text/html") != 0) {
        msg_text_add(mt, u, n, p->index, p->filename, TEXT_PLAIN);
        free(u);
        return;
    }
    strbuf_init(&b, 0);
    text_html(u, n, &b, text_keep_link, &lc);
    free(u);
    msg_text_add(mt, b.data ? b.data : "", b.len, p->index, p->filename,
                 TEXT_HTML);
    strbuf_free(&b);
}

static const char *text_hdr(const struct sl_header *h, size_t n,
                            const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (str_casecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

int text_message(const struct mime_tree *t, const struct sl_header *hdrs,
                 size_t nhdrs, const struct text_limits *lim,
                 struct msg_text **mt_r)
{
    struct msg_text *mt = xcalloc(1, sizeof(*mt));
    size_t i;

    text_init();
    if (lim != NULL)
        mt->lim = *lim;
    mt->subject = text_header(text_hdr(hdrs, nhdrs, "Subject"));
    mt->nfrom = text_addresses(text_hdr(hdrs, nhdrs, "From"), &mt->from);
    mt->nto = text_addresses(text_hdr(hdrs, nhdrs, "To"), &mt->to);
    mt->ncc = text_addresses(text_hdr(hdrs, nhdrs, "Cc"), &mt->cc);
    mt->nreply_to =
        text_addresses(text_hdr(hdrs, nhdrs, "Reply-To"), &mt->reply_to);
    for (i = 0; t != NULL && i < t->nparts; i++)
        if (t->parts[i].is_text)
            text_part(mt, &t->parts[i]);
    *mt_r = mt;
    return 0;
}

void msg_text_free(struct msg_text *mt)
{
    size_t i;

    if (mt == NULL)
        return;
    free(mt->subject);
    text_addrs_free(mt->from, mt->nfrom);
    text_addrs_free(mt->to, mt->nto);
    text_addrs_free(mt->cc, mt->ncc);
    text_addrs_free(mt->reply_to, mt->nreply_to);
    for (i = 0; i < mt->nparts; i++) {
        free(mt->parts[i].text);
        free(mt->parts[i].name);
    }
    free(mt->parts);
    for (i = 0; i < mt->nlinks; i++) {
        free(mt->links[i].url);
        free(mt->links[i].anchor);
    }
    free(mt->links);
    free(mt);
}
