/*
 * mime_check - what a part's own headers say beyond GMime's one reading.
 *
 * SYNOPSIS
 *	#include "mime_int.h"
 *
 *	const char *mime_check_ambiguous(GMimeObject *obj);
 *	char *mime_check_nul_name(GMimeObject *obj, const char *filename);
 *
 * DESCRIPTION
 *	mime_check_ambiguous() returns the name of the first content
 *	header (Content-Type, Content-Transfer-Encoding,
 *	Content-Disposition) that obj carries twice or more with different
 *	values, else NULL.  GMime keeps every header and reads one of
 *	them; mail clients differ in which (the first or the last), so a
 *	part with two boundaries or two encodings can show one thing to
 *	the checks and another to the reader.  Values are compared
 *	unfolded with runs of blanks made one space, the transfer encoding
 *	without regard to case; the same header repeated with the same
 *	value is not ambiguous.
 *
 *	mime_check_nul_name() is about a NUL inside a file name: RFC 2231
 *	("filename*=utf-8''evil.txt%00.vbs") and RFC 2047 (Q "=00") can
 *	encode one, GMime's C string ends there ("evil.txt") while a
 *	Windows client may drop it ("evil.txt.vbs").  When the raw
 *	Content-Disposition (else Content-Type) value holds "%00" or
 *	"=00", it is parsed again by GMime without them; the name that
 *	reading gives is returned (caller frees) when it differs from
 *	filename, else NULL.
 *
 * OWNERSHIP
 *	mime_check_ambiguous() returns a static string.
 */
#include <stdlib.h>
#include <string.h>

#include "mime_int.h"
#include "util.h"

static const char *const check_names[] = {
    "Content-Type", "Content-Transfer-Encoding", "Content-Disposition"};

/* The value unfolded, blanks collapsed and trimmed; lower case if asked. */
static char *check_norm(const char *v, int lower)
{
    char *out = xmalloc(strlen(v) + 1), *o = out;
    int blank = 0;

    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
            blank = o != out;
            continue;
        }
        if (blank)
            *o++ = ' ';
        blank = 0;
        *o++ = lower && *v >= 'A' && *v <= 'Z' ? (char)(*v + 32) : *v;
    }
    *o = '\0';
    return out;
}

/* Does the header list hold name twice with different values? */
static int check_differs(GMimeHeaderList *hl, int n, const char *name,
                         int lower)
{
    char *first = NULL, *v;
    int differs = 0;

    for (int i = 0; i < n && !differs; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
        const char *hn = h ? g_mime_header_get_name(h) : NULL;
        const char *raw;

        if (hn == NULL || g_ascii_strcasecmp(hn, name) != 0)
            continue;
        raw = g_mime_header_get_raw_value(h);
        v = check_norm(raw ? raw : "", lower);
        if (first == NULL) {
            first = v;
            continue;
        }
        differs = strcmp(first, v) != 0;
        free(v);
    }
    free(first);
    return differs;
}

const char *mime_check_ambiguous(GMimeObject *obj)
{
    GMimeHeaderList *hl = obj ? g_mime_object_get_header_list(obj) : NULL;
    int n = hl ? g_mime_header_list_get_count(hl) : 0;

    for (size_t k = 0; n > 1 && k < sizeof(check_names) / sizeof(*check_names);
         k++)
        if (check_differs(hl, n, check_names[k], k == 1))
            return check_names[k];
    return NULL;
}

/* The raw value of obj's header name, or NULL. */
static const char *check_raw(GMimeObject *obj, const char *name)
{
    GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
    GMimeHeader *h = hl ? g_mime_header_list_get_header(hl, name) : NULL;

    return h ? g_mime_header_get_raw_value(h) : NULL;
}

/* raw without "%00" and "=00" (caller frees), or NULL when it has none. */
static char *check_drop_nul(const char *raw)
{
    char *out, *o;

    if (raw == NULL || (strstr(raw, "%00") == NULL && strstr(raw, "=00") == NULL))
        return NULL;
    out = o = xstrdup(raw);
    for (const char *p = raw; *p;) {
        if ((p[0] == '%' || p[0] == '=') && p[1] == '0' && p[2] == '0') {
            p += 3;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

/* The file name GMime reads from a header value (caller frees), or NULL. */
static char *check_param(const char *value, int disposition)
{
    GMimeParserOptions *opts = g_mime_parser_options_new();
    const char *v = NULL;
    char *out = NULL;

    g_mime_parser_options_set_rfc2047_compliance_mode(
        opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(
        opts, GMIME_RFC_COMPLIANCE_LOOSE);
    if (disposition) {
        GMimeContentDisposition *d =
            g_mime_content_disposition_parse(opts, value);

        if (d != NULL) {
            v = g_mime_content_disposition_get_parameter(d, "filename");
            out = v && *v ? xstrdup(v) : NULL;
            g_object_unref(d);
        }
    } else {
        GMimeContentType *ct = g_mime_content_type_parse(opts, value);

        if (ct != NULL) {
            v = g_mime_content_type_get_parameter(ct, "name");
            out = v && *v ? xstrdup(v) : NULL;
            g_object_unref(ct);
        }
    }
    g_mime_parser_options_free(opts);
    return out;
}

char *mime_check_nul_name(GMimeObject *obj, const char *filename)
{
    char *cd = check_drop_nul(check_raw(obj, "Content-Disposition"));
    char *ct = check_drop_nul(check_raw(obj, "Content-Type"));
    char *name = NULL;

    if (cd != NULL)
        name = check_param(cd, 1);
    if (name == NULL && ct != NULL)
        name = check_param(ct, 0);
    free(cd);
    free(ct);
    if (name != NULL && filename != NULL && strcmp(name, filename) == 0) {
        free(name);
        name = NULL;
    }
    return name;
}
