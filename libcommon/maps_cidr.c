/*
 * maps_cidr - the cidr: map type (see maps.h).
 *
 * DESCRIPTION
 *	Keys are addresses or networks, IPv4 ("192.0.2.0/24", "192.0.2.7")
 *	or IPv6 ("2001:db8::/32", "::1").  A network with bits set past its
 *	prefix length ("192.0.2.1/24") is an error, as it is almost always a
 *	typo.  Lookups take an address; an IPv4-mapped IPv6 address
 *	("::ffff:192.0.2.7") is looked up as the IPv4 address, and a key in
 *	brackets ("[2001:db8::1]") is accepted.  The first line in file order
 *	whose network contains the address wins.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "maps_internal.h"
#include "util.h"

struct cidr_entry {
    int family;
    unsigned char net[16];
    unsigned bits;
    char *value;
};

struct cidr_tab {
    struct cidr_entry *e;
    size_t n, cap;
};

static const unsigned char cidr_v4mapped[12] = {0, 0, 0, 0, 0,    0,
                                                0, 0, 0, 0, 0xff, 0xff};

static int cidr_addr(const char *s, int *family_r, unsigned char *a)
{
    if (inet_pton(AF_INET, s, a) == 1) {
        *family_r = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        *family_r = AF_INET6;
        return 0;
    }
    return -1;
}

static int cidr_match(const unsigned char *a, const unsigned char *net,
                      unsigned bits)
{
    unsigned full = bits / 8, rest = bits % 8;

    if (memcmp(a, net, full) != 0)
        return 0;
    if (rest == 0)
        return 1;
    return ((a[full] ^ net[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

static void *cidr_create(void)
{
    return xcalloc(1, sizeof(struct cidr_tab));
}

static int cidr_parse_key(char *key, struct cidr_entry *e, char *err,
                          size_t errlen)
{
    char *slash = strchr(key, '/');
    unsigned maxbits;
    char *end;

    if (slash != NULL)
        *slash = '\0';
    if (cidr_addr(key, &e->family, e->net) < 0) {
        snprintf(err, errlen, "bad address \"%s\"", key);
        return -1;
    }
    maxbits = e->family == AF_INET ? 32 : 128;
    e->bits = maxbits;
    if (slash != NULL) {
        unsigned long b = strtoul(slash + 1, &end, 10);

        if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || b > maxbits) {
            snprintf(err, errlen, "bad prefix length \"/%s\"", slash + 1);
            return -1;
        }
        e->bits = (unsigned)b;
    }
    /* Bits past the prefix must be zero. */
    for (unsigned i = e->bits; i < maxbits; i++) {
        if (e->net[i / 8] & (0x80 >> (i % 8))) {
            snprintf(err, errlen,
                     "non-zero host bits in \"%s/%u\" (did you mean the "
                     "network address?)",
                     key, e->bits);
            return -1;
        }
    }
    return 0;
}

static int cidr_add(void *t, char *line, char *err, size_t errlen)
{
    struct cidr_tab *tab = t;
    struct cidr_entry e;
    char *key, *value;

    memset(&e, 0, sizeof(e));
    maps_split(line, &key, &value);
    if (cidr_parse_key(key, &e, err, errlen) < 0)
        return -1;
    if (tab->n == tab->cap) {
        tab->cap = tab->cap ? tab->cap * 2 : 16;
        tab->e = xrealloc(tab->e, tab->cap * sizeof(*tab->e));
    }
    e.value = xstrdup(value);
    tab->e[tab->n++] = e;
    return 0;
}

static void cidr_finish(void *t)
{
    (void)t;
}

static enum map_rc cidr_lookup(const void *t, const char *key,
                               const char **value_r, char *err, size_t errlen)
{
    const struct cidr_tab *tab = t;
    unsigned char a[16];
    char buf[INET6_ADDRSTRLEN + 2];
    size_t len = strlen(key);
    int family;

    /* "[addr]" as some MTAs write literal addresses. */
    if (len >= 2 && len - 2 < sizeof(buf) && key[0] == '[' &&
        key[len - 1] == ']') {
        snprintf(buf, sizeof(buf), "%.*s", (int)(len - 2), key + 1);
        key = buf;
    }
    if (cidr_addr(key, &family, a) < 0) {
        snprintf(err, errlen, "lookup key \"%.64s\" is not an IP address", key);
        return MAP_ERROR;
    }
    if (family == AF_INET6 && memcmp(a, cidr_v4mapped, 12) == 0) {
        memmove(a, a + 12, 4);
        family = AF_INET;
    }
    for (size_t i = 0; i < tab->n; i++) {
        if (tab->e[i].family != family)
            continue;
        if (!cidr_match(a, tab->e[i].net, tab->e[i].bits))
            continue;
        *value_r = tab->e[i].value;
        return MAP_FOUND;
    }
    return MAP_NOTFOUND;
}

static void cidr_destroy(void *t)
{
    struct cidr_tab *tab = t;

    for (size_t i = 0; i < tab->n; i++)
        free(tab->e[i].value);
    free(tab->e);
    free(tab);
}

const struct map_backend maps_cidr_backend = {
    "cidr", cidr_create, cidr_add, cidr_finish, cidr_lookup, cidr_destroy,
};
