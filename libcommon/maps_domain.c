/*
 * maps_domain - the domain: and addr: map types (see maps.h).
 *
 * DESCRIPTION
 *	domain: keys are "example.org" (the domain and its subdomains) or
 *	".example.org" (subdomains only).  A lookup walks from the full
 *	domain up to the top label and answers the first (most specific)
 *	level that has an entry; at one level a ".parent" key is tried
 *	before a "parent" key.  A lookup key with '@' is an address: the
 *	part after the last '@' is the domain.  A trailing dot is ignored.
 *
 *	addr: keys are "user@domain", "@domain" or "user@", optionally
 *	preceded by '!' (an exception).  "@domain" matches that domain only,
 *	not its subdomains (use a domain: map for that).  A lookup key
 *	without '@' is a bare local part and can only match "user@".
 *	Address extensions ("user+tag") are not split off.  A key with '*'
 *	(any run of characters, fnmatch(3), e.g. "robot-*@example.org",
 *	"*@*.example.net", "!robot-*@example.org") is a pattern matched
 *	against the whole address: exceptions (exact, then patterns) first,
 *	then exact keys, then patterns in file order.
 *
 *	In a domain: map, "*.example.org" is a spelling of ".example.org"
 *	(Postfix access(5) habit): subdomains only.
 *
 *	Both types compare case-insensitively (keys and lookups are folded
 *	to lower case) and keep equal keys in file order, first one wins.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps_internal.h"
#include "util.h"

#define DOMAIN_MAX 253
#define ADDR_MAX 512

/* Letters, digits, '-', '_' in non-empty labels; "" is not a domain. */
static int domain_valid(const char *d)
{
    size_t len = strlen(d);
    int label = 0;

    if (len == 0 || len > DOMAIN_MAX)
        return 0;
    for (const char *p = d; *p; p++) {
        if (*p == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_'))
            return 0;
        label++;
    }
    return label > 0;
}

static void *domain_create(void)
{
    return xcalloc(1, sizeof(struct maps_tab));
}

static int domain_add(void *t, char *line, char *err, size_t errlen)
{
    char *key, *value, *name;
    size_t len;

    maps_split(line, &key, &value);
    str_lower(key);
    len = strlen(key);
    if (len > 1 && key[len - 1] == '.')
        key[len - 1] = '\0';
    if (key[0] == '*' && key[1] == '.')
        key++;
    name = key[0] == '.' ? key + 1 : key;
    if (!domain_valid(name)) {
        snprintf(err, errlen, "bad domain \"%s\"", key);
        return -1;
    }
    maps_tab_add(t, key, value);
    return 0;
}

static void domain_finish(void *t)
{
    maps_tab_sort(t);
}

static enum map_rc domain_lookup(const void *t, const char *key,
                                 const char **value_r, char *err, size_t errlen)
{
    const char *at = strrchr(key, '@');
    char d[DOMAIN_MAX + 2];
    const char *v;
    size_t len;

    if (at != NULL)
        key = at + 1;
    len = strlen(key);
    if (len > 0 && key[len - 1] == '.')
        len--;
    if (len > DOMAIN_MAX) {
        snprintf(err, errlen, "lookup key is too long for a domain");
        return MAP_ERROR;
    }
    if (len == 0)
        return MAP_NOTFOUND;
    memcpy(d, key, len);
    d[len] = '\0';
    str_lower(d);
    if ((v = maps_tab_find(t, d)) != NULL) {
        *value_r = v;
        return MAP_FOUND;
    }
    /* Walk up: at each parent, ".parent" (subdomains only), then "parent". */
    for (size_t i = 1; i < len; i++) {
        if (d[i - 1] != '.')
            continue;
        if ((v = maps_tab_find(t, d + i - 1)) != NULL ||
            (v = maps_tab_find(t, d + i)) != NULL) {
            *value_r = v;
            return MAP_FOUND;
        }
    }
    return MAP_NOTFOUND;
}

static void domain_destroy(void *t)
{
    maps_tab_free(t);
    free(t);
}

const struct map_backend maps_domain_backend = {
    "domain",      domain_create, domain_add,
    domain_finish, domain_lookup, domain_destroy,
};

/*
 * addr: two sorted tables, the exceptions and the entries.
 */
struct addr_glob {
    char *pat;
    char *value;
};

struct addr_tab {
    struct maps_tab except;
    struct maps_tab entry;
    struct addr_glob *glob; /* patterns in file order */
    size_t nglob;
    struct addr_glob *gexcept;
    size_t ngexcept;
};

static void addr_glob_add(struct addr_glob **v, size_t *n, const char *pat,
                          const char *value)
{
    *v = xrealloc(*v, (*n + 1) * sizeof(**v));
    (*v)[*n].pat = xstrdup(pat);
    (*v)[*n].value = xstrdup(value);
    (*n)++;
}

static const char *addr_glob_find(const struct addr_glob *v, size_t n,
                                  const char *addr)
{
    for (size_t i = 0; i < n; i++)
        if (fnmatch(v[i].pat, addr, 0) == 0)
            return v[i].value;
    return NULL;
}

static void *addr_create(void)
{
    return xcalloc(1, sizeof(struct addr_tab));
}

static int addr_add(void *t, char *line, char *err, size_t errlen)
{
    struct addr_tab *tab = t;
    char *key, *value, *addr, *at;
    int except;

    maps_split(line, &key, &value);
    str_lower(key);
    except = key[0] == '!';
    addr = except ? key + 1 : key;
    at = strrchr(addr, '@');
    if (at == NULL || strcmp(addr, "@") == 0) {
        snprintf(err, errlen,
                 "bad key \"%s\" (expected user@domain, @domain or user@)",
                 key);
        return -1;
    }
    if (strlen(addr) > ADDR_MAX) {
        snprintf(err, errlen, "key is too long");
        return -1;
    }
    if (strchr(addr, '*') != NULL) {
        if (except)
            addr_glob_add(&tab->gexcept, &tab->ngexcept, addr, value);
        else
            addr_glob_add(&tab->glob, &tab->nglob, addr, value);
        return 0;
    }
    if (at[1] != '\0' && !domain_valid(at + 1)) {
        snprintf(err, errlen, "bad domain in \"%s\"", key);
        return -1;
    }
    maps_tab_add(except ? &tab->except : &tab->entry, addr, value);
    return 0;
}

static void addr_finish(void *t)
{
    struct addr_tab *tab = t;

    maps_tab_sort(&tab->except);
    maps_tab_sort(&tab->entry);
}

static enum map_rc addr_lookup(const void *t, const char *key,
                               const char **value_r, char *err, size_t errlen)
{
    const struct addr_tab *tab = t;
    char a[ADDR_MAX + 1], full[ADDR_MAX + 1], dom[ADDR_MAX + 2],
        user[ADDR_MAX + 2];
    const char *cand[3];
    size_t len = strlen(key), nc = 0;
    char *at;

    if (len >= 2 && key[0] == '<' && key[len - 1] == '>') {
        key++;
        len -= 2;
    }
    if (len > ADDR_MAX) {
        snprintf(err, errlen, "lookup key is too long for an address");
        return MAP_ERROR;
    }
    if (len == 0)
        return MAP_NOTFOUND;
    memcpy(a, key, len);
    a[len] = '\0';
    str_lower(a);
    at = strrchr(a, '@');
    snprintf(full, sizeof(full), "%s", a);
    if (at != NULL) {
        snprintf(dom, sizeof(dom), "%s", at);
        *at = '\0';
    }
    snprintf(user, sizeof(user), "%s@", a);

    /* Precedence: user@domain, @domain, user@. */
    if (at != NULL && at != a && at[1] != '\0')
        cand[nc++] = full;
    if (at != NULL && dom[1] != '\0')
        cand[nc++] = dom;
    if (a[0] != '\0')
        cand[nc++] = user;

    /* Exceptions first: any match makes it "not found". */
    for (size_t i = 0; i < nc; i++)
        if (maps_tab_find(&tab->except, cand[i]) != NULL)
            return MAP_NOTFOUND;
    if (addr_glob_find(tab->gexcept, tab->ngexcept, full) != NULL)
        return MAP_NOTFOUND;
    for (size_t i = 0; i < nc; i++) {
        const char *v = maps_tab_find(&tab->entry, cand[i]);

        if (v != NULL) {
            *value_r = v;
            return MAP_FOUND;
        }
    }
    if ((*value_r = addr_glob_find(tab->glob, tab->nglob, full)) != NULL)
        return MAP_FOUND;
    return MAP_NOTFOUND;
}

static void addr_glob_free(struct addr_glob *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].pat);
        free(v[i].value);
    }
    free(v);
}

static void addr_destroy(void *t)
{
    struct addr_tab *tab = t;

    addr_glob_free(tab->glob, tab->nglob);
    addr_glob_free(tab->gexcept, tab->ngexcept);
    maps_tab_free(&tab->except);
    maps_tab_free(&tab->entry);
    free(tab);
}

const struct map_backend maps_addr_backend = {
    "addr", addr_create, addr_add, addr_finish, addr_lookup, addr_destroy,
};
