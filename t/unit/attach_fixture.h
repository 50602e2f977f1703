/*
 * attach_fixture.h - shared by the attach scanner tests (header only):
 *	a test configuration and scan, finding look-ups, and archives
 *	built in memory with libarchive's write API (no binary blobs).
 *
 *	fx_conf_init(c)        bounds for tests; banned: exe, js, scr
 *	fx_scan_init(s, c)     an empty scan (qid "TEST"), no deadline
 *	fx_has(s, rule, sub)   1 when a finding of rule has sub in its file
 *	fx_build(fmt, filter, options, ents, n, &blob)
 *	                       an archive of the given entries; the caller
 *	                       frees blob.p
 *	fx_peak_rss_kb()       the process's peak RSS (getrusage)
 */
#ifndef SLUICE_ATTACH_FIXTURE_H
#define SLUICE_ATTACH_FIXTURE_H

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "attach.h"
#include "util.h"

struct fx_ent {
    const char *name;
    const void *data;
    size_t len;
};

struct fx_blob {
    unsigned char *p;
    size_t n, cap;
};

static char *fx_banned[] = {"exe", "js", "scr", "vbs"};

static inline void fx_conf_init(struct attach_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->banned_extensions.n = sizeof(fx_banned) / sizeof(*fx_banned);
    c->banned_extensions.v = fx_banned;
    c->archive_max_depth = 5;
    c->archive_max_entries = 1000;
    c->archive_max_total = 100LL * 1024 * 1024;
    c->archive_max_ratio = 200;
    c->archive_max_layers = 4;
    c->archive_max_time = 10;
    c->password_max_tries = 5;
}

static inline void fx_scan_init(struct attach_scan *s,
                                const struct attach_conf *c)
{
    memset(s, 0, sizeof(*s));
    s->conf = c;
    s->qid = "TEST";
}

static inline double fx_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline int fx_has(const struct attach_scan *s, enum attach_rule r,
                         const char *sub)
{
    size_t i;

    for (i = 0; i < s->nf; i++)
        if (s->f[i].rule == r &&
            (sub == NULL || strstr(s->f[i].file, sub) != NULL))
            return 1;
    return 0;
}

static inline long fx_peak_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static la_ssize_t fx_write_cb(struct archive *a, void *cd, const void *buf,
                              size_t n)
{
    struct fx_blob *b = cd;

    (void)a;
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, buf, n);
    b->n += n;
    return (la_ssize_t)n;
}

/* fmt: ARCHIVE_FORMAT_*; filter: ARCHIVE_FILTER_* or NONE; 0 ok. */
static inline int fx_build(int fmt, int filter, const char *options,
                           const struct fx_ent *e, size_t n,
                           struct fx_blob *out)
{
    struct archive *a = archive_write_new();
    struct archive_entry *ae;
    size_t i;
    int r = 0;

    memset(out, 0, sizeof(*out));
    archive_write_set_format(a, fmt);
    archive_write_add_filter(a, filter);
    archive_write_set_bytes_in_last_block(a, 1); /* no zero padding */
    if (options != NULL && archive_write_set_options(a, options) != 0)
        r = -1;
    if (archive_write_set_passphrase(a, "s3cr3t!") != ARCHIVE_OK)
        r = -1;
    if (archive_write_open(a, out, NULL, fx_write_cb, NULL) != ARCHIVE_OK)
        r = -1;
    for (i = 0; r == 0 && i < n; i++) {
        ae = archive_entry_new();
        archive_entry_set_pathname_utf8(ae, e[i].name);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)e[i].len);
        if (archive_write_header(a, ae) != ARCHIVE_OK ||
            archive_write_data(a, e[i].data, e[i].len) != (la_ssize_t)e[i].len)
            r = -1;
        archive_entry_free(ae);
    }
    if (archive_write_close(a) != ARCHIVE_OK)
        r = -1;
    archive_write_free(a);
    return r;
}

/* A minimal PE-looking executable (MZ header, PE signature). */
static inline void fx_pe(unsigned char *p, size_t n)
{
    memset(p, 0, n);
    p[0] = 'M';
    p[1] = 'Z';
    p[0x3c] = 0x80;
    memcpy(p + 0x80, "PE\0\0\x4c\x01", 6);
}

#endif
