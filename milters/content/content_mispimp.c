/*
 * content_mispimp - MISP exports to an indicator set (sluicectl misp
 * import): feeds, event JSON, CSV exports, hashes.csv, plain lists.
 *
 * SYNOPSIS
 *	struct misp_import *im = misp_import_new();
 *	misp_import_path(im, "/srv/misp-feed", 0, &error);
 *	misp_import_write(im, "/var/lib/sluice/misp.set", &error);
 *	misp_import_free(im);
 *
 * DESCRIPTION
 *	misp_import_path() takes:
 *	  - a MISP feed directory: manifest.json (event uuid -> info,
 *	    threat_level_id...) and one <uuid>.json per event; when no
 *	    event file is there, the feed's hashes.csv (MD5 of each value's
 *	    text, event uuid) with the manifest's event details;
 *	  - an event JSON file ({"Event": ...}, a bare event, a restSearch
 *	    {"response": [...]}, or an array of events) (jansson);
 *	  - hashes.csv (md5,uuid lines);
 *	  - a CSV export: a header naming the fields (uuid, event_id,
 *	    category, type, value, comment, to_ids, date...) or, in every
 *	    column, MISP attribute types (md5, sha1, sha256...); a file whose
 *	    header names neither is refused;
 *	  - a plain list (a CSV or freetext feed without a header): each
 *	    word that is an address, a hash, a URL, an e-mail address or a
 *	    host name is an indicator (to_ids) of an event named after the
 *	    file.
 *	Attributes of the events and of their objects are kept when their
 *	type says what to look for: ip-src, ip-dst (and |port), domain,
 *	hostname, domain|ip, url, uri, link, email, email-src, email-dst,
 *	email-reply-to, target-email, md5, sha1, sha256, filename|md5,
 *	filename|sha1, filename|sha256, malware-sample; with ids_only, only
 *	those with to_ids.  Values are normalised as content_misp.c looks
 *	them up.  An indicator in several events is kept once: the to_ids
 *	one, then the one of the highest threat.
 *
 *	misp_import_write() writes the set (content_misp.c describes the
 *	format) to a temporary file and renames it into place, so that a
 *	milter never reads half a set.  Errors: -1 with *error_r (the
 *	caller frees it); malformed JSON, CSV with unknown columns and
 *	unreadable files are errors, nothing is half-imported from them.
 *
 * OWNERSHIP
 *	struct misp_import owns its copies; misp_import_free().
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "content_mispimp.h"

struct misp_import *misp_import_new(void)
{
    return xcalloc(1, sizeof(struct misp_import));
}

void misp_import_free(struct misp_import *im)
{
    size_t i;

    if (im == NULL)
        return;
    for (i = 0; i < im->nev; i++) {
        free(im->ev[i].id);
        free(im->ev[i].uuid);
        free(im->ev[i].info);
    }
    for (i = 0; i < im->nind; i++) {
        free(im->ind[i].value);
        free(im->ind[i].uuid);
    }
    free(im->ev);
    free(im->ind);
    free(im->hash);
    json_decref(im->manifest);
    free(im);
}

size_t misp_import_count(const struct misp_import *im, size_t *events_r)
{
    if (events_r != NULL)
        *events_r = im->nev;
    return im->nind;
}

/* One line of the set: no tabs or line breaks inside a field. */
static char *imp_clean(const char *s)
{
    char *c = xstrdup(s ? s : "");

    for (char *p = c; *p; p++)
        if (*p == '\t' || *p == '\r' || *p == '\n')
            *p = ' ';
    return c;
}

size_t imp_event(struct misp_import *im, const char *id, const char *uuid,
                 const char *info, int threat)
{
    struct imp_event *e;

    for (size_t i = 0; uuid && *uuid && i < im->nev; i++)
        if (strcmp(im->ev[i].uuid, uuid) == 0)
            return i;
    im->ev = xrealloc(im->ev, (im->nev + 1) * sizeof(*im->ev));
    e = &im->ev[im->nev];
    e->id = imp_clean(id);
    e->uuid = imp_clean(uuid);
    e->info = imp_clean(info);
    e->threat = threat >= 1 && threat <= 4 ? threat : 4;
    return im->nev++;
}

/* Normalising values as content_misp.c looks them up. */
static char *imp_norm_ip(const char *v)
{
    unsigned char a[16];
    char out[64];

    if (inet_pton(AF_INET, v, a) == 1)
        return xstrdup(inet_ntop(AF_INET, a, out, sizeof(out)));
    if (inet_pton(AF_INET6, v, a) == 1)
        return xstrdup(inet_ntop(AF_INET6, a, out, sizeof(out)));
    return NULL;
}

static char *imp_norm_url(const char *v, int host_only)
{
    struct url u;
    char *s, *r;

    s = strstr(v, "://") ? xstrdup(v) : xasprintf("http://%s", v);
    if (url_parse(s, strlen(s), &u) < 0) {
        free(s);
        return NULL;
    }
    r = xstrdup(host_only ? u.host : u.url);
    url_free(&u);
    free(s);
    return r;
}

static char *imp_norm_hex(const char *v, size_t want)
{
    size_t n = strlen(v);

    if (n != want)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)v[i]))
            return NULL;
    return str_lower(xstrdup(v));
}

static char *imp_norm(enum misp_kind k, const char *raw)
{
    char *v = xstrdup_trim(raw), *r = NULL;

    switch (k) {
    case MISP_IP:
        r = imp_norm_ip(v);
        break;
    case MISP_DOMAIN:
        r = imp_norm_url(v, 1);
        break;
    case MISP_URL:
        r = imp_norm_url(v, 0);
        break;
    case MISP_EMAIL:
        r = strchr(v, '@') && !strpbrk(v, " \t") ? str_lower(xstrdup(v)) : NULL;
        break;
    case MISP_MD5:
    case MISP_VMD5:
        r = imp_norm_hex(v, 32);
        break;
    case MISP_SHA1:
        r = imp_norm_hex(v, 40);
        break;
    case MISP_SHA256:
        r = imp_norm_hex(v, 64);
        break;
    default:
        break;
    }
    free(v);
    return r;
}

static size_t imp_hashval(enum misp_kind k, const char *v)
{
    size_t h = 1469598103934665603ULL ^ (size_t)k;

    for (; *v; v++)
        h = (h ^ (unsigned char)*v) * 1099511628211ULL;
    return h;
}

static void imp_grow(struct misp_import *im)
{
    size_t i, j;

    free(im->hash);
    im->hcap = im->hcap ? 2 * im->hcap : 1024;
    im->hash = xcalloc(im->hcap, sizeof(*im->hash));
    for (i = 0; i < im->nind; i++) {
        j = imp_hashval(im->ind[i].kind, im->ind[i].value) & (im->hcap - 1);
        while (im->hash[j])
            j = (j + 1) & (im->hcap - 1);
        im->hash[j] = i + 1;
    }
}

/* Keep one indicator per kind+value: to_ids first, then higher threat. */
void imp_add(struct misp_import *im, enum misp_kind k, const char *raw,
             size_t ev, int to_ids, const char *uuid)
{
    char *v = imp_norm(k, raw);
    struct imp_ind *in;
    size_t j;

    if (v == NULL)
        return;
    if (2 * (im->nind + 1) > im->hcap)
        imp_grow(im);
    j = imp_hashval(k, v) & (im->hcap - 1);
    for (; im->hash[j]; j = (j + 1) & (im->hcap - 1)) {
        in = &im->ind[im->hash[j] - 1];
        if (in->kind != k || strcmp(in->value, v) != 0)
            continue;
        if ((to_ids && !in->to_ids) ||
            (to_ids == in->to_ids &&
             im->ev[ev].threat < im->ev[in->event].threat)) {
            in->event = ev;
            in->to_ids = to_ids;
            free(in->uuid);
            in->uuid = imp_clean(uuid);
        }
        free(v);
        return;
    }
    im->ind = xrealloc(im->ind, (im->nind + 1) * sizeof(*im->ind));
    in = &im->ind[im->nind];
    in->kind = k;
    in->value = v;
    in->event = ev;
    in->to_ids = to_ids;
    in->uuid = imp_clean(uuid);
    im->hash[j] = ++im->nind;
}

/* An attribute by its MISP type; composite types "a|b" give both. */
void imp_typed(struct misp_import *im, const char *type, const char *value,
               size_t ev, int to_ids, const char *uuid)
{
    static const struct {
        const char *type;
        int k1, k2; /* kinds of the parts, -1: none */
    } types[] = {
        {"ip-src", MISP_IP, -1},
        {"ip-dst", MISP_IP, -1},
        {"ip-src|port", MISP_IP, -1},
        {"ip-dst|port", MISP_IP, -1},
        {"domain", MISP_DOMAIN, -1},
        {"hostname", MISP_DOMAIN, -1},
        {"domain|ip", MISP_DOMAIN, MISP_IP},
        {"hostname|port", MISP_DOMAIN, -1},
        {"url", MISP_URL, -1},
        {"uri", MISP_URL, -1},
        {"link", MISP_URL, -1},
        {"email", MISP_EMAIL, -1},
        {"email-src", MISP_EMAIL, -1},
        {"email-dst", MISP_EMAIL, -1},
        {"email-reply-to", MISP_EMAIL, -1},
        {"target-email", MISP_EMAIL, -1},
        {"md5", MISP_MD5, -1},
        {"sha1", MISP_SHA1, -1},
        {"sha256", MISP_SHA256, -1},
        {"filename|md5", -1, MISP_MD5},
        {"filename|sha1", -1, MISP_SHA1},
        {"filename|sha256", -1, MISP_SHA256},
        {"malware-sample", -1, MISP_MD5},
    };
    const char *bar;
    char *first;

    for (size_t i = 0; i < sizeof(types) / sizeof(*types); i++) {
        if (strcmp(type, types[i].type) != 0)
            continue;
        bar = strchr(value, '|');
        first = xstrndup(value, bar ? (size_t)(bar - value) : strlen(value));
        if (types[i].k1 >= 0)
            imp_add(im, (enum misp_kind)types[i].k1, first, ev, to_ids, uuid);
        if (types[i].k2 >= 0 && bar != NULL)
            imp_add(im, (enum misp_kind)types[i].k2, bar + 1, ev, to_ids, uuid);
        free(first);
        return;
    }
}

/* JSON. */
const char *imp_jstr(json_t *o, const char *key, char *buf, size_t n)
{
    json_t *v = json_object_get(o, key);

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, n, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    return NULL;
}

static int imp_jbool(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    if (json_is_boolean(v))
        return json_is_true(v);
    if (json_is_integer(v))
        return json_integer_value(v) != 0;
    if (json_is_string(v))
        return strcmp(json_string_value(v), "1") == 0 ||
               strcmp(json_string_value(v), "true") == 0;
    return 0;
}

static void imp_attributes(struct misp_import *im, json_t *attrs, size_t ev,
                           int ids_only)
{
    size_t i;
    json_t *a;
    const char *type, *value;
    char b[32], c[32];
    int ids;

    json_array_foreach(attrs, i, a)
    {
        type = imp_jstr(a, "type", b, sizeof(b));
        value = imp_jstr(a, "value", c, sizeof(c));
        ids = imp_jbool(a, "to_ids");
        if (type == NULL || value == NULL || (ids_only && !ids))
            continue;
        imp_typed(im, type, value, ev, ids,
                  json_string_value(json_object_get(a, "uuid")));
    }
}

static int imp_event_json(struct misp_import *im, json_t *e, int ids_only)
{
    char b1[32], b2[32];
    const char *id = imp_jstr(e, "id", b1, sizeof(b1));
    const char *th = imp_jstr(e, "threat_level_id", b2, sizeof(b2));
    const char *uuid = json_string_value(json_object_get(e, "uuid"));
    const char *info = json_string_value(json_object_get(e, "info"));
    json_t *objs = json_object_get(e, "Object"), *o;
    size_t ev, i;

    if (!json_is_object(e) || (uuid == NULL && info == NULL &&
                               json_object_get(e, "Attribute") == NULL))
        return -1;
    ev = imp_event(im, id ? id : "", uuid ? uuid : "", info ? info : "",
                   th ? atoi(th) : 4);
    imp_attributes(im, json_object_get(e, "Attribute"), ev, ids_only);
    json_array_foreach(objs, i, o)
        imp_attributes(im, json_object_get(o, "Attribute"), ev, ids_only);
    return 0;
}

int misp_import_json(struct misp_import *im, const char *text, size_t len,
                     const char *origin, int ids_only, char **error_r)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je), *list, *e;
    size_t i;
    int bad = 0;

    if (root == NULL) {
        *error_r = xasprintf("%s: line %d: %s", origin, je.line, je.text);
        return -1;
    }
    list = json_object_get(root, "response");
    if (json_is_array(root))
        list = root;
    if (json_is_array(list)) {
        json_array_foreach(list, i, e) bad |=
            imp_event_json(
                im,
                json_object_get(e, "Event") ? json_object_get(e, "Event") : e,
                ids_only) < 0;
    } else {
        e = json_object_get(root, "Event");
        bad = imp_event_json(im, e ? e : root, ids_only) < 0;
    }
    json_decref(root);
    if (bad) {
        *error_r = xasprintf("%s: not a MISP event", origin);
        return -1;
    }
    return 0;
}

/* Files and directories. */
static char *imp_slurp(const char *path, size_t *len_r, char **error_r)
{
    const char *why;
    char *text = file_read(path, (size_t)IMP_MAX_FILE, len_r, &why);

    if (text == NULL && errno == EFBIG)
        *error_r = xasprintf("%s: larger than %lld bytes", path, IMP_MAX_FILE);
    else if (text == NULL)
        *error_r = xasprintf("%s: cannot read: %s", path, why);
    return text;
}

static int imp_file(struct misp_import *im, const char *path, int ids_only,
                    char **error_r)
{
    const char *base = strrchr(path, '/');
    size_t len, i = 0;
    char *text;
    int rc;

    base = base ? base + 1 : path;
    if ((text = imp_slurp(path, &len, error_r)) == NULL)
        return -1;
    while (i < len && isspace((unsigned char)text[i]))
        i++;
    if (i < len && (text[i] == '{' || text[i] == '['))
        rc = misp_import_json(im, text, len, path, ids_only, error_r);
    else if (strcmp(base, "hashes.csv") == 0)
        rc = imp_hashes(im, text, len, path, error_r);
    else
        rc = misp_import_csv(im, text, len, path, error_r);
    free(text);
    return rc;
}

/* A feed: manifest.json and the event files it names. */
static int imp_feed(struct misp_import *im, const char *dir, int ids_only,
                    char **error_r)
{
    char *path = xasprintf("%s/manifest.json", dir), *text;
    json_error_t je;
    const char *uuid;
    json_t *v;
    size_t len, events = 0;
    int rc = 0;

    if ((text = imp_slurp(path, &len, error_r)) == NULL) {
        free(path);
        return -1;
    }
    im->manifest = json_loadb(text, len, 0, &je);
    free(text);
    if (!json_is_object(im->manifest)) {
        *error_r = xasprintf("%s: line %d: %s", path, je.line,
                             im->manifest ? "not an object" : je.text);
        free(path);
        return -1;
    }
    free(path);
    json_object_foreach(im->manifest, uuid, v)
    {
        path = xasprintf("%s/%s.json", dir, uuid);
        if (access(path, R_OK) == 0) {
            rc |= imp_file(im, path, ids_only, error_r) < 0;
            events++;
        }
        free(path);
        if (rc)
            break;
    }
    if (rc == 0 && events == 0) {
        path = xasprintf("%s/hashes.csv", dir);
        rc = imp_file(im, path, ids_only, error_r) < 0;
        free(path);
    }
    json_decref(im->manifest);
    im->manifest = NULL;
    return rc ? -1 : 0;
}

int misp_import_path(struct misp_import *im, const char *path, int ids_only,
                     char **error_r)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        *error_r = xasprintf("%s: %m", path);
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return imp_feed(im, path, ids_only, error_r);
    return imp_file(im, path, ids_only, error_r);
}

int misp_import_write(struct misp_import *im, const char *path, char **error_r)
{
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "w");
    size_t i;
    int bad;

    if (fp == NULL) {
        *error_r = xasprintf("%s: cannot create: %m", tmp);
        free(tmp);
        return -1;
    }
    fprintf(fp, "# sluice MISP indicator set 1: %zu events, %zu indicators\n",
            im->nev, im->nind);
    for (i = 0; i < im->nev; i++)
        fprintf(fp, "E\t%s\t%s\t%d\t%s\n", im->ev[i].id, im->ev[i].uuid,
                im->ev[i].threat, im->ev[i].info);
    for (i = 0; i < im->nind; i++)
        fprintf(fp, "I\t%s\t%s\t%zu\t%d\t%s\n", misp_kind_name(im->ind[i].kind),
                im->ind[i].value, im->ind[i].event, im->ind[i].to_ids,
                im->ind[i].uuid);
    bad = ferror(fp) | (fflush(fp) != 0) | (fsync(fileno(fp)) != 0);
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, path) != 0) {
        *error_r = xasprintf("%s: cannot write: %m", path);
        unlink(tmp);
        free(tmp);
        return -1;
    }
    chmod(path, 0644);
    free(tmp);
    return 0;
}
