/*
 * maps_internal - the backend interface behind maps.h (private).
 *
 * DESCRIPTION
 *	Each map type is a struct map_backend: create() makes an empty table,
 *	add() adds one line (already trimmed, never blank or a comment),
 *	finish() runs once after the last line (sorting, indexing), lookup()
 *	answers a key and destroy() frees the table.  A table never changes
 *	after finish(), so lookups need no lock of their own.
 *
 *	add() and lookup() report problems by writing a message (without
 *	"file:line: ", which maps.c adds) into err[errlen] and returning -1
 *	or MAP_ERROR.  lookup() points *value_r into the table; maps.c copies
 *	the value out before it lets go of its read lock.
 *
 *	maps_split() cuts a line into key and value: the key ends at the
 *	first blank, the value is the rest, trimmed ("" when absent).
 *
 *	The sorted string table (maps_tab_*) is shared by domain: and addr:
 *	maps: entries sorted by key, then by line, so that the first entry
 *	found for a key is the first one in the file.
 */
#ifndef SLUICE_MAPS_INTERNAL_H
#define SLUICE_MAPS_INTERNAL_H

#include <stddef.h>

#include "maps.h"

struct map_backend {
    const char *type;
    void *(*create)(void);
    int (*add)(void *t, char *line, char *err, size_t errlen);
    void (*finish)(void *t);
    enum map_rc (*lookup)(const void *t, const char *key, const char **value_r,
                          char *err, size_t errlen);
    void (*destroy)(void *t);
};

extern const struct map_backend maps_cidr_backend;
extern const struct map_backend maps_domain_backend;
extern const struct map_backend maps_addr_backend;
extern const struct map_backend maps_pcre_backend;

void maps_split(char *line, char **key_r, char **value_r);

struct maps_tab_entry {
    char *key;
    char *value;
    size_t seq;
};

struct maps_tab {
    struct maps_tab_entry *e;
    size_t n, cap;
};

void maps_tab_add(struct maps_tab *t, const char *key, const char *value);
void maps_tab_sort(struct maps_tab *t);
/* The value of the first entry for key (exact, case-sensitive), or NULL. */
const char *maps_tab_find(const struct maps_tab *t, const char *key);
void maps_tab_free(struct maps_tab *t);

#endif
