/*
 * attach_archive - sluice-attach's rules for the files inside archives,
 *	over libcommon's archive reader (arc.h).
 *
 * SYNOPSIS
 *	void attach_archive_scan(struct attach_scan *s, const char *name,
 *	                         const unsigned char *data, size_t len,
 *	                         size_t part_index, int depth);
 *
 * DESCRIPTION
 *	attach_archive_scan() reads data (the decoded content of the file
 *	called name, in message part part_index) with arc_read(), with the
 *	bounds of the [attach] section (archive_max_depth, _entries,
 *	_total, _ratio, _layers, password_max_tries), the passwords found
 *	in the message text, and the message's byte count and deadline
 *	kept in s->arc.  For each entry it judges the name
 *	(attach_check_name(), the archive as the container: a banned,
 *	doubled or disguised name is ATTACH_ARCHIVE_BANNED) and the bytes
 *	of a file (attach_check_bytes(): executables, macros; an archive
 *	or TNEF stream inside is opened in turn, one level deeper).  The
 *	reader's events become findings on the archive (its container
 *	chain as the file):
 *	    ARC_EV_BOMB           RULE_BOMB, with the bound and the value
 *	    ARC_EV_ENCRYPTED      RULE_ENCRYPTED
 *	    ARC_EV_UNREADABLE     RULE_TNEF (ATTACH_TNEF_UNREADABLE)
 *	    ARC_EV_NAME_MISMATCH  RULE_ZIPNAMES (ATTACH_ZIP_NAME_MISMATCH);
 *	                          its central names are judged as names too
 *
 * OWNERSHIP
 *	data stays the caller's; nothing is kept after the call returns.
 */
#include <string.h>

#include "arc.h"
#include "attach.h"

static int attach_archive_member(struct arc_scan *a, const struct arc_member *m)
{
    struct attach_scan *s = a->arg;

    if (!(m->flags & ARC_M_NAMELESS))
        attach_check_name(s, m->name, s->part, m->container);
    if (!(m->flags & ARC_M_FILE))
        return ARC_NEXT;
    return attach_check_bytes(s, m->name, NULL, m->data, m->len, s->part,
                              m->container)
               ? ARC_OPEN
               : ARC_NEXT;
}

static void attach_archive_event(struct arc_scan *a, const struct arc_event *e)
{
    static const enum attach_rule rule[] = {
        [ARC_EV_BOMB] = RULE_BOMB,
        [ARC_EV_ENCRYPTED] = RULE_ENCRYPTED,
        [ARC_EV_UNREADABLE] = RULE_TNEF,
        [ARC_EV_NAME_MISMATCH] = RULE_ZIPNAMES,
    };
    struct attach_scan *s = a->arg;
    size_t n = s->nf;

    attach_found(s, rule[e->what], e->container, s->part);
    if (s->nf > n && e->what == ARC_EV_BOMB) {
        s->f[n].limit = e->limit;
        s->f[n].value = e->value;
    }
}

void attach_archive_scan(struct attach_scan *s, const char *name,
                         const unsigned char *data, size_t len,
                         size_t part_index, int depth)
{
    const struct attach_conf *c = s->conf;

    s->lim.max_depth = c->archive_max_depth;
    s->lim.max_entries = c->archive_max_entries;
    s->lim.max_total = c->archive_max_total;
    s->lim.max_ratio = c->archive_max_ratio;
    s->lim.max_layers = c->archive_max_layers;
    s->lim.password_max_tries = c->password_max_tries;
    s->arc.lim = &s->lim;
    s->arc.passwords = s->passwords;
    s->arc.npasswords = s->npasswords;
    s->arc.max_time = c->archive_max_time;
    s->arc.qid = s->qid;
    s->arc.member = attach_archive_member;
    s->arc.event = attach_archive_event;
    s->arc.arg = s;
    s->part = part_index;
    arc_read(&s->arc, name != NULL ? name : "(unnamed)", data, len, depth);
}
