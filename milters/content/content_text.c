/*
 * content_text - the text of documents: OOXML and ODF (their XML members,
 * libxml2), PDF (poppler-glib), CSV and plain text attachments.
 *
 * SYNOPSIS
 *	enum content_doc_kind k = content_doc_kind(name, ctype, data, len,
 *	                                           in_archive);
 *	content_text_pdf(data, len, max_pages, deadline, &out, &hit);
 *	content_text_xml(data, len, &out);
 *	content_doc_text(s, file);
 *
 * DESCRIPTION
 *	content_doc_kind() tells what a file's text is read as: a PDF
 *	("%PDF-" in its first kilobyte); an archive member that holds a
 *	document's text (word/document.xml, headers, footers, notes and
 *	comments of a docx; xl/sharedStrings.xml and the worksheets of an
 *	xlsx; the slides and notes of a pptx; content.xml of an ODF
 *	document); CSV or text by name (.csv, .tsv, .txt) or declared
 *	type (text/csv, text/plain attachments) when its first kilobyte
 *	has no NUL.  A docx itself is a zip: content_files.c opens it and
 *	its members come back here.
 *
 *	content_text_xml() appends the text of an XML document (libxml2,
 *	no network, no external entities, recovering): text nodes, a line
 *	break after paragraphs, rows and shared strings (p, h, si, row,
 *	tr, br, cr), a blank after cells and tabs (c, tc, table-cell, tab,
 *	s).  content_text_pdf() appends the text of each page
 *	(poppler_page_get_text()) up to max_pages and while the monotonic
 *	deadline has not passed (*hit_r tells when either stopped it);
 *	poppler's global state is not thread-safe, so PDFs are read one at
 *	a time, and it is kept alive by a tiny document that stays open
 *	(poppler would rebuild it for every PDF).  Both return 0, or -1 when the document cannot be read.
 *
 *	content_doc_text() reads one file of the walk when the scan wants
 *	documents: within document_max_bytes per file, document_max_time
 *	per message and the message's text_max_bytes; a bound that stops
 *	it sets s->doc_limit_hit (CONTENT_TEXT_LIMIT).  The text joins the
 *	message's (text.h: TEXT_DOCUMENT), named after the file.
 *
 * OWNERSHIP
 *	Nothing is kept: libxml2 and poppler objects are freed before the
 *	calls return.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <poppler.h>

#include "clock.h"
#include "content.h"

#define DOC_XML_MAX_DEPTH 256

static pthread_mutex_t pdf_lock = PTHREAD_MUTEX_INITIALIZER;
static PopplerDocument *pdf_pin; /* keeps poppler's GlobalParams alive */

/* Which files. */
static int doc_glob_num(const char *name, const char *prefix,
                        const char *suffix)
{
    size_t p = strlen(prefix), n = strlen(name), s = strlen(suffix), i;

    if (n < p + s || strncmp(name, prefix, p) != 0 ||
        strcmp(name + n - s, suffix) != 0)
        return 0;
    for (i = p; i < n - s; i++)
        if (name[i] < '0' || name[i] > '9')
            return 0;
    return 1;
}

static int doc_xml_member(const char *name)
{
    static const char *const exact[] = {"word/document.xml",
                                        "word/footnotes.xml",
                                        "word/endnotes.xml",
                                        "word/comments.xml",
                                        "xl/sharedStrings.xml",
                                        "content.xml",
                                        NULL};

    for (const char *const *e = exact; *e; e++)
        if (strcmp(name, *e) == 0)
            return 1;
    return doc_glob_num(name, "word/header", ".xml") ||
           doc_glob_num(name, "word/footer", ".xml") ||
           doc_glob_num(name, "xl/worksheets/sheet", ".xml") ||
           doc_glob_num(name, "ppt/slides/slide", ".xml") ||
           doc_glob_num(name, "ppt/notesSlides/notesSlide", ".xml");
}

static int doc_has_nul(const unsigned char *d, size_t len)
{
    return memchr(d, '\0', len < 1024 ? len : 1024) != NULL;
}

enum content_doc_kind content_doc_kind(const char *name, const char *ctype,
                                       const unsigned char *data, size_t len,
                                       int in_archive)
{
    size_t head = len < 1024 ? len : 1024;

    for (size_t i = 0; i + 5 <= head; i++)
        if (memcmp(data + i, "%PDF-", 5) == 0)
            return DOCK_PDF;
    if (in_archive && name != NULL && doc_xml_member(name))
        return DOCK_XML;
    if (doc_has_nul(data, len))
        return DOCK_NONE;
    if (name != NULL &&
        (str_has_suffix_ci(name, ".csv") || str_has_suffix_ci(name, ".tsv") ||
         str_has_suffix_ci(name, ".txt")))
        return DOCK_TEXT;
    if (ctype != NULL && (str_casecmp(ctype, "text/csv") == 0 ||
                          str_casecmp(ctype, "text/plain") == 0))
        return DOCK_TEXT;
    return DOCK_NONE;
}

/* XML. */
static int doc_is(const xmlNode *n, const char *const *names)
{
    for (; *names; names++)
        if (strcmp((const char *)n->name, *names) == 0)
            return 1;
    return 0;
}

static void doc_xml_node(const xmlNode *n, struct strbuf *out, int depth)
{
    static const char *const line[] = {"p",  "h",  "si", "row",
                                       "tr", "br", "cr", NULL};
    static const char *const blank[] = {"c",   "tc", "table-cell",
                                        "tab", "s",  NULL};

    if (depth > DOC_XML_MAX_DEPTH)
        return;
    for (; n != NULL; n = n->next) {
        if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
            n->content != NULL)
            strbuf_puts(out, (const char *)n->content);
        if (n->type != XML_ELEMENT_NODE)
            continue;
        doc_xml_node(n->children, out, depth + 1);
        if (doc_is(n, line))
            strbuf_append(out, "\n", 1);
        else if (doc_is(n, blank))
            strbuf_append(out, " ", 1);
    }
}

int content_text_xml(const unsigned char *data, size_t len, struct strbuf *out)
{
    xmlDocPtr doc;

    text_init();
    if (len > (size_t)INT32_MAX)
        return -1;
    doc = xmlReadMemory((const char *)data, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR |
                            XML_PARSE_NOWARNING | XML_PARSE_RECOVER);
    if (doc == NULL)
        return -1;
    doc_xml_node(xmlDocGetRootElement(doc), out, 0);
    xmlFreeDoc(doc);
    return 0;
}

/* PDF. */
static int doc_pdf_pages(PopplerDocument *doc, long long max_pages,
                         double deadline, struct strbuf *out, int *hit_r)
{
    int i, n = poppler_document_get_n_pages(doc);
    PopplerPage *page;
    char *t;

    for (i = 0; i < n; i++) {
        if (i >= max_pages || (deadline > 0 && clock_mono() > deadline) ||
            out->over) {
            *hit_r = 1;
            break;
        }
        if ((page = poppler_document_get_page(doc, i)) == NULL)
            continue;
        if ((t = poppler_page_get_text(page)) != NULL) {
            strbuf_puts(out, t);
            strbuf_append(out, "\n", 1);
            g_free(t);
        }
        g_object_unref(page);
    }
    return 0;
}

/* poppler builds its global parameters (fonts, encodings) with the first
 * document and drops them with the last one: without a document that
 * stays, every PDF would pay for them again.  Called with pdf_lock held. */
static void doc_pdf_pin(void)
{
    static const char tiny[] =
        "%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        "2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n"
        "%%EOF\n";
    GBytes *b;

    if (pdf_pin != NULL)
        return;
    b = g_bytes_new_static(tiny, sizeof(tiny) - 1);
    pdf_pin = poppler_document_new_from_bytes(b, NULL, NULL);
    g_bytes_unref(b);
}

int content_text_pdf(const unsigned char *data, size_t len, long long max_pages,
                     double deadline, struct strbuf *out, int *hit_r)
{
    PopplerDocument *doc;
    GError *err = NULL;
    GBytes *bytes;
    int rc = -1;

    *hit_r = 0;
    pthread_mutex_lock(&pdf_lock);
    doc_pdf_pin();
    bytes = g_bytes_new_static(data, len);
    doc = poppler_document_new_from_bytes(bytes, NULL, &err);
    if (doc != NULL) {
        rc = doc_pdf_pages(doc, max_pages, deadline, out, hit_r);
        g_object_unref(doc);
    }
    if (err != NULL)
        g_error_free(err);
    g_bytes_unref(bytes);
    pthread_mutex_unlock(&pdf_lock);
    return rc;
}

/* One file of the walk. */
static void doc_limit(struct content_scan *s, const char *which)
{
    s->doc_limit_hit = 1;
    if (s->doc_limit == NULL)
        s->doc_limit = which;
}

static void doc_add(struct content_scan *s, const struct content_file *f,
                    const char *charset, const char *text, size_t len)
{
    char *label = content_file_label(f), *u;
    size_t n;

    u = text_utf8(charset, text, len, &n, NULL);
    msg_text_add(s->mt, u, n, f->index, label, TEXT_DOCUMENT);
    free(u);
    free(label);
}

void content_doc_text(struct content_scan *s, const struct content_file *f)
{
    enum content_doc_kind k = content_doc_kind(f->name, f->ctype, f->data,
                                               f->len, f->container != NULL);
    const struct content_conf *c = s->conf;
    size_t left;
    struct strbuf b;
    int hit = 0;

    if (k == DOCK_NONE)
        return;
    if (s->doc_deadline == 0)
        s->doc_deadline = clock_mono() + (double)c->document_max_time / 1000.0;
    left = s->mt->bytes < (size_t)c->text_max_bytes
               ? (size_t)c->text_max_bytes - s->mt->bytes
               : 0;
    if (clock_mono() > s->doc_deadline || left == 0 ||
        (long long)f->len > c->document_max_bytes) {
        doc_limit(s, left == 0 ? "text_max_bytes"
                     : (long long)f->len > c->document_max_bytes
                         ? "document_max_bytes"
                         : "document_max_time");
        return;
    }
    strbuf_init(&b, left);
    if (k == DOCK_PDF)
        content_text_pdf(f->data, f->len, c->pdf_max_pages, s->doc_deadline, &b,
                         &hit);
    else if (k == DOCK_XML)
        content_text_xml(f->data, f->len, &b);
    else
        strbuf_append(&b, f->data, f->len);
    if (hit)
        doc_limit(s, clock_mono() > s->doc_deadline ? "document_max_time"
                                                    : "pdf_max_pages");
    if (b.over)
        doc_limit(s, "text_max_bytes");
    if (b.len > 0)
        doc_add(s, f, k == DOCK_TEXT ? NULL : "utf-8", b.data, b.len);
    strbuf_free(&b);
}
