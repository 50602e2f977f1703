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
 *	member of each archive (content_arc.c; a docx, xlsx or odt is a zip
 *	too, so its XML members are visited), depth first, within the
 *	archive_max_* bounds of [content] (CONTENT_ARCHIVE_LIMIT when one
 *	is hit).  For each file:
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

#include "content.h"
#include "mime.h"

struct files_walk {
    struct content_scan *s;
    struct content_arc_limits lim;
};

struct files_member {
    struct files_walk *w;
    size_t index;
};

static void files_visit(struct files_walk *w, const struct content_file *f);

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

static int files_member(void *arg, const char *name, const char *container,
                        const unsigned char *data, size_t len, int depth)
{
    struct files_member *m = arg;
    struct content_file f;

    memset(&f, 0, sizeof(f));
    f.name = name;
    f.container = container;
    f.data = data;
    f.len = len;
    f.index = m->index;
    f.depth = depth;
    files_visit(m->w, &f);
    return 0;
}

static void files_visit(struct files_walk *w, const struct content_file *f)
{
    struct content_scan *s = w->s;
    struct files_member m = {w, f->index};
    char *label;
    int is_arc;

    if (!f->text_part)
        files_name(s, f);
    if (s->st->misp != NULL && !f->text_part)
        content_misp_file(s, f);
    if (s->st->yara != NULL)
        content_yara_file(s, f);
    if (f->text_part)
        return;
    if (s->want_docs)
        content_doc_text(s, f);
    if (!content_arc_is_archive(f->data, f->len))
        return;
    label = f->container ? content_file_label(f)
                         : xstrdup(f->name ? f->name : "(unnamed)");
    if (content_arc_read(&w->lim, &s->arc_bytes, label, f->data, f->len,
                         f->depth, files_member, &m, &is_arc) != 0)
        s->arc_limit_hit = 1;
    free(label);
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
    for (size_t i = 0; i < s->tree->nparts; i++) {
        p = &s->tree->parts[i];
        memset(&f, 0, sizeof(f));
        f.name = p->filename;
        f.ctype = p->ctype;
        f.data = p->data;
        f.len = p->len;
        f.index = p->index;
        f.text_part = p->is_text;
        files_visit(&w, &f);
    }
    if (s->st->yara != NULL)
        content_yara_raw(s);
}
