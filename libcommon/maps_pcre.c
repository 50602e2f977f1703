/*
 * maps_pcre - the pcre: map type (see maps.h).
 *
 * DESCRIPTION
 *	Each line is "/regex/flags value".  The regex ends at the first '/'
 *	not escaped by a backslash, so it may contain blanks and "\/".  The
 *	only flag is 'i' (caseless).  Patterns are compiled once when the
 *	file is read, with the JIT where the library has one; matching is
 *	on bytes (no UTF mode), so any lookup key is safe.  Each lookup
 *	makes its own match data, so lookups may run in parallel.  The
 *	first matching line in file order wins.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps_internal.h"
#include "util.h"

struct pcre_entry {
    pcre2_code *re;
    char *value;
};

struct pcre_tab {
    struct pcre_entry *e;
    size_t n, cap;
};

static void *pcre_create(void)
{
    return xcalloc(1, sizeof(struct pcre_tab));
}

/* Find the closing '/' of "/regex/"; NULL when there is none. */
static char *pcre_end(char *p)
{
    for (; *p; p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (*p == '/')
            return p;
    }
    return NULL;
}

static int pcre_compile_key(const char *pat, size_t len, uint32_t opts,
                            pcre2_code **re_r, char *err, size_t errlen)
{
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE off;
    int code;
    pcre2_code *re;

    re = pcre2_compile((PCRE2_SPTR)pat, len, opts, &code, &off, NULL);
    if (re == NULL) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, errlen, "bad regex at offset %zu: %s", (size_t)off,
                 (const char *)msg);
        return -1;
    }
    /* Without JIT support pcre2_match() interprets: still correct. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    *re_r = re;
    return 0;
}

static int pcre_add(void *t, char *line, char *err, size_t errlen)
{
    struct pcre_tab *tab = t;
    uint32_t opts = 0;
    char *end, *p, *value;
    pcre2_code *re;

    if (line[0] != '/' || (end = pcre_end(line + 1)) == NULL) {
        snprintf(err, errlen, "expected /regex/flags");
        return -1;
    }
    for (p = end + 1; *p && *p != ' ' && *p != '\t'; p++) {
        if (*p != 'i') {
            snprintf(err, errlen, "unknown regex flag '%c' (only i)", *p);
            return -1;
        }
        opts |= PCRE2_CASELESS;
    }
    value = str_trim(p);
    if (pcre_compile_key(line + 1, (size_t)(end - line - 1), opts, &re, err,
                         errlen) < 0)
        return -1;
    if (tab->n == tab->cap) {
        tab->cap = tab->cap ? tab->cap * 2 : 16;
        tab->e = xrealloc(tab->e, tab->cap * sizeof(*tab->e));
    }
    tab->e[tab->n].re = re;
    tab->e[tab->n].value = xstrdup(value);
    tab->n++;
    return 0;
}

static void pcre_finish(void *t)
{
    (void)t;
}

static enum map_rc pcre_lookup(const void *t, const char *key,
                               const char **value_r, char *err, size_t errlen)
{
    const struct pcre_tab *tab = t;
    pcre2_match_data *md;
    enum map_rc rc = MAP_NOTFOUND;
    size_t len = strlen(key);

    md = pcre2_match_data_create(1, NULL);
    if (md == NULL) {
        snprintf(err, errlen, "out of memory");
        return MAP_ERROR;
    }
    for (size_t i = 0; i < tab->n && rc == MAP_NOTFOUND; i++) {
        int m = pcre2_match(tab->e[i].re, (PCRE2_SPTR)key, len, 0, 0, md, NULL);

        if (m >= 0) {
            *value_r = tab->e[i].value;
            rc = MAP_FOUND;
        } else if (m != PCRE2_ERROR_NOMATCH) {
            PCRE2_UCHAR msg[128];

            pcre2_get_error_message(m, msg, sizeof(msg));
            snprintf(err, errlen, "regex %zu: %s", i + 1, (const char *)msg);
            rc = MAP_ERROR;
        }
    }
    pcre2_match_data_free(md);
    return rc;
}

static void pcre_destroy(void *t)
{
    struct pcre_tab *tab = t;

    for (size_t i = 0; i < tab->n; i++) {
        pcre2_code_free(tab->e[i].re);
        free(tab->e[i].value);
    }
    free(tab->e);
    free(tab);
}

const struct map_backend maps_pcre_backend = {
    "pcre", pcre_create, pcre_add, pcre_finish, pcre_lookup, pcre_destroy,
};
