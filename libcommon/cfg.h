/*
 * cfg - the one configuration file, driven by tables of declared keys.
 *
 * SYNOPSIS
 *	static const struct cfg_key attach_keys[] = {
 *	    { "max_parts", CFG_INT, "100", 1, 100000,
 *	      offsetof(struct attach_conf, max_parts), NULL,
 *	      "Most MIME parts a message may have." },
 *	    { NULL }
 *	};
 *	const struct cfg_section attach_section = {
 *	    "attach", attach_keys, sizeof(struct attach_conf) };
 *
 *	struct cfg *c = cfg_load(path, sections, nsections, known, &errs);
 *	const struct attach_conf *ac = cfg_section(c, "attach");
 *
 * DESCRIPTION
 *	The file has sections "[name]" and lines "key = value".  A repeated
 *	section continues the earlier one; a repeated key is an error.
 *	Comments are lines whose first non-blank character is '#'.  Values
 *	may be double-quoted (to keep spaces; \" and \\ escape).  Lists are
 *	separated by commas and/or blanks.  "include FILE" (relative to the
 *	including file, nesting depth at most 8) reads another file in place.
 *
 *	Types: CFG_BOOL (yes/no/true/false/on/off/1/0) stores int;
 *	CFG_INT stores long long; CFG_DURATION ("30", "30s", "5m", "2h",
 *	"1d", "1w") stores long long seconds; CFG_SIZE ("512", "64k",
 *	"10M", "1G") stores long long bytes; CFG_DOUBLE stores double;
 *	CFG_STRING stores char * (NULL when the default is NULL);
 *	CFG_PATH stores char *, resolved relative to the directory of the
 *	file that set it; CFG_LIST stores struct cfg_list; CFG_ENUM stores
 *	int, the index of the value in the key's "|"-separated enums
 *	string; CFG_MAP stores struct map * (see maps.h; NULL when unset),
 *	opened at load time so that a missing map file is a config error.
 *	CFG_MSEC ("500ms", "2s", "1m"; a bare number is seconds) stores long
 *	long milliseconds, for timeouts shorter than a second.
 *	Bounds (min, max) apply to INT, DURATION, SIZE and DOUBLE, and to
 *	the number of entries of a LIST when max > 0.
 *
 *	Every key of every section is declared exactly once, in one table;
 *	the same table drives parsing, the "-n" test, the "-d" dump and the
 *	test that every key is documented in sluice.conf(5).
 *
 *	cfg_load() parses the file against the given sections (at least the
 *	common one), applies defaults, resolves paths and opens maps.  The
 *	section names in known_sections (NULL terminated; may be NULL) are
 *	accepted even when no table for them is given: their keys are not
 *	checked here, because the program that owns them checks them.  On
 *	any error it returns NULL and the struct cfg_errors holds every
 *	error as "file:line: message" (or "file: message"), in order.
 *	A value error that names several problems (every bad line of a
 *	map) gives one "file:line: key: ..." error per problem.
 *
 *	cfg_where() tells where a key of a section was set: the file and
 *	line, or the main file and line 0 when the key has its default.
 *	cfg_key_error() adds an error about a key found after loading (a
 *	secret file that cannot be read, a bad entry of a list, a socket
 *	whose directory is missing) in the same form as the parser's:
 *	"file:line: key: message", or "file: [section] key (default):
 *	message" for a default value; so "-n" names the line to fix.
 *
 * OWNERSHIP
 *	cfg_load() returns a struct cfg with one reference, owned by the
 *	caller.  cfg_acquire() adds a reference, cfg_release() drops one and
 *	frees everything (section structs, strings, lists, maps) with the
 *	last.  Section structs returned by cfg_section() live as long as the
 *	reference the caller holds; never free or modify them.
 *	cfg_errors_free() frees the error and warning lists.
 */
#ifndef SLUICE_CFG_H
#define SLUICE_CFG_H

#include <stddef.h>
#include <stdio.h>

enum cfg_type {
    CFG_BOOL,
    CFG_INT,
    CFG_DURATION,
    CFG_SIZE,
    CFG_DOUBLE,
    CFG_STRING,
    CFG_PATH,
    CFG_LIST,
    CFG_ENUM,
    CFG_MAP,
    CFG_MSEC,
};

struct cfg_list {
    size_t n;
    char **v;
};

struct cfg_key {
    const char *name;
    enum cfg_type type;
    const char *def; /* default as it would be written in the file */
    double min, max; /* bounds; min == max == 0: unbounded */
    size_t off;      /* offsetof() the value in the section struct */
    const char *enums; /* CFG_ENUM: "a|b|c" */
    const char *doc;   /* one line, shown by -d and checked in the man page */
};

struct cfg_section {
    const char *name; /* "common", "attach", ... */
    const struct cfg_key *keys; /* terminated by a { NULL } row */
    size_t size;                /* sizeof the section struct */
};

struct cfg_errors {
    size_t n;
    char **v;
    size_t nwarn; /* warnings: the configuration works, but... */
    char **warn;
};

struct cfg;

struct cfg *cfg_load(const char *path, const struct cfg_section *const *secs,
                     size_t nsecs, const char *const *known_sections,
                     struct cfg_errors *errs);
/* As cfg_load(), but the configuration comes back even with errors (the
 * values in error unset, zero), so that the checks that follow add their
 * errors too and "-n" lists every one; never run with it.  NULL only
 * when the main file cannot be read. */
struct cfg *cfg_load_partial(const char *path,
                             const struct cfg_section *const *secs,
                             size_t nsecs, const char *const *known_sections,
                             struct cfg_errors *errs);
const void *cfg_section(const struct cfg *c, const char *name);
const char *cfg_path(const struct cfg *c);
struct cfg *cfg_acquire(struct cfg *c);
void cfg_release(struct cfg *c);
void cfg_errors_free(struct cfg_errors *e);
/* Append one error to e (e starts zeroed; cfg_load() also appends). */
void cfg_errors_add(struct cfg_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append one warning: a setting that works but defeats another (printed
 * by -n as "file: warning: ...", logged at start and reload; the exit
 * status stays 0). */
void cfg_warnings_add(struct cfg_errors *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cfg_where(const struct cfg *c, const char *section, const char *key,
               const char **file_r, int *line_r);
void cfg_key_error(const struct cfg *c, struct cfg_errors *e,
                   const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Print every key of the loaded sections as "[section]\nkey = value". */
void cfg_dump(const struct cfg *c, FILE *out);

/* Helpers for section tables and for modules. */
const char *cfg_type_name(enum cfg_type t);
int cfg_list_contains_ci(const struct cfg_list *l, const char *s);

/* Parse one value (also used by unit tests); 0 ok, -1 with *error_r set. */
int cfg_parse_duration(const char *s, long long *out, const char **error_r);
int cfg_parse_msec(const char *s, long long *out, const char **error_r);
int cfg_parse_size(const char *s, long long *out, const char **error_r);
int cfg_parse_bool(const char *s, int *out, const char **error_r);

#endif
