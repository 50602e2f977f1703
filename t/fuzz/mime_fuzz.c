/*
 * mime_fuzz - libFuzzer target for the MIME walk: the input is a whole
 *	message (headers, empty line, body).  It goes through mime_walk()
 *	with small limits (the callback checks what a part promises: its
 *	bytes, its place in the raw message, the bounds), through
 *	mime_top_ctype(), through mime_parse() (leaves in order within the
 *	bounds, uuencoded blocks after their text leaf, the ambiguity
 *	finding: fuzz_tree()), and through sluice-attach's eom() under two
 *	configurations written at start-up: every rule "reject", and every
 *	rule "strip" (so that strip mode cuts parts out of hostile
 *	structures).  Built by "make fuzz" (CC=clang); replayed over
 *	t/fuzz/corpus/mime by "make check" through t/fuzz/replay.c.
 */
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "common.h"
#include "log.h"
#include "mime.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct mime_limits fuzz_lim = {6, 40, 256 * 1024};

static const char fuzz_common[] =
    "[common]\nmime_max_depth = 6\nmime_max_decoded = 1M\n";
static const char fuzz_limits[] =
    "max_parts = 40\nmax_attachments = 10\n"
    "archive_max_total = 4M\narchive_max_time = 2\n"
    "archive_max_entries = 200\npassword_max_tries = 2\n";
static const char fuzz_strip[] =
    "banned_action = strip\ndouble_extension_action = strip\n"
    "unicode_action = strip\ndisguised_action = strip\n"
    "archive_action = strip\nencrypted_action = strip\nbomb_action = strip\n"
    "macro_action = strip\n";

struct fuzz_conf {
    struct cfg *cfg;
    void *st;
    struct sl_env env;
};

static struct fuzz_conf fuzz_reject, fuzz_stripping;

static void fuzz_load(const char *dir, const char *name, const char *extra,
                      struct fuzz_conf *fc)
{
    const struct cfg_section *secs[] = {&common_section, &attach_section};
    struct cfg_errors errs = {0};
    char path[4096];
    FILE *f;

    reply_register(attach_replies);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        abort();
    fprintf(f, "%s[attach]\n%s%s", fuzz_common, fuzz_limits, extra);
    fclose(f);
    fc->cfg = cfg_load(path, secs, 2, NULL, &errs);
    if (fc->cfg == NULL || attach_module.setup(fc->cfg, &fc->st, &errs) < 0 ||
        sl_env_open(&fc->env, fc->cfg, &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "mime_fuzz: %s\n", errs.v[i]);
        abort();
    }
    remove(path);
}

/* Log lines go nowhere (before log_open() they go to stderr). */
static void fuzz_quiet(void)
{
    const struct log_conf lc = {NULL, "/dev/null", NULL, 0, 0};
    const char *error;

    if (log_open("fuzz", &lc, &error) < 0)
        abort();
}

static void fuzz_init(void)
{
    char tmpl[] = "/tmp/sluice-mime-fuzz.XXXXXX";
    const char *dir = mkdtemp(tmpl);

    if (dir == NULL)
        abort();
    setlocale(LC_CTYPE, "C.UTF-8");
    fuzz_quiet();
    mime_init();
    fuzz_load(dir, "reject.conf", "", &fuzz_reject);
    fuzz_load(dir, "strip.conf", fuzz_strip, &fuzz_stripping);
    remove(dir);
}

struct fuzz_walk {
    size_t raw_len, n, total;
};

/* What the walk promises about each part. */
static int fuzz_part(const struct mime_part *p, void *arg)
{
    struct fuzz_walk *w = arg;
    volatile unsigned char sink = 0;
    size_t i;

    if (p->ctype == NULL || (p->len > 0 && p->data == NULL) ||
        p->index != w->n || p->depth < 0 || p->depth > fuzz_lim.max_depth)
        abort();
    if ((p->part_start >= 0) != (p->part_end >= 0) ||
        p->part_start > p->part_end ||
        (p->part_end >= 0 && (size_t)p->part_end > w->raw_len))
        abort(); /* both -1 (unknown), or a place inside the message */
    for (i = 0; i < p->len; i++)
        sink ^= p->data[i];
    (void)sink;
    w->n++;
    w->total += p->len;
    if (w->n > fuzz_lim.max_parts || w->total > fuzz_lim.max_decoded)
        abort();
    return 0;
}

/* The body starts after the first empty line (or there is none). */
static size_t fuzz_body_off(const char *raw, size_t len)
{
    size_t i;

    for (i = 0; i + 1 < len; i++) {
        if (raw[i] != '\n')
            continue;
        if (raw[i + 1] == '\n')
            return i + 2;
        if (i + 2 < len && raw[i + 1] == '\r' && raw[i + 2] == '\n')
            return i + 3;
    }
    return len;
}

/* What the one parse promises: leaves in order within the bounds,
 * uuencoded blocks as attachments after a text leaf, the ambiguity
 * finding with its header's name. */
static void fuzz_tree(const char *raw, size_t len)
{
    struct mime_tree *t = NULL;
    const char *error;
    size_t total = 0;

    if (mime_parse(raw, len, fuzz_body_off(raw, len), &fuzz_lim, &t,
                   &error) < 0)
        return;
    if (t->nparts > fuzz_lim.max_parts ||
        (t->ambiguous > 0) != (t->ambiguous_what != NULL))
        abort();
    for (size_t i = 0; i < t->nparts; i++) {
        const struct mime_part *p = &t->parts[i];

        total += p->len;
        if (p->index != i || (p->len > 0 && p->data == NULL) ||
            (p->part_end >= 0 && (size_t)p->part_end > len))
            abort();
        if (p->from_uuencode &&
            (!p->is_attachment || p->is_text || i == 0 ||
             (!t->parts[i - 1].from_uuencode &&
              strncmp(t->parts[i - 1].ctype, "text/", 5) != 0)))
            abort();
    }
    if (total > fuzz_lim.max_decoded)
        abort();
    mime_tree_free(t);
}

static void fuzz_eom(const struct fuzz_conf *fc, const char *raw, size_t len)
{
    static char *rcpts[] = {"b@example.net"};
    struct sl_conn conn = {0};
    struct sl_msg m = {0};
    struct sl_edits ed = {0};
    struct mod_ctx x;
    struct result res;

    conn.client_addr = "10.1.2.3";
    conn.client_name = "unknown";
    m.conn = &conn;
    m.qid = "FUZZ";
    m.from = "a@example.org";
    m.rcpts = rcpts;
    m.nrcpts = 1;
    strbuf_init(&m.raw, 0);
    strbuf_append(&m.raw, raw, len);
    m.body_off = fuzz_body_off(raw, len);
    m.size = len;
    result_init(&res, "attach", "FUZZ");
    mod_ctx_init(&x, &attach_module, fc->st, &fc->env, &conn, &m, &res, &ed);
    if (attach_module.eom(&x) == MOD_REJECT && x.out.reply.text[0] == '\0')
        abort(); /* a refusal always says why */
    mime_tree_free(m.mime);
    result_free(&res);
    sl_edits_free(&ed);
    strbuf_free(&m.raw);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_walk w = {size, 0, 0};
    const char *raw = (const char *)data, *error;
    unsigned hits;
    char *top;

    if (fuzz_reject.cfg == NULL)
        fuzz_init();
    mime_walk(raw, size, &fuzz_lim, fuzz_part, &w, &hits, &error);
    top = mime_top_ctype(raw, size);
    if (top == NULL || strchr(top, '/') == NULL)
        abort();
    free(top);
    fuzz_tree(raw, size);
    fuzz_eom(&fuzz_reject, raw, size);
    fuzz_eom(&fuzz_stripping, raw, size);
    return 0;
}
