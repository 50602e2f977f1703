/*
 * arc_int - what arc.c, arc_tnef.c and arc_zipcd.c share
 *	(not for modules: they use arc.h).
 *
 *	struct arc_ctx is one archive being read: its name (the container
 *	chain), bytes, depth and counters; it lives on the stack of
 *	arc_read().  arc_give() hands one entry to the caller's member
 *	callback and, when it answers ARC_OPEN, reads the entry as an
 *	archive one level down.  arc_bomb(), arc_note() and arc_count()
 *	report bounds and events; arc_stopped() is 1 once this archive or
 *	one inside it hit a bound.
 */
#ifndef SLUICE_ARC_INT_H
#define SLUICE_ARC_INT_H

#include "arc.h"

struct arc_ctx {
    struct arc_scan *s;
    const char *name; /* the container chain of this archive */
    const unsigned char *data;
    size_t len;
    int depth;
    long long bytes;   /* decompressed in this archive */
    long long entries; /* entries given */
    int stop;          /* this archive is done (bound or ARC_STOP) */
    int encrypted;     /* ARC_EV_ENCRYPTED given */
};

/* One local name as libarchive gave it (for the central directory). */
struct arc_name {
    char *utf8; /* NULL when libarchive could not convert it */
    char *raw;
};

struct arc_names {
    struct arc_name *v;
    size_t n;
};

void arc_bomb(struct arc_ctx *c, const char *bound, long long limit,
              long long value);
void arc_note(struct arc_ctx *c, enum arc_ev what, const char *detail);
int arc_count(struct arc_ctx *c, size_t n);
int arc_check_global(struct arc_ctx *c);
int arc_stopped(const struct arc_ctx *c);
void arc_give(struct arc_ctx *c, const char *name, const unsigned char *data,
              size_t len, unsigned flags);

/* arc_tnef.c */
void arc_tnef_read(struct arc_ctx *c);

/* arc_zipcd.c: compare the local names with the central directory. */
void arc_zipcd_check(struct arc_ctx *c, const struct arc_names *local,
                     int complete);

#endif
