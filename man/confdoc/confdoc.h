/*
 * confdoc - the list of every config section table linked into Sluice,
 * shared by sluice-confdoc (which writes the key lists of
 * sluice.conf(5) and the whole of etc/sluice.conf) and
 * t/unit/keys_doc_test (which checks the page).
 *
 * CONTRACT
 *	confdoc_sections[] holds confdoc_nsections pointers to section
 *	tables, in the order of sluice.conf(5).  A new milter joins by
 *	adding its section to confdoc_sections.c (and linking its library
 *	in man/confdoc/Makefile.inc and t/unit/Makefile.inc).
 *
 *	The functions below are sluice-confdoc's own (keys_doc_test links
 *	only confdoc_sections.c).  All write to out and allocate nothing
 *	the caller must free.
 *
 *	confdoc_text_limits() prints the sentences that follow a key's doc
 *	line: "One of a, b, c.", "Range: 1 to 100 seconds.", "From 1 to 8
 *	entries.", each ending in a newline; nothing for an unbounded key.
 *
 *	confdoc_text_wrap() prints text (one paragraph, single spaces)
 *	as lines of at most width bytes, each starting with prefix; it
 *	breaks at spaces only, so a longer word gets a line of its own,
 *	and drops the space at a break.  With tail non-NULL every line but
 *	the last ends in tail (" \\" continues a roff macro line and keeps
 *	the space).  With roff set, a line that would begin with "." or
 *	"'" starts with "\&".
 *
 *	confdoc_conf_write() prints etc/sluice.conf for the n sections of
 *	secs: the header comment, then every key commented out with its
 *	default, plus the few keys the shipped file sets.
 */
#ifndef SLUICE_CONFDOC_H
#define SLUICE_CONFDOC_H

#include <stddef.h>
#include <stdio.h>

#include "cfg.h"

extern const struct cfg_section *const confdoc_sections[];
extern const size_t confdoc_nsections;

void confdoc_text_limits(const struct cfg_key *k, FILE *out);
void confdoc_text_wrap(FILE *out, const char *prefix, const char *text,
                       size_t width, const char *tail, int roff);

void confdoc_conf_write(const struct cfg_section *const *secs, size_t n,
                        FILE *out);

#endif
