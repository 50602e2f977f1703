/*
 * arc_zipcd - a zip's central directory against its local headers.
 *
 * SYNOPSIS
 *	void arc_zipcd_check(struct arc_ctx *c, const struct arc_names *local,
 *	                     int complete);
 *
 * DESCRIPTION
 *	Windows Explorer and 7-Zip list a zip from its central directory;
 *	a streaming reader, and libarchive 3.6.2 even when it reads the
 *	central directory, takes each entry's name from its local header.
 *	A zip whose local header says notes.txt and whose central
 *	directory says notes.vbs shows a script to the user and a text
 *	file to the checks.  No honest zip tool writes one.
 *
 *	arc_zipcd_check() reads the central directory of c's bytes with
 *	libzip and pairs its names with the local names libarchive gave
 *	(local, in the order read), as multisets: the order of the central
 *	directory does not count.  A pair matches when libarchive's UTF-8
 *	name equals libzip's default one (both honour the UTF-8 flag and
 *	the Info-ZIP Unicode Path extra field), or when the raw bytes are
 *	equal (a name in a DOS code page, which libarchive cannot convert
 *	and libzip converts from CP437).
 *
 *	Every central name left without a local one is given to the
 *	member callback as an ARC_M_ALT_NAME entry, so that its extension
 *	is judged like any other name.  The archive is ARC_EV_NAME_MISMATCH
 *	("local NAME, central NAME") when a local name has no central one,
 *	or, when the local walk was complete, a central name has no local
 *	one.
 *
 *	A zip that libzip cannot open (no central directory it can read)
 *	is not compared (log_debug()); nor is one with more central
 *	entries than max_entries (libarchive's walk reports that bound).
 *
 * OWNERSHIP
 *	The names libzip returns live until zip_discard(), at the end.
 */
#include <stdlib.h>
#include <string.h>
#include <zip.h>

#include "arc_int.h"
#include "log.h"
#include "util.h"

struct zcd_entry {
    const char *def; /* libzip's name (UTF-8), or "" */
    const char *raw; /* the bytes of the central directory, or "" */
    int used;
};

struct zcd {
    struct zcd_entry *e;
    size_t n;
    size_t *by_def, *by_raw; /* indexes of e, sorted by def, by raw */
};

/* qsort() passes no argument to the comparison: the entries being
 * sorted are in this thread's variable while it runs. */
static __thread const struct zcd_entry *zcd_sorting;

static int zcd_cmp_def(const void *a, const void *b)
{
    return strcmp(zcd_sorting[*(const size_t *)a].def,
                  zcd_sorting[*(const size_t *)b].def);
}

static int zcd_cmp_raw(const void *a, const void *b)
{
    return strcmp(zcd_sorting[*(const size_t *)a].raw,
                  zcd_sorting[*(const size_t *)b].raw);
}

/* An unused central entry whose key (def or raw) is name; -1 when none. */
static long zcd_find(const struct zcd *z, const size_t *by, int raw,
                     const char *name)
{
    size_t lo = 0, hi = z->n, mid;
    const char *k;

    while (lo < hi) { /* the first index whose key is >= name */
        mid = lo + (hi - lo) / 2;
        k = raw ? z->e[by[mid]].raw : z->e[by[mid]].def;
        if (strcmp(k, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < z->n; lo++) {
        k = raw ? z->e[by[lo]].raw : z->e[by[lo]].def;
        if (strcmp(k, name) != 0)
            return -1;
        if (!z->e[by[lo]].used)
            return (long)by[lo];
    }
    return -1;
}

/* Read the central directory; 0, or -1 when it is not to be compared. */
static int zcd_load(struct arc_ctx *c, zip_t *za, struct zcd *z)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    const char *s;

    if (n < 0 || n > c->s->lim->max_entries)
        return -1;
    z->n = (size_t)n;
    z->e = xcalloc(z->n + 1, sizeof(*z->e));
    z->by_def = xcalloc(z->n + 1, sizeof(size_t));
    z->by_raw = xcalloc(z->n + 1, sizeof(size_t));
    for (size_t i = 0; i < z->n; i++) {
        s = zip_get_name(za, i, ZIP_FL_ENC_GUESS);
        z->e[i].def = s ? s : "";
        s = zip_get_name(za, i, ZIP_FL_ENC_RAW);
        z->e[i].raw = s ? s : "";
        z->by_def[i] = z->by_raw[i] = i;
    }
    zcd_sorting = z->e;
    qsort(z->by_def, z->n, sizeof(size_t), zcd_cmp_def);
    qsort(z->by_raw, z->n, sizeof(size_t), zcd_cmp_raw);
    zcd_sorting = NULL;
    return 0;
}

/* Pair the local names; the first one without a central one, or -1. */
static long zcd_pair(struct zcd *z, const struct arc_names *local)
{
    long first = -1, k;

    for (size_t i = 0; i < local->n; i++) {
        k = -1;
        if (local->v[i].utf8 != NULL)
            k = zcd_find(z, z->by_def, 0, local->v[i].utf8);
        if (k < 0)
            k = zcd_find(z, z->by_raw, 1, local->v[i].raw);
        if (k >= 0)
            z->e[k].used = 1;
        else if (first < 0)
            first = (long)i;
    }
    return first;
}

static void zcd_report(struct arc_ctx *c, const struct zcd *z,
                       const struct arc_names *local, long lost, int complete)
{
    const char *central = NULL, *lname;
    char *detail;

    for (size_t i = 0; i < z->n && !arc_stopped(c); i++) {
        if (z->e[i].used)
            continue;
        if (central == NULL)
            central = z->e[i].def;
        arc_give(c, z->e[i].def, NULL, 0, ARC_M_ALT_NAME);
        if (strcmp(z->e[i].raw, z->e[i].def) != 0)
            arc_give(c, z->e[i].raw, NULL, 0, ARC_M_ALT_NAME);
    }
    if (lost < 0 && (central == NULL || !complete))
        return;
    lname = lost >= 0 ? (local->v[lost].utf8 ? local->v[lost].utf8
                                             : local->v[lost].raw)
                      : NULL;
    if (lname != NULL && central != NULL)
        detail = xasprintf("local %s, central %s", lname, central);
    else if (lname != NULL)
        detail = xasprintf("local %s, not in the central directory", lname);
    else
        detail = xasprintf("central %s, no local header", central);
    arc_note(c, ARC_EV_NAME_MISMATCH, detail);
    free(detail);
}

void arc_zipcd_check(struct arc_ctx *c, const struct arc_names *local,
                     int complete)
{
    struct zcd z = {NULL, 0, NULL, NULL};
    zip_source_t *src;
    zip_error_t ze;
    zip_t *za;

    zip_error_init(&ze);
    src = zip_source_buffer_create(c->data, c->len, 0, &ze);
    za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (za == NULL) {
        log_debug(c->s->qid, "archive %s: central directory not read: %s",
                  c->name, zip_error_strerror(&ze));
        if (src != NULL)
            zip_source_free(src);
        zip_error_fini(&ze);
        return;
    }
    if (zcd_load(c, za, &z) == 0)
        zcd_report(c, &z, local, zcd_pair(&z, local), complete);
    free(z.e);
    free(z.by_def);
    free(z.by_raw);
    zip_discard(za);
    zip_error_fini(&ze);
}
