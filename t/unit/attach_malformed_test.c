/*
 * attach_malformed_test - multiparts whose parts GMime does not see while
 *	other mail readers do ("--boundary junk" lines, a 7000-byte
 *	boundary, no boundary at all): mime_top_multipart() counts the loose
 *	delimiter lines, and sluice-attach's eom() refuses such a message as
 *	ATTACH_MIME_UNREADABLE (action parts_action) with a reply that says
 *	so, while well-formed messages (nested boundaries, empty parts,
 *	boundaries in the epilogue) pass.  Also: the leaf index after a
 *	base64 message/rfc822 part, so that strip mode cuts the right part.
 *
 *	Messages are built here; configurations t/data/attach/{reject,tag,
 *	strip}.conf.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach_msg.h"
#include "mime.h"

#define HDR                                                                    \
    "From: a@example.org\r\nTo: b@example.net\r\nSubject: test\r\n"            \
    "MIME-Version: 1.0\r\n"
#define MIXED(b) "Content-Type: multipart/mixed; boundary=\"" b "\"\r\n\r\n"
#define EXE_PART(name)                                                         \
    "Content-Type: application/octet-stream; name=\"" name "\"\r\n"            \
    "Content-Transfer-Encoding: base64\r\n\r\n"                                \
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
#define TEXT_PART "Content-Type: text/plain\r\n\r\nHello.\r\n"

/* Messages; LONGB is replaced by a 7000-byte boundary. */
static const char m_junk_only[] = HDR
    MIXED("bnd") "--bnd this text makes GMime miss the delimiter\r\n" EXE_PART(
        "hidden.exe") "--bnd-- and so does this\r\n";
static const char m_junk_second[] =
    HDR MIXED("bnd") "--bnd\r\n" TEXT_PART
                     "--bnd junk\r\n" EXE_PART("hidden.exe") "--bnd--\r\n";
static const char m_two_ctypes[] =
    HDR "Content-Type: multipart/mixed; boundary=bnd\r\n"
        "Content-Type: text/plain\r\n\r\n--bnd\r\n" EXE_PART(
            "hidden.exe") "--bnd--\r\n";
static const char m_long[] =
    HDR MIXED("LONGB") "--LONGB\r\n" EXE_PART("hidden.exe") "--LONGB--\r\n";
static const char m_no_boundary[] =
    HDR "Content-Type: multipart/mixed\r\n\r\n"
        "--x\r\n" EXE_PART("hidden.exe") "--x--\r\n";
static const char m_good[] = HDR MIXED(
    "=_b") "preamble\r\n--=_b\r\n"
           "Content-Type: multipart/alternative; boundary=\"=_b2\"\r\n\r\n"
           "--=_b2\r\n" TEXT_PART "--=_b2\r\n"
           "Content-Type: text/html\r\n\r\n<p>Hello.</p>\r\n--=_b2--\r\n"
           "--=_b  \r\n" TEXT_PART
           "--=_b--\r\nepilogue\r\n--=_b\r\nnot a part\r\n";
static const char m_empty_parts[] =
    HDR MIXED("d") "--d\r\n--d\r\n\r\n--d\r\n" TEXT_PART "--d\r\n\r\n--d--\r\n";
static const char m_blank_body[] = HDR MIXED("e") "\r\n\r\n";
static const char m_plain[] = HDR "Content-Type: text/plain\r\n\r\n--bnd x\r\n";
static const char m_suffix[] =
    HDR MIXED("bnd") "--bnd\r\n" TEXT_PART
                     "--bndX\r\n" EXE_PART("hidden.exe") "--bnd--\r\n";
static const char m_nested_junk[] = HDR MIXED(
    "bnd") "--bnd\r\n"
           "Content-Type: multipart/alternative; boundary=\"bnd alt\"\r\n\r\n"
           "--bnd alt\r\n" TEXT_PART "--bnd alt\r\n" TEXT_PART "--bnd alt--\r\n"
           "--bnd junk\r\n" EXE_PART("hidden.exe") "--bnd--\r\n";
static const char m_preamble_junk[] =
    HDR MIXED("bnd") "--bnd;\r\n" EXE_PART("hidden.exe") "--bnd\r\n" TEXT_PART
                                                         "--bnd--\r\n";

/* m with every LONGB replaced by a 7000-byte boundary; caller frees. */
static char *expand(const char *m)
{
    struct strbuf b;
    const char *p;
    char *longb = xmalloc(7001);

    memset(longb, 'B', 7000);
    longb[7000] = '\0';
    strbuf_init(&b, 0);
    while ((p = strstr(m, "LONGB")) != NULL) {
        strbuf_append(&b, m, (size_t)(p - m));
        strbuf_puts(&b, longb);
        m = p + 5;
    }
    strbuf_puts(&b, m);
    free(longb);
    return strbuf_detach(&b);
}

static size_t body_off(const char *raw)
{
    const char *p = strstr(raw, "\r\n\r\n");

    return p ? (size_t)(p - raw) + 4 : strlen(raw);
}

static void test_count(void)
{
    static const struct {
        const char *name, *raw;
        int multipart;
        size_t loose;
    } c[] = {
        {"--b junk is loose", m_junk_only, 1, 1},
        {"a good and a loose delimiter", m_junk_second, 1, 1},
        {"--bX, bX declared nowhere, is loose", m_suffix, 1, 1},
        {"declared \"b alt\" is not loose, --b junk is", m_nested_junk, 1, 1},
        {"--b; in the preamble is loose", m_preamble_junk, 1, 1},
        {"a 7000-byte boundary: exact delimiters", m_long, 1, 0},
        {"no boundary parameter: nothing to count", m_no_boundary, 1, 0},
        {"nested longer boundary, blanks, epilogue: none loose", m_good, 1, 0},
        {"empty parts", m_empty_parts, 1, 0},
        {"blank body", m_blank_body, 1, 0},
        {"text/plain is not a multipart", m_plain, 0, 0},
    };
    size_t i, n;
    char *raw;
    int mp;

    for (i = 0; i < sizeof(c) / sizeof(*c); i++) {
        raw = expand(c[i].raw);
        mp = mime_top_multipart(raw, strlen(raw), &n);
        if (!ok(mp == c[i].multipart && n == c[i].loose,
                "mime_top_multipart: %s", c[i].name))
            diag("multipart %d loose %zu", mp, n);
        free(raw);
    }
}

static void test_eom(void *reject, void *tag, void *strip)
{
    static const struct {
        const char *name, *raw;
        int conf; /* 0 reject, 1 tag, 2 strip */
        enum mod_rc rc;
        int unreadable;
    } c[] = {
        {"--boundary junk hiding the only part is refused", m_junk_only, 0,
         MOD_REJECT, 1},
        {"--boundary junk hiding a second part is refused", m_junk_second, 0,
         MOD_REJECT, 1},
        {"--boundaryX hiding a part is refused", m_suffix, 0, MOD_REJECT, 1},
        {"a loose delimiter after a nested multipart is refused", m_nested_junk,
         0, MOD_REJECT, 1},
        {"a loose delimiter in the preamble is refused", m_preamble_junk, 0,
         MOD_REJECT, 1},
        {"a 7000-byte boundary is refused", m_long, 0, MOD_REJECT, 1},
        {"multipart, then text/plain (GMime takes the last) is refused",
         m_two_ctypes, 0, MOD_REJECT, 1},
        {"a multipart without a boundary is refused", m_no_boundary, 0,
         MOD_REJECT, 1},
        {"nested boundaries and an epilogue pass", m_good, 0, MOD_CONTINUE, 0},
        {"empty parts between delimiters pass", m_empty_parts, 0, MOD_CONTINUE,
         0},
        {"a multipart with a blank body passes", m_blank_body, 0, MOD_CONTINUE,
         0},
        {"text/plain with a --boundary-like line passes", m_plain, 0,
         MOD_CONTINUE, 0},
        {"parts_action = tag only scores", m_junk_second, 1, MOD_CONTINUE, 1},
        {"parts_action = strip refuses (nothing to cut)", m_long, 2, MOD_REJECT,
         1},
    };
    void *st[] = {reject, tag, strip};
    struct run r;
    size_t i;
    char *raw;
    int good;

    for (i = 0; i < sizeof(c) / sizeof(*c); i++) {
        raw = expand(c[i].raw);
        run(st[c[i].conf], raw, body_off(raw), NULL, &r);
        good = r.rc == c[i].rc &&
               result_has(&r.res, "ATTACH_MIME_UNREADABLE") == c[i].unreadable;
        if (good && c[i].rc == MOD_REJECT)
            good = strstr(r.out.reply.text, "MIME structure") != NULL &&
                   strcmp(r.out.reply.rcode, "550") == 0 &&
                   strstr(r.out.reason, "ATTACH_MIME_UNREADABLE") != NULL;
        if (!ok(good, "eom: %s", c[i].name)) {
            char *syms = result_symbols_str(&r.res);

            diag("rc %d symbols %s reply %s %s", r.rc, syms, r.out.reply.rcode,
                 r.out.reply.text);
            free(syms);
        }
        run_free(&r);
        free(raw);
    }
}

/* A base64 message/rfc822 part, then an .exe, then text: strip cuts the
 * .exe (the leaf index must not count the encoded part itself). */
static void test_strip_after_encoded_message(void *strip)
{
    static const char raw[] = HDR MIXED(
        "s") "--s\r\nContent-Type: message/rfc822\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n"
             /* "Subject: inner\r\n\r\nClean inner text.\r\n" */
             "U3ViamVjdDogaW5uZXINCg0KQ2xlYW4gaW5uZXIgdGV4dC4NCg==\r\n"
             "--s\r\n" EXE_PART(
                 "run.exe") "--s\r\n"
                            "Content-Type: "
                            "text/plain\r\n\r\nKEEP-THIS-TEXT\r\n--s--\r\n";
    struct run r;

    run(strip, raw, body_off(raw), NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.ed.body != NULL &&
           strstr(r.ed.body, "KEEP-THIS-TEXT") != NULL &&
           strstr(r.ed.body, "TVqQ") == NULL &&
           strstr(r.ed.body, "run.exe was removed") != NULL,
       "strip after a base64 message/rfc822: the .exe is cut, the text kept");
    if (r.ed.body == NULL)
        diag("rc %d reply %s", r.rc, r.out.reply.text);
    run_free(&r);
}

int main(void)
{
    void *reject, *tag, *strip;
    struct cfg *c1, *c2, *c3;

    setlocale(LC_CTYPE, "C.UTF-8");
    test_count();
    c1 = load("reject.conf", &reject);
    c2 = load("tag.conf", &tag);
    c3 = load("strip.conf", &strip);
    if (c1 == NULL || c2 == NULL || c3 == NULL)
        return ok(0, "reject, tag and strip.conf load"), done_testing();
    test_eom(reject, tag, strip);
    test_strip_after_encoded_message(strip);
    attach_module.teardown(reject);
    attach_module.teardown(tag);
    attach_module.teardown(strip);
    cfg_release(c1);
    cfg_release(c2);
    cfg_release(c3);
    return done_testing();
}
