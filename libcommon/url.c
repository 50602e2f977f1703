/*
 * url - links in mail.  See url.h for the contract.
 *
 * DESCRIPTION
 *	Parsing and normalising is libcurl's URL API (curl_url_set/get);
 *	what is ours is finding where a link starts and ends in text,
 *	the choice of schemes, and the redirector parameters.
 */
#include "url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <idn2.h>
#include <libpsl.h>

#include "util.h"

static pthread_once_t url_once = PTHREAD_ONCE_INIT;
static const psl_ctx_t *url_psl;

static void url_init_once(void)
{
    psl_ctx_t *latest = psl_latest(NULL);

    url_psl = latest ? latest : psl_builtin();
}

void url_init(void)
{
    pthread_once(&url_once, url_init_once);
}

/* Finding links in text. */
static const char *const url_schemes[] = {"http://", "https://", "ftp://",
                                          "hxxp://", "hxxps://", NULL};

/* Length of the scheme or "www." that starts a link at p, else 0. */
static size_t url_start(const char *text, size_t i, size_t len)
{
    const char *p = text + i;
    size_t n;

    if (i > 0 && (isalnum((unsigned char)p[-1]) || p[-1] == '.' ||
                  p[-1] == '-' || p[-1] == '@' || p[-1] == '/'))
        return 0;
    for (const char *const *s = url_schemes; *s; s++) {
        n = strlen(*s);
        if (len - i > n && str_ncasecmp(p, *s, n) == 0)
            return n;
    }
    if (len - i > 4 && str_ncasecmp(p, "www.", 4) == 0 &&
        isalnum((unsigned char)p[4]))
        return 4;
    return 0;
}

/* Bytes at p that end a link (0: p does not end it). */
static int url_stop(const unsigned char *p, size_t left)
{
    if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' ||
        *p == '`' || *p == '{' || *p == '}' || *p == '|' || *p == '\\' ||
        *p == '^')
        return 1;
    if (left >= 2 && p[0] == 0xc2 &&
        (p[1] == 0xa0 || p[1] == 0xab || p[1] == 0xbb))
        return 1; /* NBSP, guillemets */
    if (left >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 1; /* ideographic space */
    if (left >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] >= 0x98 && p[2] <= 0x9f))
        return 1; /* typographic quotes */
    return 0;
}

/* Trim trailing punctuation and unbalanced closing brackets. */
static size_t url_trim(const char *s, size_t n)
{
    size_t i, open, close;

    while (n > 0) {
        char c = s[n - 1];

        if (strchr(".,;:!?'*", c) != NULL) {
            n--;
            continue;
        }
        if (c == ')' || c == ']') {
            char o = c == ')' ? '(' : '[';

            for (i = 0, open = 0, close = 0; i < n; i++) {
                open += s[i] == o;
                close += s[i] == c;
            }
            if (close > open) {
                n--;
                continue;
            }
        }
        break;
    }
    return n;
}

size_t url_find(const char *text, size_t len, url_found_cb cb, void *arg)
{
    size_t i = 0, j, n, found = 0;

    while (i < len) {
        if ((n = url_start(text, i, len)) == 0) {
            i++;
            continue;
        }
        for (j = i + n;
             j < len && !url_stop((const unsigned char *)text + j, len - j);
             j++)
            ;
        n = url_trim(text + i, j - i);
        if (n > 0 && n <= URL_MAX && url_start(text, i, len) < n) {
            cb(text + i, n, arg);
            found++;
        }
        i = j;
    }
    return found;
}

/* Parsing. */
static int url_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

char *url_decode(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    size_t i, o = 0;
    int h, l;

    for (i = 0; i < len; i++) {
        if (s[i] == '%' && i + 2 < len + 0 && (h = url_hex(s[i + 1])) >= 0 &&
            (l = url_hex(s[i + 2])) >= 0) {
            out[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* The text to give libcurl: defanged schemes mended; NULL when the
 * scheme is not one of ours. */
static char *url_mend(const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    size_t i, slen;

    if (str_ncasecmp(s, "hxxp", 4) == 0 && len > 7)
        return xasprintf("http%.*s", (int)(len - 4), s + 4);
    if (colon == NULL || (size_t)(colon - s) + 2 >= len || colon[1] != '/' ||
        colon[2] != '/')
        return str_ncasecmp(s, "www.", 4) == 0 ? xstrndup(s, len) : NULL;
    slen = (size_t)(colon - s);
    for (i = 0; i < slen; i++)
        if (!isalpha((unsigned char)s[i]))
            return NULL;
    if ((slen == 4 && str_ncasecmp(s, "http", 4) == 0) ||
        (slen == 5 && str_ncasecmp(s, "https", 5) == 0) ||
        (slen == 3 && str_ncasecmp(s, "ftp", 3) == 0) ||
        (slen == 4 && str_ncasecmp(s, "ftps", 4) == 0))
        return xstrndup(s, len);
    return NULL;
}

static int url_host_ok(const char *h)
{
    size_t n = strlen(h);

    if (n == 0 || n > 253)
        return 0;
    for (; *h; h++)
        if (!isalnum((unsigned char)*h) && *h != '.' && *h != '-' && *h != '_')
            return 0;
    return 1;
}

/* Lower case, no trailing dot, no brackets, A-label; NULL when bad. */
static char *url_host_norm(const char *raw, int *is_ip_r)
{
    unsigned char a6[16];
    char *h = xstrdup(raw), *ace = NULL;
    size_t n = strlen(h);
    int rc;

    *is_ip_r = 0;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        memmove(h, h + 1, n - 2);
        h[n - 2] = '\0';
        *is_ip_r = inet_pton(AF_INET6, h, a6) == 1;
        if (!*is_ip_r)
            goto bad;
        return str_lower(h);
    }
    while (n > 0 && h[n - 1] == '.')
        h[--n] = '\0';
    rc = idn2_to_ascii_8z(h, &ace, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK)
        rc = idn2_to_ascii_8z(h, &ace, IDN2_TRANSITIONAL | IDN2_NFC_INPUT);
    if (rc != IDN2_OK) {
        /* idn2 refuses some ASCII hosts mail is full of (underscores) */
        for (const char *p = h; *p; p++)
            if ((unsigned char)*p >= 0x80)
                goto bad;
    } else {
        free(h);
        h = xstrdup(ace);
        idn2_free(ace);
    }
    str_lower(h);
    if (!url_host_ok(h))
        goto bad;
    *is_ip_r = inet_pton(AF_INET, h, a6) == 1;
    return h;
bad:
    free(h);
    return NULL;
}

char *url_domain(const char *host)
{
    const char *d;

    url_init();
    d = url_psl ? psl_registrable_domain(url_psl, host) : NULL;
    return xstrdup(d ? d : host);
}

static int url_curl(CURLU *cu, const char *m, struct url *u)
{
    char *h = NULL, *s = NULL;
    int rc = -1;

    if (curl_url_set(cu, CURLUPART_URL, m,
                     CURLU_NON_SUPPORT_SCHEME | CURLU_GUESS_SCHEME |
                         CURLU_URLENCODE) != CURLUE_OK ||
        curl_url_get(cu, CURLUPART_HOST, &h, CURLU_URLDECODE) != CURLUE_OK)
        goto out;
    if ((u->host = url_host_norm(h, &u->is_ip)) == NULL)
        goto out;
    curl_url_set(cu, CURLUPART_FRAGMENT, NULL, 0);
    if (strchr(u->host, ':') == NULL &&
        curl_url_set(cu, CURLUPART_HOST, u->host, 0) != CURLUE_OK)
        goto out;
    if (curl_url_get(cu, CURLUPART_URL, &s, 0) != CURLUE_OK)
        goto out;
    u->url = xstrdup(s);
    u->domain = u->is_ip ? xstrdup(u->host) : url_domain(u->host);
    rc = 0;
out:
    curl_free(h);
    curl_free(s);
    return rc;
}

int url_parse(const char *s, size_t len, struct url *u)
{
    CURLU *cu;
    char *m;
    int rc;

    memset(u, 0, sizeof(*u));
    while (len > 0 && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0 || len > URL_MAX || memchr(s, '\0', len) != NULL)
        return -1;
    if ((m = url_mend(s, len)) == NULL)
        return -1;
    if ((cu = curl_url()) == NULL) {
        free(m);
        return -1;
    }
    rc = url_curl(cu, m, u);
    curl_url_cleanup(cu);
    free(m);
    if (rc < 0)
        url_free(u);
    return rc;
}

void url_free(struct url *u)
{
    free(u->url);
    free(u->host);
    free(u->domain);
    memset(u, 0, sizeof(*u));
}

/* Redirectors. */
static int url_is_redirect_param(const char *name, size_t n)
{
    static const char *const names[] = {
        "url",   "u",           "q",        "target",
        "dest",  "destination", "redirect", "redirect_uri",
        "redir", "link",        "goto",     "to",
        NULL};

    for (const char *const *p = names; *p; p++)
        if (strlen(*p) == n && str_ncasecmp(name, *p, n) == 0)
            return 1;
    return 0;
}

static int url_looks_absolute(const char *v)
{
    return str_ncasecmp(v, "http://", 7) == 0 ||
           str_ncasecmp(v, "https://", 8) == 0 ||
           str_ncasecmp(v, "www.", 4) == 0;
}

char *url_redirect_target(const struct url *u)
{
    const char *q = strchr(u->url, '?'), *p, *amp, *eq;
    char *v;

    if (q == NULL)
        return NULL;
    for (p = q + 1; *p; p = amp + 1) {
        amp = strchr(p, '&');
        if (amp == NULL)
            amp = p + strlen(p);
        eq = memchr(p, '=', (size_t)(amp - p));
        if (eq != NULL && url_is_redirect_param(p, (size_t)(eq - p))) {
            v = url_decode(eq + 1, (size_t)(amp - eq - 1));
            if (url_looks_absolute(v))
                return v;
            free(v);
        }
        if (*amp == '\0')
            break;
    }
    return NULL;
}
