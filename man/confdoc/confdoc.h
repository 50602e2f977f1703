/*
 * confdoc - the list of every config section table linked into Sluice,
 * shared by sluice-confdoc (which writes the key lists of
 * sluice.conf(5)) and t/unit/keys_doc_test (which checks them).
 *
 * CONTRACT
 *	confdoc_sections[] holds confdoc_nsections pointers to section
 *	tables, in the order of sluice.conf(5).  A new milter joins by
 *	adding its section to confdoc_sections.c (and linking its library
 *	in tools/Makefile.inc and t/unit/Makefile.inc).
 */
#ifndef SLUICE_CONFDOC_H
#define SLUICE_CONFDOC_H

#include <stddef.h>

#include "cfg.h"

extern const struct cfg_section *const confdoc_sections[];
extern const size_t confdoc_nsections;

#endif
