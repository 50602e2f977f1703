/*
 * confdoc_text - sentences and line wrapping shared by the two outputs
 * of sluice-confdoc (the mdoc key lists and etc/sluice.conf).  See
 * confdoc.h.
 */
#include <string.h>

#include "confdoc.h"

void confdoc_text_limits(const struct cfg_key *k, FILE *out)
{
    const char *unit = k->type == CFG_DURATION ? " seconds"
                       : k->type == CFG_MSEC   ? " milliseconds"
                       : k->type == CFG_SIZE   ? " bytes"
                                               : "";

    if (k->type == CFG_ENUM && k->enums != NULL) {
        const char *p = k->enums;

        fputs("One of", out);
        for (;;) {
            size_t n = strcspn(p, "|");

            fprintf(out, " %.*s%s", (int)n, p, p[n] ? "," : ".\n");
            if (p[n] == '\0')
                break;
            p += n + 1;
        }
    }
    if (k->type == CFG_LIST && k->max > 0)
        fprintf(out, "From %.15g to %.15g entries.\n", k->min, k->max);
    if (k->type != CFG_LIST && !(k->min == 0 && k->max == 0))
        fprintf(out, "Range: %.15g to %.15g%s.\n", k->min, k->max, unit);
}

/* Print one line: prefix, the words in [p, p + n), the tail if any. */
static void confdoc_text_line(FILE *out, const char *prefix, const char *p,
                              size_t n, const char *tail, int roff)
{
    fputs(prefix, out);
    if (roff && (*p == '.' || *p == '\''))
        fputs("\\&", out);
    fprintf(out, "%.*s%s\n", (int)n, p, tail ? tail : "");
}

void confdoc_text_wrap(FILE *out, const char *prefix, const char *text,
                       size_t width, const char *tail, int roff)
{
    size_t fixed = strlen(prefix) + (tail ? strlen(tail) : 0);
    const char *p = text;

    for (;;) {
        size_t lead = roff && (*p == '.' || *p == '\'') ? 2 : 0;
        size_t room = width > fixed + lead ? width - fixed - lead : 0;
        const char *cut = NULL, *end;

        if (strlen(prefix) + lead + strlen(p) <= width)
            break;
        /* The last space that keeps the line within its room. */
        for (const char *s = p + 1; *s && (size_t)(s - p) <= room; s++)
            if (*s == ' ')
                cut = s;
        if (cut == NULL)
            cut = strchr(p + 1, ' ');
        if (cut == NULL)
            break;
        /* Drop every blank at the break: roff reads a leading one as a
         * break, and mandoc warns about trailing ones. */
        for (end = cut; end > p && end[-1] == ' '; end--)
            ;
        confdoc_text_line(out, prefix, p, (size_t)(end - p), tail, roff);
        for (p = cut; *p == ' '; p++)
            ;
    }
    confdoc_text_line(out, prefix, p, strlen(p), NULL, roff);
}
