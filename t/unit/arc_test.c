/*
 * arc_test - libcommon's archive reader (arc.h) on its own: TNEF
 *	(names, bytes, nesting, unreadable streams, libytnef kept off
 *	stdout and its leaks freed), a zip whose central directory and
 *	local headers disagree (and honest zips that must not), nesting,
 *	bounds.  Archives and TNEF streams are built here (hostile.c,
 *	attach_fixture.h's libarchive writer).
 */
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "arc.h"
#include "attach_fixture.h"
#include "hostile.h"
#include "util.h"

/* What the reader told: every member and event, as text lines. */
struct got {
    struct strbuf members; /* "name|container|depth|flags|len\n" */
    struct strbuf events;  /* "what|container|detail\n" */
    int open_tnef;         /* answer ARC_OPEN for TNEF and zip members */
};

static int got_member(struct arc_scan *s, const struct arc_member *m)
{
    struct got *g = s->arg;

    strbuf_printf(&g->members, "%s|%s|%d|%u|%zu\n", m->name, m->container,
                  m->depth, m->flags, m->len);
    if (g->open_tnef && (m->flags & ARC_M_FILE) &&
        (arc_is_tnef(m->data, m->len) ||
         (m->len > 4 && memcmp(m->data, "PK\3\4", 4) == 0) ||
         (m->len > 2 && m->data[0] == 0x1f &&
          (m->data[1] == 0x8b || m->data[1] == 0x9d))))
        return ARC_OPEN;
    return ARC_NEXT;
}

static void got_event(struct arc_scan *s, const struct arc_event *e)
{
    static const char *const what[] = {"bomb", "encrypted", "unreadable",
                                       "mismatch"};
    struct got *g = s->arg;

    strbuf_printf(&g->events, "%s|%s|%s\n", what[e->what], e->container,
                  e->detail ? e->detail : "");
}

static struct arc_limits lim = {4, 100, 64 << 20, 200, 3, 5};

static void scan(struct got *g, const char *name, const unsigned char *d,
                 size_t n)
{
    struct arc_scan s;

    memset(&s, 0, sizeof(s));
    s.lim = &lim;
    s.qid = "TEST";
    s.member = got_member;
    s.event = got_event;
    s.arg = g;
    strbuf_init(&g->members, 0);
    strbuf_init(&g->events, 0);
    strbuf_puts(&g->members, "");
    strbuf_puts(&g->events, "");
    arc_read(&s, name, d, n, 0);
}

static void got_free(struct got *g)
{
    strbuf_free(&g->members);
    strbuf_free(&g->events);
}

static int has(const struct strbuf *b, const char *line)
{
    return b->data != NULL && strstr(b->data, line) != NULL;
}

static void show(const struct got *g)
{
    diag("members:\n%s", g->members.data ? g->members.data : "");
    diag("events:\n%s", g->events.data ? g->events.data : "");
}

static unsigned char pe[512];

static void test_tnef(void)
{
    static const unsigned char txt[] = "Quarterly figures.\n";
    struct hx_att a[2] = {{0}};
    struct got g = {0};
    unsigned char *t;
    size_t n;

    a[0].title = "INVOIC~1.EXE";
    a[0].long_name = "invoice.exe";
    a[0].data = pe;
    a[0].len = sizeof(pe);
    a[1].title = "notes.txt";
    a[1].data = txt;
    a[1].len = sizeof(txt) - 1;
    t = hx_tnef(a, 2, &n);
    ok(arc_is_tnef(t, n), "the stream built has the TNEF signature");
    scan(&g, "winmail.dat", t, n);
    if (!ok(has(&g.members, "invoice.exe|winmail.dat|1|1|512\n") &&
                has(&g.members, "notes.txt|winmail.dat|1|1|19\n"),
            "TNEF: each attachment is a member with its long name and bytes"))
        show(&g);
    ok(has(&g.members, "INVOIC~1.EXE|winmail.dat|1|2|0\n"),
       "TNEF: the short title is given as another name");
    is_str(g.events.data, "", "TNEF: a sound stream has no event");
    got_free(&g);
    free(t);

    a[0].unicode = 1;
    a[0].long_name = "report.scr";
    t = hx_tnef(a, 1, &n);
    scan(&g, "winmail.dat", t, n);
    ok(has(&g.members, "report.scr|winmail.dat|1|1|512\n"),
       "TNEF: a Unicode long name is read as UTF-8");
    got_free(&g);
    free(t);
}

static void test_tnef_nested(void)
{
    struct hx_att in = {0}, out = {0};
    struct got g = {0};
    unsigned char *inner, *outer;
    size_t ni, no;

    in.long_name = "deep.vbs";
    in.data = (const unsigned char *)"WScript.Echo 1\n";
    in.len = 15;
    inner = hx_tnef(&in, 1, &ni);
    out.long_name = "Forwarded message";
    out.embedded = inner;
    out.embedded_len = ni;
    outer = hx_tnef(&out, 1, &no);
    g.open_tnef = 1;
    scan(&g, "winmail.dat", outer, no);
    if (!ok(has(&g.members,
                "deep.vbs|Forwarded message in winmail.dat|2|1|15\n"),
            "TNEF: an embedded message is opened one level down"))
        show(&g);
    got_free(&g);
    free(inner);
    free(outer);
}

/* Run a scan with fd 1 on a pipe; returns what was written there. */
static char *scan_capturing(struct got *g, const unsigned char *t, size_t n)
{
    int fds[2], saved;
    char *out = xcalloc(1, 4096);
    ssize_t r;

    fflush(stdout);
    if (pipe(fds) < 0)
        return out;
    saved = dup(1);
    dup2(fds[1], 1);
    scan(g, "winmail.dat", t, n);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    r = read(fds[0], out, 4095);
    out[r > 0 ? r : 0] = '\0';
    close(fds[0]);
    return out;
}

static void test_tnef_unreadable(void)
{
    static const struct {
        int what;
        const char *name, *detail;
    } cases[] = {
        {HX_BAD_CHECKSUM, "bad checksum", "Checksum"},
        {HX_BAD_SIZE, "attribute longer than the stream", "alloc size"},
        {HX_BAD_MAPI, "MAPI property count over libytnef's bound",
         "alloc size"},
    };
    struct hx_att a = {0};
    struct got g = {0};
    unsigned char *t;
    char *out, want[128];
    size_t n;

    a.long_name = "payload.exe";
    a.data = pe;
    a.len = sizeof(pe);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        t = hx_tnef(&a, 1, &n);
        hx_tnef_corrupt(t, n, cases[i].what);
        out = scan_capturing(&g, t, n);
        snprintf(want, sizeof(want), "unreadable|winmail.dat|");
        if (!ok(has(&g.events, want) && has(&g.events, cases[i].detail),
                "TNEF %s: unreadable, with libytnef's message", cases[i].name))
            show(&g);
        is_str(out, "", "... and libytnef wrote nothing to stdout");
        free(out);
        got_free(&g);
        free(t);
    }
    t = xcalloc(1, 64);
    memcpy(t, "\x78\x9f\x3e\x22", 4);
    scan(&g, "winmail.dat", t, 5); /* the signature, then no key */
    ok(has(&g.events, "unreadable|winmail.dat|"),
       "TNEF cut after the signature: unreadable");
    got_free(&g);
    free(t);
}

static void test_tnef_leaks_and_bounds(void)
{
    struct hx_att a[5] = {{0}};
    struct got g = {0};
    unsigned char *t;
    size_t n;

    /* libytnef overwrites the first attAttachData: the arena frees it
     * (LeakSanitizer checks at exit). */
    a[0].long_name = "twice.bin";
    a[0].data = pe;
    a[0].len = sizeof(pe);
    a[0].data_twice = 1;
    t = hx_tnef(a, 1, &n);
    scan(&g, "winmail.dat", t, n);
    ok(has(&g.members, "twice.bin|winmail.dat|1|1|512\n"),
       "TNEF with attAttachData twice: read (what libytnef leaks is freed)");
    got_free(&g);
    free(t);

    for (int i = 0; i < 5; i++) {
        a[i].long_name = "x.txt";
        a[i].data = (const unsigned char *)"x";
        a[i].len = 1;
    }
    lim.max_entries = 3;
    t = hx_tnef(a, 5, &n);
    scan(&g, "winmail.dat", t, n);
    ok(has(&g.events, "bomb|winmail.dat|archive_max_entries\n"),
       "TNEF: more attachments than archive_max_entries is a bomb");
    lim.max_entries = 100;
    got_free(&g);
    free(t);
}

/* A zip of the given entries (libarchive), central names renamed. */
static struct fx_blob zip_of(const struct fx_ent *e, size_t n)
{
    struct fx_blob b;

    fx_build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, e, n, &b);
    return b;
}

static void test_zip_names(void)
{
    static const char txt[] = "Dim x\nx = 1\n";
    struct fx_ent e[2] = {{"readme.md", "# hi\n", 5},
                          {"notes.txt", txt, sizeof(txt) - 1}};
    struct fx_blob z = zip_of(e, 2), outer;
    struct fx_ent o[1];
    struct got g = {0};

    scan(&g, "notes.zip", z.p, z.n);
    is_str(g.events.data, "", "honest zip: no event");
    got_free(&g);

    ok(hx_zip_rename(z.p, z.n, "notes.txt", "notes.vbs") == 0,
       "the central directory entry is renamed");
    scan(&g, "notes.zip", z.p, z.n);
    if (!ok(has(&g.events,
                "mismatch|notes.zip|local notes.txt, central notes.vbs\n"),
            "local notes.txt, central notes.vbs: the names disagree"))
        show(&g);
    ok(has(&g.members, "notes.txt|notes.zip|1|1|") &&
           has(&g.members, "notes.vbs|notes.zip|1|2|0\n"),
       "the local entry is read, the central name given as another name");
    got_free(&g);

    o[0] = (struct fx_ent){"inner.zip", z.p, z.n};
    outer = zip_of(o, 1);
    g.open_tnef = 1;
    scan(&g, "outer.zip", outer.p, outer.n);
    if (!ok(has(&g.events, "mismatch|inner.zip in outer.zip|local notes.txt, "
                           "central notes.vbs\n"),
            "one level deeper: the inner zip's names disagree"))
        show(&g);
    got_free(&g);
    free(outer.p);
    free(z.p);
}

/* Names libarchive cannot convert (a DOS code page, no UTF-8 flag) and
 * UTF-8 names must pair with libzip's. */
static void test_zip_names_honest(void)
{
    struct fx_ent e[2] = {{"x_n.txt", "a", 1},
                          {"r\xc3\xa4kning.pdf", "%PDF-1.4\n", 9}};
    struct fx_blob z = zip_of(e, 2);
    struct got g = {0};

    for (size_t i = 0; i + 7 <= z.n; i++) /* local and central: CP437 */
        if (memcmp(z.p + i, "x_n.txt", 7) == 0)
            z.p[i + 1] = 0x94; /* o with diaeresis in CP437 */
    scan(&g, "lonespec.zip", z.p, z.n);
    if (!ok(!has(&g.events, "mismatch"),
            "CP437 and UTF-8 names in local and central agree"))
        show(&g);
    got_free(&g);
    free(z.p);
}

/* compress inside gzip inside compress...: each layer below the first
 * compress is a nameless entry one level down; the container chain must
 * grow by one name per level, not double. */
static void test_nameless_chain(void)
{
    static const char payload[] = "just some text, many times over. ";
    struct fx_ent e = {"x", payload, sizeof(payload) - 1};
    struct fx_blob b, prev;
    struct got g = {0};
    int filters[] = {ARCHIVE_FILTER_COMPRESS, ARCHIVE_FILTER_GZIP};

    memset(&prev, 0, sizeof(prev));
    for (int i = 0; i < 6; i++) {
        fx_build(ARCHIVE_FORMAT_RAW, filters[i % 2], NULL, &e, 1, &b);
        free(prev.p);
        prev = b;
        e = (struct fx_ent){"x", prev.p, prev.n};
    }
    lim.max_depth = 10;
    g.open_tnef = 1;
    scan(&g, "data.bin", prev.p, prev.n);
    if (!ok(g.members.len > 0 && g.members.len < 2000 &&
                has(&g.members, "(unnamed) in data.bin"),
            "nameless entries nest by one name per level (%zu bytes of "
            "members)",
            g.members.len))
        show(&g);
    lim.max_depth = 4;
    got_free(&g);
    free(prev.p);
}

/* A wrong candidate whose ZipCrypto check byte matches by chance (1 in
 * 256) must not hide the right one after it. */
static int pw_fails_late(const struct fx_blob *z, const char *pw)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    char buf[4096];
    la_ssize_t r = -1;

    archive_read_support_format_zip(a);
    archive_read_add_passphrase(a, pw);
    if (archive_read_open_memory(a, z->p, z->n) == ARCHIVE_OK &&
        archive_read_next_header(a, &e) == ARCHIVE_OK)
        while ((r = archive_read_data(a, buf, sizeof(buf))) > 0)
            ;
    /* past the check byte: a decryption or CRC failure, not "incorrect" */
    r = r < 0 && archive_error_string(a) != NULL &&
        strstr(archive_error_string(a), "ncorrect") == NULL;
    archive_read_free(a);
    return (int)r;
}

static void test_password_lookalike(void)
{
    static const char text[] = "the payload the right password opens";
    struct fx_ent e = {"payload.txt", text, sizeof(text) - 1};
    struct fx_blob z;
    char wrong[32] = "";
    char *pws[2];
    struct arc_scan s;
    struct got g = {0};

    fx_build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, "zip:encryption=zipcrypt",
             &e, 1, &z);
    for (int i = 0; i < 5000 && wrong[0] == '\0'; i++) {
        snprintf(wrong, sizeof(wrong), "wrong%d", i);
        if (!pw_fails_late(&z, wrong))
            wrong[0] = '\0';
    }
    if (!ok(wrong[0] != '\0', "a wrong password that passes the check byte: %s",
            wrong)) {
        free(z.p);
        return;
    }
    pws[0] = wrong;
    pws[1] = "s3cr3t!";
    memset(&s, 0, sizeof(s));
    s.lim = &lim;
    s.qid = "TEST";
    s.member = got_member;
    s.event = got_event;
    s.arg = &g;
    s.passwords = pws;
    s.npasswords = 2;
    strbuf_init(&g.members, 0);
    strbuf_init(&g.events, 0);
    strbuf_puts(&g.members, "");
    strbuf_puts(&g.events, "");
    arc_read(&s, "locked.zip", z.p, z.n, 0);
    if (!ok(has(&g.members, "payload.txt|locked.zip|1|1|36\n") &&
                !has(&g.events, "encrypted"),
            "the right password after a look-alike still opens the entry"))
        show(&g);
    got_free(&g);
    free(z.p);
}

int main(void)
{
    setlocale(LC_CTYPE, "C.UTF-8");
    fx_pe(pe, sizeof(pe));
    test_password_lookalike();
    test_tnef();
    test_tnef_nested();
    test_tnef_unreadable();
    test_tnef_leaks_and_bounds();
    test_zip_names();
    test_zip_names_honest();
    test_nameless_chain();
    return done_testing();
}
