/*
 * maps - lookup tables in the spirit of Postfix access(5).
 *
 * SYNOPSIS
 *	struct map *m = map_open("cidr:/etc/sluice/clients.cidr", base, &err);
 *	enum map_rc rc = map_lookup(m, "192.0.2.7", &value_r, &err);
 *
 * DESCRIPTION
 *	A map is "type:file".  Each non-blank, non-comment ('#') line of the
 *	file is "KEY VALUE...": the key, blanks, then the value (the rest of
 *	the line, trimmed; may be empty, then the value is "").  Types:
 *
 *	cidr:	keys are IPv4 or IPv6 addresses or networks (a.b.c.d/n,
 *		x::/n); the lookup key is an address; the first matching line
 *		in file order wins.
 *	domain:	keys are domains; a key ".example.org" matches only
 *		subdomains, "example.org" matches itself and its
 *		subdomains; the lookup key is a domain or an address (the
 *		part after the last '@' is used); the most specific match
 *		wins; case-insensitive; "*.example.org" means ".example.org".
 *	addr:	keys are "user@domain", "@domain" or "user@"; a key starting
 *		with '!' is an exception: when it matches, the lookup answers
 *		"not found" even if another key matches.  Precedence:
 *		exceptions, then user@domain, then @domain, then user@,
 *		then patterns: a key with '*' ("robot-*@example.org",
 *		"*@*.example.net") matches the whole address as with
 *		fnmatch(3), first in file order.  Case-insensitive.
 *	pcre:	keys are /regex/flags (flags: i); PCRE2, compiled once with
 *		JIT where available; first match in file order wins.
 *
 *	map_open() reads and compiles the whole file: any bad line is an
 *	error "file:line: message" and no map is returned; *error_r then
 *	names every bad line (at most MAPS_ERRORS_MAX), one per line of
 *	text.  map_open_values() also requires every value to be one of
 *	values ("en|sv|fi", case-insensitive; NULL: any value), so that a
 *	misspelt value is a configuration error, not a silent default.
 *	Relative file names are resolved against the directory of
 *	base_file.  A reload applies the same rules.
 *
 *	map_lookup() returns MAP_FOUND (and *value_r points to the value),
 *	MAP_NOTFOUND, or MAP_ERROR (*error_r says why: a bad lookup key, or
 *	the file changed and could not be reloaded).  When the file's mtime
 *	or size changed since it was read, map_lookup() first reloads it; on
 *	a reload error it keeps the old contents, logs once and answers from
 *	them (so a bad edit never turns into "not found").
 *
 *	map_has() is the yes/no question of the allow- and exemption lists:
 *	1 when key is in the map, 0 when it is not, when m is NULL (no list
 *	configured) or key empty, and on MAP_ERROR, which it logs as a
 *	warning naming who (the list's owner, "grey" say) and the map.
 *	map_has_quiet() is the same with the error logged at debug level:
 *	for a map asked with keys of several kinds, some of which it cannot
 *	read by design (a rate rule's allow= map, given each of the rule's
 *	keys: a cidr map refuses a sender on every message).
 *
 * OWNERSHIP
 *	The map owns its values: *value_r stays valid until the next lookup
 *	in the same thread or map_close().  Maps are safe to look up from
 *	several threads at once (reload takes an internal lock).  map_open()
 *	returns a new map owned by the caller; map_close() frees it.  Error
 *	strings returned through error_r are owned by the map module
 *	(thread-local), valid until the next call in the same thread.
 */
#ifndef SLUICE_MAPS_H
#define SLUICE_MAPS_H

enum map_rc {
    MAP_NOTFOUND = 0,
    MAP_FOUND = 1,
    MAP_ERROR = -1,
};

struct map;

#define MAPS_ERRORS_MAX 20

struct map *map_open(const char *spec, const char *base_file,
                     const char **error_r);
struct map *map_open_values(const char *spec, const char *base_file,
                            const char *values, const char **error_r);
enum map_rc map_lookup(struct map *m, const char *key, const char **value_r,
                       const char **error_r);
int map_has(struct map *m, const char *key, const char *qid,
            const char *who);
int map_has_quiet(struct map *m, const char *key, const char *qid,
                  const char *who);
const char *map_spec(const struct map *m);
void map_close(struct map *m);

#endif
