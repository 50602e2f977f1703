/*
 * sluice-confdoc - print the key lists of sluice.conf(5), or
 *	etc/sluice.conf, from the tables.
 *
 * SYNOPSIS
 *	sluice-confdoc [--conf] [SECTION...]
 *
 * DESCRIPTION
 *	For each section (all of confdoc.h's list, or the ones named),
 *	prints an mdoc tag list, one entry per key:
 *
 *	    .\" BEGIN KEYS attach
 *	    .Bl -tag -width Ds
 *	    .It Cm max_parts Pq Ar integer , 100
 *	    Most MIME parts a message may have.
 *	    Range: 1 to 100000.
 *	    .El
 *	    .\" END KEYS attach
 *
 *	man/confdoc/update-confdoc.sh replaces each marked block of
 *	man/sluice.conf.5 with this output; t/unit/keys_doc_test checks
 *	that every key is there.  A default that is not a plain word is
 *	quoted; an empty one prints as Qq, an unset one as "unset" (an
 *	unset list as "empty").  Text lines are wrapped at 80 bytes, and
 *	a longer .It line is continued with "\\" at the end of a line.
 *
 *	--conf: print etc/sluice.conf instead (see confdoc_conf.c):
 *	every key commented out with its default, its doc line as a
 *	comment above it.  update-confdoc.sh writes the file.
 *
 * EXIT STATUS
 *	0, 64 (EX_USAGE) for an unknown section name, or 74 (EX_IOERR)
 *	when stdout could not be written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cfg.h"
#include "confdoc.h"

#define CONFDOC_WIDTH 80

/* Characters of a default that mdoc shows as they are. */
static int confdoc_plain(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || strspn(s, "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789_./:@+-") != n)
        return 0;
    /* "No", "Ar", "Sx"...: a capital and one or two letters is a macro. */
    return !(s[0] >= 'A' && s[0] <= 'Z' && n <= 3);
}

/* Text with roff's escape character doubled as \e. */
static void confdoc_text(const char *s, FILE *out)
{
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else if (*s == '"')
            fputs("\\(dq", out);
        else
            fputc(*s, out);
    }
}

static void confdoc_default(const struct cfg_key *k, FILE *out)
{
    if (k->def == NULL) {
        fputs(k->type == CFG_LIST ? "No empty" : "No unset", out);
        return;
    }
    if (*k->def == '\0') {
        fputs("Qq", out);
        return;
    }
    if (confdoc_plain(k->def)) {
        fputs(k->def, out);
        return;
    }
    fputc('"', out);
    confdoc_text(k->def, out);
    fputc('"', out);
}

/* What put() prints for k, in a buffer the caller frees; NULL on error. */
static char *confdoc_escaped(void (*put)(const struct cfg_key *, FILE *),
                             const struct cfg_key *k)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);

    if (mem == NULL)
        return NULL;
    put(k, mem);
    if (fclose(mem) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void confdoc_item(const struct cfg_key *k, FILE *out)
{
    fprintf(out, ".It Cm %s Pq Ar %s , ", k->name, cfg_type_name(k->type));
    confdoc_default(k, out);
}

static void confdoc_doc(const struct cfg_key *k, FILE *out)
{
    confdoc_text(k->doc ? k->doc : "Undocumented.", out);
}

/* Each line of buf (may be NULL: nothing) wrapped on its own. */
static void confdoc_lines(char *buf, const char *tail, int roff, FILE *out)
{
    for (char *line = buf, *nl; line && *line; line = nl) {
        nl = strchr(line, '\n');
        if (nl != NULL)
            *nl++ = '\0';
        confdoc_text_wrap(out, "", line, CONFDOC_WIDTH, tail, roff);
    }
}

static void confdoc_key(const struct cfg_key *k, FILE *out)
{
    char *buf;

    buf = confdoc_escaped(confdoc_item, k);
    confdoc_lines(buf, " \\", 0, out);
    free(buf);
    buf = confdoc_escaped(confdoc_doc, k);
    confdoc_lines(buf, NULL, 1, out);
    free(buf);
    buf = confdoc_escaped(confdoc_text_limits, k);
    confdoc_lines(buf, NULL, 1, out);
    free(buf);
}

static void confdoc_section(const struct cfg_section *s, FILE *out)
{
    fprintf(out, ".\\\" BEGIN KEYS %s\n", s->name);
    fputs(".\\\" Generated from the key table: "
          "run man/confdoc/update-confdoc.sh.\n",
          out);
    fputs(".Bl -tag -width Ds\n", out);
    for (const struct cfg_key *k = s->keys; k->name != NULL; k++)
        confdoc_key(k, out);
    fputs(".El\n", out);
    fprintf(out, ".\\\" END KEYS %s\n", s->name);
}

static const struct cfg_section *confdoc_find(const char *name)
{
    for (size_t i = 0; i < confdoc_nsections; i++)
        if (strcmp(confdoc_sections[i]->name, name) == 0)
            return confdoc_sections[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const struct cfg_section *secs[64];
    size_t n = 0;
    int conf = 0, i = 1;

    if (argc > 1 && strcmp(argv[1], "--conf") == 0) {
        conf = 1;
        i++;
    }
    for (; i < argc; i++) {
        const struct cfg_section *s = confdoc_find(argv[i]);

        if (s == NULL) {
            fprintf(stderr, "sluice-confdoc: unknown section %s\n", argv[i]);
            return EX_USAGE;
        }
        if (n == sizeof(secs) / sizeof(secs[0])) {
            fputs("sluice-confdoc: too many sections\n", stderr);
            return EX_USAGE;
        }
        secs[n++] = s;
    }
    if (n == 0)
        for (; n < confdoc_nsections && n < sizeof(secs) / sizeof(secs[0]); n++)
            secs[n] = confdoc_sections[n];
    if (conf) {
        confdoc_conf_write(secs, n, stdout);
    } else {
        for (size_t j = 0; j < n; j++)
            confdoc_section(secs[j], stdout);
    }
    return fflush(stdout) == 0 && !ferror(stdout) ? 0 : EX_IOERR;
}
