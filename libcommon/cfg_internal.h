/*
 * cfg_internal - what cfg.c (the file reader) and cfg_value.c (one value
 * of one key) share.  Not for use outside libcommon/cfg*.c.
 *
 * CONTRACT
 *	cfg_value_set() parses text (as written after "key =", trimmed,
 *	quotes not yet removed) for key k and stores it in the section
 *	struct sec.  base_file is the file that set the value: relative
 *	paths and map files resolve against its directory.  It returns 0,
 *	or -1 with *error_r a message the caller frees; on error nothing
 *	is stored.
 *
 *	cfg_value_free() frees what cfg_value_set() stored for k (strings,
 *	lists, maps) and zeroes it; it is safe on a zeroed value.
 *
 *	cfg_value_dump() prints the value of k in a form cfg_load() reads
 *	back (NULL strings and maps print as nothing).
 *
 *	cfg_unquote() returns a new string: text without its surrounding
 *	double quotes and with \" and \\ unescaped, or text itself (copied)
 *	when it does not start with a quote.
 */
#ifndef SLUICE_CFG_INTERNAL_H
#define SLUICE_CFG_INTERNAL_H

#include <stdio.h>

#include "cfg.h"

int cfg_value_set(const struct cfg_key *k, void *sec, const char *text,
                  const char *base_file, char **error_r);
void cfg_value_free(const struct cfg_key *k, void *sec);
void cfg_value_dump(const struct cfg_key *k, const void *sec, FILE *out);
int cfg_unquote(const char *text, char **out_r, char **error_r);

#endif
