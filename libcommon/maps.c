/*
 * maps - lookup tables "type:file" (see maps.h for the contract).
 *
 * DESCRIPTION
 *	This file holds what every map type shares: parsing the spec,
 *	reading the file line by line, the reload check, the lock and the
 *	thread-local buffers for values and error strings.  The types live
 *	in maps_cidr.c, maps_domain.c (domain: and addr:) and maps_pcre.c,
 *	behind struct map_backend (maps_internal.h).
 *
 *	Reload: every lookup stat()s the file (one system call, no read);
 *	when the device, inode, size or mtime differ from the version last
 *	read, the lookup takes the write lock, builds a new table and swaps
 *	it in.  When the new version does not load, the old table stays, the
 *	problem is logged once (log_warn) and that version is not retried
 *	until the file changes again.  Lookups hold the read lock only while
 *	they search the table and copy the value out.
 *
 * LIMITS
 *	A line is at most MAPS_LINE_MAX bytes; a longer line is an error.
 *	Values are therefore shorter than the thread-local value buffer.
 */
#include "maps.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "maps_internal.h"
#include "util.h"

#define MAPS_LINE_MAX 4096

struct map_version {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
};

struct map {
    char *spec;
    char *path;
    char *values; /* allowed values "a|b|c", or NULL */
    const struct map_backend *be;
    pthread_rwlock_t lock;
    void *tab;               /* the contents in use */
    struct map_version seen; /* last version tried, good or bad */
    int missing;             /* the file was gone at the last check */
};

static const struct map_backend *const maps_backends[] = {
    &maps_cidr_backend,
    &maps_domain_backend,
    &maps_addr_backend,
    &maps_pcre_backend,
};

static __thread char maps_err[MAPS_ERRORS_MAX * 300];
static __thread char maps_value[MAPS_LINE_MAX + 1];

static const char *maps_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static const char *maps_fail(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(maps_err, sizeof(maps_err), fmt, ap);
    va_end(ap);
    return maps_err;
}

void maps_split(char *line, char **key_r, char **value_r)
{
    char *p = line;

    while (*p && *p != ' ' && *p != '\t')
        p++;
    *key_r = line;
    if (*p == '\0') {
        *value_r = p;
        return;
    }
    *p++ = '\0';
    *value_r = str_trim(p);
}

static void maps_version_of(const struct stat *st, struct map_version *v)
{
    v->dev = st->st_dev;
    v->ino = st->st_ino;
    v->size = st->st_size;
    v->mtime = st->st_mtim;
}

static int maps_version_eq(const struct map_version *a,
                           const struct map_version *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime.tv_sec == b->mtime.tv_sec &&
           a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* Is value one of "a|b|c" (case-insensitive)? */
static int maps_value_ok(const char *values, const char *value)
{
    const char *p = values;
    size_t n, len = strlen(value);

    for (;;) {
        n = strcspn(p, "|");
        if (n == len && str_ncasecmp(p, value, n) == 0)
            return 1;
        if (p[n] == '\0')
            return 0;
        p += n + 1;
    }
}

/* The value of a trimmed line, checked against values; 0 or -1. */
static int maps_check_value(const char *values, const char *line, char *err,
                            size_t errlen)
{
    char *copy, *key, *value;
    int ok;

    if (values == NULL)
        return 0;
    copy = xstrdup(line);
    maps_split(copy, &key, &value);
    ok = maps_value_ok(values, value);
    if (!ok) {
        int n = snprintf(err, errlen, "%.64s: value \"%.64s\" is not one of ",
                         key, value);

        for (const char *p = values; *p && n > 0 && (size_t)n + 3 < errlen;
             p++)
            n += *p == '|' ? snprintf(err + n, errlen - (size_t)n, ", ")
                           : snprintf(err + n, errlen - (size_t)n, "%c", *p);
    }
    free(copy);
    return ok ? 0 : -1;
}

/*
 * Read one line into the table.  Returns 0, or -1 with the problem in
 * err ("file:line: message").
 */
static int maps_add_line(const struct map_backend *be, void *tab,
                         const char *values, const char *path,
                         unsigned lineno, char *line, size_t len, char *err,
                         size_t errlen)
{
    char why[512];
    char *s;

    if (len > MAPS_LINE_MAX) {
        snprintf(err, errlen, "%s:%u: line too long (more than %d bytes)",
                 path, lineno, MAPS_LINE_MAX);
        return -1;
    }
    if (memchr(line, '\0', len) != NULL) {
        snprintf(err, errlen, "%s:%u: NUL byte in line", path, lineno);
        return -1;
    }
    s = str_trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    why[0] = '\0';
    if (maps_check_value(values, s, why, sizeof(why)) < 0 ||
        be->add(tab, s, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
        return -1;
    }
    return 0;
}

/* Add one line of problems to maps_err; 0 once MAPS_ERRORS_MAX are in. */
static int maps_note(size_t *n, const char *line)
{
    size_t used = strlen(maps_err);

    if (*n == MAPS_ERRORS_MAX) {
        snprintf(maps_err + used, sizeof(maps_err) - used,
                 "\nmore than %d bad lines: stopped reading",
                 MAPS_ERRORS_MAX);
        return 0;
    }
    snprintf(maps_err + used, sizeof(maps_err) - used, "%s%s",
             *n ? "\n" : "", line);
    (*n)++;
    return 1;
}

/*
 * Build a table from the file.  Returns 0 with *tab_r and *v_r, or -1
 * with maps_err set: every bad line as "file:line: message" (one per
 * line of text), or "file: message".
 */
static int maps_load(const struct map_backend *be, const char *values,
                     const char *path, void **tab_r, struct map_version *v_r)
{
    FILE *fp;
    struct stat st;
    char *line = NULL, err[600];
    size_t cap = 0, nbad = 0;
    ssize_t len;
    unsigned lineno = 0;
    void *tab;
    int more = 1;

    fp = fopen(path, "re");
    if (fp == NULL) {
        maps_fail("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        maps_fail("%s: not a regular file", path);
        fclose(fp);
        return -1;
    }
    maps_err[0] = '\0';
    tab = be->create();
    /* Paragraph: every bad line is reported, not only the first. */
    while (more && (len = getline(&line, &cap, fp)) >= 0)
        if (maps_add_line(be, tab, values, path, ++lineno, line, (size_t)len,
                          err, sizeof(err)) < 0)
            more = maps_note(&nbad, err);
    if (ferror(fp)) {
        snprintf(err, sizeof(err), "%s: read error: %s", path,
                 strerror(errno));
        maps_note(&nbad, err);
    }
    free(line);
    fclose(fp);
    if (nbad > 0) {
        be->destroy(tab);
        return -1;
    }
    be->finish(tab);
    maps_version_of(&st, v_r);
    *tab_r = tab;
    return 0;
}

struct map *map_open(const char *spec, const char *base_file,
                     const char **error_r)
{
    return map_open_values(spec, base_file, NULL, error_r);
}

struct map *map_open_values(const char *spec, const char *base_file,
                            const char *values, const char **error_r)
{
    const char *colon = strchr(spec, ':');
    const struct map_backend *be = NULL;
    struct map *m;
    char *path;

    if (colon == NULL || colon == spec || colon[1] == '\0') {
        *error_r = maps_fail("%s: map must be type:file", spec);
        return NULL;
    }
    for (size_t i = 0; i < sizeof(maps_backends) / sizeof(*maps_backends); i++)
        if (strlen(maps_backends[i]->type) == (size_t)(colon - spec) &&
            memcmp(maps_backends[i]->type, spec, colon - spec) == 0)
            be = maps_backends[i];
    if (be == NULL) {
        *error_r = maps_fail("%s: unknown map type \"%.*s\" (cidr, domain, "
                             "addr or pcre)",
                             spec, (int)(colon - spec), spec);
        return NULL;
    }
    path = path_resolve(base_file, colon + 1);
    m = xcalloc(1, sizeof(*m));
    if (maps_load(be, values, path, &m->tab, &m->seen) < 0) {
        *error_r = maps_err;
        free(path);
        free(m);
        return NULL;
    }
    m->values = values ? xstrdup(values) : NULL;
    m->spec = xstrdup(spec);
    m->path = path;
    m->be = be;
    pthread_rwlock_init(&m->lock, NULL);
    return m;
}

/* Called with the write lock held. */
static void maps_reload(struct map *m, int have, const struct stat *st)
{
    struct map_version v;
    void *tab;

    if (!have) {
        m->missing = 1;
        log_warn(NULL, "map %s: %s: %s; keeping the old contents", m->spec,
                 m->path, strerror(errno));
        return;
    }
    m->missing = 0;
    if (maps_load(m->be, m->values, m->path, &tab, &v) < 0) {
        maps_version_of(st, &m->seen);
        log_warn(NULL, "map %s: %s; keeping the old contents", m->spec,
                 maps_err);
        return;
    }
    m->be->destroy(m->tab);
    m->tab = tab;
    m->seen = v;
    log_info(NULL, "map %s: reloaded", m->spec);
}

/* Called with a lock held. */
static int maps_stale(const struct map *m, int have, const struct stat *st)
{
    struct map_version v;

    if (!have)
        return !m->missing;
    maps_version_of(st, &v);
    return m->missing || !maps_version_eq(&v, &m->seen);
}

enum map_rc map_lookup(struct map *m, const char *key, const char **value_r,
                       const char **error_r)
{
    struct stat st;
    int have, saved;
    const char *value = NULL;
    char err[512];
    enum map_rc rc;

    have = stat(m->path, &st) == 0;
    saved = errno;
    pthread_rwlock_rdlock(&m->lock);
    if (maps_stale(m, have, &st)) {
        pthread_rwlock_unlock(&m->lock);
        pthread_rwlock_wrlock(&m->lock);
        errno = saved;
        if (maps_stale(m, have, &st))
            maps_reload(m, have, &st);
        pthread_rwlock_unlock(&m->lock);
        pthread_rwlock_rdlock(&m->lock);
    }
    err[0] = '\0';
    rc = m->be->lookup(m->tab, key, &value, err, sizeof(err));
    if (rc == MAP_FOUND) {
        snprintf(maps_value, sizeof(maps_value), "%s", value);
        *value_r = maps_value;
    }
    pthread_rwlock_unlock(&m->lock);
    if (rc == MAP_ERROR)
        *error_r = maps_fail("map %s: %s", m->spec, err);
    return rc;
}

const char *map_spec(const struct map *m)
{
    return m->spec;
}

void map_close(struct map *m)
{
    if (m == NULL)
        return;
    m->be->destroy(m->tab);
    pthread_rwlock_destroy(&m->lock);
    free(m->spec);
    free(m->path);
    free(m->values);
    free(m);
}

/*
 * The sorted string table shared by domain: and addr:.
 */
void maps_tab_add(struct maps_tab *t, const char *key, const char *value)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->e = xrealloc(t->e, t->cap * sizeof(*t->e));
    }
    t->e[t->n].key = xstrdup(key);
    t->e[t->n].value = xstrdup(value);
    t->e[t->n].seq = t->n;
    t->n++;
}

static int maps_tab_cmp(const void *a, const void *b)
{
    const struct maps_tab_entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    if (c != 0)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void maps_tab_sort(struct maps_tab *t)
{
    if (t->n > 1)
        qsort(t->e, t->n, sizeof(*t->e), maps_tab_cmp);
}

const char *maps_tab_find(const struct maps_tab *t, const char *key)
{
    size_t lo = 0, hi = t->n;

    /* Lower bound: the first entry whose key is >= key. */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcmp(t->e[mid].key, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < t->n && strcmp(t->e[lo].key, key) == 0)
        return t->e[lo].value;
    return NULL;
}

void maps_tab_free(struct maps_tab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->e[i].key);
        free(t->e[i].value);
    }
    free(t->e);
    memset(t, 0, sizeof(*t));
}

static int map_has_at(struct map *m, const char *key, const char *qid,
                      const char *who, int warn)
{
    const char *value, *error;
    enum map_rc rc;

    if (m == NULL || key == NULL || *key == '\0')
        return 0;
    rc = map_lookup(m, key, &value, &error);
    if (rc == MAP_ERROR && warn) /* error names the map */
        log_warn(qid, "%s: %s", who, error);
    else if (rc == MAP_ERROR)
        log_debug(qid, "%s: %s", who, error);
    return rc == MAP_FOUND;
}

int map_has(struct map *m, const char *key, const char *qid, const char *who)
{
    return map_has_at(m, key, qid, who, 1);
}

int map_has_quiet(struct map *m, const char *key, const char *qid,
                  const char *who)
{
    return map_has_at(m, key, qid, who, 0);
}
