/*
 * cfg - read the configuration file against tables of declared keys.
 *
 * DESCRIPTION
 *	See cfg.h for the file format and the API.  This file reads lines,
 *	sections and includes, finds each key in its section's table,
 *	applies defaults and keeps the loaded values; cfg_value.c parses,
 *	stores, frees and prints one value of one key.
 *
 *	"include FILE" is textual: the included file starts in the section
 *	that was current at the include line, and a section it opens stays
 *	current after it.  Includes nest at most CFG_INCLUDE_MAX deep,
 *	which also stops include loops, and one load reads at most
 *	CFG_FILES_MAX files (a file including itself twice would otherwise
 *	be read 2^8 times).
 *
 *	A key before any section, in an unknown section or not in its
 *	section's table is an error; so is a key set twice (the message
 *	names where it was first set).  Keys of the known_sections are
 *	skipped.  Defaults (the table's def strings) go through the same
 *	parser after the whole file is read; relative default paths resolve
 *	against the main file.
 *
 * DIAGNOSTICS
 *	cfg_load() appends its errors to errs (so the caller may collect
 *	the errors of several steps in one list; start it zeroed) and keeps
 *	going after an error so that one run reports all of them.
 *
 * OWNERSHIP
 *	struct cfg owns its section structs, the per-key "set at" records
 *	and the names of every file read (the "set at" records point into
 *	them).  The reference count is atomic: cfg_acquire()/cfg_release()
 *	may be called from any thread.
 */
#include "cfg.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_internal.h"
#include "util.h"

#define CFG_INCLUDE_MAX 8
#define CFG_FILES_MAX 256

struct cfg_inst {
    const struct cfg_section *sec;
    void *data;
    size_t nkeys;
    const char **set_file; /* per key: the file that set it, or NULL */
    int *set_line;
};

struct cfg {
    atomic_int refs;
    char *path;
    struct cfg_inst *inst;
    size_t ninst;
    char **files; /* every file read, for the set_file pointers */
    size_t nfiles;
};

struct cfg_parser {
    struct cfg *c;
    struct cfg_errors *errs;
    const char *const *known;
    struct cfg_inst *cur; /* current section, or NULL */
    int skip;             /* in an unknown or known-only section */
    int nfiles;           /* included so far */
};

static int cfg_read_file(struct cfg_parser *p, const char *path, int depth,
                         const char *from_file, int from_line);

void cfg_errors_add(struct cfg_errors *e, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (e == NULL) {
        free(msg);
        return;
    }
    e->v = xrealloc(e->v, (e->n + 1) * sizeof(*e->v));
    e->v[e->n++] = msg;
}

void cfg_warnings_add(struct cfg_errors *e, const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    if (e == NULL) {
        free(msg);
        return;
    }
    e->warn = xrealloc(e->warn, (e->nwarn + 1) * sizeof(*e->warn));
    e->warn[e->nwarn++] = msg;
}

void cfg_errors_free(struct cfg_errors *e)
{
    if (e == NULL)
        return;
    for (size_t i = 0; i < e->nwarn; i++)
        free(e->warn[i]);
    free(e->warn);
    e->warn = NULL;
    e->nwarn = 0;
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
    free(e->v);
    e->v = NULL;
    e->n = 0;
}

/* One "file:line: key: problem" error per line of problems. */
static void cfg_errors_lines(struct cfg_errors *e, const char *file, int line,
                             const char *key, const char *problems)
{
    const char *p = problems;

    for (;;) {
        size_t n = strcspn(p, "\n");

        cfg_errors_add(e, "%s:%d: %s: %.*s", file, line, key, (int)n, p);
        if (p[n] == '\0' || p[n + 1] == '\0')
            return;
        p += n + 1;
    }
}

/* Lookup helpers. */

static struct cfg_inst *cfg_find_inst(const struct cfg *c, const char *name)
{
    for (size_t i = 0; i < c->ninst; i++)
        if (strcmp(c->inst[i].sec->name, name) == 0)
            return &c->inst[i];
    return NULL;
}

static int cfg_find_key(const struct cfg_inst *in, const char *name)
{
    for (size_t i = 0; i < in->nkeys; i++)
        if (strcmp(in->sec->keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int cfg_is_known(const char *const *known, const char *name)
{
    for (; known && *known; known++)
        if (strcmp(*known, name) == 0)
            return 1;
    return 0;
}

static int cfg_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
            (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')
            continue;
        return 0;
    }
    return 1;
}

/* Building and freeing. */

static struct cfg *cfg_new(const char *path,
                           const struct cfg_section *const *secs, size_t n)
{
    struct cfg *c = xcalloc(1, sizeof(*c));

    atomic_init(&c->refs, 1);
    c->path = xstrdup(path);
    c->inst = xcalloc(n, sizeof(*c->inst));
    for (size_t i = 0; i < n; i++) {
        struct cfg_inst *in;

        if (secs[i] == NULL || cfg_find_inst(c, secs[i]->name) != NULL)
            continue;
        in = &c->inst[c->ninst++];
        in->sec = secs[i];
        in->data = xcalloc(1, secs[i]->size);
        while (secs[i]->keys[in->nkeys].name != NULL)
            in->nkeys++;
        in->set_file = xcalloc(in->nkeys, sizeof(*in->set_file));
        in->set_line = xcalloc(in->nkeys, sizeof(*in->set_line));
    }
    return c;
}

static void cfg_free(struct cfg *c)
{
    for (size_t i = 0; i < c->ninst; i++) {
        struct cfg_inst *in = &c->inst[i];

        for (size_t k = 0; k < in->nkeys; k++)
            cfg_value_free(&in->sec->keys[k], in->data);
        free(in->data);
        free(in->set_file);
        free(in->set_line);
    }
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    free(c->inst);
    free(c->path);
    free(c);
}

static const char *cfg_keep_file(struct cfg *c, const char *path)
{
    c->files = xrealloc(c->files, (c->nfiles + 1) * sizeof(*c->files));
    c->files[c->nfiles] = xstrdup(path);
    return c->files[c->nfiles++];
}

/* One line each: section, include, key = value. */

static void cfg_line_section(struct cfg_parser *p, char *s, const char *file,
                             int line)
{
    char *end = strrchr(s, ']');
    char *name;

    p->cur = NULL;
    p->skip = 1;
    if (end == NULL) {
        cfg_errors_add(p->errs, "%s:%d: missing ']' in section header", file,
                       line);
        return;
    }
    if (end[1] != '\0') {
        cfg_errors_add(p->errs, "%s:%d: text after ']' in section header", file,
                       line);
        return;
    }
    *end = '\0';
    name = str_trim(s + 1);
    if (!cfg_name_ok(name)) {
        cfg_errors_add(p->errs, "%s:%d: bad section name \"%s\"", file, line,
                       name);
        return;
    }
    p->cur = cfg_find_inst(p->c, name);
    if (p->cur != NULL) {
        p->skip = 0;
        return;
    }
    if (cfg_is_known(p->known, name))
        return;
    cfg_errors_add(p->errs, "%s:%d: unknown section [%s]", file, line, name);
}

static void cfg_line_include(struct cfg_parser *p, const char *arg,
                             const char *file, int line, int depth)
{
    char *name, *err = NULL, *path;

    if (cfg_unquote(arg, &name, &err) < 0) {
        cfg_errors_add(p->errs, "%s:%d: include: %s", file, line, err);
        free(err);
        return;
    }
    if (*name == '\0') {
        cfg_errors_add(p->errs, "%s:%d: include: missing file name", file,
                       line);
        free(name);
        return;
    }
    if (depth + 1 > CFG_INCLUDE_MAX) {
        cfg_errors_add(p->errs, "%s:%d: include %s: nested more than %d deep",
                       file, line, name, CFG_INCLUDE_MAX);
        free(name);
        return;
    }
    if (++p->nfiles > CFG_FILES_MAX) {
        if (p->nfiles == CFG_FILES_MAX + 1)
            cfg_errors_add(p->errs, "%s:%d: include %s: more than %d files",
                           file, line, name, CFG_FILES_MAX);
        free(name);
        return;
    }
    path = path_resolve(file, name);
    cfg_read_file(p, path, depth + 1, file, line);
    free(path);
    free(name);
}

static void cfg_line_key(struct cfg_parser *p, const char *key,
                         const char *value, const char *file, int line)
{
    struct cfg_inst *in = p->cur;
    char *err = NULL;
    int k;

    if (p->skip)
        return;
    if (in == NULL) {
        cfg_errors_add(p->errs, "%s:%d: key \"%s\" outside of any section",
                       file, line, key);
        return;
    }
    k = cfg_find_key(in, key);
    if (k < 0) {
        cfg_errors_add(p->errs, "%s:%d: unknown key \"%s\" in section [%s]",
                       file, line, key, in->sec->name);
        return;
    }
    if (in->set_file[k] != NULL) {
        cfg_errors_add(p->errs, "%s:%d: key \"%s\" already set at %s:%d", file,
                       line, key, in->set_file[k], in->set_line[k]);
        return;
    }
    in->set_file[k] = file;
    in->set_line[k] = line;
    if (cfg_value_set(&in->sec->keys[k], in->data, value, file, &err) < 0) {
        cfg_errors_lines(p->errs, file, line, key, err);
        free(err);
    }
}

/* "include" followed by a blank, and not "include = value". */
static const char *cfg_include_arg(const char *s)
{
    const char *a;

    if (strncmp(s, "include", 7) != 0 || (s[7] != ' ' && s[7] != '\t'))
        return NULL;
    a = s + 7;
    while (*a == ' ' || *a == '\t')
        a++;
    return *a == '=' ? NULL : a;
}

static void cfg_line(struct cfg_parser *p, char *buf, const char *file,
                     int line, int depth)
{
    char *s = str_trim(buf), *eq, *key;
    const char *arg;

    if (*s == '\0' || *s == '#')
        return;
    if (*s == '[') {
        cfg_line_section(p, s, file, line);
        return;
    }
    arg = cfg_include_arg(s);
    if (arg != NULL) {
        cfg_line_include(p, arg, file, line, depth);
        return;
    }
    eq = strchr(s, '=');
    if (eq == NULL) {
        cfg_errors_add(p->errs, "%s:%d: expected \"key = value\"", file, line);
        return;
    }
    *eq = '\0';
    key = str_trim(s);
    if (!cfg_name_ok(key)) {
        cfg_errors_add(p->errs, "%s:%d: bad key name \"%s\"", file, line, key);
        return;
    }
    cfg_line_key(p, key, str_trim(eq + 1), file, line);
}

static int cfg_read_file(struct cfg_parser *p, const char *path, int depth,
                         const char *from_file, int from_line)
{
    FILE *fp = fopen(path, "r");
    const char *file;
    char *buf = NULL;
    size_t cap = 0;
    int line = 0;

    if (fp == NULL && from_file != NULL) {
        cfg_errors_add(p->errs, "%s:%d: include %s: %s", from_file, from_line,
                       path, strerror(errno));
        return -1;
    }
    if (fp == NULL) {
        cfg_errors_add(p->errs, "%s: %s", path, strerror(errno));
        return -1;
    }
    file = cfg_keep_file(p->c, path);
    while (getline(&buf, &cap, fp) >= 0)
        cfg_line(p, buf, file, ++line, depth);
    if (ferror(fp))
        cfg_errors_add(p->errs, "%s: read error: %s", file, strerror(errno));
    free(buf);
    fclose(fp);
    return 0;
}

/* Defaults go through the same parser as the file's values. */
static void cfg_defaults(struct cfg *c, struct cfg_errors *errs)
{
    for (size_t i = 0; i < c->ninst; i++) {
        struct cfg_inst *in = &c->inst[i];

        for (size_t k = 0; k < in->nkeys; k++) {
            const struct cfg_key *key = &in->sec->keys[k];
            char *err = NULL;

            if (in->set_file[k] != NULL || key->def == NULL)
                continue;
            if (cfg_value_set(key, in->data, key->def, c->path, &err) == 0)
                continue;
            cfg_errors_add(errs, "%s: [%s] %s: bad default: %s", c->path,
                           in->sec->name, key->name, err);
            free(err);
        }
    }
}

static struct cfg *cfg_load_any(const char *path,
                                const struct cfg_section *const *secs,
                                size_t nsecs, const char *const *known,
                                struct cfg_errors *errs, int partial)
{
    struct cfg_errors local = {0, NULL};
    struct cfg_parser p;
    struct cfg *c;
    size_t before;
    int rc;

    if (errs == NULL)
        errs = &local;
    before = errs->n;
    c = cfg_new(path, secs, nsecs);
    memset(&p, 0, sizeof(p));
    p.c = c;
    p.errs = errs;
    p.known = known;
    rc = cfg_read_file(&p, path, 0, NULL, 0);
    cfg_defaults(c, errs);
    if (errs->n > before && (!partial || rc < 0)) {
        cfg_free(c);
        c = NULL;
    }
    cfg_errors_free(&local);
    return c;
}

struct cfg *cfg_load(const char *path, const struct cfg_section *const *secs,
                     size_t nsecs, const char *const *known_sections,
                     struct cfg_errors *errs)
{
    return cfg_load_any(path, secs, nsecs, known_sections, errs, 0);
}

struct cfg *cfg_load_partial(const char *path,
                             const struct cfg_section *const *secs,
                             size_t nsecs, const char *const *known_sections,
                             struct cfg_errors *errs)
{
    return cfg_load_any(path, secs, nsecs, known_sections, errs, 1);
}

const void *cfg_section(const struct cfg *c, const char *name)
{
    const struct cfg_inst *in;

    if (c == NULL)
        return NULL;
    in = cfg_find_inst(c, name);
    return in ? in->data : NULL;
}

const char *cfg_path(const struct cfg *c)
{
    return c ? c->path : NULL;
}

void cfg_where(const struct cfg *c, const char *section, const char *key,
               const char **file_r, int *line_r)
{
    const struct cfg_inst *in = c ? cfg_find_inst(c, section) : NULL;
    int k = in ? cfg_find_key(in, key) : -1;

    *file_r = c ? c->path : "";
    *line_r = 0;
    if (k < 0 || in->set_file[k] == NULL)
        return;
    *file_r = in->set_file[k];
    *line_r = in->set_line[k];
}

void cfg_key_error(const struct cfg *c, struct cfg_errors *e,
                   const char *section, const char *key, const char *fmt, ...)
{
    const char *file;
    char *msg;
    int line;
    va_list ap;

    va_start(ap, fmt);
    msg = xvasprintf(fmt, ap);
    va_end(ap);
    cfg_where(c, section, key, &file, &line);
    if (line > 0)
        cfg_errors_lines(e, file, line, key, msg);
    else
        cfg_errors_add(e, "%s: [%s] %s (default): %s", file, section, key,
                       msg);
    free(msg);
}

struct cfg *cfg_acquire(struct cfg *c)
{
    if (c != NULL)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void cfg_release(struct cfg *c)
{
    if (c == NULL)
        return;
    if (atomic_fetch_sub(&c->refs, 1) == 1)
        cfg_free(c);
}

void cfg_dump(const struct cfg *c, FILE *out)
{
    for (size_t i = 0; i < c->ninst; i++) {
        const struct cfg_inst *in = &c->inst[i];

        fprintf(out, "%s[%s]\n", i ? "\n" : "", in->sec->name);
        for (size_t k = 0; k < in->nkeys; k++) {
            fprintf(out, "%s =", in->sec->keys[k].name);
            cfg_value_dump(&in->sec->keys[k], in->data, out);
            fputc('\n', out);
        }
    }
}

int cfg_list_contains_ci(const struct cfg_list *l, const char *s)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (str_casecmp(l->v[i], s) == 0)
            return 1;
    return 0;
}
