/*
 * grey_triplet - the parts of a greylisting triplet, normalised, and the
 * store keys made of them (pure; t/unit/grey_triplet_test.c has the case
 * tables).
 *
 * DESCRIPTION
 *	grey_sender_norm() makes one key of the many forms a sender's
 *	envelope address takes from one message to the next, so that the
 *	retry of a message finds its triplet (postgrey and milter-greylist
 *	do the same):
 *	  - the null sender is "<>";
 *	  - SRS: "SRS0=HHH=TT=example.org=alice@fwd.example" is the
 *	    address it stands for, alice@example.org; SRS1 ("SRS1=HHH=
 *	    fwd1==HHH=TT=example.org=alice@fwd2") too (the hash and time
 *	    stamp change every day);
 *	  - BATV: "prvs=0123abcdef=alice@example.org" (and Microsoft's
 *	    "msprvs1=...") is alice@example.org (the tag changes with
 *	    every message);
 *	  - a "+ext" tag (VERP of mailing lists: "list+bob=x.org@...") is
 *	    cut from the local part;
 *	  - numbers standing alone in the local part ("bounce-4711-12@",
 *	    VERP and bounce tracking) become "#", postgrey's rule
 *	    ("user2000" keeps its digits);
 *	  - the domain is case-folded (ASCII), the local part kept;
 *	  - control characters become '?', and the result is cut to the
 *	    buffer (GREY_ADDR_MAX in keys).
 *	grey_rcpt_norm() case-folds the recipient's domain only.
 *
 *	grey_key_triplet() writes "grey/t/NET/SENDER/RCPT" and
 *	grey_key_awl() "grey/a/NET"; grey_key_parse() splits a triplet key
 *	back (NET holds one '/' unless it is "spf:DOMAIN"; the sender is
 *	"<>" or holds an '@' before the '/' that ends it).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "grey.h"
#include "util.h"

/* Copy n bytes of s into out (size), control characters as '?'. */
static void gt_copy(char *out, size_t size, const char *s, size_t n)
{
    size_t i;

    if (size == 0)
        return;
    for (i = 0; i < n && i + 1 < size; i++) {
        unsigned char c = (unsigned char)s[i];

        out[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    out[i] = '\0';
}

static int gt_prefix(const char *s, const char *p)
{
    return str_ncasecmp(s, p, strlen(p)) == 0;
}

/* "HHH=TT=domain=local" (after "SRS0="): local and domain, pointers
 * into s. */
static int gt_srs0(const char *s, const char **local_r, const char **dom_r,
                   size_t *dlen_r)
{
    const char *h = strchr(s, '='), *t, *d;

    if (h == NULL || (t = strchr(h + 1, '=')) == NULL ||
        (d = strchr(t + 1, '=')) == NULL || d == t + 1)
        return -1;
    *dom_r = t + 1;
    *dlen_r = (size_t)(d - t - 1);
    *local_r = d + 1;
    return **local_r ? 0 : -1;
}

/* The address an SRS local part stands for, into out; -1: not SRS. */
static int gt_srs(const char *local, size_t llen, char *out, size_t size)
{
    char buf[GREY_ADDR_MAX * 2];
    const char *l, *d, *p;
    size_t dlen;

    gt_copy(buf, sizeof(buf), local, llen);
    if (gt_prefix(buf, "SRS0") && strchr("=+-", buf[4]) && buf[4]) {
        p = buf + 5;
    } else if (gt_prefix(buf, "SRS1") && strchr("=+-", buf[4]) && buf[4]) {
        if ((p = strstr(buf + 5, "==")) == NULL)
            return -1;
        p += 2; /* the SRS0 part: HHH=TT=domain=local */
    } else {
        return -1;
    }
    if (gt_srs0(p, &l, &d, &dlen) < 0)
        return -1;
    snprintf(out, size, "%s@%.*s", l, (int)dlen, d);
    return 0;
}

/* Local part rules: BATV, +ext, lone numbers.  In place. */
static void gt_local(char *local)
{
    char *eq, *plus, *w, *r;

    if ((gt_prefix(local, "prvs=") || gt_prefix(local, "msprvs1=")) &&
        (eq = strchr(strchr(local, '=') + 1, '=')) != NULL && eq[1])
        memmove(local, eq + 1, strlen(eq + 1) + 1);
    if ((plus = strchr(local, '+')) != NULL && plus != local)
        *plus = '\0';
    for (w = r = local; *r;) {
        int start = r == local || !isalnum((unsigned char)r[-1]);
        char *e = r;

        while (isdigit((unsigned char)*e))
            e++;
        if (e > r && start && !isalnum((unsigned char)*e)) {
            *w++ = '#';
            r = e;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

void grey_sender_norm(const char *from, char *out, size_t size)
{
    char local[GREY_ADDR_MAX * 2], decoded[GREY_ADDR_MAX * 2];
    const char *at;

    if (from == NULL || *from == '\0' || strcmp(from, "<>") == 0) {
        snprintf(out, size, "<>");
        return;
    }
    at = strrchr(from, '@');
    if (at != NULL && gt_srs(from, (size_t)(at - from), decoded,
                             sizeof(decoded)) == 0) {
        from = decoded;
        at = strrchr(from, '@');
    }
    gt_copy(local, sizeof(local), from, at ? (size_t)(at - from)
                                           : strlen(from));
    gt_local(local);
    if (at == NULL) {
        gt_copy(out, size, local, strlen(local));
        return;
    }
    {
        char dom[GREY_ADDR_MAX], all[GREY_ADDR_MAX * 3];

        gt_copy(dom, sizeof(dom), at + 1, strlen(at + 1));
        str_lower(dom);
        snprintf(all, sizeof(all), "%s@%s", local, dom);
        gt_copy(out, size, all, strlen(all));
    }
}

void grey_rcpt_norm(const char *rcpt, char *out, size_t size)
{
    const char *at = rcpt ? strrchr(rcpt, '@') : NULL;

    gt_copy(out, size, rcpt ? rcpt : "", rcpt ? strlen(rcpt) : 0);
    if (at != NULL && (size_t)(at - rcpt) < size)
        str_lower(out + (at - rcpt));
}

void grey_key_make(struct grey_key *k, const char *net, const char *from,
                   const char *rcpt)
{
    gt_copy(k->net, sizeof(k->net), net, strlen(net));
    grey_sender_norm(from, k->sender, sizeof(k->sender));
    grey_rcpt_norm(rcpt, k->rcpt, sizeof(k->rcpt));
}

void grey_key_triplet(const struct grey_key *k, char *buf, size_t size)
{
    snprintf(buf, size, "grey/t/%s/%s/%s", k->net, k->sender, k->rcpt);
}

void grey_key_awl(const char *net, char *buf, size_t size)
{
    snprintf(buf, size, "grey/a/%s", net);
}

int grey_key_parse(const char *key, struct grey_key *k)
{
    const char *p, *net_end, *s_end, *at;

    if (strncmp(key, "grey/t/", 7) != 0)
        return -1;
    p = key + 7;
    net_end = strchr(p, '/');
    if (net_end != NULL && strncmp(p, "spf:", 4) != 0)
        net_end = strchr(net_end + 1, '/'); /* "192.0.2.0/24/" */
    if (net_end == NULL)
        return -1;
    gt_copy(k->net, sizeof(k->net), p, (size_t)(net_end - p));
    p = net_end + 1;
    if (strncmp(p, "<>/", 3) == 0) {
        s_end = p + 2;
    } else {
        at = strchr(p, '@');
        s_end = at ? strchr(at, '/') : strchr(p, '/');
    }
    if (s_end == NULL)
        return -1;
    gt_copy(k->sender, sizeof(k->sender), p, (size_t)(s_end - p));
    gt_copy(k->rcpt, sizeof(k->rcpt), s_end + 1, strlen(s_end + 1));
    return 0;
}

void grey_client_net(const struct grey_conf *c, const char *ip, char *buf,
                     size_t size)
{
    greylist_net(ip, (int)c->ipv4_netmask, (int)c->ipv6_netmask, buf, size);
}
