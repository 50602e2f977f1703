#define _GNU_SOURCE
/*
 * attach_office - Office documents that carry VBA macros.
 *
 * SYNOPSIS
 *	int attach_office_has_macro(const unsigned char *data, size_t len,
 *	                            const char *magic_type);
 *
 * DESCRIPTION
 *	attach_office_has_macro() returns 1 when data is an Office document
 *	with a VBA project, 0 otherwise (also when it is no Office document
 *	or cannot be parsed).  The container is told by its magic bytes;
 *	magic_type (libmagic's MIME type, may be NULL) is not needed and
 *	only logged by callers.
 *
 *	OOXML (a zip, "PK\3\4"): read with libarchive; a macro is an entry
 *	whose name ends in "vbaProject.bin" (word/, xl/, ppt/, any case), or
 *	a [Content_Types].xml that declares
 *	"application/vnd.ms-office.vbaProject".  At most OFFICE_MAX_ENTRIES
 *	entries are looked at, and [Content_Types].xml is read up to
 *	OFFICE_MAX_XML bytes.
 *
 *	OLE2 (D0 CF 11 E0 A1 B1 1A E1: .doc, .xls, .dot...): opened with
 *	libgsf's MS-OLE reader on a memory input; a macro is a storage or
 *	stream named "Macros", "_VBA_PROJECT_CUR", "VBA" or "_VBA_PROJECT"
 *	(any case) at any depth up to OFFICE_MAX_DEPTH, looking at no more
 *	than OFFICE_MAX_NODES directory entries.
 *
 *	The function is thread-safe; gsf_init() is called once, and
 *	libgsf's own log domains are silenced then (hostile files trigger
 *	its internal assertions, which are harmless but noisy).
 *
 * OWNERSHIP
 *	data stays the caller's; nothing is kept.
 */
#include <archive.h>
#include <archive_entry.h>
#include <gsf/gsf.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "util.h"

#define OFFICE_MAX_ENTRIES 10000
#define OFFICE_MAX_XML (1024 * 1024)
#define OFFICE_MAX_DEPTH 8
#define OFFICE_MAX_NODES 10000

static const unsigned char office_ole_magic[8] = {0xd0, 0xcf, 0x11, 0xe0,
                                                  0xa1, 0xb1, 0x1a, 0xe1};
static const char office_vba_ctype[] = "application/vnd.ms-office.vbaProject";

static pthread_once_t office_gsf_once = PTHREAD_ONCE_INIT;

static void office_glib_quiet(const gchar *domain, GLogLevelFlags level,
                              const gchar *message, gpointer data)
{
    (void)domain, (void)level, (void)message, (void)data;
}

/* libgsf asserts (g_return_if_fail) on hostile files; those CRITICALs
 * would let a sender fill stderr, so its log domains are silenced. */
static void office_gsf_init(void)
{
    static const char *const domains[] = {"libgsf", "libgsf:msole"};
    size_t i;

    gsf_init();
    for (i = 0; i < sizeof(domains) / sizeof(*domains); i++)
        g_log_set_handler(domains[i],
                          G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING |
                              G_LOG_LEVEL_MESSAGE,
                          office_glib_quiet, NULL);
}

/* Does [Content_Types].xml (the current entry) declare a VBA project? */
static int office_ctypes_vba(struct archive *a)
{
    char *buf = xmalloc(OFFICE_MAX_XML + 1);
    size_t n = 0;
    la_ssize_t r;
    int hit;

    while (n < OFFICE_MAX_XML &&
           (r = archive_read_data(a, buf + n, OFFICE_MAX_XML - n)) > 0)
        n += (size_t)r;
    buf[n] = '\0';
    hit =
        memmem(buf, n, office_vba_ctype, sizeof(office_vba_ctype) - 1) != NULL;
    free(buf);
    return hit;
}

static int office_ooxml_macro(const unsigned char *data, size_t len)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    const char *name;
    int r, hit = 0, n = 0;

    archive_read_support_format_zip(a);
    if (archive_read_open_memory(a, data, len) < ARCHIVE_WARN) {
        archive_read_free(a);
        return 0;
    }
    while (!hit && n++ < OFFICE_MAX_ENTRIES) {
        r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF || r == ARCHIVE_FATAL)
            break;
        if (r < ARCHIVE_WARN)
            continue;
        name = archive_entry_pathname_utf8(e);
        if (name == NULL)
            name = archive_entry_pathname(e);
        if (name == NULL)
            continue;
        if (str_has_suffix_ci(name, "vbaProject.bin"))
            hit = 1;
        else if (strcmp(name, "[Content_Types].xml") == 0)
            hit = office_ctypes_vba(a);
    }
    archive_read_free(a);
    return hit;
}

static int office_is_vba_name(const char *name)
{
    static const char *const names[] = {"Macros", "_VBA_PROJECT_CUR", "VBA",
                                        "_VBA_PROJECT"};
    size_t i;

    if (name == NULL)
        return 0;
    for (i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (str_casecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

/* Walk an OLE2 storage; *nodes counts directory entries looked at. */
static int office_ole_walk(GsfInfile *dir, int depth, int *nodes)
{
    int i, n = gsf_infile_num_children(dir), hit = 0;

    for (i = 0; i < n && !hit && (*nodes)++ < OFFICE_MAX_NODES; i++) {
        GsfInput *child;

        if (office_is_vba_name(gsf_infile_name_by_index(dir, i)))
            return 1;
        if (depth + 1 >= OFFICE_MAX_DEPTH)
            continue;
        child = gsf_infile_child_by_index(dir, i);
        if (child == NULL)
            continue;
        if (GSF_IS_INFILE(child) &&
            gsf_infile_num_children(GSF_INFILE(child)) > 0)
            hit = office_ole_walk(GSF_INFILE(child), depth + 1, nodes);
        g_object_unref(child);
    }
    return hit;
}

static int office_ole_macro(const unsigned char *data, size_t len)
{
    GsfInput *in;
    GsfInfile *ole;
    GError *err = NULL;
    int nodes = 0, hit;

    pthread_once(&office_gsf_once, office_gsf_init);
    in = gsf_input_memory_new(data, (gsf_off_t)len, FALSE);
    if (in == NULL)
        return 0;
    ole = gsf_infile_msole_new(in, &err);
    g_object_unref(in);
    if (ole == NULL) {
        if (err != NULL)
            g_error_free(err);
        return 0;
    }
    hit = office_ole_walk(ole, 0, &nodes);
    g_object_unref(ole);
    return hit;
}

int attach_office_has_macro(const unsigned char *data, size_t len,
                            const char *magic_type)
{
    if (data == NULL || len < 8)
        return 0;
    if (memcmp(data, office_ole_magic, sizeof(office_ole_magic)) == 0)
        return office_ole_macro(data, len);
    if (memcmp(data, "PK\003\004", 4) == 0)
        return office_ooxml_macro(data, len);
    return 0;
}
