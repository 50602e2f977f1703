/*
 * cfg_value - parse, store, free and print one value of one config key.
 *
 * DESCRIPTION
 *	See cfg_internal.h for cfg_value_*() and cfg_unquote(), and cfg.h
 *	for the types and cfg_parse_*().  A scalar value may be quoted as
 *	a whole; each item of a list may be quoted.  An empty value is ""
 *	for STRING, the empty list for LIST, and unset (NULL) for PATH and
 *	MAP; for the other types it is an error.
 *
 *	Durations are a number with an optional unit s, m, h, d, w (lower
 *	case; "m" is minutes); sizes a number with an optional unit k, M,
 *	G, T (either case, powers of 1024).  Neither may be negative.
 *
 * OWNERSHIP
 *	Strings and list items stored in a section struct are allocated
 *	here and freed by cfg_value_free(); maps are opened with map_open()
 *	and closed with map_close().  Messages returned through a
 *	"char **error_r" are the caller's to free; those through a
 *	"const char **error_r" are static.
 */
#include "cfg_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "util.h"

#define FIELD(sec, k, type) ((type *)((char *)(sec) + (k)->off))
#define CFIELD(sec, k, type) ((const type *)((const char *)(sec) + (k)->off))

const char *cfg_type_name(enum cfg_type t)
{
    static const char *const names[] = {
        [CFG_BOOL] = "bool",         [CFG_INT] = "integer",
        [CFG_DURATION] = "duration", [CFG_SIZE] = "size",
        [CFG_DOUBLE] = "number",     [CFG_STRING] = "string",
        [CFG_PATH] = "path",         [CFG_LIST] = "list",
        [CFG_ENUM] = "enum",         [CFG_MAP] = "map",
        [CFG_MSEC] = "milliseconds",
    };

    if ((unsigned)t >= sizeof(names) / sizeof(names[0]))
        return "?";
    return names[t];
}

/* Scalars. */

/* Digits, then an optional one-character unit; no sign, no blanks. */
static int cfg_number_unit(const char *s, long long *n_r, char *unit_r)
{
    char *end;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    *n_r = strtoll(s, &end, 10);
    if (errno == ERANGE)
        return -1;
    *unit_r = *end;
    if (*end != '\0' && end[1] != '\0')
        return -1;
    return 0;
}

static int cfg_scale(long long n, long long mult, long long *out)
{
    if (n > LLONG_MAX / mult)
        return -1;
    *out = n * mult;
    return 0;
}

int cfg_parse_duration(const char *s, long long *out, const char **error_r)
{
    static const char *const bad =
        "not a duration (a number with s, m, h, d or w)";
    long long n, mult;
    char unit;

    if (cfg_number_unit(s, &n, &unit) < 0) {
        *error_r = bad;
        return -1;
    }
    switch (unit) {
    case '\0':
    case 's':
        mult = 1;
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    case 'w':
        mult = 604800;
        break;
    default:
        *error_r = bad;
        return -1;
    }
    if (cfg_scale(n, mult, out) < 0) {
        *error_r = "duration too large";
        return -1;
    }
    return 0;
}

int cfg_parse_msec(const char *s, long long *out, const char **error_r)
{
    static const char *const bad =
        "not a duration (a number with ms, s, m or h)";
    size_t n = strlen(s);
    long long v;
    char unit;

    if (n > 2 && strcmp(s + n - 2, "ms") == 0) {
        char *num = xstrndup(s, n - 2);
        int rc = cfg_number_unit(num, &v, &unit);

        free(num);
        if (rc < 0 || unit != '\0') {
            *error_r = bad;
            return -1;
        }
        *out = v;
        return 0;
    }
    if (cfg_number_unit(s, &v, &unit) < 0 || unit == 'd' || unit == 'w' ||
        cfg_parse_duration(s, &v, error_r) < 0) {
        *error_r = bad;
        return -1;
    }
    if (cfg_scale(v, 1000, out) < 0) {
        *error_r = "duration too large";
        return -1;
    }
    return 0;
}

int cfg_parse_size(const char *s, long long *out, const char **error_r)
{
    static const char *const bad = "not a size (a number with k, M, G or T)";
    long long n, mult;
    char unit;

    if (cfg_number_unit(s, &n, &unit) < 0) {
        *error_r = bad;
        return -1;
    }
    switch (unit) {
    case '\0':
        mult = 1;
        break;
    case 'k':
    case 'K':
        mult = 1LL << 10;
        break;
    case 'm':
    case 'M':
        mult = 1LL << 20;
        break;
    case 'g':
    case 'G':
        mult = 1LL << 30;
        break;
    case 't':
    case 'T':
        mult = 1LL << 40;
        break;
    default:
        *error_r = bad;
        return -1;
    }
    if (cfg_scale(n, mult, out) < 0) {
        *error_r = "size too large";
        return -1;
    }
    return 0;
}

int cfg_parse_bool(const char *s, int *out, const char **error_r)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (str_casecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (str_casecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    *error_r = "not a boolean (yes, no, true, false, on, off, 1, 0)";
    return -1;
}

static int cfg_parse_int(const char *s, long long *out, const char **error_r)
{
    char *end;

    errno = 0;
    *out = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || *s == ' ' || *s == '\t') {
        *error_r = "not an integer";
        return -1;
    }
    if (errno == ERANGE) {
        *error_r = "integer out of range";
        return -1;
    }
    return 0;
}

static int cfg_parse_double(const char *s, double *out, const char **error_r)
{
    char *end;

    errno = 0;
    *out = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || *s == ' ' || *s == '\t' ||
        errno == ERANGE || !isfinite(*out)) {
        *error_r = "not a number";
        return -1;
    }
    return 0;
}

/* Index of s in "a|b|c", case-insensitive; -1 when absent. */
static int cfg_enum_index(const char *enums, const char *s)
{
    size_t len = strlen(s);
    int i = 0;

    for (const char *p = enums; p != NULL; i++) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);

        if (n == len && str_ncasecmp(p, s, n) == 0)
            return i;
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

/* Quotes and lists. */

/* Parse a quoted string at *sp (which points at '"'); advance past it. */
static int cfg_quoted(const char **sp, struct strbuf *b, char **error_r)
{
    const char *s = *sp + 1;

    for (; *s != '"'; s++) {
        if (*s == '\0') {
            *error_r = xstrdup("missing closing quote");
            return -1;
        }
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
        strbuf_append(b, s, 1);
    }
    *sp = s + 1;
    return 0;
}

int cfg_unquote(const char *text, char **out_r, char **error_r)
{
    struct strbuf b;
    const char *s = text;

    if (*s != '"') {
        *out_r = xstrdup(text);
        return 0;
    }
    strbuf_init(&b, 0);
    if (cfg_quoted(&s, &b, error_r) < 0) {
        strbuf_free(&b);
        return -1;
    }
    if (*s != '\0') {
        *error_r = xstrdup("text after the closing quote");
        strbuf_free(&b);
        return -1;
    }
    *out_r = strbuf_detach(&b);
    return 0;
}

static void cfg_list_free(struct cfg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static int cfg_is_sep(char c)
{
    return c == ' ' || c == '\t' || c == ',';
}

static int cfg_split(const char *s, struct cfg_list *l, char **error_r)
{
    struct strbuf b;

    memset(l, 0, sizeof(*l));
    for (;;) {
        while (cfg_is_sep(*s))
            s++;
        if (*s == '\0')
            return 0;
        strbuf_init(&b, 0);
        if (*s == '"' && cfg_quoted(&s, &b, error_r) < 0) {
            strbuf_free(&b);
            cfg_list_free(l);
            return -1;
        }
        for (; *s != '\0' && !cfg_is_sep(*s); s++)
            strbuf_append(&b, s, 1);
        l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
        l->v[l->n++] = strbuf_detach(&b);
    }
}

/* Bounds. */

static int cfg_bounded(const struct cfg_key *k)
{
    return !(k->min == 0 && k->max == 0);
}

static int cfg_check_bounds(const struct cfg_key *k, const char *s, double v,
                            char **error_r)
{
    if (!cfg_bounded(k) || (v >= k->min && v <= k->max))
        return 0;
    *error_r = xasprintf("\"%s\" is out of range (%.15g to %.15g%s)", s, k->min,
                         k->max,
                         k->type == CFG_DURATION ? " seconds"
                         : k->type == CFG_MSEC   ? " milliseconds"
                         : k->type == CFG_SIZE   ? " bytes"
                                                 : "");
    return -1;
}

static int cfg_check_list(const struct cfg_key *k, const struct cfg_list *l,
                          char **error_r)
{
    if (k->max <= 0 || ((double)l->n >= k->min && (double)l->n <= k->max))
        return 0;
    *error_r =
        xasprintf("%zu entries; %.15g to %.15g allowed", l->n, k->min, k->max);
    return -1;
}

/* Setting. */

static int cfg_set_scalar(const struct cfg_key *k, void *sec, const char *s,
                          char **error_r)
{
    const char *err = NULL;
    long long n = 0;
    double d = 0;
    int b = 0, rc;

    switch (k->type) {
    case CFG_BOOL:
        if ((rc = cfg_parse_bool(s, &b, &err)) == 0)
            *FIELD(sec, k, int) = b;
        break;
    case CFG_INT:
    case CFG_DURATION:
    case CFG_MSEC:
    case CFG_SIZE:
        rc = k->type == CFG_INT        ? cfg_parse_int(s, &n, &err)
             : k->type == CFG_DURATION ? cfg_parse_duration(s, &n, &err)
             : k->type == CFG_MSEC     ? cfg_parse_msec(s, &n, &err)
                                       : cfg_parse_size(s, &n, &err);
        if (rc == 0 && (rc = cfg_check_bounds(k, s, (double)n, error_r)) < 0)
            return -1;
        if (rc == 0)
            *FIELD(sec, k, long long) = n;
        break;
    case CFG_DOUBLE:
        rc = cfg_parse_double(s, &d, &err);
        if (rc == 0 && (rc = cfg_check_bounds(k, s, d, error_r)) < 0)
            return -1;
        if (rc == 0)
            *FIELD(sec, k, double) = d;
        break;
    case CFG_ENUM:
        rc = (b = cfg_enum_index(k->enums ? k->enums : "", s)) < 0 ? -1 : 0;
        if (rc < 0) {
            *error_r = xasprintf("\"%s\" is not one of %s", s, k->enums);
            return -1;
        }
        *FIELD(sec, k, int) = b;
        break;
    default:
        err = "internal error: unknown key type";
        rc = -1;
    }
    if (rc < 0)
        *error_r = xasprintf("\"%s\": %s", s, err);
    return rc;
}

/* "map SPEC: problem" for each line of problems (every bad line). */
static char *cfg_map_error(const char *spec, const char *problems)
{
    struct strbuf b;
    const char *p = problems;

    strbuf_init(&b, 0);
    for (;;) {
        size_t n = strcspn(p, "\n");

        strbuf_printf(&b, "%smap %s: %.*s", b.len ? "\n" : "", spec, (int)n,
                      p);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    return strbuf_detach(&b);
}

static int cfg_set_text(const struct cfg_key *k, void *sec, char *s,
                        const char *base_file, char **error_r)
{
    const char *err = NULL;
    struct map *m;

    switch (k->type) {
    case CFG_STRING:
        *FIELD(sec, k, char *) = xstrdup(s);
        return 0;
    case CFG_PATH:
        *FIELD(sec, k, char *) = *s ? path_resolve(base_file, s) : NULL;
        return 0;
    case CFG_MAP:
        if (*s == '\0')
            return 0;
        m = map_open_values(s, base_file, k->enums, &err);
        if (m == NULL) {
            *error_r = cfg_map_error(s, err ? err : "cannot open");
            return -1;
        }
        *FIELD(sec, k, struct map *) = m;
        return 0;
    default:
        return cfg_set_scalar(k, sec, s, error_r);
    }
}

int cfg_value_set(const struct cfg_key *k, void *sec, const char *text,
                  const char *base_file, char **error_r)
{
    struct cfg_list l;
    char *s;
    int rc;

    if (k->type == CFG_LIST) {
        if (cfg_split(text, &l, error_r) < 0)
            return -1;
        if (cfg_check_list(k, &l, error_r) < 0) {
            cfg_list_free(&l);
            return -1;
        }
        *FIELD(sec, k, struct cfg_list) = l;
        return 0;
    }
    if (cfg_unquote(text, &s, error_r) < 0)
        return -1;
    if (*s == '\0' && k->type != CFG_STRING && k->type != CFG_PATH &&
        k->type != CFG_MAP) {
        free(s);
        *error_r = xstrdup("empty value");
        return -1;
    }
    rc = cfg_set_text(k, sec, s, base_file, error_r);
    free(s);
    return rc;
}

void cfg_value_free(const struct cfg_key *k, void *sec)
{
    switch (k->type) {
    case CFG_STRING:
    case CFG_PATH:
        free(*FIELD(sec, k, char *));
        *FIELD(sec, k, char *) = NULL;
        break;
    case CFG_LIST:
        cfg_list_free(FIELD(sec, k, struct cfg_list));
        break;
    case CFG_MAP:
        if (*FIELD(sec, k, struct map *) != NULL)
            map_close(*FIELD(sec, k, struct map *));
        *FIELD(sec, k, struct map *) = NULL;
        break;
    default:
        break;
    }
}

/* Printing, in a form cfg_load() reads back. */

static void cfg_put_unit(long long v, const long long *mult, const char *units,
                         const char *one, FILE *out)
{
    for (size_t i = 0; units[i] != '\0'; i++) {
        if (v != 0 && v % mult[i] == 0) {
            fprintf(out, " %lld%c", v / mult[i], units[i]);
            return;
        }
    }
    fprintf(out, " %lld%s", v, v ? one : "");
}

static void cfg_put_str(const char *s, int in_list, FILE *out)
{
    int quote = *s == '\0' || *s == '"' || strpbrk(s, " \t") != NULL ||
                (in_list && strchr(s, ',') != NULL);

    fputc(' ', out);
    if (!quote) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void cfg_put_enum(const char *enums, int idx, FILE *out)
{
    const char *p = enums ? enums : "";

    for (int i = 0; i < idx && p != NULL; i++) {
        p = strchr(p, '|');
        p = p ? p + 1 : NULL;
    }
    if (p == NULL)
        return;
    fprintf(out, " %.*s", (int)strcspn(p, "|"), p);
}

void cfg_value_dump(const struct cfg_key *k, const void *sec, FILE *out)
{
    static const long long dur[] = {604800, 86400, 3600, 60};
    static const long long size[] = {1LL << 40, 1LL << 30, 1LL << 20,
                                     1LL << 10};
    const struct cfg_list *l;
    const char *s;

    switch (k->type) {
    case CFG_BOOL:
        fputs(*CFIELD(sec, k, int) ? " yes" : " no", out);
        break;
    case CFG_INT:
        fprintf(out, " %lld", *CFIELD(sec, k, long long));
        break;
    case CFG_DURATION:
        cfg_put_unit(*CFIELD(sec, k, long long), dur, "wdhm", "s", out);
        break;
    case CFG_MSEC: {
        long long ms = *CFIELD(sec, k, long long);

        if (ms % 1000 != 0)
            fprintf(out, " %lldms", ms);
        else
            cfg_put_unit(ms / 1000, dur + 2, "hm", "s", out);
        break;
    }
    case CFG_SIZE:
        cfg_put_unit(*CFIELD(sec, k, long long), size, "TGMk", "", out);
        break;
    case CFG_DOUBLE:
        fprintf(out, " %.15g", *CFIELD(sec, k, double));
        break;
    case CFG_STRING:
    case CFG_PATH:
        s = *CFIELD(sec, k, char *);
        if (s != NULL)
            cfg_put_str(s, 0, out);
        break;
    case CFG_LIST:
        l = CFIELD(sec, k, struct cfg_list);
        for (size_t i = 0; i < l->n; i++) {
            cfg_put_str(l->v[i], 1, out);
            if (i + 1 < l->n)
                fputc(',', out);
        }
        break;
    case CFG_ENUM:
        cfg_put_enum(k->enums, *CFIELD(sec, k, int), out);
        break;
    case CFG_MAP:
        if (*CFIELD(sec, k, struct map *) != NULL)
            fprintf(out, " %s", map_spec(*CFIELD(sec, k, struct map *)));
        break;
    }
}
