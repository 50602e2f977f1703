/*
 * content_mispcsv - MISP data as text: CSV exports, a feed's hashes.csv,
 * and plain lists of indicators (CSV and freetext feeds).
 *
 * SYNOPSIS
 *	misp_import_csv(im, text, len, "export.csv", &error);
 *	imp_hashes(im, text, len, "hashes.csv", &error);
 *
 * DESCRIPTION
 *	misp_import_csv() reads the first line: a header naming MISP's
 *	fields (uuid, event_id, category, type, value, comment, to_ids,
 *	date...; "type" and "value" needed) gives one attribute per row;
 *	a header whose every column is an attribute type (md5, sha1,
 *	sha256...) gives a value of that type per cell; a first line with
 *	words that are indicators themselves (an address, a hash, a URL,
 *	an e-mail address, a host name) is no header: every such word of
 *	the file is an indicator (to_ids) of an event named after the
 *	file.  A header that names neither is refused (-1, *error_r).
 *	Fields may be quoted ("..." with "" for a quote).
 *
 *	imp_hashes() reads "md5,event uuid" lines: the MD5 of each value's
 *	text (vmd5 indicators), with the event's details from the feed's
 *	manifest when one was read.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_mispimp.h"

/* CSV: fields of one line, quoted ("..." with "" for a quote) or not. */
static size_t imp_csv_fields(const char *line, char **f, size_t max)
{
    struct strbuf b;
    const char *p = line;
    size_t n = 0;

    while (n < max) {
        strbuf_init(&b, 0);
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            for (p++; *p; p++) {
                if (*p == '"' && p[1] == '"')
                    strbuf_append(&b, p++, 1);
                else if (*p == '"')
                    break;
                else
                    strbuf_append(&b, p, 1);
            }
            if (*p == '"')
                p++;
            while (*p && *p != ',')
                p++;
        } else {
            for (; *p && *p != ','; p++)
                strbuf_append(&b, p, 1);
        }
        f[n++] = xstrdup_trim(b.data ? b.data : "");
        strbuf_free(&b);
        if (*p != ',')
            break;
        p++;
    }
    return n;
}

static void imp_fields_free(char **f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(f[i]);
}

/* What a word looks like (a plain list); -1: nothing. */
static int imp_guess(const char *w)
{
    size_t n = strlen(w);
    unsigned char a[16];
    int hex = n > 0;

    for (size_t i = 0; i < n; i++)
        hex &= isxdigit((unsigned char)w[i]) != 0;
    if (inet_pton(AF_INET, w, a) == 1 || inet_pton(AF_INET6, w, a) == 1)
        return MISP_IP;
    if (hex && (n == 32 || n == 40 || n == 64))
        return n == 32 ? MISP_MD5 : n == 40 ? MISP_SHA1 : MISP_SHA256;
    if (strstr(w, "://") != NULL)
        return MISP_URL;
    if (strchr(w, '@') != NULL)
        return MISP_EMAIL;
    if (strchr(w, '.') != NULL && isalpha((unsigned char)w[n - 1]) &&
        !strpbrk(w, "/ \t"))
        return MISP_DOMAIN;
    return -1;
}

static int imp_is_field(const char *h)
{
    static const char *const fields[] = {"uuid",
                                         "event_id",
                                         "category",
                                         "type",
                                         "value",
                                         "comment",
                                         "to_ids",
                                         "date",
                                         "object_relation",
                                         "attribute_tag",
                                         "object_uuid",
                                         "object_name",
                                         "object_meta-category",
                                         "event_info",
                                         "id",
                                         "timestamp",
                                         NULL};

    for (const char *const *f = fields; *f; f++)
        if (strcmp(h, *f) == 0)
            return 1;
    return 0;
}

static int imp_is_type(const char *h)
{
    static const char *const types[] = {"ip-src",
                                        "ip-dst",
                                        "domain",
                                        "hostname",
                                        "url",
                                        "uri",
                                        "link",
                                        "email",
                                        "email-src",
                                        "email-dst",
                                        "email-reply-to",
                                        "target-email",
                                        "md5",
                                        "sha1",
                                        "sha256",
                                        "filename|md5",
                                        "filename|sha1",
                                        "filename|sha256",
                                        "domain|ip",
                                        "ip-src|port",
                                        "ip-dst|port",
                                        NULL};

    for (const char *const *t = types; *t; t++)
        if (strcmp(h, *t) == 0)
            return 1;
    return 0;
}

struct imp_csv {
    char *hdr[32];
    size_t nhdr;
    int col_type, col_value, col_event, col_ids, col_uuid, typed;
};

static int imp_csv_col(const struct imp_csv *c, const char *name)
{
    for (size_t i = 0; i < c->nhdr; i++)
        if (strcmp(c->hdr[i], name) == 0)
            return (int)i;
    return -1;
}

/* The header row: 1 fields, 2 typed columns, 0 no header, -1 unknown. */
static int imp_csv_header(struct imp_csv *c, const char *line)
{
    size_t i, known = 0, typed = 0, values = 0;

    char *copy = xstrdup(line), *save = NULL, *w;

    for (w = strtok_r(copy, " \t\r,;|\"", &save); w != NULL;
         w = strtok_r(NULL, " \t\r,;|\"", &save))
        values += imp_guess(w) >= 0;
    free(copy);
    c->nhdr = imp_csv_fields(line, c->hdr, 32);
    for (i = 0; i < c->nhdr; i++) {
        known += imp_is_field(c->hdr[i]);
        typed += imp_is_type(c->hdr[i]);
    }
    if (values > 0 && known == 0 && typed == 0)
        return 0;
    c->col_type = imp_csv_col(c, "type");
    c->col_value = imp_csv_col(c, "value");
    c->col_event = imp_csv_col(c, "event_id");
    c->col_ids = imp_csv_col(c, "to_ids");
    c->col_uuid = imp_csv_col(c, "uuid");
    if (c->col_type >= 0 && c->col_value >= 0)
        return 1;
    if (typed == c->nhdr) {
        c->typed = 1;
        return 2;
    }
    return -1;
}

static void imp_csv_row(struct misp_import *im, const struct imp_csv *c,
                        const char *line, size_t ev, const char *origin)
{
    char *f[32];
    size_t n = imp_csv_fields(line, f, 32), i, e = ev;

    if (c->typed) {
        for (i = 0; i < n && i < c->nhdr; i++)
            if (*f[i])
                imp_typed(im, c->hdr[i], f[i], ev, 1, "");
    } else if ((size_t)c->col_type < n && (size_t)c->col_value < n) {
        if (c->col_event >= 0 && (size_t)c->col_event < n && *f[c->col_event])
            e = imp_event(im, f[c->col_event], "", origin, 4);
        imp_typed(im, f[c->col_type], f[c->col_value], e,
                  c->col_ids < 0 || ((size_t)c->col_ids < n &&
                                     (strcmp(f[c->col_ids], "1") == 0 ||
                                      strcmp(f[c->col_ids], "True") == 0 ||
                                      strcmp(f[c->col_ids], "true") == 0)),
                  c->col_uuid >= 0 && (size_t)c->col_uuid < n ? f[c->col_uuid]
                                                              : "");
    }
    imp_fields_free(f, n);
}

/* A list without a header: every word that looks like an indicator. */
static void imp_words(struct misp_import *im, char *text, size_t ev)
{
    char *save = NULL, *w;
    int k;

    for (w = strtok_r(text, " \t\r\n,;|", &save); w != NULL;
         w = strtok_r(NULL, " \t\r\n,;|", &save))
        if ((k = imp_guess(w)) >= 0)
            imp_add(im, (enum misp_kind)k, w, ev, 1, "");
}

int misp_import_csv(struct misp_import *im, const char *text, size_t len,
                    const char *origin, char **error_r)
{
    char *copy = xstrndup(text, len), *line, *next;
    struct imp_csv c;
    size_t ev;
    int h;

    memset(&c, 0, sizeof(c));
    next = strchr(copy, '\n');
    if (next != NULL)
        *next++ = '\0';
    h = imp_csv_header(&c, copy);
    if (h < 0) {
        *error_r = xasprintf("%s: the header names no MISP field or "
                             "attribute type (%s...)",
                             origin, c.nhdr ? c.hdr[0] : "");
        imp_fields_free(c.hdr, c.nhdr);
        free(copy);
        return -1;
    }
    ev = imp_event(im, "", "", origin, 4);
    if (h == 0) {
        if (next != NULL)
            next[-1] = '\n';
        imp_words(im, copy, ev);
    }
    for (line = next; h > 0 && line != NULL; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        if (*str_trim(line) != '\0')
            imp_csv_row(im, &c, line, ev, origin);
    }
    imp_fields_free(c.hdr, c.nhdr);
    free(copy);
    return 0;
}

/* hashes.csv: "md5 of the value,event uuid" lines. */
int imp_hashes(struct misp_import *im, const char *text, size_t len,
               const char *origin, char **error_r)
{
    char *copy = xstrndup(text, len), *line, *next, *f[2];
    char b[32];
    const char *info, *th;
    json_t *m;
    size_t n, lineno = 0;
    int bad = 0;

    for (line = copy; line != NULL && !bad; line = next) {
        next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (*str_trim(line) == '\0')
            continue;
        n = imp_csv_fields(line, f, 2);
        if (n == 2 && imp_guess(f[0]) == MISP_MD5) {
            m = json_object_get(im->manifest, f[1]);
            info = json_string_value(json_object_get(m, "info"));
            th = imp_jstr(m, "threat_level_id", b, sizeof(b));
            imp_add(im, MISP_VMD5, f[0],
                    imp_event(im, "", f[1], info ? info : "MISP feed event",
                              th ? atoi(th) : 4),
                    1, "");
        } else {
            bad = 1;
        }
        imp_fields_free(f, n);
    }
    free(copy);
    if (bad) {
        *error_r =
            xasprintf("%s: line %zu: expected md5,event-uuid", origin, lineno);
        return -1;
    }
    return 0;
}
