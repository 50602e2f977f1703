/*
 * content_arc - the members of an archive, within bounds (libarchive).
 *
 * SYNOPSIS
 *	int content_arc_read(const struct content_arc_limits *lim,
 *	                     long long *bytes, const char *name,
 *	                     const unsigned char *data, size_t len, int depth,
 *	                     content_arc_member_cb cb, void *arg,
 *	                     int *is_archive_r);
 *
 * DESCRIPTION
 *	XXX This is the small, replaceable reader sluice-content uses until
 *	the bounded archive reader (with TNEF) moves from sluice-attach to
 *	libcommon (archive.h); then content_files.c calls arc_read() and
 *	this file goes.  It reads what sluice-attach reads: zip, 7z, rar,
 *	tar, cab, iso9660, lha, cpio, under compression layers detected
 *	from their magic bytes and stacked with archive_read_append_filter()
 *	(never libarchive's filter bidding, which loops on a recursive
 *	gzip).  Encrypted entries are skipped.
 *
 *	For each regular file it calls cb(arg, entry name, container name,
 *	bytes, len, depth + 1); the bytes are those read within the bounds
 *	(an entry is buffered up to what max_total leaves).  cb returns
 *	non-zero to stop.  Bounds: depth over max_depth is not opened;
 *	max_layers compression layers; max_entries per archive; *bytes
 *	(the message's running total, kept by the caller) over max_total;
 *	max_ratio of one archive once past 1 MB.  A bound hit returns 1.
 *	Data that is not an archive gives 0 with *is_archive_r = 0.
 *
 * REQUIREMENTS
 *	setlocale(LC_CTYPE, "C.UTF-8") at start-up (milter_main does it),
 *	or UTF-8 names come back as NULL.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "util.h"

#define CARC_CHUNK 65536
#define CARC_ENTRY_CAP (32LL * 1024 * 1024)
#define CARC_RATIO_FLOOR (1LL * 1024 * 1024)
#define CARC_MAX_LAYERS 16

struct carc {
    const struct content_arc_limits *lim;
    long long *bytes;
    const char *name;
    const unsigned char *data;
    size_t len;
    int depth;
    int filters[CARC_MAX_LAYERS];
    int nfilters;
    long long mine; /* unpacked from this archive */
    int hit;
    content_arc_member_cb cb;
    void *arg;
};

static int carc_magic(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return ARCHIVE_FILTER_GZIP;
    if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
        return ARCHIVE_FILTER_BZIP2;
    if (n >= 6 && memcmp(p,
                         "\xfd"
                         "7zXZ\0",
                         6) == 0)
        return ARCHIVE_FILTER_XZ;
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return ARCHIVE_FILTER_ZSTD;
    return -1;
}

int content_arc_is_archive(const unsigned char *p, size_t n)
{
    if (n < 6)
        return 0;
    return memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "7z\xbc\xaf", 4) == 0 ||
           memcmp(p, "Rar!", 4) == 0 || memcmp(p, "MSCF", 4) == 0 ||
           carc_magic(p, n) >= 0 ||
           (n > 262 && memcmp(p + 257, "ustar", 5) == 0);
}

static struct archive *carc_open(struct carc *c, int raw_only)
{
    struct archive *a = archive_read_new();

    if (!raw_only) {
        archive_read_support_format_zip(a);
        archive_read_support_format_7zip(a);
        archive_read_support_format_rar(a);
        archive_read_support_format_rar5(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_cab(a);
        archive_read_support_format_iso9660(a);
        archive_read_support_format_lha(a);
        archive_read_support_format_cpio(a);
    }
    if (raw_only || c->nfilters > 0)
        archive_read_support_format_raw(a);
    for (int i = 0; i < c->nfilters; i++)
        archive_read_append_filter(a, c->filters[i]);
    if (archive_read_open_memory(a, c->data, c->len) < ARCHIVE_WARN) {
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* Find the compression layers from their magic; -1 when over the bound. */
static int carc_layers(struct carc *c)
{
    unsigned char peek[64];
    struct archive_entry *e;
    struct archive *a;
    ssize_t n = c->len < sizeof(peek) ? (ssize_t)c->len : (ssize_t)sizeof(peek);
    int f;

    memcpy(peek, c->data, (size_t)n);
    while ((f = carc_magic(peek, (size_t)n)) >= 0) {
        if (c->nfilters >= c->lim->max_layers || c->nfilters >= CARC_MAX_LAYERS)
            return -1;
        c->filters[c->nfilters++] = f;
        if ((a = carc_open(c, 1)) == NULL)
            break;
        n = archive_read_next_header(a, &e) >= ARCHIVE_WARN
                ? archive_read_data(a, peek, sizeof(peek))
                : -1;
        archive_read_free(a);
        if (n <= 0)
            break;
    }
    return 0;
}

static int carc_count(struct carc *c, size_t n)
{
    c->mine += (long long)n;
    *c->bytes += (long long)n;
    if (*c->bytes > c->lim->max_total)
        return -1;
    if (c->lim->max_ratio > 0 && c->mine > CARC_RATIO_FLOOR &&
        c->mine / (long long)(c->len ? c->len : 1) > c->lim->max_ratio)
        return -1;
    return 0;
}

/* Read one entry into buf (bounded); 0 ok, -1 read error, -2 bound. */
static int carc_read(struct carc *c, struct archive *a, struct strbuf *buf)
{
    long long left = c->lim->max_total - *c->bytes;
    unsigned char *chunk = xmalloc(CARC_CHUNK);
    la_ssize_t r;
    int rc = 0;

    strbuf_init(buf, (size_t)(left < CARC_ENTRY_CAP ? (left > 0 ? left : 1)
                                                    : CARC_ENTRY_CAP));
    for (;;) {
        r = archive_read_data(a, chunk, CARC_CHUNK);
        if (r == 0)
            break;
        if (r < 0) {
            rc = -1;
            break;
        }
        strbuf_append(buf, chunk, (size_t)r);
        if (carc_count(c, (size_t)r) < 0) {
            rc = -2;
            break;
        }
    }
    free(chunk);
    return rc;
}

static char *carc_raw_name(const char *container)
{
    static const char *const sfx[] = {".gz", ".bz2", ".xz", ".zst", ".tgz"};
    size_t n = strlen(container), m;

    for (size_t i = 0; i < sizeof(sfx) / sizeof(*sfx); i++) {
        m = strlen(sfx[i]);
        if (n > m && str_has_suffix_ci(container, sfx[i]))
            return xasprintf("%.*s%s", (int)(n - m), container,
                             i == 4 ? ".tar" : "");
    }
    return xstrdup(container);
}

static void carc_entries(struct carc *c, struct archive *a)
{
    struct archive_entry *e;
    struct strbuf b;
    long long entries = 0;
    const char *name;
    char *raw;
    int r;

    while (!c->hit && (r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        if (r == ARCHIVE_FATAL || ++entries > c->lim->max_entries) {
            c->hit |= r != ARCHIVE_FATAL;
            break;
        }
        if (r < ARCHIVE_WARN || archive_entry_filetype(e) != AE_IFREG ||
            archive_entry_is_encrypted(e))
            continue;
        name = archive_entry_pathname_utf8(e);
        if (name == NULL)
            name = archive_entry_pathname(e);
        raw = archive_format(a) == ARCHIVE_FORMAT_RAW ? carc_raw_name(c->name)
                                                      : NULL;
        r = carc_read(c, a, &b);
        if (r == -2)
            c->hit = 1;
        if (r != -1 && b.len > 0 &&
            c->cb(c->arg,
                  raw    ? raw
                  : name ? name
                         : "(unnamed)",
                  c->name, (const unsigned char *)b.data, b.len,
                  c->depth + 1) != 0)
            c->hit = 1;
        strbuf_free(&b);
        free(raw);
        if (*c->bytes > c->lim->max_total)
            c->hit = 1;
    }
}

int content_arc_read(const struct content_arc_limits *lim, long long *bytes,
                     const char *name, const unsigned char *data, size_t len,
                     int depth, content_arc_member_cb cb, void *arg,
                     int *is_archive_r)
{
    struct carc c;
    struct archive *a;

    *is_archive_r = content_arc_is_archive(data, len);
    if (!*is_archive_r)
        return 0;
    if (depth >= lim->max_depth || *bytes > lim->max_total)
        return 1;
    memset(&c, 0, sizeof(c));
    c.lim = lim;
    c.bytes = bytes;
    c.name = name ? name : "(unnamed)";
    c.data = data;
    c.len = len;
    c.depth = depth;
    c.cb = cb;
    c.arg = arg;
    if (carc_layers(&c) < 0)
        return 1;
    if ((a = carc_open(&c, 0)) == NULL)
        return 0;
    carc_entries(&c, a);
    archive_read_free(a);
    return c.hit;
}
