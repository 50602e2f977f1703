/*
 * ctl_out - sluicectl's output: aligned tables for people, a JSON array
 * of objects (one per row, keyed by column name) for scripts (--json).
 * See ctl.h.  Cells are copied; the table owns them until it is printed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "util.h"

struct ctl_table {
    int json;
    size_t ncols, nrows;
    char **cols;
    char **cells; /* nrows * ncols */
};

struct ctl_table *ctl_table_new(const struct ctl *c, const char *const *cols)
{
    struct ctl_table *t = xcalloc(1, sizeof(*t));

    t->json = c->json;
    while (cols[t->ncols] != NULL)
        t->ncols++;
    t->cols = xcalloc(t->ncols, sizeof(char *));
    for (size_t i = 0; i < t->ncols; i++)
        t->cols[i] = xstrdup(cols[i]);
    return t;
}

void ctl_table_row(struct ctl_table *t, ...)
{
    va_list ap;

    t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
    va_start(ap, t);
    for (size_t i = 0; i < t->ncols; i++) {
        const char *v = va_arg(ap, const char *);

        t->cells[t->nrows * t->ncols + i] = xstrdup(v ? v : "");
    }
    va_end(ap);
    t->nrows++;
}

static void ctl_table_json(const struct ctl_table *t)
{
    json_t *a = json_array();
    char *s;

    for (size_t r = 0; r < t->nrows; r++) {
        json_t *o = json_object();

        for (size_t i = 0; i < t->ncols; i++)
            json_object_set_new(o, t->cols[i],
                                json_string(t->cells[r * t->ncols + i]));
        json_array_append_new(a, o);
    }
    s = json_dumps(a, JSON_INDENT(2));
    printf("%s\n", s ? s : "[]");
    free(s);
    json_decref(a);
}

static void ctl_table_text(const struct ctl_table *t)
{
    size_t *w = xcalloc(t->ncols, sizeof(size_t));

    for (size_t i = 0; i < t->ncols; i++)
        w[i] = strlen(t->cols[i]);
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++)
            if (strlen(t->cells[r * t->ncols + i]) > w[i])
                w[i] = strlen(t->cells[r * t->ncols + i]);
    for (size_t i = 0; i < t->ncols; i++)
        printf("%-*s%s", i + 1 < t->ncols ? (int)w[i] : 0, t->cols[i],
               i + 1 < t->ncols ? "  " : "\n");
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t i = 0; i < t->ncols; i++)
            printf("%-*s%s", i + 1 < t->ncols ? (int)w[i] : 0,
                   t->cells[r * t->ncols + i], i + 1 < t->ncols ? "  " : "\n");
    free(w);
}

void ctl_table_print(struct ctl_table *t)
{
    if (t->json)
        ctl_table_json(t);
    else
        ctl_table_text(t);
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    for (size_t i = 0; i < t->ncols; i++)
        free(t->cols[i]);
    free(t->cells);
    free(t->cols);
    free(t);
}

void ctl_err(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "sluicectl: %s%s", cmd ? cmd : "", cmd ? ": " : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}
