/*
 * content_url - checks on the URLs of a message: URL maps, phishing
 * links, URI blocklists.
 *
 * SYNOPSIS
 *	enum mod_rc content_url_check(struct content_scan *s);
 *	int content_url_phishing(const char *anchor, const struct url *u);
 *
 * DESCRIPTION
 *	The URLs are those content_scan.c found (HTML links, links in the
 *	text and the Subject, redirector targets), normalised and
 *	deduplicated.  For each:
 *	    url_allow (a domain: map of hosts): the URL is not checked;
 *	    url_deny: CONTENT_URL_DENY with the map's value as its score
 *	      when that is a number, else url_deny_score (detail: host);
 *	    phishing: CONTENT_PHISHING (phishing_score) when an anchor's
 *	      visible text shows a URL or a host name whose registrable
 *	      domain is not the link's (content_url_phishing()); a link to
 *	      a redirector whose target is the domain shown is not one;
 *	    URI blocklists (content_uribl.c): the registrable domains in
 *	      uribl, the address hosts in uribl_ip, every name in one
 *	      parallel batch through libcommon's dns.
 *
 *	content_url_phishing() returns 1 when anchor shows a host (a URL,
 *	"www.example.org", or a single word that is a host name with a
 *	dot and a letters-only last label) whose registrable domain
 *	differs from u's, else 0.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "log.h"

/* A host name as people write one: labels, a dot, a letters-only TLD. */
static int url_text_is_host(const char *s)
{
    const char *dot = strrchr(s, '.'), *p;
    int letters = 0;

    if (dot == NULL || dot == s || strlen(dot + 1) < 2)
        return 0;
    for (p = s; *p && *p != '/'; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' &&
            (unsigned char)*p < 0x80)
            return 0;
    for (p = dot + 1; *p && *p != '/'; p++) {
        if (!isalpha((unsigned char)*p))
            return 0;
        letters++;
    }
    return letters >= 2;
}

int content_url_phishing(const char *anchor, const struct url *u)
{
    struct url shown;
    char *t, *s;
    int r = 0;

    if (anchor == NULL || *anchor == '\0' || u->is_ip)
        return 0;
    t = xstrdup_trim(anchor);
    /* the anchor is one word that names a host or a URL */
    if (strpbrk(t, " \t\r\n") != NULL || strlen(t) > 512) {
        free(t);
        return 0;
    }
    if (strstr(t, "://") != NULL || str_ncasecmp(t, "www.", 4) == 0)
        s = xstrdup(t);
    else if (url_text_is_host(t))
        s = xasprintf("http://%s", t);
    else
        s = NULL;
    if (s != NULL && url_parse(s, strlen(s), &shown) == 0) {
        r = strcmp(shown.domain, u->domain) != 0;
        url_free(&shown);
    }
    free(s);
    free(t);
    return r;
}

static enum map_rc url_map(struct map *m, const char *host, const char **v_r,
                           const char *qid)
{
    const char *error;
    enum map_rc rc;

    if (m == NULL)
        return MAP_NOTFOUND;
    rc = map_lookup(m, host, v_r, &error);
    if (rc == MAP_ERROR)
        log_warn(qid, "content: %s: %s", map_spec(m), error);
    return rc;
}

static void url_deny(struct content_scan *s, const struct content_url *cu)
{
    const char *v;
    char *end;
    double score;

    if (url_map(s->conf->url_deny, cu->u.host, &v, s->m->qid) != MAP_FOUND)
        return;
    score = strtod(v, &end);
    if (end == v || *end != '\0')
        score = s->conf->url_deny_score;
    result_add(s->x->res, "CONTENT_URL_DENY", score, cu->u.host);
}

/* The redirector's target shows what the anchor shows: not phishing. */
static int url_redirect_ok(const struct content_scan *s,
                           const struct content_url *cu)
{
    for (size_t i = 0; i < s->nurls; i++)
        if (s->urls[i].redirected && s->urls[i].index == cu->index &&
            !content_url_phishing(cu->anchor, &s->urls[i].u))
            return 1;
    return 0;
}

enum mod_rc content_url_check(struct content_scan *s)
{
    const char *v;
    int phish = 0;

    for (size_t i = 0; i < s->nurls; i++) {
        struct content_url *cu = &s->urls[i];

        cu->allowed =
            url_map(s->conf->url_allow, cu->u.host, &v, s->m->qid) == MAP_FOUND;
        if (cu->allowed)
            continue;
        url_deny(s, cu);
        if (!phish && cu->kind == TEXT_LINK_HREF &&
            content_url_phishing(cu->anchor, &cu->u) &&
            !url_redirect_ok(s, cu)) {
            result_add(s->x->res, "CONTENT_PHISHING", s->conf->phishing_score,
                       cu->u.host);
            phish = 1;
        }
    }
    return content_uribl_check(s);
}
