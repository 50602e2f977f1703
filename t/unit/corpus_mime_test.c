/*
 * corpus_mime_test - every message of the third-party MIME corpora
 *	($SLUICE_TESTDATA/mime-mime4j, mime-mimekit, mime-python-email,
 *	mime-rspamd) through mime_walk() and through sluice-attach's eom()
 *	with the default configuration: no crash, no sanitizer report, the
 *	walk within its bounds.  One case per file.
 *
 *	For each mime4j message with an expected tree (NAME_decoded.xml) a
 *	second case compares the leaves: same number, and each leaf's
 *	decoded bytes equal NAME_decoded_<path>.txt|.bin.  Known
 *	differences between mime4j and GMime are listed, each with its
 *	reason, in t/data/mime4j-expected-differences.txt ("NAME reason");
 *	a listed case that differs passes with a note, a listed case that
 *	now matches is reported (so the list stays honest).
 */
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <time.h>

#include "../tap.h"
#include "attach.h"
#include "common.h"
#include "mime.h"
#include "util.h"

#define MAX_LEAVES 512
#define WALK_SECONDS 5.0

static const struct mime_limits corpus_lim = {20, 500, 100 << 20};
static const char *testdata;

struct leafdata {
    size_t n;
    unsigned char *data[MAX_LEAVES];
    size_t len[MAX_LEAVES];
    size_t total;
    int max_depth;
};

static int corpus_cb(const struct mime_part *p, void *arg)
{
    struct leafdata *l = arg;

    l->total += p->len;
    if (p->depth > l->max_depth)
        l->max_depth = p->depth;
    if (l->n >= MAX_LEAVES)
        return 0;
    l->data[l->n] = xmalloc(p->len + 1);
    memcpy(l->data[l->n], p->data, p->len);
    l->len[l->n++] = p->len;
    return 0;
}

static void leaves_free(struct leafdata *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->data[i]);
    memset(l, 0, sizeof(*l));
}

static char *slurp(const char *path, size_t *len_r)
{
    const char *why;

    return file_read(path, 0, len_r, &why);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t body_offset(const char *raw, size_t len)
{
    const char *p = strstr(raw, "\n\n"), *q = strstr(raw, "\r\n\r\n");

    if (q && (!p || q < p))
        return (size_t)(q - raw) + 4;
    if (p)
        return (size_t)(p - raw) + 2;
    return len;
}

/* sluice-attach's eom() on the message; returns its rc. */
static struct sl_env corpus_env;

static enum mod_rc corpus_eom(void *st, const char *raw, size_t len,
                              char **syms_r)
{
    struct sl_conn conn = {.client_addr = "10.0.0.1",
                           .client_name = "unknown",
                           .helo = "helo"};
    struct mod_ctx x;
    static char *rcpts[] = {"b@example.net"};
    struct sl_msg m = {0};
    struct result res;
    struct sl_edits ed = {0};
    enum mod_rc rc;

    m.conn = &conn;
    m.qid = "CORPUS";
    m.from = "a@example.org";
    m.rcpts = rcpts;
    m.nrcpts = 1;
    strbuf_init(&m.raw, 0);
    strbuf_append(&m.raw, raw, len);
    m.body_off = body_offset(raw, len);
    m.size = len;
    result_init(&res, "attach", "CORPUS");
    mod_ctx_init(&x, &attach_module, st, &corpus_env, &conn, &m, &res, &ed);
    rc = attach_module.eom(&x);
    *syms_r = result_symbols_str(&res);
    mime_tree_free(m.mime);
    result_free(&res);
    sl_edits_free(&ed);
    strbuf_free(&m.raw);
    return rc;
}

static int is_message(const char *dir, const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL || strstr(dir, "encoders") != NULL)
        return 0;
    if (strstr(dir, "mime-mime4j") != NULL)
        return strcmp(dot, ".msg") == 0;
    return strcmp(dot, ".eml") == 0 || strcmp(dot, ".msg") == 0 ||
           strcmp(dot, ".txt") == 0 || strcmp(dot, ".mbox") == 0 ||
           strcmp(dot, ".fuzzy1") == 0;
}

/* Expected differences: "NAME reason" lines. */
static struct cfg_list expected;

static void load_expected(const char *path)
{
    size_t len, i = 0, eol;
    char *s = slurp(path, &len), *line;

    if (s == NULL)
        return;
    while (i < len) {
        for (eol = i; eol < len && s[eol] != '\n'; eol++)
            ;
        line = xstrndup(s + i, eol - i);
        str_trim(line);
        if (*line == '\0' || *line == '#') {
            free(line);
        } else {
            expected.v =
                xrealloc(expected.v, (expected.n + 1) * sizeof(char *));
            expected.v[expected.n++] = line;
        }
        i = eol + 1;
    }
    free(s);
}

static const char *expected_reason(const char *name)
{
    size_t i, n = strlen(name);

    for (i = 0; i < expected.n; i++)
        if (strncmp(expected.v[i], name, n) == 0 &&
            (expected.v[i][n] == ' ' || expected.v[i][n] == '\t'))
            return expected.v[i] + n + 1;
    return NULL;
}

/* Leaf file names from NAME_decoded.xml, in document order. */
static size_t xml_leaves(const char *xml, char names[][128], size_t max)
{
    const char *p = xml, *q, *e;
    size_t n = 0;

    while ((p = strstr(p, "-body name=\"")) != NULL && n < max) {
        q = p + 12;
        e = strchr(q, '"');
        if (e == NULL || (size_t)(e - q) >= 128)
            break;
        memcpy(names[n], q, (size_t)(e - q));
        names[n][e - q] = '\0';
        n++;
        p = e;
    }
    return n;
}

/* a and b are equal once every CR is removed. */
static int same_but_cr(const char *a, size_t an, const unsigned char *b,
                       size_t bn)
{
    size_t i = 0, j = 0;

    for (;;) {
        while (i < an && a[i] == '\r')
            i++;
        while (j < bn && b[j] == '\r')
            j++;
        if (i == an || j == bn)
            return i == an && j == bn;
        if ((unsigned char)a[i++] != b[j++])
            return 0;
    }
}

/* Compare with mime4j; NULL when equal, else what differs (static). */
static const char *compare_mime4j(const char *dir, const char *stem,
                                  const struct leafdata *l)
{
    static char why[256];
    char path[4096], names[MAX_LEAVES][128];
    size_t n, i, len;
    char *xml, *want;

    snprintf(path, sizeof(path), "%s/%s_decoded.xml", dir, stem);
    if ((xml = slurp(path, &len)) == NULL)
        return "";
    n = xml_leaves(xml, names, MAX_LEAVES);
    free(xml);
    if (n != l->n) {
        snprintf(why, sizeof(why), "%zu leaves, mime4j has %zu", l->n, n);
        return why;
    }
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        want = slurp(path, &len);
        if (want == NULL || len != l->len[i] ||
            memcmp(want, l->data[i], len) != 0) {
            snprintf(why, sizeof(why), "leaf %zu (%s): %zu bytes, want %zu%s",
                     i + 1, names[i], l->len[i], want ? len : 0,
                     want && same_but_cr(want, len, l->data[i], l->len[i])
                         ? " (equal but for CR)"
                         : "");
            free(want);
            return why;
        }
        free(want);
    }
    return NULL;
}

static void check_mime4j(const char *dir, const char *name,
                         const struct leafdata *l)
{
    char stem[256];
    const char *diff, *listed;

    snprintf(stem, sizeof(stem), "%.*s", (int)(strlen(name) - 4), name);
    diff = compare_mime4j(dir, stem, l);
    if (diff != NULL && *diff == '\0')
        return; /* no expected tree */
    listed = expected_reason(stem);
    if (diff == NULL && listed == NULL) {
        ok(1, "mime4j %s: leaves and decoded bytes as expected", stem);
    } else if (diff == NULL) {
        ok(1,
           "mime4j %s: as expected (listed as a difference: update "
           "the list)",
           stem);
        diag("%s is listed but now matches", stem);
    } else if (listed != NULL) {
        ok(1, "mime4j %s: known difference: %s", stem, listed);
        diag("%s: %s", stem, diff);
    } else {
        ok(0, "mime4j %s: leaves and decoded bytes as expected", stem);
        diag("%s: %s", stem, diff);
    }
}

static void check_file(void *st, const char *dir, const char *name)
{
    char path[4096], *raw, *syms = NULL;
    struct leafdata l = {0};
    const char *error = NULL;
    unsigned hits = 0;
    size_t len;
    double t0, dt;
    int rc;
    enum mod_rc mrc;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((raw = slurp(path, &len)) == NULL) {
        ok(0, "%s: readable", path);
        return;
    }
    t0 = now();
    rc = mime_walk(raw, len, &corpus_lim, corpus_cb, &l, &hits, &error);
    mrc = corpus_eom(st, raw, len, &syms);
    dt = now() - t0;
    ok((rc == 0 || rc == -1) && l.n <= corpus_lim.max_parts &&
           l.total <= corpus_lim.max_decoded &&
           l.max_depth <= corpus_lim.max_depth && dt < WALK_SECONDS &&
           (rc == -1) == (mrc == MOD_ERROR),
       "%s: %zu leaves, hits %u, %s %s", path + strlen(testdata) + 1, l.n, hits,
       mrc == MOD_REJECT  ? "reject"
       : mrc == MOD_ERROR ? "could not be parsed: on_error"
                          : "pass",
       syms);
    if (strstr(dir, "mime-mime4j") != NULL)
        check_mime4j(dir, name, &l);
    leaves_free(&l);
    free(syms);
    free(raw);
}

static void walk_dir(void *st, const char *dir)
{
    struct dirent **ents;
    struct stat sb;
    char path[4096];
    int i, n = scandir(dir, &ents, NULL, alphasort);

    if (n < 0) {
        ok(0, "%s: readable directory", dir);
        return;
    }
    for (i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name);
        if (ents[i]->d_name[0] != '.' && stat(path, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                walk_dir(st, path);
            else if (is_message(dir, ents[i]->d_name))
                check_file(st, dir, ents[i]->d_name);
        }
        free(ents[i]);
    }
    free(ents);
}

static struct cfg *load(void **st)
{
    const struct cfg_section *secs[] = {&common_section, &attach_section};
    struct cfg_errors errs = {0};
    char path[4096];
    struct cfg *c;

    reply_register(attach_replies);
    snprintf(path, sizeof(path), "%s/t/data/attach/corpus.conf",
             getenv("top_srcdir"));
    c = cfg_load(path, secs, 2, NULL, &errs);
    if (c != NULL && (attach_module.setup(c, st, &errs) < 0 ||
                      sl_env_open(&corpus_env, c, &errs) < 0)) {
        cfg_release(c);
        c = NULL;
    }
    for (size_t i = 0; i < errs.n; i++)
        diag("%s", errs.v[i]);
    cfg_errors_free(&errs);
    return c;
}

int main(void)
{
    static const char *const dirs[] = {"mime-mime4j", "mime-mimekit",
                                       "mime-python-email", "mime-rspamd"};
    const char *td = testdata = getenv("SLUICE_TESTDATA");
    char path[4096];
    struct cfg *c;
    void *st;
    size_t i;

    if (td == NULL || *td == '\0')
        skip_all("SLUICE_TESTDATA is not set");
    if (getenv("top_srcdir") == NULL)
        skip_all("top_srcdir is not set (run through make check)");
    snprintf(path, sizeof(path), "%s/mime-mime4j", td);
    if (access(path, R_OK) != 0)
        skip_all("no mime-mime4j in SLUICE_TESTDATA (../shared/testdata)");
    setlocale(LC_CTYPE, "C.UTF-8");
    snprintf(path, sizeof(path), "%s/t/data/mime4j-expected-differences.txt",
             getenv("top_srcdir"));
    load_expected(path);
    if ((c = load(&st)) == NULL)
        return ok(0, "corpus.conf loads"), done_testing();
    for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", td, dirs[i]);
        walk_dir(st, path);
    }
    attach_module.teardown(st);
    cfg_release(c);
    for (i = 0; i < expected.n; i++)
        free(expected.v[i]);
    free(expected.v);
    return done_testing();
}
