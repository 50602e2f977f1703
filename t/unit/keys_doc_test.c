/*
 * keys_doc_test - every key of every section table is documented in
 * man/sluice.conf.5 as ".It Cm KEY", inside the section's
 * '.\" BEGIN KEYS NAME' ... '.\" END KEYS NAME' block when the page has
 * one (else anywhere in the page).  One case per key.  The tables are
 * the ones man/confdoc/confdoc_sections.c lists;
 * man/confdoc/update-confdoc.sh fixes a failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "../../man/confdoc/confdoc.h"
#include "util.h"

static char *slurp(const char *path)
{
    const char *why;
    size_t len;

    return file_read(path, 0, &len, &why);
}

/* The line-start position of "mark" in [from, to), or NULL. */
static const char *find_line(const char *from, const char *to, const char *mark)
{
    size_t n = strlen(mark);

    for (const char *p = from; p && p < to; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (p + n <= to && strncmp(p, mark, n) == 0 &&
            (p[n] == '\n' || p[n] == ' ' || p[n] == '\0'))
            return p;
    }
    return NULL;
}

static void check_section(const char *page, const struct cfg_section *s)
{
    const char *from = page, *to = page + strlen(page), *b, *e;
    char mark[200];

    snprintf(mark, sizeof(mark), ".\\\" BEGIN KEYS %s", s->name);
    b = find_line(from, to, mark);
    snprintf(mark, sizeof(mark), ".\\\" END KEYS %s", s->name);
    e = b ? find_line(b, to, mark) : NULL;
    if (b && e) {
        from = b;
        to = e;
    } else {
        diag("no KEYS markers for [%s]: searching the whole page", s->name);
    }
    for (const struct cfg_key *k = s->keys; k->name; k++) {
        snprintf(mark, sizeof(mark), ".It Cm %s", k->name);
        ok(find_line(from, to, mark) != NULL,
           "[%s] %s is documented in sluice.conf(5)", s->name, k->name);
    }
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char path[1024];
    char *page;

    if (top == NULL)
        skip_all("top_srcdir not set (run through make check)");
    snprintf(path, sizeof(path), "%s/man/sluice.conf.5", top);
    page = slurp(path);
    if (!ok(page != NULL, "man/sluice.conf.5 is readable")) {
        diag("%s: cannot read", path);
        return done_testing();
    }
    for (size_t i = 0; i < confdoc_nsections; i++)
        check_section(page, confdoc_sections[i]);
    free(page);
    return done_testing();
}
