/*
 * content_module_test - sluice-content's eom() on whole messages: DLP on
 * outbound mail only (authenticated or internal client, an external
 * recipient), thresholds and context, the four actions, the numbers in a
 * docx, an xlsx, an odt, a PDF and a zipped docx; URLs (phishing, URL
 * maps, redirectors); bounds on document text; setup errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "clock.h"
#include "content_msg.h"
#include "hostile.h"

#define NOW 1796601600 /* 2026-12-06 */

static const char *const ext_rcpt[] = {"bob@example.net"};
static const char *const int_rcpt[] = {"carol@example.org"};
static const char *const mixed_rcpt[] = {"carol@example.org",
                                         "bob@example.net"};

static const struct cenv outbound_auth = {"198.51.100.7", "alice", NULL,
                                          ext_rcpt, 1};
static const struct cenv outbound_net = {"10.1.2.3", NULL, NULL, mixed_rcpt, 2};
static const struct cenv internal_only = {"10.1.2.3", "alice", NULL, int_rcpt,
                                          1};
static const struct cenv inbound = {"198.51.100.7", NULL, "x@example.net",
                                    int_rcpt, 1};

#define COMMON                                                                 \
    "[common]\nlocal_domains = example.org\n"                                  \
    "internal_networks = 10.0.0.0/8 127.0.0.0/8\n"

/* Five numbers of Skatteverket's, with and without context. */
static const char *five = "811228-9874, 670919-9530, 880320-0016, "
                          "8803200073, 19880320-0099";

static void dlp_direction(void *st)
{
    char *text = xasprintf("Here is the list of personnummer: %s", five);
    char *raw = cmsg_build(NULL, text, NULL, 0);
    struct crun r;

    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_SE_PNR", "count=5"),
       "outbound (SASL) to an external recipient: DLP_SE_PNR, 5 found");
    ok(r.rc == MOD_CONTINUE, "tag: the message goes on");
    cmsg_run_free(&r);
    cmsg_run(st, raw, &outbound_net, &r);
    ok(cmsg_has(&r, "DLP_SE_PNR", NULL),
       "outbound (internal network), one recipient external: found");
    cmsg_run_free(&r);
    cmsg_run(st, raw, &internal_only, &r);
    ok(!cmsg_has(&r, "DLP_SE_PNR", NULL), "internal recipients only: no DLP");
    cmsg_run_free(&r);
    cmsg_run(st, raw, &inbound, &r);
    ok(!cmsg_has(&r, "DLP_SE_PNR", NULL), "inbound from outside: no DLP");
    cmsg_run_free(&r);
    free(raw);
    free(text);
}

static void dlp_thresholds(void *st)
{
    struct crun r;
    char *raw;

    raw = cmsg_build(NULL, "Mitt personnummer är 811228-9874.", NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_SE_PNR", "count=1"), "one number with context fires");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL, "Ref 811228-9874 and 670919-9530.", NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(!cmsg_has(&r, "DLP_SE_PNR", NULL), "two numbers without context: no");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build("From: a@example.org\r\nTo: b@example.net\r\n"
                     "Subject: Personnummer\r\n",
                     "811228-9874", NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_SE_PNR", NULL), "context in the Subject counts");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL, "CPR-nummer: 010203-1234", NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_DK_CPR", NULL), "a CPR number with context");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL,
                     "Order 010203-1234 0102031235 0102031236 0102031237 "
                     "0102031238 0102031239",
                     NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(!cmsg_has(&r, "DLP_DK_CPR", NULL),
       "six CPR-shaped numbers without context: never (no check digit)");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL,
                     "Kort 4111 1111 1111 1111, 5555 5555 5555 4444, "
                     "3782 822463 10005, 6011 1111 1111 1117, "
                     "3056 9309 0259 04",
                     NULL, 0);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_CARD", "count=5"), "five cards");
    cmsg_run_free(&r);
    free(raw);
}

/* The same five numbers in documents. */
static void dlp_documents(void *st)
{
    char *text = xasprintf("Personnummer: %s", five);
    const char *cells[] = {"198112289874", "196709199530", "198803200016",
                           "198803200073", "198803200099"};
    unsigned char *docx, *xlsx, *pdf, *odt, *zip, *tnef;
    size_t ldocx, lxlsx, lpdf, lodt, lzip, ltnef;
    struct centry ze[1];
    struct hx_att ta = {0};
    struct crun r;
    char *raw;

    docx = cmsg_docx(text, &ldocx);
    xlsx = cmsg_xlsx(cells, 5, &lxlsx);
    pdf = cmsg_pdf(text, &lpdf);
    odt = cmsg_odt(text, &lodt);
    ze[0] = (struct centry){"lista.docx", docx, ldocx};
    zip = cmsg_zip(ze, 1, &lzip);
    /* Outlook's winmail.dat carrying the docx (libcommon's reader). */
    ta.long_name = "lista.docx";
    ta.data = docx;
    ta.len = ldocx;
    tnef = hx_tnef(&ta, 1, &ltnef);
    {
        static const char *names[] = {"lista.docx", "lista.xlsx",
                                      "lista.pdf",  "lista.odt",
                                      "lista.zip",  "winmail.dat"};
        static const char *types[] = {
            "application/vnd.openxmlformats-officedocument.wordprocessingml."
            "document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/pdf",
            "application/vnd.oasis.opendocument.text",
            "application/zip",
            "application/ms-tnef"};
        const unsigned char *data[] = {docx, xlsx, pdf, odt, zip, tnef};
        size_t lens[] = {ldocx, lxlsx, lpdf, lodt, lzip, ltnef};

        for (int i = 0; i < 6; i++) {
            struct catt a = {types[i], names[i], data[i], lens[i]};

            raw = cmsg_build(NULL, "See the attachment.", &a, 1);
            cmsg_run(st, raw, &outbound_auth, &r);
            ok(cmsg_has(&r, "DLP_SE_PNR", "count=5"),
               "five numbers in %s found", names[i]);
            cmsg_run_free(&r);
            cmsg_run(st, raw, &inbound, &r);
            ok(!cmsg_has(&r, "DLP_SE_PNR", NULL), "  inbound: not looked at");
            cmsg_run_free(&r);
            free(raw);
        }
    }
    free(docx);
    free(xlsx);
    free(pdf);
    free(odt);
    free(zip);
    free(tnef);
    free(text);
}

/* The archive bounds of [content] (libcommon's reader): a docx in a zip
 * in a zip past archive_max_depth, and past archive_max_total. */
static void archive_bounds(void)
{
    char *text = xasprintf("Personnummer: %s", five);
    unsigned char *docx, *zip1, *zip2;
    size_t ldocx, lzip1, lzip2;
    struct centry ze[1];
    struct catt a;
    struct crun r;
    struct cfg *c;
    void *st;
    char *raw;

    docx = cmsg_docx(text, &ldocx);
    ze[0] = (struct centry){"lista.docx", docx, ldocx};
    zip1 = cmsg_zip(ze, 1, &lzip1);
    ze[0] = (struct centry){"inner.zip", zip1, lzip1};
    zip2 = cmsg_zip(ze, 1, &lzip2);
    a = (struct catt){"application/zip", "outer.zip", zip2, lzip2};
    raw = cmsg_build(NULL, "See the attachment.", &a, 1);
    c = cmsg_load(COMMON "[content]\ndlp_action = tag\n", &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "DLP_SE_PNR", "count=5") &&
           !cmsg_has(&r, "CONTENT_ARCHIVE_LIMIT", NULL),
       "a docx in a zip in a zip: read (depth 3 of 4)");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON "[content]\ndlp_action = tag\narchive_max_depth = 0\n",
                  &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "CONTENT_ARCHIVE_LIMIT",
                "archive_max_depth_in_inner.zip_in_outer.zip") &&
           !cmsg_has(&r, "DLP_SE_PNR", NULL),
       "archive_max_depth = 0: CONTENT_ARCHIVE_LIMIT naming the bound and "
       "the archive, the docx not read");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON
                  "[content]\ndlp_action = tag\narchive_max_total = 1024\n",
                  &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(cmsg_has(&r, "CONTENT_ARCHIVE_LIMIT", "archive_max_total"),
       "archive_max_total: CONTENT_ARCHIVE_LIMIT");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    free(raw);
    free(docx);
    free(zip1);
    free(zip2);
    free(text);
}

static void dlp_actions(void)
{
    struct cfg *c;
    void *st;
    struct crun r;
    struct cfg_errors errs;
    char *raw = cmsg_build(NULL, "personnummer 811228-9874", NULL, 0);

    c = cmsg_load(COMMON "[content]\ndlp_action = reject\n", &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(r.rc == MOD_REJECT && strcmp(r.out.reply.rcode, "550") == 0 &&
           strstr(r.out.reply.text, "Swedish personal identity numbers"),
       "reject: 550 telling the sender why (%s %s)", r.out.reply.rcode,
       r.out.reply.text);
    ok(strstr(r.out.reply.text, "811228") == NULL, "the reply has no number");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON
                  "reply_language = sv\n[content]\ndlp_action = reject\n",
                  &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(r.rc == MOD_REJECT && strstr(r.out.reply.text, "svenska personnummer"),
       "reject in Swedish: %s", r.out.reply.text);
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON
                  "reply_language = fi\n[content]\ndlp_action = reject\n",
                  &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(r.rc == MOD_REJECT && strstr(r.out.reply.text, "henkil"),
       "reject in Finnish: %s", r.out.reply.text);
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON "[content]\ndlp_action = report\n", &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(r.rc == MOD_CONTINUE && !cmsg_has(&r, "DLP_SE_PNR", NULL),
       "report: logged only, no symbol");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON "force_actions = DLP_QUARANTINE=quarantine\n"
                         "[content]\ndlp_action = quarantine\n",
                  &st, NULL);
    cmsg_run(st, raw, &outbound_auth, &r);
    ok(r.rc == MOD_CONTINUE && cmsg_has(&r, "DLP_QUARANTINE", "se_pnr") &&
           cmsg_score(&r, "DLP_SE_PNR") == 0,
       "quarantine: DLP_QUARANTINE for the enforcer's force_actions");
    cmsg_run_free(&r);
    cmsg_unload(c, st);
    c = cmsg_load(COMMON "[content]\ndlp_action = quarantine\n", &st, &errs);
    ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "force_actions"),
       "quarantine without the force_actions entry: a config error");
    cfg_errors_free(&errs);
    c = cmsg_load(COMMON "[content]\ndlp_detectors = se_pnr xx_foo\n", &st,
                  &errs);
    ok(c == NULL && errs.n == 1 && strstr(errs.v[0], "xx_foo"),
       "an unknown detector: a config error");
    cfg_errors_free(&errs);
    free(raw);
}

static void urls(void *st)
{
    const char *html =
        "<html><body><a href=\"https://login.evil.test/paypal\">"
        "https://www.paypal.com/signin</a> <a href=\"https://www.example.org/"
        "a\">www.example.org</a> <a href=\"https://www.google.com/url?q="
        "https%3A%2F%2Fwww.bank.example%2F\">www.bank.example</a></body>"
        "</html>";
    char *raw = xasprintf(
        "From: a@example.net\r\nTo: b@example.org\r\nSubject: x\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        "%s\r\n",
        html);
    struct crun r;

    cmsg_run(st, raw, &inbound, &r);
    ok(cmsg_has(&r, "CONTENT_PHISHING", "login.evil.test"),
       "an anchor showing paypal.com linking elsewhere: CONTENT_PHISHING");
    ok(cmsg_score(&r, "CONTENT_PHISHING") == 5, "  scored phishing_score");
    ok(cmsg_has(&r, "CONTENT_URL_DENY", "denied.example") == 0,
       "  no URL map hit");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL, "Visit http://www.denied.example/x now", NULL, 0);
    cmsg_run(st, raw, &inbound, &r);
    ok(cmsg_has(&r, "CONTENT_URL_DENY", "www.denied.example") &&
           cmsg_score(&r, "CONTENT_URL_DENY") == 7,
       "url_deny: the map's score");
    cmsg_run_free(&r);
    free(raw);
}

int main(void)
{
    struct cfg *c;
    void *st;

    clock_fake_set(NOW, 1000.0);
    c = cmsg_load(COMMON
                  "[content]\ndlp_action = tag\n"
                  "url_deny = domain:@SRCDIR@/t/data/content/deny.domain\n",
                  &st, NULL);
    if (!ok(c != NULL, "configuration loads"))
        return done_testing();
    dlp_direction(st);
    dlp_thresholds(st);
    dlp_documents(st);
    urls(st);
    cmsg_unload(c, st);
    dlp_actions();
    archive_bounds();
    return done_testing();
}
