/*
 * reply_test - SMTP reply templates: languages per recipient domain,
 * placeholders, info URL, ASCII-only output, no symbol names.
 *
 * Data: t/data/maps/lang.domain (found via $top_srcdir).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "maps.h"
#include "reply.h"
#include "tap.h"

/* A module's own table, as a test registers it (t/testmod has these). */
static const struct reply_template test_replies[] = {
    {"test_module",
     "550",
     "5.7.1",
     {"Refused by a test rule.", "Avvisat av en testregel.",
      "Hylätty testisäännön perusteella."}},
    {"test_score",
     "550",
     "5.7.1",
     {"Refused by a test rule.", "Avvisat av en testregel.",
      "Hylätty testisäännön perusteella."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

static const char *const reasons[] = {
    "attach_banned_ext",
    "attach_double_ext",
    "attach_unicode_trick",
    "attach_disguised_exe",
    "attach_archive_banned",
    "attach_encrypted",
    "attach_archive_bomb",
    "attach_macro",
    "attach_too_big",
    "attach_too_many_parts",
    "attach_too_many_attachments",
    "attach_mime_unreadable",
    "attach_signed_strip",
    "sluice_forged_result",
    "policy",
    "greylist",
    "tempfail",
    "error",
    "too_many_header_lines",
    "too_many_header_bytes",
    "test_module",
    "test_score",
};

static void test_lang_for(struct map *m)
{
    static const struct {
        const char *rcpt;
        int use_map;
        enum reply_lang def, want;
    } c[] = {
        {"user@example.org", 1, LANG_EN, LANG_SV},
        {"<user@www.example.org>", 1, LANG_EN, LANG_SV},
        {"user@a.sub.example.org", 1, LANG_SV, LANG_FI},
        {"user@mail.example.fi", 1, LANG_EN, LANG_FI},
        {"User@Example.NET", 1, LANG_FI, LANG_EN},
        {"user@unknown.test", 1, LANG_FI, LANG_FI},
        {"user@klingon.test", 1, LANG_SV, LANG_SV}, /* bad value */
        {"", 1, LANG_SV, LANG_SV},
        {NULL, 1, LANG_FI, LANG_FI},
        {"user@example.org", 0, LANG_FI, LANG_FI}, /* no map */
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        enum reply_lang l =
            reply_lang_for(c[i].rcpt, c[i].use_map ? m : NULL, c[i].def);

        ok(l == c[i].want, "language for %s%s (default %s) is %s",
           c[i].rcpt ? c[i].rcpt : "(null)", c[i].use_map ? "" : " w/o map",
           reply_lang_name(c[i].def), reply_lang_name(c[i].want));
    }
}

static const struct {
    const char *name;
    const char *reason;
    enum reply_lang lang;
    const char *file, *limit, *url;
    int rc;
    const char *rcode, *xcode, *text;
} cases[] = {
    {"banned extension, English", "attach_banned_ext", LANG_EN, "invoice.exe",
     NULL, NULL, 0, "550", "5.7.1",
     "Attachment invoice.exe was refused: files of this type are not "
     "accepted here."},
    {"banned extension, Swedish transliterated", "attach_banned_ext", LANG_SV,
     "invoice.exe", NULL, NULL, 0, "550", "5.7.1",
     "Bilagan invoice.exe avvisades: filer av denna typ tas inte emot av "
     "mottagarservern."},
    {"banned extension, Finnish transliterated", "attach_banned_ext", LANG_FI,
     "invoice.exe", NULL, NULL, 0, "550", "5.7.1",
     "Liite invoice.exe hylattiin: tamantyyppisia tiedostoja ei oteta "
     "vastaan taalla."},
    {"too big states the limit", "attach_too_big", LANG_EN, NULL, "10 MB", NULL,
     0, "552", "5.3.4", "The message is too big: the limit here is 10 MB."},
    {"too many parts, Swedish", "attach_too_many_parts", LANG_SV, NULL, "100",
     NULL, 0, "550", "5.7.1",
     "Meddelandet avvisades: antalet delar overskrider gransen 100."},
    {"too many attachments, Finnish", "attach_too_many_attachments", LANG_FI,
     NULL, "20", NULL, 0, "550", "5.7.1",
     "Viestissa on liian monta liitetta: taalla hyvaksytaan enintaan 20."},
    {"greylist is 451 4.7.1", "greylist", LANG_EN, NULL, NULL, NULL, 0, "451",
     "4.7.1",
     "This message was delayed by greylisting; please try again in a few "
     "minutes."},
    {"tempfail is 451 4.3.0", "tempfail", LANG_EN, NULL, NULL, NULL, 0, "451",
     "4.3.0",
     "Temporary problem checking this message; please try again later."},
    {"policy with info URL", "policy", LANG_EN, NULL, NULL,
     "https://example.org/mailpolicy", 0, "550", "5.7.1",
     "This message was refused by the content policy of this site. (see "
     "https://example.org/mailpolicy)"},
    {"info URL in Swedish too", "attach_macro", LANG_SV, "a.docm", NULL,
     "https://example.org/p", 0, "550", "5.7.1",
     "Bilagan a.docm avvisades: dokument med makron tas inte emot av "
     "mottagarservern. (se https://example.org/p)"},
    {"unknown reason -> generic policy reply, rc -1", "no_such_reason", LANG_EN,
     NULL, NULL, NULL, -1, "550", "5.7.1",
     "This message was refused by the content policy of this site."},
    {"reason keys are case-insensitive", "ATTACH_MACRO", LANG_EN, "m.xlsm",
     NULL, NULL, 0, "550", "5.7.1",
     "Attachment m.xlsm was refused: documents with macros are not accepted "
     "here."},
    {"test rule, Finnish", "test_module", LANG_FI, NULL, NULL, NULL, 0, "550",
     "5.7.1", "Hylatty testisaannon perusteella."},
    {"missing argument expands to nothing", "attach_encrypted", LANG_EN, NULL,
     NULL, NULL, 0, "550", "5.7.1",
     "Attachment  was refused: it is an encrypted archive that could not be "
     "checked."},
    {"non-ASCII in an argument becomes '?'", "attach_banned_ext", LANG_EN,
     "r\xc3\xa4kning \xe2\x82\xac.exe", NULL, NULL, 0, "550", "5.7.1",
     "Attachment r?kning ?.exe was refused: files of this type are not "
     "accepted here."},
    {"CR, LF and '%' in an argument become '?'", "attach_banned_ext", LANG_EN,
     "a\r\nb%s.exe", NULL, NULL, 0, "550", "5.7.1",
     "Attachment a??b?s.exe was refused: files of this type are not accepted "
     "here."},
    {"long argument is cut", "attach_banned_ext", LANG_EN,
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "012345678901234567890123456789_and_more.exe",
     NULL, NULL, 0, "550", "5.7.1",
     "Attachment "
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "012345678901234567890123456789... was refused: files of this type are "
     "not accepted here."},
};

static void test_build(void)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        struct reply_arg args[] = {
            {"file", cases[i].file},
            {"limit", cases[i].limit},
        };
        struct reply r;
        int rc = reply_build(&r, cases[i].reason, cases[i].lang, cases[i].url,
                             args, 2);
        int good = rc == cases[i].rc && strcmp(r.rcode, cases[i].rcode) == 0 &&
                   strcmp(r.xcode, cases[i].xcode) == 0 &&
                   strcmp(r.text, cases[i].text) == 0;

        ok(good, "reply: %s", cases[i].name);
        if (!good)
            diag("got rc=%d %s %s %s", rc, r.rcode, r.xcode, r.text);
    }
}

/* Every template in every language: ASCII, no symbol name, sane codes. */
static void test_every_template(void)
{
    for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++) {
        int good = reply_known(reasons[i]);

        for (int l = 0; l < LANG_COUNT && good; l++) {
            struct reply_arg args[] = {{"file", "x.exe"}, {"limit", "5"}};
            struct reply r;

            if (reply_build(&r, reasons[i], (enum reply_lang)l, NULL, args, 2) <
                0)
                good = 0;
            for (const char *p = r.text; *p && good; p++)
                if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
                    good = 0;
            if (strstr(r.text, "ATTACH_") || strstr(r.text, "TEST_") ||
                strstr(r.text, "SLUICE_") || strstr(r.text, "%{") ||
                strlen(r.text) < 10 || r.rcode[0] != r.xcode[0])
                good = 0;
            if (!good)
                diag("%s/%s: %s %s %s", reasons[i],
                     reply_lang_name((enum reply_lang)l), r.rcode, r.xcode,
                     r.text);
        }
        ok(good, "template %s: known, ASCII in en/sv/fi, no symbol names",
           reasons[i]);
    }
    ok(!reply_known("nope") && !reply_known(NULL), "reply_known: unknown");
}

static void test_bounds(void)
{
    char url[1000], file[1000];
    struct reply_arg args[] = {{"file", file}};
    struct reply r;

    memset(url, 'u', sizeof(url) - 1);
    url[sizeof(url) - 1] = '\0';
    memset(file, 'f', sizeof(file) - 1);
    file[sizeof(file) - 1] = '\0';
    reply_build(&r, "attach_signed_strip", LANG_SV, url, args, 1);
    ok(strlen(r.text) < sizeof(r.text) && strlen(r.text) + 10 < 512,
       "reply: long URL and argument still fit one SMTP line");
}

static void test_lang_names(void)
{
    enum reply_lang l;

    ok(reply_lang_parse("sv", &l) == 0 && l == LANG_SV &&
           reply_lang_parse("FI", &l) == 0 && l == LANG_FI &&
           reply_lang_parse("en", &l) == 0 && l == LANG_EN,
       "reply_lang_parse: en, sv, fi");
    ok(reply_lang_parse("de", &l) < 0, "reply_lang_parse: unknown refused");
    is_str(reply_lang_name(LANG_FI), "fi", "reply_lang_name");
}

/* libcommon knows only its generic templates: modules register theirs. */
static void test_registry(void)
{
    ok(!reply_known("attach_banned_ext") && !reply_known("test_module") &&
           !reply_known("testmod_refuse"),
       "registry: libcommon knows no module's template");
    ok(reply_known("policy") && reply_known("tempfail") &&
           reply_known("error") && reply_known("greylist"),
       "registry: libcommon's generic templates");
    reply_register(attach_replies);
    reply_register(test_replies);
    reply_register(test_replies);
    ok(reply_known("attach_banned_ext") && reply_known("ATTACH_MACRO") &&
           reply_known("test_score"),
       "registry: registered tables are found (case-insensitive)");
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char spec[1100];
    const char *err = NULL;
    struct map *m;

    snprintf(spec, sizeof(spec), "domain:%s/t/data/maps/lang.domain",
             top ? top : ".");
    if (access(spec + 7, R_OK) != 0)
        skip_all("t/data/maps/lang.domain not found (set top_srcdir)");
    m = map_open(spec, NULL, &err);
    ok(m != NULL, "language map opens");
    if (m != NULL)
        test_lang_for(m);
    map_close(m);
    test_registry();
    test_build();
    test_every_template();
    test_bounds();
    test_lang_names();
    return done_testing();
}
