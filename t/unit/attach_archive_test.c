/*
 * attach_archive_test - attach_archive_scan(): names and contents inside
 *	archives, nesting, compression layers, encryption with passwords
 *	from the body, and every bound (a 42.zip-style bomb is built here).
 *	All archives are written in memory with libarchive.
 */
#include <locale.h>
#include <stdio.h>

#include "../tap.h"
#include "attach_fixture.h"

#define ZIP ARCHIVE_FORMAT_ZIP
#define TAR ARCHIVE_FORMAT_TAR_PAX_RESTRICTED
#define SEVENZ ARCHIVE_FORMAT_7ZIP
#define RAW ARCHIVE_FORMAT_RAW
#define NONE ARCHIVE_FILTER_NONE

static unsigned char pe[1024];
static const char text[] = "Hello, this is a plain text file.\n";

/* Scan data as attachment name with conf c (and passwords); s is left
 * filled for the caller, who calls attach_scan_free(). */
static double scan(struct attach_scan *s, const struct attach_conf *c,
                   const char *name, const struct fx_blob *b)
{
    double t0 = fx_now();

    fx_scan_init(s, c);
    attach_archive_scan(s, name, b->p, b->n, 0, 0);
    return fx_now() - t0;
}

static void nested(struct fx_blob *out, int levels, const char *leaf_name,
                   const void *leaf, size_t leaf_len)
{
    struct fx_blob cur, next;
    struct fx_ent e = {leaf_name, leaf, leaf_len};
    char name[32];
    int i;

    fx_build(ZIP, NONE, NULL, &e, 1, &cur);
    for (i = 1; i < levels; i++) {
        snprintf(name, sizeof(name), "level%d.zip", i);
        e.name = name;
        e.data = cur.p;
        e.len = cur.n;
        fx_build(ZIP, NONE, NULL, &e, 1, &next);
        free(cur.p);
        cur = next;
    }
    *out = cur;
}

static const struct {
    const char *name;
    int fmt, filter;
    const char *file;  /* archive's own name */
    const char *inner; /* entry name */
    int exe;           /* entry is a PE */
    enum attach_rule rule;
    const char *want; /* substring of the finding; NULL: no finding */
} formats[] = {
    {"zip with invoice.exe", ZIP, NONE, "mail.zip", "invoice.exe", 1,
     RULE_ARCHIVE, "invoice.exe in mail.zip"},
    {"zip with a PE named .txt (content)", ZIP, NONE, "a.zip", "notes.txt", 1,
     RULE_ARCHIVE, "notes.txt"},
    {"zip of text files is clean", ZIP, NONE, "docs.zip", "readme.txt", 0,
     RULE_N, NULL},
    {"tar.gz with exe", TAR, ARCHIVE_FILTER_GZIP, "x.tar.gz", "run.exe", 1,
     RULE_ARCHIVE, "run.exe"},
    {"tar.bz2 with js", TAR, ARCHIVE_FILTER_BZIP2, "x.tbz", "a.js", 0,
     RULE_ARCHIVE, "a.js"},
    {"tar.xz with exe", TAR, ARCHIVE_FILTER_XZ, "x.txz", "b.exe", 1,
     RULE_ARCHIVE, "b.exe"},
    {"tar.zst with exe", TAR, ARCHIVE_FILTER_ZSTD, "x.tar.zst", "c.exe", 1,
     RULE_ARCHIVE, "c.exe"},
    {"tar.Z (compress) with exe", TAR, ARCHIVE_FILTER_COMPRESS, "x.tar.Z",
     "z.exe", 1, RULE_ARCHIVE, "z.exe"},
    {"tar.lz4 with exe", TAR, ARCHIVE_FILTER_LZ4, "x.tar.lz4", "l.exe", 1,
     RULE_ARCHIVE, "l.exe"},
    {"tar.lz (lzip) with exe", TAR, ARCHIVE_FILTER_LZIP, "x.tar.lz", "p.exe", 1,
     RULE_ARCHIVE, "p.exe"},
    {"plain tar with scr", TAR, NONE, "x.tar", "pic.scr", 0, RULE_ARCHIVE,
     "pic.scr"},
    {"7z with exe", SEVENZ, NONE, "x.7z", "setup.exe", 1, RULE_ARCHIVE,
     "setup.exe"},
    {"7z of text is clean", SEVENZ, NONE, "t.7z", "a.txt", 0, RULE_N, NULL},
    {"gzip of a PE named .pdf (raw)", RAW, ARCHIVE_FILTER_GZIP, "report.pdf.gz",
     "data", 1, RULE_ARCHIVE, "report.pdf"},
    {"gzip of invoice.exe: the name counts", RAW, ARCHIVE_FILTER_GZIP,
     "invoice.exe.gz", "data", 0, RULE_ARCHIVE, "invoice.exe in"},
    {"bzip2 of text is clean", RAW, ARCHIVE_FILTER_BZIP2, "a.txt.bz2", "data",
     0, RULE_N, NULL},
};

static void test_formats(const struct attach_conf *c)
{
    struct attach_scan s;
    struct fx_blob b;
    struct fx_ent e;
    size_t i;

    for (i = 0; i < sizeof(formats) / sizeof(*formats); i++) {
        e.name = formats[i].inner;
        e.data = formats[i].exe ? (const void *)pe : text;
        e.len = formats[i].exe ? sizeof(pe) : sizeof(text) - 1;
        if (fx_build(formats[i].fmt, formats[i].filter, NULL, &e, 1, &b)) {
            ok(0, "%s: build failed", formats[i].name);
            continue;
        }
        scan(&s, c, formats[i].file, &b);
        if (formats[i].want == NULL)
            is_int((long long)s.nf, 0, formats[i].name);
        else
            ok(fx_has(&s, formats[i].rule, formats[i].want), "%s",
               formats[i].name);
        attach_scan_free(&s);
        free(b.p);
    }
}

static void test_nesting(const struct attach_conf *c)
{
    struct attach_conf deep = *c;
    struct attach_scan s;
    struct fx_blob b;

    nested(&b, 3, "evil.js", text, sizeof(text) - 1);
    scan(&s, c, "outer.zip", &b);
    ok(fx_has(&s, RULE_ARCHIVE, "evil.js"), "zip in zip in zip with a .js");
    ok(!fx_has(&s, RULE_BOMB, NULL), "three levels are within depth 5");
    attach_scan_free(&s);

    deep.archive_max_depth = 1;
    scan(&s, &deep, "outer.zip", &b);
    ok(fx_has(&s, RULE_BOMB, NULL), "depth 2 > archive_max_depth 1: bomb");
    ok(!fx_has(&s, RULE_ARCHIVE, "evil.js"), "the too-deep level is not read");
    attach_scan_free(&s);
    free(b.p);
}

/* gzip layers around a tar: n layers built by hand. */
static void layered(struct fx_blob *out, int n)
{
    struct fx_ent e = {"deep.exe", pe, sizeof(pe)};
    struct fx_blob cur, next;
    int i;

    fx_build(TAR, NONE, NULL, &e, 1, &cur);
    for (i = 0; i < n; i++) {
        e.name = "data";
        e.data = cur.p;
        e.len = cur.n;
        fx_build(RAW, ARCHIVE_FILTER_GZIP, NULL, &e, 1, &next);
        free(cur.p);
        cur = next;
    }
    *out = cur;
}

static void test_layers(const struct attach_conf *c)
{
    struct attach_scan s;
    struct fx_blob b;

    layered(&b, 3);
    scan(&s, c, "x.tar.gz.gz.gz", &b);
    ok(fx_has(&s, RULE_ARCHIVE, "deep.exe") && !fx_has(&s, RULE_BOMB, NULL),
       "three gzip layers around a tar: exe found");
    attach_scan_free(&s);
    free(b.p);

    layered(&b, 5);
    scan(&s, c, "x.tar.gz5", &b);
    ok(fx_has(&s, RULE_BOMB, "x.tar.gz5"),
       "five layers > archive_max_layers 4: bomb");
    attach_scan_free(&s);
    free(b.p);
}

static const struct {
    const char *name;
    const char *options; /* libarchive zip write options */
    const char *body;    /* message text the passwords come from */
    long long tries;
    int readable; /* contents scanned (else RULE_ENCRYPTED) */
} crypts[] = {
    {"ZipCrypto, password in the body", "zip:encryption=zipcrypt",
     "Hej! L\xc3\xb6senordet \xc3\xa4r s3cr3t!", 5, 1},
    {"AES-256, password in the body", "zip:encryption=aes256",
     "Password: s3cr3t!", 5, 1},
    {"AES-128, password quoted", "zip:encryption=aes128",
     "the password is \"s3cr3t!\"", 5, 1},
    {"ZipCrypto, no password in the body", "zip:encryption=zipcrypt",
     "Please open the attachment.", 5, 0},
    {"AES-256, wrong password", "zip:encryption=aes256", "salasana on wrong1",
     5, 0},
    {"ZipCrypto, right password beyond password_max_tries",
     "zip:encryption=zipcrypt", "pw: a1\npw: a2\npw: s3cr3t!", 2, 0},
};

static void test_encrypted(const struct attach_conf *c)
{
    struct attach_conf cc = *c;
    struct attach_scan s;
    struct fx_blob b;
    struct fx_ent e = {"notes.txt", pe, sizeof(pe)};
    char *pw[8];
    size_t i, n;

    for (i = 0; i < sizeof(crypts) / sizeof(*crypts); i++) {
        if (fx_build(ZIP, NONE, crypts[i].options, &e, 1, &b)) {
            ok(0, "%s: build failed", crypts[i].name);
            continue;
        }
        cc.password_max_tries = crypts[i].tries;
        n = attach_passwords_find(crypts[i].body, strlen(crypts[i].body), pw,
                                  8);
        fx_scan_init(&s, &cc);
        s.passwords = pw;
        s.npasswords = n;
        attach_archive_scan(&s, "secret.zip", b.p, b.n, 0, 0);
        if (crypts[i].readable)
            ok(fx_has(&s, RULE_ARCHIVE, "notes.txt") &&
                   !fx_has(&s, RULE_ENCRYPTED, NULL),
               "%s: contents scanned", crypts[i].name);
        else
            ok(fx_has(&s, RULE_ENCRYPTED, "secret.zip") &&
                   !fx_has(&s, RULE_ARCHIVE, NULL),
               "%s: RULE_ENCRYPTED", crypts[i].name);
        s.passwords = NULL;
        s.npasswords = 0;
        attach_scan_free(&s);
        while (n > 0)
            free(pw[--n]);
        free(b.p);
    }
}

static void test_bounds(const struct attach_conf *c)
{
    struct attach_conf cc;
    struct attach_scan s;
    struct fx_blob b;
    struct fx_ent e[20];
    size_t zlen = 3 * 1024 * 1024, i;
    unsigned char *zeros = calloc(1, zlen);
    char names[20][16];

    for (i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "f%zu.txt", i);
        e[i].name = names[i];
        e[i].data = text;
        e[i].len = sizeof(text) - 1;
    }
    fx_build(ZIP, NONE, NULL, e, 20, &b);
    cc = *c;
    cc.archive_max_entries = 10;
    scan(&s, &cc, "many.zip", &b);
    ok(fx_has(&s, RULE_BOMB, "many.zip"), "20 entries > max_entries 10");
    attach_scan_free(&s);
    cc.archive_max_entries = 20;
    scan(&s, &cc, "many.zip", &b);
    is_int((long long)s.nf, 0, "20 entries = max_entries 20: fine");
    attach_scan_free(&s);
    free(b.p);

    for (i = 0; i < 3; i++) {
        e[i].data = zeros;
        e[i].len = zlen;
    }
    fx_build(ZIP, NONE, NULL, e, 3, &b);
    cc = *c;
    cc.archive_max_ratio = 0;
    cc.archive_max_total = 5 * 1024 * 1024;
    scan(&s, &cc, "big.zip", &b);
    ok(fx_has(&s, RULE_BOMB, "big.zip"), "9 MB > archive_max_total 5 MB");
    ok(s.arc.bytes <= cc.archive_max_total + 65536,
       "stopped within one chunk of the total bound");
    attach_scan_free(&s);

    cc.archive_max_total = 100LL * 1024 * 1024;
    cc.archive_max_ratio = 200;
    scan(&s, &cc, "big.zip", &b);
    ok(fx_has(&s, RULE_BOMB, "big.zip"), "ratio over 200: bomb");
    attach_scan_free(&s);

    cc.archive_max_ratio = 0;
    fx_scan_init(&s, &cc);
    s.arc.deadline = fx_now() - 1;
    attach_archive_scan(&s, "late.zip", b.p, b.n, 0, 0);
    ok(fx_has(&s, RULE_BOMB, "late.zip"), "past the deadline: bomb");
    attach_scan_free(&s);

    scan(&s, &cc, "big.zip", &b);
    is_int((long long)s.nf, 0, "9 MB of zeros within every bound: clean");
    attach_scan_free(&s);
    free(b.p);
    free(zeros);
}

/*
 * A 42.zip-style bomb: a leaf zip of 4 MB of zeros, then four levels of
 * zips each holding eight copies of the level below: 16 GB nominal.
 */
static void bomb_build(struct fx_blob *out)
{
    size_t zlen = 4 * 1024 * 1024, i;
    unsigned char *zeros = calloc(1, zlen);
    struct fx_ent leaf = {"zeros.txt", zeros, zlen}, e[8];
    struct fx_blob cur, next;
    char names[8][32];
    int level;

    fx_build(ZIP, NONE, NULL, &leaf, 1, &cur);
    free(zeros);
    for (level = 1; level <= 4; level++) {
        for (i = 0; i < 8; i++) {
            snprintf(names[i], sizeof(names[i]), "%d-%zu.zip", level, i);
            e[i].name = names[i];
            e[i].data = cur.p;
            e[i].len = cur.n;
        }
        fx_build(ZIP, NONE, NULL, e, 8, &next);
        free(cur.p);
        cur = next;
    }
    *out = cur;
}

static void test_bomb(const struct attach_conf *c)
{
    struct attach_conf cc = *c;
    struct attach_scan s;
    struct fx_blob b;
    double t;

    bomb_build(&b);
    diag("42.zip-style bomb: %zu bytes, 16 GB nominal", b.n);
    t = scan(&s, c, "42.zip", &b);
    ok(fx_has(&s, RULE_BOMB, NULL), "42.zip-style bomb: ATTACH_ARCHIVE_BOMB");
    ok(t < 2.0, "42.zip-style bomb stopped fast by the ratio bound");
    diag("bomb (ratio bound): %.3f s, %lld bytes inflated, peak RSS %ld KB", t,
         s.arc.bytes, fx_peak_rss_kb());
    attach_scan_free(&s);

    cc.archive_max_ratio = 0;
    t = scan(&s, &cc, "42.zip", &b);
    ok(fx_has(&s, RULE_BOMB, NULL), "42.zip-style bomb without the ratio "
                                    "bound: stopped by archive_max_total");
    diag("bomb (total bound): %.3f s, %lld bytes inflated, peak RSS %ld KB", t,
         s.arc.bytes, fx_peak_rss_kb());
    attach_scan_free(&s);
    free(b.p);
}

static int read_file(const char *path, struct fx_blob *b)
{
    FILE *f = fopen(path, "rb");
    size_t n;

    memset(b, 0, sizeof(*b));
    if (f == NULL)
        return -1;
    b->cap = 1 << 20;
    b->p = xmalloc(b->cap);
    n = fread(b->p, 1, b->cap, f);
    fclose(f);
    b->n = n;
    return 0;
}

static void test_testdata(const struct attach_conf *c)
{
    const char *dir = getenv("SLUICE_TESTDATA");
    char path[4096];
    struct attach_scan s;
    struct fx_blob b;
    double t;

    snprintf(path, sizeof(path),
             "%s/archives-libarchive/read_filter_gzip_recursive.gz",
             dir ? dir : "");
    if (dir == NULL || read_file(path, &b) < 0) {
        ok(1, "# SKIP SLUICE_TESTDATA not set: recursive gzip sample");
        return;
    }
    t = scan(&s, c, "read_filter_gzip_recursive.gz", &b);
    ok(t < 2.0 && fx_has(&s, RULE_BOMB, NULL),
       "recursive gzip: stopped by archive_max_layers in %.3f s", t);
    attach_scan_free(&s);
    free(b.p);
}

static void test_malformed(const struct attach_conf *c)
{
    struct attach_scan s;
    struct fx_blob b, cut;
    struct fx_ent e = {"a.exe", pe, sizeof(pe)};
    size_t n, bad = 0;

    fx_build(ZIP, NONE, NULL, &e, 1, &b);
    for (n = 0; n < b.n; n += 7) {
        cut.p = b.p;
        cut.n = n;
        scan(&s, c, "cut.zip", &cut);
        if (fx_has(&s, RULE_BOMB, NULL) || fx_has(&s, RULE_ENCRYPTED, NULL))
            bad++;
        attach_scan_free(&s);
    }
    is_int((long long)bad, 0,
           "every truncation of a zip: no crash, no "
           "bomb or encrypted finding");
    cut.p = (unsigned char *)"just some text, not an archive";
    cut.n = strlen((const char *)cut.p);
    scan(&s, c, "text.zip", &cut);
    is_int((long long)s.nf, 0, "text posing as a zip: no finding");
    attach_scan_free(&s);
    free(b.p);
}

int main(void)
{
    struct attach_conf c;

    setlocale(LC_CTYPE, "C.UTF-8");
    fx_pe(pe, sizeof(pe));
    fx_conf_init(&c);
    test_bomb(&c); /* first: its peak RSS is the process's so far */
    test_formats(&c);
    test_nesting(&c);
    test_layers(&c);
    test_encrypted(&c);
    test_bounds(&c);
    test_testdata(&c);
    test_malformed(&c);
    return done_testing();
}
