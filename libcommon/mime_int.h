/*
 * mime_int - what mime.c shares with its helpers (not for modules: they
 *	use mime.h).
 *
 *	mime_uu.c     mime_uu_blocks(): uuencoded files inside a text part
 *	mime_check.c  the checks of one part's own headers: the same
 *	              content header twice with different values
 *	              (mime_check_ambiguous()), and another reading of a
 *	              file name with a NUL inside (mime_check_nul_name())
 */
#ifndef SLUICE_MIME_INT_H
#define SLUICE_MIME_INT_H

#include <stddef.h>

#include <gmime/gmime.h>

typedef int (*mime_uu_cb)(const char *name, const unsigned char *data,
                          size_t len, int cut, void *arg);
void mime_uu_blocks(const unsigned char *text, size_t len, size_t max_out,
                    mime_uu_cb cb, void *arg);

const char *mime_check_ambiguous(GMimeObject *obj);
char *mime_check_nul_name(GMimeObject *obj, const char *filename);

#endif
