/*
 * attach_rtf - RTF documents that embed objects (OLE, packages).
 *
 * SYNOPSIS
 *	int attach_rtf_has_object(const unsigned char *data, size_t len);
 *
 * DESCRIPTION
 *	attach_rtf_has_object() scans the RTF control words of data once,
 *	front to back, and returns 1 when it finds a control word that
 *	embeds or links an object: \object, \objdata, \objemb, \objlink,
 *	\objautlink, \objocx, \objhtml, \objicemb, \objsub, \objpub.  It
 *	returns 0 otherwise.
 *
 *	The scanner follows RTF's lexical rules and nothing more: a control
 *	word is a backslash, a run of 1..32 ASCII letters, an optional
 *	signed number and an optional space; "\objdatax" is a different
 *	word and does not match.  Control symbols ("\\", "\{", "\}", "\'hh",
 *	"\*", "\~"...) consume their one character, so an escaped backslash
 *	never starts a control word.  "\binN" skips N raw bytes, which are
 *	data, not words.  Braces only count group depth: more than
 *	RTF_MAX_GROUPS open groups is treated as an object (1), because
 *	Word rejects such files and deep nesting is a known way to hide
 *	objects from scanners.
 *
 *	The input need not be NUL terminated and may be truncated anywhere;
 *	the scan is one linear pass with no allocation.
 */
#include <stddef.h>
#include <string.h>

#include "attach.h"

#define RTF_MAX_GROUPS 10000
#define RTF_MAX_WORD 32

static const char *const rtf_object_words[] = {
    "object", "objdata", "objemb",   "objlink", "objautlink",
    "objocx", "objhtml", "objicemb", "objsub",  "objpub",
};

static int rtf_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int rtf_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* Is the control word w (n letters, case as written) an object word? */
static int rtf_word_is_object(const unsigned char *w, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(rtf_object_words) / sizeof(*rtf_object_words); i++)
        if (strlen(rtf_object_words[i]) == n &&
            memcmp(rtf_object_words[i], w, n) == 0)
            return 1;
    return 0;
}

/*
 * Parse the control word whose letters start at p; returns the position
 * after it (parameter and delimiting space included).  *hit is set when
 * it is an object word; *skip receives the byte count of a \binN.
 */
static size_t rtf_control_word(const unsigned char *d, size_t len, size_t p,
                               int *hit, size_t *skip)
{
    size_t start = p, n;
    unsigned long long param = 0;
    int has_param = 0;

    while (p < len && rtf_is_alpha(d[p]))
        p++;
    n = p - start;
    if (p < len && d[p] == '-')
        p++;
    while (p < len && rtf_is_digit(d[p])) {
        if (param < 1000000000000ULL)
            param = param * 10 + (d[p] - '0');
        has_param = 1;
        p++;
    }
    if (p < len && d[p] == ' ')
        p++;
    /* Word ignores over-long words; so do we (no match, no effect). */
    if (n > RTF_MAX_WORD)
        return p;
    if (rtf_word_is_object(d + start, n))
        *hit = 1;
    if (n == 3 && memcmp(d + start, "bin", 3) == 0 && has_param &&
        d[start + 3] != '-')
        *skip = param > len ? len : (size_t)param;
    return p;
}

int attach_rtf_has_object(const unsigned char *data, size_t len)
{
    size_t p = 0, depth = 0, skip;
    int hit = 0;

    if (data == NULL)
        return 0;
    while (p < len) {
        unsigned char c = data[p++];

        if (c == '{') {
            if (++depth > RTF_MAX_GROUPS)
                return 1;
            continue;
        }
        if (c == '}') {
            if (depth > 0)
                depth--;
            continue;
        }
        if (c != '\\' || p >= len)
            continue;
        if (!rtf_is_alpha(data[p])) {
            /* Control symbol: \\ \{ \} \* \~ ... (\'hh: hex is text). */
            p++;
            continue;
        }
        skip = 0;
        p = rtf_control_word(data, len, p, &hit, &skip);
        if (hit)
            return 1;
        p = skip > len - p ? len : p + skip;
    }
    return 0;
}
