/*
 * arc - read archives for the checks, bounded.  See arc.h for
 *	the contract; arc_tnef.c reads TNEF, arc_zipcd.c a zip's
 *	central directory.
 *
 * DESCRIPTION
 *	Compression layers are found one by one: the magic bytes of the
 *	data, then of the first bytes each known layer decompresses to
 *	(arc_peek()).  compress(1) is the exception, see arc_layers().
 *
 *	An entry is buffered up to min(ARC_ENTRY_CAP, what max_total
 *	leaves) and the rest only counted; the member callback sees that
 *	prefix.
 *
 *	Encryption: the passwords are given to libarchive, which tries
 *	them per entry (zip: ZipCrypto and WinZip AES).  An entry that
 *	still cannot be read because it is encrypted, and an archive whose
 *	headers are encrypted (7z, rar, zip central directory), are
 *	ARC_EV_ENCRYPTED once per archive; the other entries are still
 *	read.
 *
 *	ARCHIVE_WARN is not fatal (a name libarchive could not convert
 *	comes with it, and is then given as its bytes).
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arc_int.h"
#include "log.h"
#include "util.h"

#define ARC_CHUNK 65536
#define ARC_MAX_LAYERS 16
#define ARC_PEEK 64

/* One libarchive reader's state beyond struct arc_ctx. */
struct arc_la {
    struct arc_ctx *c;
    int filters[ARC_MAX_LAYERS];
    int nfilters;
    int compress; /* outermost layer is compress(1): see arc_layers */
    unsigned char *scratch;
    struct arc_names names; /* local names, for a zip */
    int is_zip;
    int complete; /* every header was read */
    int first_pw; /* the candidate that opens an encrypted entry, or -1 */
    int one_pw;   /* give only candidate one_pw (trying one at a time) */
};

struct arc_buf {
    unsigned char *data;
    size_t len, cap, limit;
};

double arc_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int arc_is_tnef(const unsigned char *data, size_t len)
{
    /* 0x223E9F78, little endian (MS-OXTNEF 2.1.3.1). */
    return data != NULL && len >= 4 && data[0] == 0x78 && data[1] == 0x9f &&
           data[2] == 0x3e && data[3] == 0x22;
}

static void arc_emit(struct arc_ctx *c, enum arc_ev what, const char *detail,
                     long long limit, long long value)
{
    struct arc_event e = {what, c->name, detail, limit, value};

    if (c->s->event != NULL)
        c->s->event(c->s, &e);
}

/* A bound was hit: stop this archive and every archive around it. */
void arc_bomb(struct arc_ctx *c, const char *bound, long long limit,
              long long value)
{
    log_info(c->s->qid, "archive %s: %s %lld exceeded (%lld): stopped", c->name,
             bound, limit, value);
    arc_emit(c, ARC_EV_BOMB, bound, limit, value);
    c->stop = 1;
    c->s->halt = 1;
}

/* An event without a bound; encryption once per archive.  Why a TNEF
 * is unreadable and which names disagree are worth an info line. */
void arc_note(struct arc_ctx *c, enum arc_ev what, const char *detail)
{
    static const char *const what_name[] = {"bound", "encrypted",
                                            "unreadable", "names disagree"};

    if (what == ARC_EV_ENCRYPTED) {
        if (c->encrypted)
            return;
        c->encrypted = 1;
        log_debug(c->s->qid, "archive %s: encrypted: %s", c->name,
                  detail ? detail : "?");
    } else {
        log_info(c->s->qid, "archive %s: %s: %s", c->name, what_name[what],
                 detail ? detail : "?");
    }
    arc_emit(c, what, detail, 0, 0);
}

int arc_stopped(const struct arc_ctx *c)
{
    return c->stop || c->s->halt;
}

/* The message-wide bounds: total bytes and the deadline. 0 ok, -1 hit. */
int arc_check_global(struct arc_ctx *c)
{
    struct arc_scan *s = c->s;

    if (s->bytes > s->lim->max_total) {
        arc_bomb(c, "archive_max_total", s->lim->max_total, s->bytes);
        return -1;
    }
    if (s->deadline > 0 && arc_now() > s->deadline) {
        arc_bomb(c, "archive_max_time", s->max_time, s->max_time + 1);
        return -1;
    }
    return 0;
}

/* Count n decompressed bytes; 0 ok, -1 when a bound is hit. */
int arc_count(struct arc_ctx *c, size_t n)
{
    long long ratio = c->s->lim->max_ratio;
    long long packed = (long long)(c->len ? c->len : 1);

    c->bytes += (long long)n;
    c->s->bytes += (long long)n;
    if (ratio > 0 && c->bytes > ARC_RATIO_FLOOR && c->bytes / packed > ratio) {
        arc_bomb(c, "archive_max_ratio", ratio, c->bytes / packed);
        return -1;
    }
    return arc_check_global(c);
}

/* Hand one entry to the caller; read it as an archive when asked. */
void arc_give(struct arc_ctx *c, const char *name, const unsigned char *data,
              size_t len, unsigned flags)
{
    struct arc_member m = {name ? name : "(unnamed)", c->name, data, len,
                           c->depth + 1, flags};
    char *inner;
    int r;

    if (c->s->member == NULL)
        return;
    r = c->s->member(c->s, &m);
    if (r == ARC_STOP) {
        c->stop = 1;
        c->s->halt = 1;
        return;
    }
    if (r != ARC_OPEN || !(flags & ARC_M_FILE) || len == 0)
        return;
    /* A nameless entry is named after its container: "x in x" at every
     * level would double the chain's length with each one. */
    inner = xasprintf("%s in %s",
                      (flags & ARC_M_NAMELESS) ? "(unnamed)" : m.name,
                      c->name);
    arc_read(c->s, inner, data, len, c->depth + 1);
    free(inner);
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

    if (n >= 4 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9')
        return ARCHIVE_FILTER_BZIP2;
    for (size_t i = 0; i < sizeof(m) / sizeof(*m); i++)
        if (n >= m[i].len && memcmp(p, m[i].magic, m[i].len) == 0)
            return m[i].filter;
    return -1;
}

/*
 * A reader over the data with the known layers; raw_only for peeking.
 * NULL (logged) when libarchive refuses to open it.
 */
static struct archive *arc_open(struct arc_la *la, int raw_only)
{
    struct archive *a = archive_read_new();
    struct arc_ctx *c = la->c;
    const struct arc_scan *s = c->s;

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
    if (raw_only || la->nfilters > 0 || la->compress)
        archive_read_support_format_raw(a);
    if (la->compress)
        archive_read_support_filter_compress(a);
    for (int i = 0; i < la->nfilters; i++)
        archive_read_append_filter(a, la->filters[i]);
    if (!raw_only && la->one_pw >= 0) {
        archive_read_add_passphrase(a, s->passwords[la->one_pw]);
    } else if (!raw_only) {
        if (la->first_pw >= 0)
            archive_read_add_passphrase(a, s->passwords[la->first_pw]);
        for (size_t i = 0; i < s->npasswords &&
                           (long long)i < s->lim->password_max_tries;
             i++)
            if ((int)i != la->first_pw)
                archive_read_add_passphrase(a, s->passwords[i]);
    }
    if (archive_read_open_memory(a, c->data, c->len) < ARCHIVE_WARN) {
        log_debug(s->qid, "archive %s: cannot open: %s", c->name,
                  archive_error_string(a));
        archive_read_free(a);
        return NULL;
    }
    return a;
}

/* The first decompressed bytes under the known layers; -1 on error. */
static ssize_t arc_peek(struct arc_la *la, unsigned char *out, size_t n)
{
    struct archive *a = arc_open(la, 1);
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
static int arc_layers(struct arc_la *la)
{
    struct arc_ctx *c = la->c;
    unsigned char peek[ARC_PEEK];
    ssize_t n = c->len < ARC_PEEK ? (ssize_t)c->len : ARC_PEEK;
    int f;

    memcpy(peek, c->data, (size_t)n);
    while ((f = arc_filter_magic(peek, n > 0 ? (size_t)n : 0)) >= 0) {
        if (f == ARCHIVE_FILTER_COMPRESS) {
            la->compress = la->nfilters == 0;
            break;
        }
        if (la->nfilters >= c->s->lim->max_layers ||
            la->nfilters >= ARC_MAX_LAYERS) {
            arc_bomb(c, "archive_max_layers", c->s->lim->max_layers,
                     la->nfilters + 1);
            return -1;
        }
        la->filters[la->nfilters++] = f;
        n = arc_peek(la, peek, sizeof(peek));
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
static int arc_read_entry(struct arc_la *la, struct archive *a,
                          struct arc_buf *b, const char **error_r)
{
    struct arc_ctx *c = la->c;
    long long left = c->s->lim->max_total - c->s->bytes;
    la_ssize_t r;

    b->limit =
        (size_t)(left < ARC_ENTRY_CAP ? (left > 0 ? left : 0) : ARC_ENTRY_CAP);
    if (la->scratch == NULL)
        la->scratch = xmalloc(ARC_CHUNK);
    for (;;) {
        r = archive_read_data(a, la->scratch, ARC_CHUNK);
        if (r == 0)
            return 0;
        if (r < 0) {
            *error_r = archive_error_string(a);
            return -1;
        }
        arc_buf_add(b, la->scratch, (size_t)r);
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
    size_t n = in ? (size_t)(in - container) : strlen(container), m;

    for (size_t i = 0; i < sizeof(sfx) / sizeof(*sfx); i++) {
        m = strlen(sfx[i][0]);
        if (n > m && str_ncasecmp(container + n - m, sfx[i][0], m) == 0)
            return xasprintf("%.*s%s", (int)(n - m), container, sfx[i][1]);
    }
    return NULL;
}

/* Keep a local name of a zip for arc_zipcd_check(). */
static void arc_keep_name(struct arc_la *la, struct archive_entry *e)
{
    const char *u = archive_entry_pathname_utf8(e);
    const char *r = archive_entry_pathname(e);
    struct arc_name *n;

    if ((la->names.n & (la->names.n - 1)) == 0) /* 0, 1, 2, 4, 8... */
        la->names.v = xrealloc(la->names.v, (la->names.n ? 2 * la->names.n : 1) *
                                                sizeof(*la->names.v));
    n = &la->names.v[la->names.n++];
    n->utf8 = u ? xstrdup(u) : NULL;
    n->raw = xstrdup(r ? r : "");
}

/* One header: its name, and (when readable) the bytes of a file. */
static void arc_entry(struct arc_la *la, struct archive *a,
                      struct archive_entry *e, int readable)
{
    struct arc_ctx *c = la->c;
    const char *ename = archive_entry_pathname_utf8(e), *error = NULL;
    struct arc_buf b = {NULL, 0, 0, 0};
    unsigned nameless = 0;
    char *raw = NULL;
    int r = -3;

    if (ename == NULL)
        ename = archive_entry_pathname(e);
    if (archive_format(a) == ARCHIVE_FORMAT_RAW)
        ename = raw = arc_raw_name(c->name);
    if (la->is_zip)
        arc_keep_name(la, e);
    if (readable && archive_entry_filetype(e) == AE_IFREG)
        r = arc_read_entry(la, a, &b, &error);
    if (r == -1 && archive_entry_is_encrypted(e))
        arc_note(c, ARC_EV_ENCRYPTED, error);
    else if (r == -1)
        log_debug(c->s->qid, "archive %s: entry %s: %s", c->name,
                  ename ? ename : "?", error ? error : "read error");
    if (ename == NULL) {
        ename = c->name; /* no name of its own: the container's */
        nameless = ARC_M_NAMELESS;
    }
    if (r == 0 && b.len > 0)
        arc_give(c, ename, b.data, b.len, ARC_M_FILE | nameless);
    else if (r != -2)
        arc_give(c, ename, NULL, 0, nameless);
    free(b.data);
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
static void arc_entries(struct arc_la *la, struct archive *a)
{
    struct arc_ctx *c = la->c;
    struct archive_entry *e;
    int r;

    while (!arc_stopped(c)) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            la->complete = 1;
            break;
        }
        if (r < ARCHIVE_WARN && arc_header_encrypted(a)) {
            arc_note(c, ARC_EV_ENCRYPTED, archive_error_string(a));
            break;
        }
        if (r < ARCHIVE_WARN) {
            log_debug(c->s->qid, "archive %s: %s", c->name,
                      archive_error_string(a));
            if (r == ARCHIVE_FATAL)
                break;
        }
        if (++c->entries > c->s->lim->max_entries) {
            arc_bomb(c, "archive_max_entries", c->s->lim->max_entries,
                     c->entries);
            break;
        }
        if (arc_check_global(c) < 0)
            break;
        la->is_zip = la->nfilters == 0 && !la->compress &&
                     (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) ==
                         ARCHIVE_FORMAT_ZIP;
        if (r >= ARCHIVE_FAILED)
            arc_entry(la, a, e, r >= ARCHIVE_WARN);
    }
}

/* 1 when candidate i decrypts the first encrypted file of the archive
 * to its end without an error (its check value and CRC agree). */
static int arc_pw_opens(struct arc_la *la, int i)
{
    struct archive_entry *e;
    struct archive *a;
    int ok = 0, seen = 0;
    la_ssize_t r;

    la->one_pw = i;
    a = arc_open(la, 0);
    la->one_pw = -1;
    if (a == NULL)
        return 0;
    while (!seen && archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
        if (!archive_entry_is_encrypted(e) ||
            archive_entry_filetype(e) != AE_IFREG)
            continue;
        seen = 1;
        while ((r = archive_read_data(a, la->scratch, ARC_CHUNK)) > 0)
            ;
        ok = r == 0;
    }
    archive_read_free(a);
    return ok;
}

/*
 * With several candidate passwords, libarchive takes the first whose
 * one-byte ZipCrypto check value happens to match, 1 time in 256 a wrong
 * one, and the entry then fails to decrypt.  Find the candidate that
 * reads the first encrypted file to its end and give it first.  Only
 * archives with encrypted entries and several candidates pay for this.
 */
static void arc_pick_password(struct arc_la *la)
{
    const struct arc_scan *s = la->c->s;
    struct archive_entry *e;
    struct archive *a;
    int enc = 0;

    if (s->npasswords < 2 || (a = arc_open(la, 0)) == NULL)
        return;
    while (!enc && archive_read_next_header(a, &e) >= ARCHIVE_WARN)
        enc = archive_entry_is_encrypted(e);
    archive_read_free(a);
    if (!enc)
        return;
    if (la->scratch == NULL)
        la->scratch = xmalloc(ARC_CHUNK);
    for (size_t i = 0;
         i < s->npasswords && (long long)i < s->lim->password_max_tries; i++)
        if (arc_pw_opens(la, (int)i)) {
            la->first_pw = (int)i;
            return;
        }
}

static void arc_libarchive(struct arc_ctx *c)
{
    struct arc_la la;
    struct archive *a;

    memset(&la, 0, sizeof(la));
    la.c = c;
    la.first_pw = la.one_pw = -1;
    if (arc_layers(&la) < 0)
        return;
    arc_pick_password(&la);
    if ((a = arc_open(&la, 0)) == NULL)
        return;
    arc_entries(&la, a);
    archive_read_free(a);
    if (la.is_zip && !arc_stopped(c))
        arc_zipcd_check(c, &la.names, la.complete);
    for (size_t i = 0; i < la.names.n; i++) {
        free(la.names.v[i].utf8);
        free(la.names.v[i].raw);
    }
    free(la.names.v);
    free(la.scratch);
}

void arc_read(struct arc_scan *s, const char *name, const unsigned char *data,
              size_t len, int depth)
{
    struct arc_ctx c;

    memset(&c, 0, sizeof(c));
    c.s = s;
    c.name = name != NULL ? name : "(unnamed)";
    c.data = data;
    c.len = len;
    c.depth = depth;
    if (data == NULL || len == 0)
        return;
    s->level++;
    if (depth > s->lim->max_depth)
        arc_bomb(&c, "archive_max_depth", s->lim->max_depth, depth);
    else if (arc_check_global(&c) == 0 && arc_is_tnef(data, len))
        arc_tnef_read(&c);
    else if (!c.stop)
        arc_libarchive(&c);
    if (--s->level == 0)
        s->halt = 0;
}
