/*
 * content_misp - MISP indicators: the set the milter loads, the matches,
 * the sightings.
 *
 * SYNOPSIS
 *	misp_set_load("/var/lib/sluice/misp.set", &set, &error);
 *	misp_lookup(set, MISP_IP, "192.0.2.7", &hit);
 *
 * DESCRIPTION
 *	An indicator set is the text file sluicectl misp import writes
 *	(content_mispimp.c), tab-separated, one record a line:
 *	    # sluice MISP indicator set 1
 *	    E <event id> <event uuid> <threat level 1-4> <info>
 *	    I <kind> <value> <event number> <to_ids 0|1> <attribute uuid>
 *	where kind is ip, domain, url, email, md5, sha1, sha256 or vmd5
 *	(the MD5 of a value's text, as a feed's hashes.csv lists them) and
 *	the event number counts the E lines from 0.  Values are normalised
 *	by the importer as the lookups are (addresses as inet_ntop writes
 *	them, names and hex in lower case, URLs as url_parse() gives
 *	them).  misp_set_load() reads it into a hash table; a line that is
 *	not one of these is an error ("line N: ...").
 *
 *	misp_lookup() returns 1 and the hit (pointing into the set) when
 *	the value is an indicator of that kind, or when the MD5 of its
 *	text is a vmd5 indicator; else 0.
 *
 *	content_misp_check() looks up the client address; the envelope
 *	sender and recipients and the From, Reply-To, Sender, To and Cc
 *	addresses, and their domains; every URL, its host (and registrable
 *	domain) or address; and the hashes content_misp_file() took of
 *	every attachment and archive member (MD5, SHA-1, SHA-256, OpenSSL),
 *	computed only when the set has hash indicators.  Each indicator
 *	found once is a symbol MISP_IP, MISP_DOMAIN, MISP_URL, MISP_EMAIL
 *	or MISP_HASH with the detail "event ID: info", its score
 *	misp_scores for its event's threat level when to_ids is set, else
 *	misp_score_noids; and a sighting is appended to misp_sightings as
 *	one JSON line of MISP's /sightings/add ({"values": [...],
 *	"timestamp": ..., "source": ..., "type": "0"}), with O_APPEND so
 *	that the lines of several processes never mix.
 *
 * OWNERSHIP
 *	The set is read-only after loading and shared by every thread;
 *	misp_set_free().  A struct misp_hit points into the set.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "clock.h"
#include "content.h"
#include "log.h"

static const char *const misp_kinds[] = {
    [MISP_IP] = "ip",         [MISP_DOMAIN] = "domain", [MISP_URL] = "url",
    [MISP_EMAIL] = "email",   [MISP_MD5] = "md5",       [MISP_SHA1] = "sha1",
    [MISP_SHA256] = "sha256", [MISP_VMD5] = "vmd5",
};

struct misp_event {
    char *id, *uuid, *info;
    int threat;
};

struct misp_ind {
    enum misp_kind kind;
    char *value;
    size_t event;
    int to_ids;
    char *uuid;
};

struct misp_set {
    struct misp_event *ev;
    size_t nev;
    struct misp_ind *ind;
    size_t nind;
    size_t *hash; /* indexes + 1 */
    size_t hcap;
    int has_hashes;
    int has_vmd5;
};

const char *misp_kind_name(enum misp_kind k)
{
    return k < MISP_KIND_N ? misp_kinds[k] : "?";
}

int misp_kind_parse(const char *s)
{
    for (int k = 0; k < MISP_KIND_N; k++)
        if (strcmp(s, misp_kinds[k]) == 0)
            return k;
    return -1;
}

static size_t misp_hashval(enum misp_kind k, const char *v)
{
    size_t h = 1469598103934665603ULL ^ (size_t)k;

    for (; *v; v++)
        h = (h ^ (unsigned char)*v) * 1099511628211ULL;
    return h;
}

static void misp_index(struct misp_set *s)
{
    size_t i, j;

    for (s->hcap = 64; s->hcap < 2 * s->nind; s->hcap *= 2)
        ;
    s->hash = xcalloc(s->hcap, sizeof(*s->hash));
    for (i = 0; i < s->nind; i++) {
        j = misp_hashval(s->ind[i].kind, s->ind[i].value) & (s->hcap - 1);
        while (s->hash[j] != 0)
            j = (j + 1) & (s->hcap - 1);
        s->hash[j] = i + 1;
        s->has_hashes |=
            s->ind[i].kind >= MISP_MD5 && s->ind[i].kind <= MISP_SHA256;
        s->has_vmd5 |= s->ind[i].kind == MISP_VMD5;
    }
}

/* Loading. */
static char *misp_field(char **p)
{
    char *s = *p, *tab;

    if (s == NULL)
        return NULL;
    if ((tab = strchr(s, '\t')) != NULL) {
        *tab = '\0';
        *p = tab + 1;
    } else {
        *p = NULL;
    }
    return s;
}

static const char *misp_line(struct misp_set *s, char *line)
{
    char *p = line, *t = misp_field(&p), *f[5];
    int i, k;

    for (i = 0; i < 5; i++)
        f[i] = misp_field(&p);
    if (strcmp(t, "E") == 0) {
        if (f[3] == NULL)
            return "an E line has 5 fields";
        s->ev = xrealloc(s->ev, (s->nev + 1) * sizeof(*s->ev));
        s->ev[s->nev].id = xstrdup(f[0]);
        s->ev[s->nev].uuid = xstrdup(f[1]);
        s->ev[s->nev].threat = atoi(f[2]);
        s->ev[s->nev].info = xstrdup(f[3]);
        s->nev++;
        return NULL;
    }
    if (strcmp(t, "I") != 0 || f[4] == NULL)
        return "expected an E or I line";
    if ((k = misp_kind_parse(f[0])) < 0)
        return "unknown indicator kind";
    if ((size_t)strtoul(f[2], NULL, 10) >= s->nev)
        return "the event number is not that of an E line before it";
    s->ind = xrealloc(s->ind, (s->nind + 1) * sizeof(*s->ind));
    s->ind[s->nind].kind = (enum misp_kind)k;
    s->ind[s->nind].value = xstrdup(f[1]);
    s->ind[s->nind].event = (size_t)strtoul(f[2], NULL, 10);
    s->ind[s->nind].to_ids = atoi(f[3]) != 0;
    s->ind[s->nind].uuid = xstrdup(f[4]);
    s->nind++;
    return NULL;
}

static __thread char misp_err[256];

int misp_set_load(const char *path, struct misp_set **set_r,
                  const char **error_r)
{
    FILE *fp = fopen(path, "r");
    int rc;

    if (fp == NULL) {
        snprintf(misp_err, sizeof(misp_err), "%s: cannot open: %m", path);
        *error_r = misp_err;
        return -1;
    }
    rc = misp_set_read(fp, path, set_r, error_r);
    fclose(fp);
    return rc;
}

int misp_set_read(FILE *fp, const char *path, struct misp_set **set_r,
                  const char **error_r)
{
    char *err = misp_err, *line = NULL;
    size_t cap = 0, n = 0;
    const char *why = NULL;
    struct misp_set *s;
    ssize_t len;

    s = xcalloc(1, sizeof(*s));
    while (why == NULL && (len = getline(&line, &cap, fp)) >= 0) {
        n++;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        why = misp_line(s, line);
    }
    free(line);
    if (why != NULL) {
        snprintf(err, sizeof(misp_err), "%s: line %zu: %s", path, n, why);
        *error_r = err;
        misp_set_free(s);
        return -1;
    }
    misp_index(s);
    *set_r = s;
    return 0;
}

void misp_set_free(struct misp_set *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->nev; i++) {
        free(s->ev[i].id);
        free(s->ev[i].uuid);
        free(s->ev[i].info);
    }
    for (i = 0; i < s->nind; i++) {
        free(s->ind[i].value);
        free(s->ind[i].uuid);
    }
    free(s->ev);
    free(s->ind);
    free(s->hash);
    free(s);
}

size_t misp_set_count(const struct misp_set *s)
{
    return s ? s->nind : 0;
}

/* Lookups. */
static const struct misp_ind *misp_find(const struct misp_set *s,
                                        enum misp_kind k, const char *v)
{
    size_t j = misp_hashval(k, v) & (s->hcap - 1);

    for (; s->hash[j] != 0; j = (j + 1) & (s->hcap - 1)) {
        const struct misp_ind *in = &s->ind[s->hash[j] - 1];

        if (in->kind == k && strcmp(in->value, v) == 0)
            return in;
    }
    return NULL;
}

void misp_md5_hex(const void *data, size_t len, char out[33])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(data, len, md, &n, EVP_md5(), NULL);
    for (unsigned i = 0; i < n && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int misp_lookup(const struct misp_set *s, enum misp_kind k, const char *value,
                struct misp_hit *hit_r)
{
    const struct misp_ind *in;
    char vmd5[33];

    if (s == NULL || s->nind == 0 || value == NULL || *value == '\0')
        return 0;
    in = misp_find(s, k, value);
    if (in == NULL && s->has_vmd5) {
        misp_md5_hex(value, strlen(value), vmd5);
        in = misp_find(s, MISP_VMD5, vmd5);
    }
    if (in == NULL)
        return 0;
    hit_r->kind = k;
    hit_r->value = in->value;
    hit_r->event_id = s->ev[in->event].id;
    hit_r->event_uuid = s->ev[in->event].uuid;
    hit_r->info = s->ev[in->event].info;
    hit_r->attr_uuid = in->uuid;
    hit_r->to_ids = in->to_ids;
    hit_r->threat = s->ev[in->event].threat;
    return 1;
}

/* Sightings. */
char *misp_sighting_json(const char *value, long long when, const char *source)
{
    json_t *o = json_object(), *v = json_array();
    char *dump, *r;

    json_array_append_new(v, json_string(value));
    json_object_set_new(o, "values", v);
    json_object_set_new(o, "timestamp", json_integer(when));
    json_object_set_new(o, "source", json_string(source));
    json_object_set_new(o, "type", json_string("0"));
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    r = xstrdup(dump ? dump : "{}");
    free(dump);
    return r;
}

static void misp_sighting(struct content_scan *s, const char *value)
{
    const char *path = s->conf->misp_sightings;
    char *line, *full;
    int fd;

    if (path == NULL)
        return;
    line = misp_sighting_json(value, (long long)clock_wall(), "sluice-content");
    full = xasprintf("%s\n", line);
    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0 || write(fd, full, strlen(full)) != (ssize_t)strlen(full))
        log_warn(s->m->qid, "content: misp_sightings %s: cannot write: %m",
                 path);
    if (fd >= 0)
        close(fd);
    free(full);
    free(line);
}

/* The check. */
static const char *misp_symbol(enum misp_kind k)
{
    switch (k) {
    case MISP_IP:
        return "MISP_IP";
    case MISP_DOMAIN:
        return "MISP_DOMAIN";
    case MISP_URL:
        return "MISP_URL";
    case MISP_EMAIL:
        return "MISP_EMAIL";
    default:
        return "MISP_HASH";
    }
}

static int misp_seen(struct content_scan *s, const struct misp_hit *h)
{
    for (size_t i = 0; i < s->nmisp_seen; i++)
        if (s->misp_seen[i] == h->value)
            return 1;
    s->misp_seen =
        xrealloc(s->misp_seen, (s->nmisp_seen + 1) * sizeof(*s->misp_seen));
    s->misp_seen[s->nmisp_seen++] = h->value;
    return 0;
}

static void misp_found(struct content_scan *s, const struct misp_hit *h,
                       const char *where)
{
    const struct content_state *st = s->st;
    char detail[160];
    double score;
    int t = h->threat >= 1 && h->threat <= 4 ? h->threat : 4;

    if (misp_seen(s, h))
        return;
    score = h->to_ids ? st->misp_score[t] : s->conf->misp_score_noids;
    snprintf(detail, sizeof(detail), "event=%s:%s",
             *h->event_id ? h->event_id : h->event_uuid, h->info);
    result_add(s->x->res, misp_symbol(h->kind), score, detail);
    log_info(s->m->qid,
             "content: misp kind=%s value=%s%s%s event=%s uuid=%s to_ids=%d "
             "threat=%d score=%.2f info=\"%s\"",
             misp_kind_name(h->kind), h->value, where ? " in=" : "",
             where ? where : "", h->event_id, h->event_uuid, h->to_ids,
             h->threat, score, h->info);
    misp_sighting(s, h->value);
}

static void misp_try(struct content_scan *s, enum misp_kind k,
                     const char *value, const char *where)
{
    struct misp_hit h;

    if (misp_lookup(s->st->misp, k, value, &h))
        misp_found(s, &h, where);
}

/* An address and its domain. */
static void misp_addr(struct content_scan *s, const char *addr)
{
    const char *at;
    char *low;

    if (addr == NULL || *addr == '\0')
        return;
    low = str_lower(xstrdup(addr));
    misp_try(s, MISP_EMAIL, low, NULL);
    if ((at = strrchr(low, '@')) != NULL)
        misp_try(s, MISP_DOMAIN, at + 1, NULL);
    free(low);
}

static void misp_addrs(struct content_scan *s, const struct text_addr *v,
                       size_t n)
{
    for (size_t i = 0; i < n; i++)
        misp_addr(s, v[i].addr);
}

static void misp_ip(struct content_scan *s, const char *ip)
{
    unsigned char a[16];
    char canon[64];

    if (ip == NULL)
        return;
    if (inet_pton(AF_INET, ip, a) == 1)
        inet_ntop(AF_INET, a, canon, sizeof(canon));
    else if (inet_pton(AF_INET6, ip, a) == 1)
        inet_ntop(AF_INET6, a, canon, sizeof(canon));
    else
        return;
    misp_try(s, MISP_IP, canon, NULL);
}

enum mod_rc content_misp_check(struct content_scan *s)
{
    const struct sl_msg *m = s->m;
    const struct msg_text *mt = s->mt;
    size_t i;

    if (s->st->misp == NULL)
        return MOD_CONTINUE;
    if (m->conn != NULL)
        misp_ip(s, m->conn->client_addr);
    misp_addr(s, m->from);
    for (i = 0; i < m->nrcpts; i++)
        misp_addr(s, m->rcpts[i]);
    if (mt != NULL) {
        misp_addrs(s, mt->from, mt->nfrom);
        misp_addrs(s, mt->reply_to, mt->nreply_to);
        misp_addrs(s, mt->to, mt->nto);
        misp_addrs(s, mt->cc, mt->ncc);
    }
    for (i = 0; i < s->nurls; i++) {
        const struct url *u = &s->urls[i].u;

        misp_try(s, MISP_URL, u->url, NULL);
        if (u->is_ip) {
            misp_ip(s, u->host);
            continue;
        }
        misp_try(s, MISP_DOMAIN, u->host, NULL);
        if (strcmp(u->domain, u->host) != 0)
            misp_try(s, MISP_DOMAIN, u->domain, NULL);
    }
    return MOD_CONTINUE;
}

static void misp_digest(const EVP_MD *md, const void *data, size_t len,
                        char *hex)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    EVP_Digest(data, len, out, &n, md, NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", out[i]);
    hex[2 * n] = '\0';
}

void content_misp_file(struct content_scan *s, const struct content_file *f)
{
    const struct misp_set *set = s->st->misp;
    char hex[2 * EVP_MAX_MD_SIZE + 1], *where;

    if (set == NULL || (!set->has_hashes && !set->has_vmd5) || f->len == 0)
        return;
    where = content_file_label(f);
    misp_digest(EVP_md5(), f->data, f->len, hex);
    misp_try(s, MISP_MD5, hex, where);
    misp_digest(EVP_sha1(), f->data, f->len, hex);
    misp_try(s, MISP_SHA1, hex, where);
    misp_digest(EVP_sha256(), f->data, f->len, hex);
    misp_try(s, MISP_SHA256, hex, where);
    free(where);
}
