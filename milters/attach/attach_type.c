/*
 * attach_type - true file type with libmagic; disguised executables;
 *	the dispatch of a part's bytes to the archive, office, RTF scanners.
 *
 * DESCRIPTION
 *	attach_magic() returns libmagic's MIME type ("application/pdf") for
 *	the bytes, from a magic_t owned by the calling thread (libmagic
 *	handles are not thread-safe): one per thread, created on first use
 *	with the system database, closed when the thread exits.  The string
 *	lives in that handle until the thread's next attach_magic() call.
 *	When libmagic cannot be opened it answers
 *	"application/octet-stream" (logged once).
 *
 *	attach_type_is_executable() is 1 for a PE (by libmagic's type or
 *	an "MZ" header that libmagic does not call text), ELF, Mach-O (thin
 *	and fat; a Java class file with the same magic is told apart by
 *	its version field) or a "#!" script; 2 for a script, so that callers
 *	can tell scripts from binaries; 0 otherwise.
 *	attach_type_is_archive() is 1 for the containers libarchive opens.
 *
 *	attach_check_bytes() adds findings for one part or archive entry:
 *	RULE_DISGUISED for an executable binary whose name or declared
 *	Content-Type says document, image or text (a script only when it
 *	poses as a document or image: scripts are often mailed as text);
 *	inside an archive, any executable binary or disguised script is
 *	RULE_ARCHIVE (a macro stays RULE_MACRO, named "ENTRY in ARCHIVE").
 *	It then hands Office documents to attach_office_has_macro(), RTF
 *	to attach_rtf_has_object() (both RULE_MACRO), and returns 1 for an
 *	archive libarchive reads or a TNEF stream (by its signature, since
 *	libmagic has no name for every TNEF): the archive reader opens it.
 *	attach_check_content() is attach_check_bytes() followed, for an
 *	archive, by attach_archive_scan() at the given depth (the bytes
 *	of a message part: depth 0).
 *
 * OWNERSHIP
 *	Copies the magic string before calling other scanners, which may
 *	call attach_magic() again on the same thread.
 */
#include <magic.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "log.h"
#include "util.h"

#define TYPE_MAGIC_MAX 128

/*
 * libmagic handles are not thread safe, and libmilter runs one thread
 * per SMTP connection, so a handle per thread would load the magic
 * database once per connection.  Instead a small pool: a thread takes a
 * loaded handle, uses it for one lookup, and puts it back.
 */
#define TYPE_POOL_MAX 32
#define TYPE_BYTES_MAX (256 * 1024) /* enough for tar, iso9660, OOXML */

static pthread_mutex_t type_lock = PTHREAD_MUTEX_INITIALIZER;
static magic_t type_pool[TYPE_POOL_MAX];
static size_t type_npool;
static int type_failed_logged;

static magic_t type_take(void)
{
    magic_t m = NULL;

    pthread_mutex_lock(&type_lock);
    if (type_npool > 0)
        m = type_pool[--type_npool];
    pthread_mutex_unlock(&type_lock);
    if (m != NULL)
        return m;
    m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
    if (m == NULL)
        return NULL;
    if (magic_load(m, NULL) != 0) {
        if (!type_failed_logged++)
            log_err(NULL, "libmagic: cannot load its database: %s",
                    magic_error(m));
        magic_close(m);
        return NULL;
    }
    return m;
}

static void type_give_back(magic_t m)
{
    pthread_mutex_lock(&type_lock);
    if (type_npool < TYPE_POOL_MAX) {
        type_pool[type_npool++] = m;
        m = NULL;
    }
    pthread_mutex_unlock(&type_lock);
    if (m != NULL)
        magic_close(m);
}

const char *attach_magic(struct attach_scan *s, const unsigned char *data,
                         size_t len)
{
    static __thread char out[TYPE_MAGIC_MAX];
    magic_t m;
    const char *t;

    if (len == 0 || (m = type_take()) == NULL)
        return "application/octet-stream";
    t = magic_buffer(m, data, len > TYPE_BYTES_MAX ? TYPE_BYTES_MAX : len);
    snprintf(out, sizeof(out), "%s", t ? t : "application/octet-stream");
    type_give_back(m);
    return out;
}

static const char *const type_exec[] = {
    "application/vnd.microsoft.portable-executable",
    "application/x-dosexec",
    "application/x-msdownload",
    "application/x-executable",
    "application/x-pie-executable",
    "application/x-sharedlib",
    "application/x-mach-binary",
    "application/x-elf",
    NULL};

static const char *const type_archives[] = {"application/zip",
                                            "application/x-zip-compressed",
                                            "application/x-7z-compressed",
                                            "application/x-rar",
                                            "application/vnd.rar",
                                            "application/x-rar-compressed",
                                            "application/x-tar",
                                            "application/x-gtar",
                                            "application/gzip",
                                            "application/x-gzip",
                                            "application/x-bzip2",
                                            "application/x-xz",
                                            "application/x-lzma",
                                            "application/x-lzip",
                                            "application/zstd",
                                            "application/vnd.ms-cab-compressed",
                                            "application/x-iso9660-image",
                                            "application/x-cpio",
                                            "application/x-archive",
                                            "application/x-xar",
                                            "application/x-compress",
                                            "application/x-lzh-compressed",
                                            "application/x-lz4",
                                            "application/java-archive",
                                            "application/vnd.ms-tnef",
                                            NULL};

static int type_in(const char *const *list, const char *t)
{
    size_t i;

    for (i = 0; list[i] != NULL; i++)
        if (str_casecmp(list[i], t) == 0)
            return 1;
    return 0;
}

static uint32_t type_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
           p[3];
}

/* Executable binaries by their first bytes. */
static int type_binary_magic(const char *magic_type, const unsigned char *d,
                             size_t len)
{
    uint32_t m;

    if (len >= 64 && d[0] == 'M' && d[1] == 'Z' &&
        strncmp(magic_type, "text/", 5) != 0)
        return 1;
    if (len < 8)
        return 0;
    if (memcmp(d,
               "\x7f"
               "ELF",
               4) == 0)
        return 1;
    m = type_be32(d);
    if (m == 0xFEEDFACEu || m == 0xFEEDFACFu || m == 0xCEFAEDFEu ||
        m == 0xCFFAEDFEu)
        return 1;
    /* Fat Mach-O; a Java class file has its version (>= 45) here. */
    return m == 0xCAFEBABEu && type_be32(d + 4) < 20;
}

int attach_type_is_executable(const char *magic_type, const unsigned char *data,
                              size_t len)
{
    if (magic_type != NULL && type_in(type_exec, magic_type))
        return 1;
    if (type_binary_magic(magic_type ? magic_type : "", data, len))
        return 1;
    if (len >= 3 && data[0] == '#' && data[1] == '!' &&
        (data[2] == '/' || data[2] == ' '))
        return 2;
    return 0;
}

int attach_type_is_archive(const char *magic_type)
{
    return magic_type != NULL && type_in(type_archives, magic_type);
}

static int type_is_office(const char *t, const char *ext)
{
    static const char *const office_ext[] = {
        "doc",  "dot",  "docx", "docm", "dotx", "dotm", "xls", "xlt", "xlsx",
        "xlsm", "xlsb", "xltx", "xltm", "xlam", "ppt",  "pot", "pps", "pptx",
        "pptm", "potm", "ppsm", "ppsx", "ppam", "sldm", NULL};

    if (strncmp(t, "application/vnd.openxmlformats-officedocument.", 46) == 0 ||
        strncmp(t, "application/vnd.ms-", 19) == 0 ||
        strcmp(t, "application/msword") == 0 ||
        strcmp(t, "application/x-ole-storage") == 0 ||
        strcmp(t, "application/cdfv2") == 0 ||
        strcmp(t, "application/encrypted") == 0)
        return strcmp(t, "application/vnd.ms-cab-compressed") != 0;
    /* OOXML that libmagic only calls a zip. */
    return strcmp(t, "application/zip") == 0 && type_in(office_ext, ext);
}

static int type_is_rtf(const char *t, const unsigned char *d, size_t len)
{
    if (strcmp(t, "text/rtf") == 0 || strcmp(t, "application/rtf") == 0)
        return 1;
    return len >= 5 && memcmp(d, "{\\rtf", 5) == 0;
}

/* The name or the declared type claims a document, image or text. */
static int type_claims_document(const char *ext, const char *declared,
                                int include_text)
{
    if (ext[0] != '\0' && attach_name_is_document(ext))
        return include_text ||
               (strcmp(ext, "txt") != 0 && strcmp(ext, "csv") != 0 &&
                strcmp(ext, "log") != 0);
    if (declared == NULL)
        return 0;
    if (strncmp(declared, "image/", 6) == 0 ||
        strcmp(declared, "application/pdf") == 0 ||
        strcmp(declared, "application/msword") == 0 ||
        strncmp(declared, "application/vnd.openxmlformats", 31) == 0 ||
        strncmp(declared, "application/vnd.ms-", 19) == 0)
        return 1;
    return include_text && strncmp(declared, "text/", 5) == 0;
}

/* Executables: disguised ones, and any binary inside an archive. */
static void type_check_exec(struct attach_scan *s, const char *name,
                            const char *ext, const char *declared, int exec,
                            size_t part_index, const char *container)
{
    const char *shown = name ? name : "(unnamed)";

    if (exec == 0)
        return;
    if (exec == 1 && container != NULL) {
        attach_found_in(s, RULE_ARCHIVE, shown, part_index, container);
        return;
    }
    if (attach_name_is_banned(s->conf, ext))
        return; /* the name check already reported it */
    /* A binary program is refused whatever it is called (no name,
     * ".bin", octet-stream): its name does not say what it is.  A
     * script only when it poses as a document. */
    if (exec == 1 || type_claims_document(ext, declared, 0))
        attach_found_in(s, RULE_DISGUISED, shown, part_index, container);
}

int attach_check_bytes(struct attach_scan *s, const char *name,
                       const char *declared_ctype, const unsigned char *data,
                       size_t len, size_t part_index, const char *container)
{
    char magic[TYPE_MAGIC_MAX], ext[32];
    int exec;

    snprintf(magic, sizeof(magic), "%s", attach_magic(s, data, len));
    str_lower(magic);
    snprintf(ext, sizeof(ext), "%s", name ? attach_name_ext(name) : "");
    exec = attach_type_is_executable(magic, data, len);
    type_check_exec(s, name, ext, declared_ctype, exec, part_index, container);
    if (exec == 1)
        return 0;

    if (type_is_office(magic, ext) &&
        attach_office_has_macro(data, len, magic) > 0)
        attach_found_in(s, RULE_MACRO, name ? name : "(unnamed)", part_index,
                   container);
    if (type_is_rtf(magic, data, len) && attach_rtf_has_object(data, len) > 0)
        attach_found_in(s, RULE_MACRO, name ? name : "(unnamed)", part_index,
                   container);
    return attach_type_is_archive(magic) || arc_is_tnef(data, len);
}

void attach_check_content(struct attach_scan *s, const char *name,
                          const char *declared_ctype, const unsigned char *data,
                          size_t len, size_t part_index, int depth,
                          const char *container)
{
    char *shown = NULL;

    if (!attach_check_bytes(s, name, declared_ctype, data, len, part_index,
                            container))
        return;
    if (container != NULL)
        shown = xasprintf("%s in %s", name ? name : "(unnamed)", container);
    attach_archive_scan(s,
                        shown  ? shown
                        : name ? name
                               : "(unnamed)",
                        data, len, part_index, depth);
    free(shown);
}
