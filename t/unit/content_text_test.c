/*
 * content_text_test - what the checks of sluice-content see: charsets to
 * UTF-8, HTML to text and links (libcommon text), RFC 2047 headers and
 * addresses, URLs in text and HTML (libcommon url: IDN, percent-encoding,
 * redirectors, registrable domains), and the text of documents (docx,
 * xlsx, odt, PDF) read by content_text.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "content_msg.h"
#include "text.h"
#include "url.h"

static void charsets(void)
{
    static const struct {
        const char *charset, *in, *out;
        size_t replaced;
    } t[] = {
        {"iso-8859-1", "Sch\xf6ne Gr\xfc\xdf\x65", "Schöne Grüße", 0},
        {"ISO_8859-15", "\xa4uro", "€uro", 0},
        {"utf-8", "ok \xff\xfe bad", "ok \xef\xbf\xbd\xef\xbf\xbd bad", 2},
        {"utf-8", "caf\xc3\xa9", "café", 0},
        {NULL, "caf\xe9", "café", 0},           /* not UTF-8: cp1252 */
        {"us-ascii", "caf\xc3\xa9", "café", 0}, /* 8-bit in "ascii" */
        {"x-unknown-charset", "na\xefve", "naïve", 0},
        {"windows-1252", "\x93quoted\x94", "“quoted”", 0},
        {"koi8-r", "\xf0\xd2\xc9\xd7\xc5\xd4", "Привет", 0},
        {"shift_jis", "\x82\xa0", "あ", 0},
        {"utf-8", "a\0b", "a b", 0},
    };
    size_t len, rep;
    char *u;

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        rep = 0;
        len = strlen(t[i].in) + (i == 10 ? 2 : 0);
        u = text_utf8(t[i].charset, t[i].in, len, NULL, &rep);
        ok(strcmp(u, t[i].out) == 0 && rep == t[i].replaced,
           "text_utf8 %s: \"%s\" (%zu replaced)",
           t[i].charset ? t[i].charset : "(none)", u, rep);
        free(u);
    }
}

static void headers(void)
{
    struct text_addr *a;
    size_t n;
    char *s;

    s = text_header(
        "=?UTF-8?B?UmVjaG51bmcg4oKsIDQy?= =?ISO-8859-1?Q?Gr=FC=DFe?=");
    is_str(s, "Rechnung € 42Grüße", "RFC 2047 words, two charsets");
    free(s);
    s = text_header("plain\r\n folded");
    is_str(s, "plain folded", "unfolded (RFC 5322)");
    free(s);
    n = text_addresses(
        "=?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <Juergen@Sender.TEST>,"
        " team: a@b.example, c@d.example;",
        &a);
    ok(n == 3, "three addresses (a group walked)");
    if (n == 3) {
        is_str(a[0].name, "Jürgen Müller", "display name decoded");
        is_str(a[0].addr, "Juergen@sender.test", "domain lower-cased");
        is_str(a[2].addr, "c@d.example", "group member");
    }
    text_addrs_free(a, n);
}

struct links {
    char buf[2048];
};

static void keep_link(const struct text_link *l, void *arg)
{
    struct links *k = arg;
    size_t n = strlen(k->buf);

    snprintf(k->buf + n, sizeof(k->buf) - n, "[%d %s|%s]", l->kind, l->url,
             l->anchor ? l->anchor : "-");
}

static void html(void)
{
    struct strbuf b;
    struct links k = {""};
    const char *h =
        "<html><head><title>T</title><style>p{}</style>"
        "<meta charset=\"iso-8859-1\"></head><body><p>Hello &amp; "
        "welcome,<br>world</p><script>var x='hidden';</script>"
        "<div>Line\n  two</div><a href=\"https://paypal.com.evil.test/x\">"
        "www.paypal.com</a><img src=\"http://img.example/p.gif\">"
        "<form action=\"http://form.example/post\"></form>"
        "<table><tr><td>a</td><td>b</td></tr></table>Grüße</body></html>";

    strbuf_init(&b, 0);
    text_html(h, strlen(h), &b, keep_link, &k);
    is_str(b.data,
           "Hello & welcome,\nworld\nLine two\nwww.paypal.com\na b\nGrüße",
           "HTML reduced to text (blocks, entities, no script/style/head)");
    is_str(k.buf,
           "[0 https://paypal.com.evil.test/x|www.paypal.com]"
           "[1 http://img.example/p.gif|-][2 http://form.example/post|-]",
           "links: href with its anchor text, src, form action");
    strbuf_free(&b);
    strbuf_init(&b, 0);
    text_html("<p>unclosed <b>bold <i>it", 25, &b, NULL, NULL);
    is_str(b.data, "unclosed bold it", "broken HTML recovers");
    strbuf_free(&b);
    /* A block inside an anchor takes back the blank before the anchor:
     * the anchor's text must not start after the end (fuzz crash). */
    strbuf_init(&b, 0);
    k.buf[0] = '\0';
    h = "<pre>x\n <a href=\"http://a.example/\"><div></div></a></pre>";
    text_html(h, strlen(h), &b, keep_link, &k);
    is_str(b.data, "x", "an empty block in an anchor after a blank (pre)");
    is_str(k.buf, "[0 http://a.example/|]", "... its anchor text is empty");
    strbuf_free(&b);
}

struct found {
    char buf[2048];
};

static void found_cb(const char *s, size_t len, void *arg)
{
    struct found *f = arg;
    size_t n = strlen(f->buf);

    snprintf(f->buf + n, sizeof(f->buf) - n, "[%.*s]", (int)len, s);
}

static void urls_in_text(void)
{
    static const struct {
        const char *text, *want;
    } t[] = {
        {"See https://example.org/a?b=1.", "[https://example.org/a?b=1]"},
        {"(see http://example.org/wiki/Foo_(bar)) and www.test.example/x,",
         "[http://example.org/wiki/Foo_(bar)][www.test.example/x]"},
        {"<https://a.example/>", "[https://a.example/]"},
        {"IDN: https://bücher.example/ö more", "[https://bücher.example/ö]"},
        {"defanged hxxp://bad.example/p", "[hxxp://bad.example/p]"},
        {"mail me at x@www.example.org", ""},
        {"nbsp http://a.example/\xc2\xa0next", "[http://a.example/]"},
        {"“http://q.example/”", "[http://q.example/]"},
        {"ftp://files.example/f.zip!", "[ftp://files.example/f.zip]"},
    };

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        struct found f = {""};

        url_find(t[i].text, strlen(t[i].text), found_cb, &f);
        is_str(f.buf, t[i].want, t[i].text);
    }
}

static void url_parsing(void)
{
    static const struct {
        const char *in, *url, *host, *domain;
    } t[] = {
        {"HTTP://WWW.Example.COM./x?y=1#frag", "http://www.example.com/x?y=1",
         "www.example.com", "example.com"},
        {"https://Bücher.example/a%20b", "https://xn--bcher-kva.example/a%20b",
         "xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"http://%65xample.co.uk/p", "http://example.co.uk/p", "example.co.uk",
         "example.co.uk"},
        {"http://3232235777/", "http://192.168.1.1/", "192.168.1.1",
         "192.168.1.1"},
        {"www.shop.example.com/cart", "http://www.shop.example.com/cart",
         "www.shop.example.com", "example.com"},
        {"hxxps://evil.example/", "https://evil.example/", "evil.example",
         "evil.example"},
        {"http://user:pw@host.a.b.co.uk:8080/p",
         "http://user:pw@host.a.b.co.uk:8080/p", "host.a.b.co.uk", "b.co.uk"},
        {"http://[2001:db8::1]/x", "http://[2001:db8::1]/x", "2001:db8::1",
         "2001:db8::1"},
    };
    static const char *const bad[] = {"mailto:a@b.example",
                                      "javascript:x()",
                                      "http://exa mple.com/",
                                      "http://a<b/",
                                      "",
                                      "http://"};
    struct url u;

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        if (!ok(url_parse(t[i].in, strlen(t[i].in), &u) == 0, "parse %s",
                t[i].in))
            continue;
        is_str(u.url, t[i].url, "  normalised");
        is_str(u.host, t[i].host, "  host");
        is_str(u.domain, t[i].domain, "  registrable domain");
        url_free(&u);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        ok(url_parse(bad[i], strlen(bad[i]), &u) < 0, "not a URL: \"%s\"",
           bad[i]);
}

static void redirectors(void)
{
    static const struct {
        const char *in, *target;
    } t[] = {
        {"https://www.google.com/url?q=https%3A%2F%2Fevil.example%2Fx&sa=D",
         "https://evil.example/x"},
        {"https://eur01.safelinks.protection.outlook.com/?url=http%3A%2F%2F"
         "phish.example%2Flogin&data=abc",
         "http://phish.example/login"},
        {"https://l.facebook.com/l.php?u=https%3A%2F%2Fx.example%2F&h=AT0",
         "https://x.example/"},
        {"https://www.google.com/search?q=kittens", NULL},
        {"https://example.org/?next=/home", NULL},
    };
    struct url u;
    char *r;

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        if (url_parse(t[i].in, strlen(t[i].in), &u) < 0) {
            ok(0, "parse %s", t[i].in);
            continue;
        }
        r = url_redirect_target(&u);
        is_str(r, t[i].target, t[i].in);
        free(r);
        url_free(&u);
    }
}

static void documents(void)
{
    const char *num = "Personnummer 811228-9874";
    const char *cells[] = {"198112289874", "196709199530"};
    unsigned char *d;
    struct strbuf b;
    size_t len;
    int hit;

    d = cmsg_pdf("Minutes of the meeting\nPersonnummer 811228-9874", &len);
    ok(content_doc_kind("m.pdf", NULL, d, len, 0) == DOCK_PDF, "a PDF");
    strbuf_init(&b, 0);
    ok(content_text_pdf(d, len, 10, 0, &b, &hit) == 0 && b.data &&
           strstr(b.data, "811228-9874") && strstr(b.data, "Minutes"),
       "PDF text (poppler): \"%s\"", b.data ? b.data : "");
    strbuf_free(&b);
    strbuf_init(&b, 0);
    ok(content_text_pdf((const unsigned char *)"%PDF-1.4 garbage", 16, 10, 0,
                        &b, &hit) < 0,
       "a broken PDF is not readable, no crash");
    strbuf_free(&b);
    free(d);
    ok(content_doc_kind("word/document.xml", NULL, (const unsigned char *)"<",
                        1, 1) == DOCK_XML &&
           content_doc_kind("xl/worksheets/sheet12.xml", NULL,
                            (const unsigned char *)"<", 1, 1) == DOCK_XML &&
           content_doc_kind("content.xml", NULL, (const unsigned char *)"<", 1,
                            1) == DOCK_XML &&
           content_doc_kind("word/document.xml", NULL,
                            (const unsigned char *)"<", 1, 0) == DOCK_NONE,
       "document members by name, inside an archive only");
    ok(content_doc_kind("list.csv", NULL, (const unsigned char *)"a,b", 3, 0) ==
               DOCK_TEXT &&
           content_doc_kind("x.bin", "text/plain", (const unsigned char *)"a",
                            1, 0) == DOCK_TEXT &&
           content_doc_kind("x.csv", NULL, (const unsigned char *)"a\0b", 3,
                            0) == DOCK_NONE,
       "CSV and text by name or type, not binary");
    strbuf_init(&b, 0);
    {
        const char *x = "<?xml version=\"1.0\"?><w:document xmlns:w=\"u\">"
                        "<w:body><w:p><w:r><w:t>Person</w:t></w:r><w:r><w:t>"
                        "nummer</w:t></w:r></w:p><w:p><w:r><w:t>811228-9874"
                        "</w:t></w:r></w:p></w:body></w:document>";

        content_text_xml((const unsigned char *)x, strlen(x), &b);
        is_str(b.data, "Personnummer\n811228-9874\n",
               "docx XML: runs joined, paragraphs on lines");
    }
    strbuf_free(&b);
    strbuf_init(&b, 0);
    {
        const char *x = "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY e SYSTEM "
                        "\"file:///etc/passwd\">]><r>&e;safe</r>";

        content_text_xml((const unsigned char *)x, strlen(x), &b);
        ok(b.data == NULL || strstr(b.data, "root:") == NULL,
           "no external entity is read");
    }
    strbuf_free(&b);
    d = cmsg_xlsx(cells, 2, &len);
    ok(d != NULL && len > 0, "an xlsx is built");
    free(d);
    (void)num;
}

int main(void)
{
    text_init();
    url_init();
    charsets();
    headers();
    html();
    urls_in_text();
    url_parsing();
    redirectors();
    documents();
    return done_testing();
}
