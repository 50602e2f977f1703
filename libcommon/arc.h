/*
 * arc - the files inside an attachment, read within bounds: zip,
 *	7z, rar, tar, cab, iso9660, lha and cpio under compression layers
 *	(libarchive), TNEF (winmail.dat, libytnef), and a zip's central
 *	directory (libzip).  Shared by every module that looks inside
 *	attachments (sluice-attach, sluice-content).
 *
 * SYNOPSIS
 *	struct arc_scan s = {.lim = &lim, .member = my_member,
 *	                     .event = my_event, .arg = me};
 *	arc_read(&s, "files.zip", data, len, 0);
 *
 * DESCRIPTION
 *	arc_read() reads data (len bytes: the file called name) as an
 *	archive and calls s->member once per entry, in order, with a
 *	struct arc_member:
 *	    name       the entry's name (UTF-8 when the archive says how to
 *	               convert it, else its bytes; "(unnamed)" when none)
 *	    container  the chain of archives around it: "a.zip", then
 *	               "b.zip in a.zip" one level down
 *	    data, len  its bytes (ARC_M_FILE), up to ARC_ENTRY_CAP and what
 *	               max_total leaves; NULL and 0 otherwise
 *	    depth      archives around it (1 for an entry of an attachment)
 *	    flags      ARC_M_FILE: a regular file whose bytes were read;
 *	               ARC_M_ALT_NAME: no entry of its own but another name
 *	               the format records for one (a zip's central
 *	               directory name that no local header has, a TNEF
 *	               attachment's short name), to be judged as a name;
 *	               ARC_M_NAMELESS: the entry has no name of its own (a
 *	               compressed single file without a known suffix):
 *	               name is the container's
 *	The callback returns ARC_NEXT, ARC_OPEN to have the entry's bytes
 *	read as an archive in turn (depth + 1; the caller knows the type),
 *	or ARC_STOP to stop reading this archive and the ones around it.
 *
 *	Formats: data that starts with the TNEF signature (arc_is_tnef())
 *	is read with libytnef: each attachment is an entry, named by its
 *	long file name (else its title), with its data (attAttachData, or
 *	PR_ATTACH_DATA_OBJ; an embedded message's TNEF stream is an entry
 *	to open).  Anything else goes to libarchive.  Compression layers
 *	are found from their magic bytes and stacked with
 *	archive_read_append_filter(), never with libarchive's filter
 *	bidding (libarchive 3.6.2 loops forever on a recursive gzip with
 *	it); a compressed single file (report.pdf.gz) is one entry named
 *	after the container without its suffix.  A zip (no layer around
 *	it) also has its central directory read with libzip, and its
 *	names compared with the local header names libarchive gave (it
 *	reports those only, even when it reads the central directory).
 *
 *	Events (s->event, with a struct arc_event: what, the archive it is
 *	about, a detail, and for bounds the limit and the value seen):
 *	    ARC_EV_BOMB        a bound was hit (detail: its key name); this
 *	                       archive and every one around it stop
 *	    ARC_EV_ENCRYPTED   an entry, or the headers, could not be read
 *	                       for encryption with any of s->passwords (at
 *	                       most lim->password_max_tries); once per archive
 *	    ARC_EV_UNREADABLE  a TNEF stream libytnef refuses (detail: its
 *	                       message); the attachments read before the
 *	                       error are still given
 *	    ARC_EV_NAME_MISMATCH
 *	                       a zip whose central directory and local
 *	                       headers do not name the same files (detail:
 *	                       "local NAME, central NAME"); the central
 *	                       names no local header has are given as
 *	                       ARC_M_ALT_NAME members
 *	Other malformed or truncated archives are not events: what could
 *	be read was given, the rest is logged with log_debug().
 *
 *	Bounds (struct arc_limits; s->bytes and s->deadline are per
 *	message and kept by the caller across calls):
 *	    max_depth    an archive with more archives around it (depth) is
 *	                 not opened
 *	    max_layers   compression layers around one archive
 *	    max_entries  entries in one archive
 *	    max_total    decompressed bytes in the whole message (s->bytes)
 *	    max_ratio    decompressed bytes of one archive over its size,
 *	                 once past ARC_RATIO_FLOOR; 0: no bound
 *	    s->deadline  CLOCK_MONOTONIC seconds (arc_now()); 0: none;
 *	                 reported with s->max_time as the limit
 *	Memory is bounded: every buffered byte is counted in s->bytes, so
 *	the buffers of all nesting levels together stay under max_total.
 *
 *	arc_is_tnef() is 1 when data starts with the TNEF signature.
 *
 * REQUIREMENTS
 *	setlocale(LC_CTYPE, "C.UTF-8") (or another UTF-8 locale) at
 *	start-up: in the C locale libarchive cannot convert UTF-8 names.
 *
 * OWNERSHIP
 *	data stays the caller's.  A struct arc_member or arc_event and its
 *	strings live until the callback returns.  libytnef's output and
 *	memory never leave the call (arc_tnef.c).
 */
#ifndef SLUICE_ARC_H
#define SLUICE_ARC_H

#include <stddef.h>

#define ARC_ENTRY_CAP (32LL * 1024 * 1024)
#define ARC_RATIO_FLOOR (1LL * 1024 * 1024)

#define ARC_M_FILE 0x01
#define ARC_M_ALT_NAME 0x02
#define ARC_M_NAMELESS 0x04

enum arc_next { ARC_NEXT = 0, ARC_OPEN = 1, ARC_STOP = -1 };

enum arc_ev {
    ARC_EV_BOMB = 0,
    ARC_EV_ENCRYPTED,
    ARC_EV_UNREADABLE,
    ARC_EV_NAME_MISMATCH,
};

struct arc_limits {
    long long max_depth;
    long long max_entries;
    long long max_total;
    long long max_ratio;
    long long max_layers;
    long long password_max_tries;
};

struct arc_member {
    const char *name;
    const char *container;
    const unsigned char *data;
    size_t len;
    int depth;
    unsigned flags;
};

struct arc_event {
    enum arc_ev what;
    const char *container;
    const char *detail;
    long long limit, value;
};

struct arc_scan {
    const struct arc_limits *lim;
    char *const *passwords;
    size_t npasswords;
    double deadline;     /* arc_now() seconds; 0: none */
    long long max_time;  /* shown as the limit when the deadline passes */
    const char *qid;     /* for log lines */
    int (*member)(struct arc_scan *s, const struct arc_member *m);
    void (*event)(struct arc_scan *s, const struct arc_event *e);
    void *arg;           /* the caller's */
    long long bytes;     /* decompressed in this message so far */
    int halt;            /* the reader's: a bound stops the nesting */
    int level;           /* the reader's: arc_read() calls in progress */
};

void arc_read(struct arc_scan *s, const char *name, const unsigned char *data,
              size_t len, int depth);
int arc_is_tnef(const unsigned char *data, size_t len);
double arc_now(void);

#endif
