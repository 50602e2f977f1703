/*
 * ctl_misp - sluicectl misp: build the indicator set sluice-content loads
 * from MISP exports, look values up in it, print the sightings.
 *
 * SYNOPSIS
 *	sluicectl misp import [--ids-only] [-o FILE] PATH...
 *	sluicectl misp check VALUE...
 *	sluicectl misp sightings [-f FILE] [--since EPOCH]
 *
 * DESCRIPTION
 *	import reads each PATH (a MISP feed directory, an event JSON file,
 *	a CSV export, a feed's hashes.csv or a plain list: see
 *	content_mispimp.c) and writes one indicator set to FILE, by default
 *	[content] misp_indicators, replacing it atomically: the milters
 *	reload it by themselves (watch_interval).  With --ids-only only the
 *	attributes marked to_ids are kept.  It prints how many events and
 *	indicators were written.  A path that cannot be read as MISP data
 *	fails the whole import (exit 65) and nothing is written.
 *
 *	check looks each VALUE up in the set as sluice-content would (as an
 *	address, a host name, a URL, an e-mail address, or a hash) and
 *	prints the events it belongs to; exit 1 when none is an indicator.
 *
 *	sightings prints the sightings sluice-content wrote ([content]
 *	misp_sightings, or FILE), optionally those since EPOCH: a table, or
 *	with --json a JSON array of the objects /sightings/add takes.  A line
 *	that is not a sighting is an error (exit 65, with its number).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "content.h"
#include "ctl.h"

static const char *const misp_usage[] = {
    "import [--ids-only] [-o FILE] PATH...  build the MISP indicator set",
    "check VALUE...                         look values up in the set",
    "sightings [-f FILE] [--since EPOCH]    print the sightings to upload",
    NULL,
};

static const struct content_conf *misp_conf(const struct ctl *c)
{
    return cfg_section(c->cfg, "content");
}

static int misp_import_cmd(struct ctl *c, int argc, char **argv)
{
    static const struct option opts[] = {{"ids-only", no_argument, NULL, 'i'},
                                         {NULL, 0, NULL, 0}};
    const struct content_conf *cc = misp_conf(c);
    const char *out = cc ? cc->misp_indicators : NULL;
    struct misp_import *im;
    struct ctl_table *t;
    char *err = NULL, nev[32], nind[32];
    size_t events, n;
    int ch, ids = 0;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "+o:", opts, NULL)) != -1) {
        if (ch == 'o')
            out = optarg;
        else if (ch == 'i')
            ids = 1;
        else
            return CTL_EX_USAGE;
    }
    if (optind >= argc || out == NULL) {
        ctl_err("misp", optind >= argc ? "import: a PATH is needed"
                                       : "import: no -o FILE and no [content] "
                                         "misp_indicators");
        return CTL_EX_USAGE;
    }
    im = misp_import_new();
    for (; optind < argc; optind++) {
        if (misp_import_path(im, argv[optind], ids, &err) < 0) {
            ctl_err("misp", "import: %s", err);
            free(err);
            misp_import_free(im);
            return CTL_EX_DATAERR;
        }
    }
    if (misp_import_write(im, out, &err) < 0) {
        ctl_err("misp", "import: %s", err);
        free(err);
        misp_import_free(im);
        return CTL_EX_UNAVAILABLE;
    }
    n = misp_import_count(im, &events);
    snprintf(nev, sizeof(nev), "%zu", events);
    snprintf(nind, sizeof(nind), "%zu", n);
    t = ctl_table_new(
        c, (const char *const[]){"file", "events", "indicators", NULL});
    ctl_table_row(t, out, nev, nind);
    ctl_table_print(t);
    misp_import_free(im);
    return CTL_EX_OK;
}

static int misp_check_cmd(struct ctl *c, int argc, char **argv)
{
    const struct content_conf *cc = misp_conf(c);
    struct misp_set *set;
    struct misp_hit h;
    struct ctl_table *t;
    const char *err;
    char *v, *norm;
    struct url u;
    int found = 0;

    if (argc < 2 || cc == NULL || cc->misp_indicators == NULL) {
        ctl_err("misp", argc < 2 ? "check: a VALUE is needed"
                                 : "check: no [content] misp_indicators");
        return CTL_EX_USAGE;
    }
    if (misp_set_load(cc->misp_indicators, &set, &err) < 0) {
        ctl_err("misp", "%s", err);
        return CTL_EX_DATAERR;
    }
    t = ctl_table_new(c, (const char *const[]){"value", "kind", "event",
                                               "to_ids", "info", NULL});
    for (int i = 1; i < argc; i++) {
        v = str_lower(xstrdup(argv[i]));
        norm = NULL;
        if (url_parse(v, strlen(v), &u) == 0) {
            norm = xstrdup(u.url);
            url_free(&u);
        }
        for (int k = 0; k < MISP_VMD5; k++) {
            if (!misp_lookup(set, (enum misp_kind)k,
                             k == MISP_URL && norm ? norm : v, &h))
                continue;
            ctl_table_row(t, argv[i], misp_kind_name(h.kind),
                          *h.event_id ? h.event_id : h.event_uuid,
                          h.to_ids ? "yes" : "no", h.info);
            found = 1;
        }
        free(norm);
        free(v);
    }
    ctl_table_print(t);
    misp_set_free(set);
    return found ? CTL_EX_OK : CTL_EX_NOTFOUND;
}

static int misp_sightings_row(struct ctl_table *t, json_t *arr, json_t *o,
                              long long since)
{
    json_t *vals = json_object_get(o, "values");
    json_int_t when = json_integer_value(json_object_get(o, "timestamp"));
    char ts[32];
    time_t tt = (time_t)when;
    struct tm tm;

    if (!json_is_array(vals) ||
        !json_is_integer(json_object_get(o, "timestamp")))
        return -1;
    if (when < since)
        return 0;
    if (arr != NULL) {
        json_array_append(arr, o);
        return 0;
    }
    gmtime_r(&tt, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ctl_table_row(t, ts, json_string_value(json_array_get(vals, 0)),
                  json_string_value(json_object_get(o, "source")));
    return 0;
}

static int misp_sightings_cmd(struct ctl *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'}, {NULL, 0, NULL, 0}};
    const struct content_conf *cc = misp_conf(c);
    const char *path = cc ? cc->misp_sightings : NULL;
    long long since = 0;
    struct ctl_table *t = NULL;
    json_t *arr = c->json ? json_array() : NULL, *o;
    char line[8192], *dump;
    size_t n = 0;
    FILE *fp;
    int ch, rc = CTL_EX_OK;

    optind = 0;
    while ((ch = getopt_long(argc, argv, "+f:", opts, NULL)) != -1) {
        if (ch == 'f')
            path = optarg;
        else if (ch == 's')
            since = atoll(optarg);
        else
            return CTL_EX_USAGE;
    }
    if (path == NULL || (fp = fopen(path, "r")) == NULL) {
        ctl_err("misp", "sightings: %s",
                path ? "cannot open the file" : "no [content] misp_sightings");
        json_decref(arr);
        return path ? CTL_EX_NOTFOUND : CTL_EX_USAGE;
    }
    if (arr == NULL)
        t = ctl_table_new(
            c, (const char *const[]){"time", "value", "source", NULL});
    while (rc == CTL_EX_OK && fgets(line, sizeof(line), fp) != NULL) {
        n++;
        o = json_loads(line, 0, NULL);
        if (o == NULL || misp_sightings_row(t, arr, o, since) < 0) {
            ctl_err("misp", "sightings: %s: line %zu is not a sighting", path,
                    n);
            rc = CTL_EX_DATAERR;
        }
        json_decref(o);
    }
    fclose(fp);
    if (t != NULL)
        ctl_table_print(t);
    if (arr != NULL) {
        dump = json_dumps(arr, JSON_INDENT(2));
        printf("%s\n", dump ? dump : "[]");
        free(dump);
        json_decref(arr);
    }
    return rc;
}

static int misp_run(struct ctl *c, int argc, char **argv)
{
    if (strcmp(argv[0], "import") == 0)
        return misp_import_cmd(c, argc, argv);
    if (strcmp(argv[0], "check") == 0)
        return misp_check_cmd(c, argc, argv);
    if (strcmp(argv[0], "sightings") == 0)
        return misp_sightings_cmd(c, argc, argv);
    ctl_err("misp", "unknown subcommand %s", argv[0]);
    return CTL_EX_USAGE;
}

const struct ctl_command ctl_misp = {"misp", misp_usage, misp_run};
