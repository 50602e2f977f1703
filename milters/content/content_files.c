/*
 * content_files - every file of a message, seen once: the MIME parts and
 * the members of archives (nested), each given to the visitors that
 * need its bytes.
 *
 * SYNOPSIS
 *	void content_files_walk(struct content_scan *s);
 *
 * DESCRIPTION
 *	content_files_walk() visits every leaf of the MIME tree, then every
 *	member of each archive and TNEF stream (libcommon's reader, arc.h;
 *	a docx, xlsx or odt is a zip too, so its XML members are visited),
 *	depth first, within the archive_max_* bounds of [content]
 *	(CONTENT_ARCHIVE_LIMIT naming the bound when one is hit; encrypted
 *	members are not read: no password is tried).  For each file:
 *	    - its name (attachments and members) joins s->names, for the
 *	      filename rules;
 *	    - content_misp_file(): its hashes against the indicator set;
 *	    - content_yara_file(): the YARA rules;
 *	    - content_doc_text(): its text, when documents are read.
 *	Text parts (text/... and not attachments) are seen by YARA only:
 *	their text is already the message's.  Nothing is walked when no
 *	visitor would look.
 *
 *	content_file_label() names a file for details and logs:
 *	"name in container" ("word/document.xml in report.docx in
 *	files.zip"), or the part's name, or "part N".
 *
 * OWNERSHIP
 *	A struct content_file points into the MIME tree or into the
 *	archive reader's buffers: valid during the visit only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arc.h"
#include "content.h"
#include "mime.h"

struct files_walk {
    struct content_scan *s;
    struct arc_limits lim;
    struct arc_scan arc;
    size_t index; /* the MIME leaf being read */
};

char *content_file_label(const struct content_file *f)
{
    if (f->name != NULL && f->container != NULL)
        return xasprintf("%s in %s", f->name, f->container);
    if (f->name != NULL)
        return xstrdup(f->name);
    return xasprintf("part %zu", f->index + 1);
}

static void files_name(struct content_scan *s, const struct content_file *f)
{
    struct content_name *n;

    if (f->name == NULL || s->nnames >= 10000)
        return;
    s->names = xrealloc(s->names, (s->nnames + 1) * sizeof(*s->names));
    n = &s->names[s->nnames++];
    n->name = xstrdup(f->name);
    n->where = f->container ? content_file_label(f) : NULL;
}

/* Archives and TNEF streams, by their first bytes (what arc_read() reads;
 * gzip, bzip2, xz and zstd are layers around an archive or one file). */
static int files_is_archive(const unsigned char *p, size_t n)
{
    if (n < 6)
        return 0;
    return memcmp(p, "PK\x03\x04", 4) == 0 || memcmp(p, "7z\xbc\xaf", 4) == 0 ||
           memcmp(p, "Rar!", 4) == 0 || memcmp(p, "MSCF", 4) == 0 ||
           (p[0] == 0x1f && p[1] == 0x8b) ||
           (memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9') ||
           memcmp(p,
                  "\xfd"
                  "7zXZ\0",
                  6) == 0 ||
           memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0 ||
           (n > 262 && memcmp(p + 257, "ustar", 5) == 0) || arc_is_tnef(p, n);
}

/* One file; 1 when it is an archive to open.  A file without a name of
 * its own (report.gz's one file, named after its container, whose name
 * was seen already) does not join the names. */
static int files_visit(struct files_walk *w, const struct content_file *f,
                       int own_name)
{
    struct content_scan *s = w->s;

    if (!f->text_part && own_name)
        files_name(s, f);
    if (f->data == NULL)
        return 0; /* a name only (a zip's central directory) */
    if (s->st->misp != NULL && !f->text_part)
        content_misp_file(s, f);
    if (s->st->yara != NULL)
        content_yara_file(s, f);
    if (f->text_part)
        return 0;
    if (s->want_docs)
        content_doc_text(s, f);
    return files_is_archive(f->data, f->len);
}

static int files_member(struct arc_scan *a, const struct arc_member *m)
{
    struct files_walk *w = a->arg;
    struct content_file f;

    memset(&f, 0, sizeof(f));
    f.name = m->name;
    f.container = m->container;
    if (m->flags & ARC_M_FILE) {
        f.data = m->data;
        f.len = m->len;
    }
    f.index = w->index;
    f.depth = m->depth;
    return files_visit(w, &f, !(m->flags & ARC_M_NAMELESS)) ? ARC_OPEN
                                                            : ARC_NEXT;
}

static void files_event(struct arc_scan *a, const struct arc_event *e)
{
    struct files_walk *w = a->arg;
    struct content_scan *s = w->s;

    if (e->what != ARC_EV_BOMB || s->arc_limit_hit)
        return;
    s->arc_limit_hit = 1;
    snprintf(s->arc_limit, sizeof(s->arc_limit), "%s in %s",
             e->detail ? e->detail : "a bound",
             e->container ? e->container : "an archive");
}

static int files_wanted(const struct content_scan *s)
{
    return s->st->misp != NULL || s->st->yara != NULL || s->want_docs ||
           s->st->rules != NULL;
}

void content_files_walk(struct content_scan *s)
{
    struct files_walk w;
    const struct mime_part *p;
    struct content_file f;

    if (!files_wanted(s))
        return;
    memset(&w, 0, sizeof(w));
    w.s = s;
    w.lim.max_depth = s->conf->archive_max_depth;
    w.lim.max_entries = s->conf->archive_max_entries;
    w.lim.max_total = s->conf->archive_max_total;
    w.lim.max_ratio = s->conf->archive_max_ratio;
    w.lim.max_layers = s->conf->archive_max_layers;
    w.lim.password_max_tries = 0;
    w.arc.lim = &w.lim;
    w.arc.max_time = s->conf->archive_max_time;
    w.arc.deadline = arc_now() + (double)s->conf->archive_max_time;
    w.arc.qid = mod_qid(s->x);
    w.arc.member = files_member;
    w.arc.event = files_event;
    w.arc.arg = &w;
    for (size_t i = 0; i < s->tree->nparts; i++) {
        p = &s->tree->parts[i];
        memset(&f, 0, sizeof(f));
        f.name = p->filename;
        f.ctype = p->ctype;
        f.data = p->data;
        f.len = p->len;
        f.index = p->index;
        f.text_part = p->is_text;
        w.index = p->index;
        if (files_visit(&w, &f, 1))
            arc_read(&w.arc, f.name != NULL ? f.name : "(unnamed)", f.data,
                     f.len, 0);
    }
    if (s->st->yara != NULL)
        content_yara_raw(s);
}
