/*
 * attach_name - file names: banned and double extensions, Unicode tricks.
 *
 * DESCRIPTION
 *	attach_check_name() looks at one file name (UTF-8, already RFC 2231
 *	/ 2047 decoded by mime.c) and adds a finding per rule it breaks:
 *
 *	RULE_UNICODE	the name holds a bidi control (U+202A..U+202E,
 *			U+2066..U+2069) or a dot look-alike (U+2024, U+FE52,
 *			U+FF0E, U+3002).
 *	RULE_BANNED	the extension of the final path component (lower
 *			case, trailing dots and blanks stripped, bidi
 *			controls removed and look-alike dots read as dots)
 *			is in banned_extensions, or in
 *			banned_extensions_modern when use_modern_list is on.
 *	RULE_DOUBLE	that banned extension follows a document, image or
 *			other harmless-looking one ("invoice.pdf.exe",
 *			"scan.jpg   .scr").
 *
 *	A name is judged as written and as Windows would save it: an NTFS
 *	stream suffix ("evil.vbs::$DATA", "x.vbs:Zone.Identifier") names
 *	the file before the first ':' (evil.vbs), so that is judged too.
 *
 *	Inside an archive (container != NULL) RULE_BANNED and RULE_DOUBLE
 *	are reported as RULE_ARCHIVE and the finding's file is
 *	"NAME in CONTAINER".  It returns the number of findings added.
 *
 *	attach_name_ext() gives the normalised lower-case final extension
 *	(without the dot; "" when none) of the name as Windows saves it (no
 *	stream suffix) in a per-thread buffer.
 *	attach_name_is_banned() tells whether an extension is banned under
 *	a configuration (a leading dot in the list is ignored).
 *	attach_name_is_document() tells whether an extension names a
 *	document, image or text type (the "harmless" half of a double
 *	extension, and what a disguised executable pretends to be).
 *
 * OWNERSHIP
 *	Nothing allocated survives a call except through attach_found().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "util.h"

#define NAME_MAX_LEN 1024
#define EXT_MAX_LEN 32

static const char *const name_documents[] = {
    "pdf",  "doc",  "docx", "docm", "xls", "xlsx",  "xlsm",    "ppt",  "pptx",
    "pptm", "rtf",  "txt",  "csv",  "odt", "ods",   "odp",     "htm",  "html",
    "xml",  "jpg",  "jpeg", "png",  "gif", "bmp",   "tif",     "tiff", "svg",
    "webp", "heic", "zip",  "rar",  "7z",  "gz",    "tar",     "mp3",  "mp4",
    "wav",  "avi",  "mov",  "mpg",  "eml", "msg",   "ics",     "vcf",  "log",
    "md",   "epub", "ps",   "eps",  "dwg", "pages", "numbers", "key",  NULL};

/* Bidi controls and dot look-alikes. */
static int name_is_bidi(uint32_t c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

static int name_is_fake_dot(uint32_t c)
{
    return c == 0x2024 || c == 0xFE52 || c == 0xFF0E || c == 0x3002;
}

/*
 * Decode one UTF-8 sequence at s (n bytes left); returns its length and
 * the code point, or 1 and the byte itself when the sequence is invalid.
 */
static size_t name_utf8(const unsigned char *s, size_t n, uint32_t *c_r)
{
    size_t len, i;
    uint32_t c;

    if (s[0] < 0x80) {
        *c_r = s[0];
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, c = s[0] & 0x1F;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, c = s[0] & 0x0F;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, c = s[0] & 0x07;
    } else {
        *c_r = s[0];
        return 1;
    }
    if (len > n) {
        *c_r = s[0];
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *c_r = s[0];
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *c_r = c;
    return len;
}

/*
 * The name as a program would see it: bidi controls dropped, look-alike
 * dots made dots, only the final path component.  Returns 1 when the
 * name held a Unicode trick.
 */
static int name_normalise(const char *name, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strlen(name), i = 0, o = 0, len;
    uint32_t c;
    int trick = 0;

    while (i < n && o + 5 < size) {
        len = name_utf8(s + i, n - i, &c);
        if (name_is_bidi(c)) {
            trick = 1;
        } else if (name_is_fake_dot(c)) {
            trick = 1;
            out[o++] = '.';
        } else if (c == '/' || c == '\\') {
            o = 0; /* a new path component */
        } else {
            memcpy(out + o, s + i, len);
            o += len;
        }
        i += len;
    }
    out[o] = '\0';
    return trick;
}

/* Strip trailing dots and blanks (Windows ignores them). */
static void name_rstrip(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* Copy the extension after the last dot of s[0..n) trimmed and lower-cased. */
static void name_ext_of(const char *s, size_t n, char *ext, size_t size)
{
    const char *dot = NULL, *p;
    size_t len;

    ext[0] = '\0';
    for (p = s; p < s + n; p++)
        if (*p == '.')
            dot = p;
    if (dot == NULL)
        return;
    dot++;
    len = (size_t)(s + n - dot);
    while (len > 0 && (*dot == ' ' || *dot == '\t'))
        dot++, len--;
    while (len > 0 && (dot[len - 1] == ' ' || dot[len - 1] == '\t'))
        len--;
    if (len >= size)
        return;
    memcpy(ext, dot, len);
    ext[len] = '\0';
    str_lower(ext);
}

/* Cut an NTFS stream suffix: "evil.vbs::$DATA" is saved as evil.vbs.
 * Returns 1 when there was one. */
static int name_cut_stream(char *norm)
{
    char *colon = strchr(norm, ':');

    if (colon == NULL)
        return 0;
    *colon = '\0';
    return 1;
}

const char *attach_name_ext(const char *name)
{
    static _Thread_local char ext[EXT_MAX_LEN];
    char norm[NAME_MAX_LEN];

    name_normalise(name, norm, sizeof(norm));
    name_cut_stream(norm);
    name_rstrip(norm);
    name_ext_of(norm, strlen(norm), ext, sizeof(ext));
    return ext;
}

static int name_in_list(const struct cfg_list *l, const char *ext)
{
    size_t i;
    const char *v;

    for (i = 0; i < l->n; i++) {
        v = l->v[i];
        if (*v == '.')
            v++;
        if (str_casecmp(v, ext) == 0)
            return 1;
    }
    return 0;
}

int attach_name_is_banned(const struct attach_conf *c, const char *ext)
{
    if (ext == NULL || *ext == '\0')
        return 0;
    if (name_in_list(&c->banned_extensions, ext))
        return 1;
    return c->use_modern_list &&
           name_in_list(&c->banned_extensions_modern, ext);
}

int attach_name_is_document(const char *ext)
{
    size_t i;

    for (i = 0; name_documents[i] != NULL; i++)
        if (str_casecmp(name_documents[i], ext) == 0)
            return 1;
    return 0;
}

/* A finding inside an archive names both files, and a banned, doubled
 * or disguised name in there counts as ATTACH_ARCHIVE_BANNED. */
void attach_found_in(struct attach_scan *s, enum attach_rule r,
                     const char *name, size_t part_index,
                     const char *container)
{
    char *file;

    if (container == NULL) {
        attach_found(s, r, name, part_index);
        return;
    }
    if (r == RULE_BANNED || r == RULE_DOUBLE || r == RULE_DISGUISED)
        r = RULE_ARCHIVE;
    file = xasprintf("%s in %s", name, container);
    attach_found(s, r, file, part_index);
    free(file);
}

/* Banned and double extensions of one reading (norm) of name. */
static int name_judge(struct attach_scan *s, const char *name, char *norm,
                      size_t part_index, const char *container)
{
    char ext[EXT_MAX_LEN], prev[EXT_MAX_LEN];
    char *dot;
    int n = 0;

    name_rstrip(norm);
    name_ext_of(norm, strlen(norm), ext, sizeof(ext));
    if (!attach_name_is_banned(s->conf, ext))
        return 0;
    attach_found_in(s, RULE_BANNED, name, part_index, container);
    n++;

    /* The extension before the banned one. */
    dot = strrchr(norm, '.');
    name_ext_of(norm, (size_t)(dot - norm), prev, sizeof(prev));
    if (prev[0] != '\0' && attach_name_is_document(prev)) {
        attach_found_in(s, RULE_DOUBLE, name, part_index, container);
        n++;
    }
    return n;
}

int attach_check_name(struct attach_scan *s, const char *name,
                      size_t part_index, const char *container)
{
    char norm[NAME_MAX_LEN];
    int n = 0;

    if (name == NULL || *name == '\0')
        return 0;
    if (name_normalise(name, norm, sizeof(norm))) {
        attach_found_in(s, RULE_UNICODE, name, part_index, container);
        n++;
    }
    n += name_judge(s, name, norm, part_index, container);
    name_normalise(name, norm, sizeof(norm));
    if (name_cut_stream(norm))
        n += name_judge(s, name, norm, part_index, container);
    return n;
}
