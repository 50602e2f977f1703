/*
 * attach_archive - archives with libarchive: names and contents of the
 *	entries, nested archives, encryption, and bombs.
 *
 * SYNOPSIS
 *	void attach_archive_scan(struct attach_scan *s, const char *name,
 *	                         const unsigned char *data, size_t len,
 *	                         size_t part_index, int depth);
 *
 * DESCRIPTION
 *	attach_archive_scan() opens data (len bytes, the decoded content of
 *	the file called name, in message part part_index) from memory as
 *	zip, 7z, rar (v4, v5), tar, cab, iso9660, lha or cpio, under zero
 *	or more compression layers (gzip, bzip2, xz, zstd, compress, lzip,
 *	lz4).  A compressed single file (report.pdf.gz) is read with the
 *	raw format as one entry named after the container without its
 *	compression suffix.  For every entry it calls attach_check_name()
 *	with name as the container, and for every regular file it reads the
 *	data and calls attach_check_content() with depth + 1, which sends
 *	nested archives back here.  Findings go to s via attach_found().
 *
 *	Compression layers are detected here from their magic bytes and
 *	stacked with archive_read_append_filter(), never with libarchive's
 *	filter bidding: libarchive 3.6.2 with auto-detected filters loops
 *	forever on a recursive gzip.  Each layer is found by decompressing
 *	the first bytes of the layers found so far.  compress (.Z) is the
 *	exception, see arc_layers().
 *
 *	Bounds (struct attach_conf); hitting one adds RULE_BOMB for name and
 *	stops this archive, and every archive around it:
 *	  archive_max_depth    depth counts the archives around this one
 *	                       (0 for an attachment); an archive deeper
 *	                       than this is not opened
 *	  archive_max_layers   compression layers around one archive
 *	  archive_max_entries  entries in one archive
 *	  archive_max_total    decompressed bytes in the whole message,
 *	                       counted in s->archive_bytes at every level
 *	  archive_max_ratio    decompressed bytes of one archive over its
 *	                       compressed size, once past ARC_RATIO_FLOOR;
 *	                       0 disables it
 *	  s->deadline          CLOCK_MONOTONIC seconds; 0 means none
 *	Memory is bounded: an entry is buffered up to
 *	min(ARC_ENTRY_CAP, bytes left under archive_max_total) and the rest
 *	only counted; content checks see that prefix.  As every buffered
 *	byte is counted, the buffers of all nesting levels together stay
 *	under archive_max_total.
 *
 *	Encryption: candidate passwords from s->passwords (at most
 *	password_max_tries of them) are given to libarchive, which tries
 *	them per entry (zip: ZipCrypto and WinZip AES).  An entry that still
 *	cannot be read because it is encrypted, and an archive whose
 *	headers are encrypted (7z, rar, zip central directory), add
 *	RULE_ENCRYPTED once per archive; the other entries are still read.
 *
 *	A malformed or truncated archive is not a finding by itself: what
 *	could be read was checked, and the rest is logged with log_debug().
 *
 * REQUIREMENTS
 *	The program must call setlocale(LC_CTYPE, "C.UTF-8") (or another
 *	UTF-8 locale) at start-up: in the C locale libarchive cannot convert
 *	UTF-8 entry names and returns them as NULL with ARCHIVE_WARN.
 *	ARCHIVE_WARN is treated as non-fatal here.
 *
 * OWNERSHIP
 *	data stays the caller's; nothing is kept after the call returns.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "log.h"
#include "util.h"

#define ARC_ENTRY_CAP (32LL * 1024 * 1024)
#define ARC_RATIO_FLOOR (1LL * 1024 * 1024)
#define ARC_CHUNK 65536
#define ARC_MAX_LAYERS 16
#define ARC_PEEK 64

struct arc_ctx {
    struct attach_scan *s;
    const char *name; /* the container: this archive's file name */
    const unsigned char *data;
    size_t len;
    size_t part_index;
    int depth;
    int filters[ARC_MAX_LAYERS];
    int nfilters;
    int compress;      /* outermost layer is compress(1): see arc_layers */
    long long bytes;   /* decompressed in this archive */
    long long entries; /* headers read */
    int stop;          /* a bound was hit */
    int encrypted;     /* RULE_ENCRYPTED already added */
    unsigned char *scratch;
};

struct arc_buf {
    unsigned char *data;
    size_t len, cap, limit;
};

static double arc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t arc_bomb_count(const struct attach_scan *s)
{
    size_t i, n = 0;

    for (i = 0; i < s->nf; i++)
        if (s->f[i].rule == RULE_BOMB)
            n++;
    return n;
}

/* A bound was hit: the finding carries the bound and its value. */
static void arc_bomb(struct arc_ctx *c, const char *bound, long long limit,
                     long long value)
{
    size_t n = c->s->nf;

    log_info(c->s->qid, "archive %s: %s %lld exceeded (%lld): stopped", c->name,
             bound, limit, value);
    attach_found(c->s, RULE_BOMB, c->name, c->part_index);
    if (c->s->nf > n) {
        c->s->f[n].limit = limit;
        c->s->f[n].value = value;
    }
    c->stop = 1;
}

static void arc_encrypted(struct arc_ctx *c, const char *why)
{
    if (c->encrypted)
        return;
    log_debug(c->s->qid, "archive %s: encrypted: %s", c->name, why ? why : "?");
    attach_found(c->s, RULE_ENCRYPTED, c->name, c->part_index);
    c->encrypted = 1;
}

/* The message-wide bounds: total bytes and the deadline. 0 ok, -1 hit. */
static int arc_check_global(struct arc_ctx *c)
{
    const struct attach_conf *conf = c->s->conf;

    if (c->s->archive_bytes > conf->archive_max_total) {
        arc_bomb(c, "archive_max_total", conf->archive_max_total,
                 c->s->archive_bytes);
        return -1;
    }
    if (c->s->deadline > 0 && arc_now() > c->s->deadline) {
        arc_bomb(c, "archive_max_time", conf->archive_max_time,
                 conf->archive_max_time + 1);
        return -1;
    }
    return 0;
}

/* Count n decompressed bytes; 0 ok, -1 when a bound is hit. */
static int arc_count(struct arc_ctx *c, size_t n)
{
    long long ratio = c->s->conf->archive_max_ratio;

    c->bytes += (long long)n;
    c->s->archive_bytes += (long long)n;
    if (ratio > 0 && c->bytes > ARC_RATIO_FLOOR &&
        c->bytes / (long long)(c->len ? c->len : 1) > ratio) {
        arc_bomb(c, "archive_max_ratio", ratio,
                 c->bytes / (long long)(c->len ? c->len : 1));
        return -1;
    }
    return arc_check_global(c);
}

/* The compression filter whose magic starts p, or -1. */
static int arc_filter_magic(const unsigned char *p, size_t n)
{
    static const struct {
        unsigned char magic[6];
        size_t len;
        int filter;
    } m[] = {
        {{0x1f, 0x8b}, 2, ARCHIVE_FILTER_GZIP},
        {{0x1f, 0x9d}, 2, ARCHIVE_FILTER_COMPRESS},
        {{0xfd, '7', 'z', 'X', 'Z', 0}, 6, ARCHIVE_FILTER_XZ},
        {{0x28, 0xb5, 0x2f, 0xfd}, 4, ARCHIVE_FILTER_ZSTD},
        {{'L', 'Z', 'I', 'P'}, 4, ARCHIVE_FILTER_LZIP},
        {{0x04, 0x22, 0x4d, 0x18}, 4, ARCHIVE_FILTER_LZ4},
    };
    size_t i;

    if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
        return ARCHIVE_FILTER_BZIP2;
    for (i = 0; i < sizeof(m) / sizeof(*m); i++)
        if (n >= m[i].len && memcmp(p, m[i].magic, m[i].len) == 0)
            return m[i].filter;
    return -1;
}

/*
 * A reader over c->data with the known layers; raw_only for peeking.
 * Returns NULL (and logs) when libarchive refuses to open it.
 */
static struct archive *arc_open(struct arc_ctx *c, int raw_only)
{
    struct archive *a = archive_read_new();
    const struct attach_scan *s = c->s;
    long long i;

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
    if (raw_only || c->nfilters > 0 || c->compress)
        archive_read_support_format_raw(a);
    if (c->compress)
        archive_read_support_filter_compress(a);
    for (i = 0; i < c->nfilters; i++)
        archive_read_append_filter(a, c->filters[i]);
    for (i = 0; !raw_only && i < (long long)s->npasswords &&
                i < s->conf->password_max_tries;
         i++)
        archive_read_add_passphrase(a, s->passwords[i]);
    if (archive_read_open_memory(a, c->data, c->len) < ARCHIVE_WARN) {
        log_debug(s->qid, "archive %s: cannot open: %s", c->name,
                  archive_error_string(a));
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* The first decompressed bytes under the known layers; -1 on error. */
static ssize_t arc_peek(struct arc_ctx *c, unsigned char *out, size_t n)
{
    struct archive *a = arc_open(c, 1);
    struct archive_entry *e;
    ssize_t r = -1;

    if (a == NULL)
        return -1;
    if (archive_read_next_header(a, &e) >= ARCHIVE_WARN)
        r = archive_read_data(a, out, n);
    archive_read_free(a);
    return r;
}

/*
 * Find the compression layers; 0 ok, -1 when a bound was hit.
 *
 * compress(1) is the exception: libarchive 3.6.2's compress filter reads
 * its header when appended, before there is any input (a NULL upstream:
 * it crashes).  An outermost compress layer is therefore left to
 * libarchive's bidding with only that filter registered; a compress
 * layer inside another one ends the detection, and the raw entry (the
 * .Z stream) comes back as a nested file, one depth further.
 */
static int arc_layers(struct arc_ctx *c)
{
    unsigned char peek[ARC_PEEK];
    ssize_t n = c->len < ARC_PEEK ? (ssize_t)c->len : ARC_PEEK;
    int f;

    memcpy(peek, c->data, (size_t)n);
    while ((f = arc_filter_magic(peek, n > 0 ? (size_t)n : 0)) >= 0) {
        if (f == ARCHIVE_FILTER_COMPRESS) {
            c->compress = c->nfilters == 0;
            break;
        }
        if (c->nfilters >= c->s->conf->archive_max_layers ||
            c->nfilters >= ARC_MAX_LAYERS) {
            arc_bomb(c, "archive_max_layers", c->s->conf->archive_max_layers,
                     c->nfilters + 1);
            return -1;
        }
        c->filters[c->nfilters++] = f;
        n = arc_peek(c, peek, sizeof(peek));
        if (n <= 0)
            break; /* a broken layer: let the real read report it */
    }
    return 0;
}

/* Buffer n more bytes of an entry, up to its limit (the rest is dropped). */
static void arc_buf_add(struct arc_buf *b, const unsigned char *p, size_t n)
{
    if (b->len >= b->limit)
        return;
    if (n > b->limit - b->len)
        n = b->limit - b->len;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : ARC_CHUNK;

        while (cap < b->len + n)
            cap *= 2;
        if (cap > b->limit)
            cap = b->limit;
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/*
 * Read the current entry's data into b (bounded); 0 at its end, -1 on a
 * read error (libarchive's message in *error_r), -2 when a bound is hit.
 */
static int arc_read_entry(struct arc_ctx *c, struct archive *a,
                          struct arc_buf *b, const char **error_r)
{
    long long left = c->s->conf->archive_max_total - c->s->archive_bytes;
    la_ssize_t r;

    b->limit =
        (size_t)(left < ARC_ENTRY_CAP ? (left > 0 ? left : 0) : ARC_ENTRY_CAP);
    if (c->scratch == NULL)
        c->scratch = xmalloc(ARC_CHUNK);
    for (;;) {
        r = archive_read_data(a, c->scratch, ARC_CHUNK);
        if (r == 0)
            return 0;
        if (r < 0) {
            *error_r = archive_error_string(a);
            return -1;
        }
        arc_buf_add(b, c->scratch, (size_t)r);
        if (arc_count(c, (size_t)r) < 0)
            return -2;
    }
}

/* Name of a raw (compressed single file) entry: the container's name
 * without its compression suffix, or NULL when it has none.  A nested
 * container is named "x.gz in outer.zip": only "x.gz" counts. */
static char *arc_raw_name(const char *container)
{
    static const char *const sfx[][2] = {
        {".tgz", ".tar"}, {".tbz", ".tar"},  {".tbz2", ".tar"},
        {".txz", ".tar"}, {".tzst", ".tar"}, {".gz", ""},
        {".gzip", ""},    {".z", ""},        {".bz2", ""},
        {".bz", ""},      {".xz", ""},       {".zst", ""},
        {".lz", ""},      {".lz4", ""},      {".lzma", ""},
    };
    const char *in = strstr(container, " in ");
    size_t i, n = in ? (size_t)(in - container) : strlen(container), m;

    for (i = 0; i < sizeof(sfx) / sizeof(*sfx); i++) {
        m = strlen(sfx[i][0]);
        if (n > m && str_ncasecmp(container + n - m, sfx[i][0], m) == 0)
            return xasprintf("%.*s%s", (int)(n - m), container, sfx[i][1]);
    }
    return NULL;
}

/* Read one regular file's data and check it (nested archives too). */
static void arc_entry_content(struct arc_ctx *c, struct archive *a,
                              struct archive_entry *e, const char *ename)
{
    struct arc_buf b = {NULL, 0, 0, 0};
    const char *error = NULL;
    size_t bombs;
    int r;

    r = arc_read_entry(c, a, &b, &error);
    if (r == -1 && archive_entry_is_encrypted(e))
        arc_encrypted(c, error);
    else if (r == -1)
        log_debug(c->s->qid, "archive %s: entry %s: %s", c->name, ename,
                  error ? error : "read error");
    if (r == 0 && b.len > 0) {
        bombs = arc_bomb_count(c->s);
        attach_check_content(c->s, ename, NULL, b.data, b.len, c->part_index,
                             c->depth + 1, c->name);
        /* A bound was hit inside: stop here too (reported once). */
        if (arc_bomb_count(c->s) > bombs ||
            c->s->archive_bytes > c->s->conf->archive_max_total ||
            (c->s->deadline > 0 && arc_now() > c->s->deadline))
            c->stop = 1;
    }
    free(b.data);
}

/* One header: the entry's name, then (when readable) its content. */
static void arc_entry(struct arc_ctx *c, struct archive *a,
                      struct archive_entry *e, int readable)
{
    const char *ename = archive_entry_pathname_utf8(e);
    char *raw = NULL;

    if (ename == NULL)
        ename = archive_entry_pathname(e);
    if (archive_format(a) == ARCHIVE_FORMAT_RAW) {
        raw = arc_raw_name(c->name);
        ename = raw;
    }
    if (ename != NULL)
        attach_check_name(c->s, ename, c->part_index, c->name);
    else
        ename = c->name;
    if (readable && archive_entry_filetype(e) == AE_IFREG)
        arc_entry_content(c, a, e, ename);
    free(raw);
}

/* Is this failure about encrypted headers (names unreadable)? */
static int arc_header_encrypted(struct archive *a)
{
    const char *m = archive_error_string(a);

    if (archive_read_has_encrypted_entries(a) > 0)
        return 1;
    return m != NULL &&
           (strstr(m, "ncrypt") != NULL || strstr(m, "assphrase") != NULL);
}

/* Walk the entries until the end, an error, or a bound. */
static void arc_entries(struct arc_ctx *c, struct archive *a)
{
    struct archive_entry *e;
    int r;

    while (!c->stop) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN && arc_header_encrypted(a)) {
            arc_encrypted(c, archive_error_string(a));
            break;
        }
        if (r < ARCHIVE_WARN) {
            log_debug(c->s->qid, "archive %s: %s", c->name,
                      archive_error_string(a));
            if (r == ARCHIVE_FATAL)
                break;
        }
        if (++c->entries > c->s->conf->archive_max_entries) {
            arc_bomb(c, "archive_max_entries", c->s->conf->archive_max_entries,
                     c->entries);
            break;
        }
        if (arc_check_global(c) < 0)
            break;
        if (r >= ARCHIVE_FAILED)
            arc_entry(c, a, e, r >= ARCHIVE_WARN);
    }
}

void attach_archive_scan(struct attach_scan *s, const char *name,
                         const unsigned char *data, size_t len,
                         size_t part_index, int depth)
{
    struct arc_ctx c;
    struct archive *a;

    memset(&c, 0, sizeof(c));
    c.s = s;
    c.name = name != NULL ? name : "(unnamed)";
    c.data = data;
    c.len = len;
    c.part_index = part_index;
    c.depth = depth;
    if (data == NULL || len == 0)
        return;
    if (depth > s->conf->archive_max_depth) {
        arc_bomb(&c, "archive_max_depth", s->conf->archive_max_depth, depth);
        return;
    }
    if (arc_check_global(&c) < 0 || arc_layers(&c) < 0)
        return;
    a = arc_open(&c, 0);
    if (a == NULL)
        return;
    arc_entries(&c, a);
    archive_read_free(a);
    free(c.scratch);
}
