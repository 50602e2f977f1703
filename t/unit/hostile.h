/*
 * hostile - attachments as an attacker builds them, made in the tests
 *	(no binary blobs): TNEF streams (MS-OXTNEF) and zips whose central
 *	directory names other files than their local headers.
 *
 *	hx_tnef(atts, n, &len)
 *	    a TNEF stream (winmail.dat): the message attributes Outlook
 *	    writes (attTnefVersion, attOemCodepage, attMessageClass), then
 *	    per attachment attAttachRenddata, attAttachTitle (title, when
 *	    set), attAttachData (data, when set) and attAttachment (MAPI
 *	    properties: PR_ATTACH_METHOD, PR_ATTACH_LONG_FILENAME when
 *	    long_name is set, 8-bit or, with unicode, UTF-16LE; an embedded
 *	    message as PR_ATTACH_DATA_OBJ of type PT_OBJECT: a 16-byte
 *	    interface id, then the embedded TNEF stream).  Caller frees.
 *	hx_tnef_corrupt(tnef, len, what)
 *	    breaks a stream in place: HX_BAD_CHECKSUM (the last
 *	    attribute's checksum), HX_BAD_SIZE (an attribute length far
 *	    past the end), HX_BAD_MAPI (an attachment's MAPI property count
 *	    over libytnef's bound).
 *	hx_zip_rename(zip, len, from, to)
 *	    renames an entry in the central directory only (from and to of
 *	    the same length); 0, or -1 when there is no such entry.
 *	hx_write(path, data, len)
 *	    writes a file; 0 or -1.
 *	hx_uuencode(b, data, len, eol)
 *	    appends data uuencoded (lines of 45 bytes, then a "`" line,
 *	    each ending with eol) to b; the begin and end lines are the
 *	    caller's.
 */
#ifndef SLUICE_T_HOSTILE_H
#define SLUICE_T_HOSTILE_H

#include <stddef.h>

#include "util.h"

struct hx_att {
    const char *title;     /* attAttachTitle, or NULL */
    const char *long_name; /* PR_ATTACH_LONG_FILENAME, or NULL */
    size_t long_name_len;  /* 0: strlen (set it to put a NUL inside) */
    int unicode;           /* long_name as PT_UNICODE */
    const unsigned char *data; /* attAttachData, or NULL */
    size_t len;
    const unsigned char *embedded; /* a TNEF stream: PR_ATTACH_DATA_OBJ */
    size_t embedded_len;
    int data_twice; /* attAttachData written twice (libytnef leaks one) */
};

#define HX_BAD_CHECKSUM 1
#define HX_BAD_SIZE 2
#define HX_BAD_MAPI 3

unsigned char *hx_tnef(const struct hx_att *a, size_t n, size_t *len_r);
int hx_tnef_corrupt(unsigned char *tnef, size_t len, int what);
int hx_zip_rename(unsigned char *zip, size_t len, const char *from,
                  const char *to);
int hx_write(const char *path, const unsigned char *data, size_t len);
void hx_uuencode(struct strbuf *b, const unsigned char *d, size_t n,
                 const char *eol);

#endif
