/*
 * greylist - client networks and the enforcer's remembered greylist
 * action (see greylist.h for the contract).
 *
 * DESCRIPTION
 *	The message key is a SHA-256 over the fields separated by a NUL
 *	byte (no field holds one): the client network, the sender, each
 *	recipient in sorted order, then the body.  The value is two
 *	decimal epoch seconds, "FIRST PASSED" (PASSED 0 until the retry
 *	passed).  A pass is written with store_cas() against the value
 *	read, so that two processes (two MX hosts) passing the same retry
 *	at once both answer "pass" and the entry is written once.
 */
#include "greylist.h"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "module.h"
#include "store.h"
#include "util.h"

int greylist_net(const char *ip, int v4bits, int v6bits, char *buf,
                 size_t size)
{
    unsigned char a[16];
    char text[INET6_ADDRSTRLEN];
    int v6 = 1, bits;

    if (ip == NULL || inet_pton(AF_INET6, ip, a) != 1) {
        v6 = 0;
        if (ip == NULL || inet_pton(AF_INET, ip, a) != 1) {
            snprintf(buf, size, "unknown");
            return -1;
        }
    } else if (memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
        memmove(a, a + 12, 4); /* IPv4-mapped: the IPv4 network */
        v6 = 0;
    }
    bits = v6 ? v6bits : v4bits;
    if (bits < 0)
        bits = 0;
    if (bits > (v6 ? 128 : 32))
        bits = v6 ? 128 : 32;
    for (int i = 0; i < (v6 ? 16 : 4); i++) {
        int keep = bits - 8 * i;

        if (keep <= 0)
            a[i] = 0;
        else if (keep < 8)
            a[i] &= (unsigned char)(0xff << (8 - keep));
    }
    inet_ntop(v6 ? AF_INET6 : AF_INET, a, text, sizeof(text));
    snprintf(buf, size, "%s/%d", text, bits);
    return 0;
}

static int gl_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gl_key(const struct sl_msg *m, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char net[GREYLIST_NET_MAX];
    char **r = xcalloc(m->nrcpts + 1, sizeof(char *));
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t body = m->raw.len > m->body_off ? m->raw.len - m->body_off : 0;
    char *p;

    greylist_net(m->conn ? m->conn->client_addr : NULL, 24, 64, net,
                 sizeof(net));
    memcpy(r, m->rcpts, m->nrcpts * sizeof(char *));
    qsort(r, m->nrcpts, sizeof(char *), gl_strcmp);
    if (ctx == NULL)
        abort();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, net, strlen(net) + 1);
    EVP_DigestUpdate(ctx, m->from, strlen(m->from) + 1);
    for (size_t i = 0; i < m->nrcpts; i++)
        EVP_DigestUpdate(ctx, r[i], strlen(r[i]) + 1);
    if (body)
        EVP_DigestUpdate(ctx, m->raw.data + m->body_off, body);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    free(r);
    snprintf(out, size, "grey/m/");
    p = out + strlen(out);
    for (unsigned i = 0; i < mdlen && (size_t)(p - out) + 3 < size; i++) {
        *p++ = hex[md[i] >> 4];
        *p++ = hex[md[i] & 15];
    }
    *p = '\0';
}

enum greylist_rc greylist_message(struct store *s, const struct common_conf *cc,
                                  const struct sl_msg *m, time_t now,
                                  struct greylist_out *o, const char **error_r)
{
    char *val = NULL, buf[64];
    size_t len = 0;
    long long first = 0, passed = 0;
    int rc;

    memset(o, 0, sizeof(*o));
    gl_key(m, o->key, sizeof(o->key));
    rc = store_get(s, o->key, &val, &len, NULL, error_r);
    if (rc == STORE_ERROR)
        return GREYLIST_ERROR;
    if (rc == STORE_NOTFOUND ||
        sscanf(val, "%lld %lld", &first, &passed) != 2 || first > now) {
        /* New (or unreadable: start again). */
        free(val);
        snprintf(buf, sizeof(buf), "%lld 0", (long long)now);
        if (store_put(s, o->key, buf, strlen(buf), cc->greylist_retry_window,
                      error_r) != STORE_OK)
            return GREYLIST_ERROR;
        o->retry_in = cc->greylist_delay;
        return GREYLIST_DEFER;
    }
    if (passed == 0 && now - first < cc->greylist_delay) {
        free(val);
        o->retry_in = cc->greylist_delay - (now - first);
        return GREYLIST_DEFER;
    }
    o->delayed = (passed ? passed : (long long)now) - first;
    if (passed == 0) {
        snprintf(buf, sizeof(buf), "%lld %lld", first, (long long)now);
        rc = store_cas(s, o->key, val, len, buf, strlen(buf),
                       cc->greylist_retry_window, error_r);
        if (rc == STORE_ERROR) {
            free(val);
            return GREYLIST_ERROR;
        }
    }
    free(val);
    return GREYLIST_PASS;
}

int greylist_needs_store(const struct common_conf *cc)
{
    if (cc->score_greylist > 0)
        return 1;
    for (size_t i = 0; i < cc->force_actions.n; i++) {
        const char *eq = strrchr(cc->force_actions.v[i], '=');

        if (eq != NULL && str_casecmp(eq + 1, "greylist") == 0)
            return 1;
    }
    return 0;
}
