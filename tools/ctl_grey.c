/*
 * ctl_grey - sluicectl grey: the greylisting state of sluice-grey in the
 * store (grey.h STORE KEYS).
 *
 * SYNOPSIS
 *	sluicectl grey list [CLIENT]
 *	sluicectl grey show CLIENT SENDER RECIPIENT
 *	sluicectl grey delete CLIENT [SENDER RECIPIENT]
 *	sluicectl grey whitelist CLIENT [SENDER RECIPIENT]
 *
 * DESCRIPTION
 *	CLIENT is an address (turned into its network with [grey]
 *	ipv4_netmask/ipv6_netmask, as the milter does), a network as the
 *	store has it ("192.0.2.0/24") or "spf:DOMAIN".  SENDER and
 *	RECIPIENT are normalised as the milter normalises them (BATV, SRS,
 *	+ext...), so the triplet of a message is found from its envelope.
 *
 *	list: every triplet, auto-whitelist count and remembered message
 *	(the greylist action's) whose client starts with CLIENT, sorted:
 *	type, client, sender, recipient, state (waiting, passed,
 *	whitelisted), first seen, expires.
 *	show: one triplet, with the auto-whitelist count of its client;
 *	exit 1 when the store has no such triplet.
 *	delete: the triplet, or with CLIENT alone every triplet of the
 *	client and its auto-whitelist count; exit 1 when nothing was there.
 *	whitelist: the triplet passes from now on (pass_lifetime), or with
 *	CLIENT alone the client is auto-whitelisted (its count set to
 *	auto_whitelist; an error when auto-whitelisting is off).
 *
 * OWNERSHIP
 *	Everything is freed before the command returns.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "grey.h"
#include "store.h"
#include "util.h"

static const char *const grey_usage[] = {
    "list [CLIENT]",
    "show CLIENT SENDER RECIPIENT",
    "delete CLIENT [SENDER RECIPIENT]",
    "whitelist CLIENT [SENDER RECIPIENT]",
    NULL,
};

static const char *const cg_cols[] = {"type",  "client",     "sender",
                                      "recipient", "state", "first_seen",
                                      "expires", NULL};

struct cg_row {
    char *cell[7];
};

struct cg_list {
    const struct grey_conf *gc;
    const char *client;
    struct cg_row *rows;
    size_t n;
};

/* CLIENT as the store has it: an address becomes its network. */
static void cg_client(const struct grey_conf *gc, const char *arg, char *buf,
                      size_t size)
{
    unsigned char a[16];

    if (inet_pton(AF_INET, arg, a) == 1 || inet_pton(AF_INET6, arg, a) == 1)
        grey_client_net(gc, arg, buf, size);
    else
        snprintf(buf, size, "%s", arg);
}

static void cg_add(struct cg_list *l, const char *type, const char *client,
                   const char *sender, const char *rcpt, const char *state,
                   time_t first, time_t expires)
{
    struct cg_row *r;
    char t1[32], t2[32];

    ctl_time(first, t1, sizeof(t1));
    ctl_time(expires, t2, sizeof(t2));
    l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*l->rows));
    r = &l->rows[l->n++];
    r->cell[0] = xstrdup(type);
    r->cell[1] = xstrdup(client);
    r->cell[2] = xstrdup(sender);
    r->cell[3] = xstrdup(rcpt);
    r->cell[4] = xstrdup(state);
    r->cell[5] = xstrdup(t1);
    r->cell[6] = xstrdup(t2);
}

/* "waiting", "passed", or for a count "3 delivered"/"whitelisted (5)". */
static void cg_state(long long first, long long passed, char *buf, size_t size)
{
    char t[32];

    if (passed == 0) {
        snprintf(buf, size, "waiting");
        return;
    }
    ctl_time((time_t)passed, t, sizeof(t));
    snprintf(buf, size, "passed %s (after %llds)", t, passed - first);
}

static int cg_scan_cb(const char *key, const void *val, size_t len,
                      time_t expires, void *arg)
{
    struct cg_list *l = arg;
    const char *v = val;
    long long first = 0, passed = 0, n;
    char state[96];
    struct grey_key k;

    if (grey_key_parse(key, &k) == 0) {
        if (strncmp(k.net, l->client, strlen(l->client)) != 0)
            return 0;
        if (grey_value_parse(v, &first, &passed) < 0)
            snprintf(state, sizeof(state), "unreadable");
        else
            cg_state(first, passed, state, sizeof(state));
        cg_add(l, "triplet", k.net, k.sender, k.rcpt, state, (time_t)first,
               expires);
    } else if (strncmp(key, "grey/a/", 7) == 0) {
        if (strncmp(key + 7, l->client, strlen(l->client)) != 0)
            return 0;
        n = strtoll(v, NULL, 10);
        if (l->gc->auto_whitelist > 0 && n >= l->gc->auto_whitelist)
            snprintf(state, sizeof(state), "whitelisted (%lld delivered)", n);
        else
            snprintf(state, sizeof(state), "%lld delivered", n);
        cg_add(l, "auto-whitelist", key + 7, "", "", state, 0, expires);
    } else if (strncmp(key, "grey/m/", 7) == 0 && *l->client == '\0') {
        if (grey_value_parse(v, &first, &passed) < 0)
            snprintf(state, sizeof(state), "unreadable");
        else
            cg_state(first, passed, state, sizeof(state));
        cg_add(l, "message", key + 7, "", "", state, (time_t)first, expires);
    }
    (void)len;
    return 0;
}

static int cg_row_cmp(const void *a, const void *b)
{
    const struct cg_row *x = a, *y = b;

    for (int i = 1; i < 4; i++) {
        int c = strcmp(x->cell[i], y->cell[i]);

        if (c != 0)
            return c;
    }
    return strcmp(x->cell[0], y->cell[0]);
}

static void cg_rows_free(struct cg_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        for (int j = 0; j < 7; j++)
            free(l->rows[i].cell[j]);
    free(l->rows);
}

/* The rows as a table (sorted by the caller), then freed. */
static void cg_print(struct ctl *c, struct cg_list *l)
{
    struct ctl_table *t = ctl_table_new(c, cg_cols);

    for (size_t i = 0; i < l->n; i++) {
        char **r = l->rows[i].cell;

        ctl_table_row(t, r[0], r[1], r[2], r[3], r[4], r[5], r[6]);
    }
    ctl_table_print(t);
    cg_rows_free(l);
}

static int cg_list(struct ctl *c, struct store *s, const struct grey_conf *gc,
                   const char *client)
{
    struct cg_list l = {gc, client, NULL, 0};
    const char *err;

    if (store_scan(s, "grey/", cg_scan_cb, &l, &err) != STORE_OK) {
        ctl_err("grey", "%s", err);
        cg_rows_free(&l);
        return CTL_EX_UNAVAILABLE;
    }
    if (l.n > 1)
        qsort(l.rows, l.n, sizeof(*l.rows), cg_row_cmp);
    cg_print(c, &l);
    return CTL_EX_OK;
}

/* The triplet of CLIENT SENDER RECIPIENT, as the milter keys it. */
static void cg_key(const struct grey_conf *gc, char **argv, struct grey_key *k,
                   char *key, size_t size)
{
    char net[GREYLIST_NET_MAX + 8];

    cg_client(gc, argv[0], net, sizeof(net));
    grey_key_make(k, net, argv[1], argv[2]);
    grey_key_triplet(k, key, size);
}

static int cg_show(struct ctl *c, struct store *s, const struct grey_conf *gc,
                   char **argv)
{
    struct cg_list l = {gc, "", NULL, 0};
    struct grey_key k;
    char key[GREY_KEY_MAX], awl[GREY_KEY_MAX], *val = NULL;
    time_t exp = 0;
    const char *err;
    int rc;

    cg_key(gc, argv, &k, key, sizeof(key));
    rc = store_get(s, key, &val, NULL, &exp, &err);
    if (rc == STORE_OK) {
        cg_scan_cb(key, val, strlen(val), exp, &l);
        free(val);
        val = NULL;
        grey_key_awl(k.net, awl, sizeof(awl));
        rc = store_get(s, awl, &val, NULL, &exp, &err);
        if (rc == STORE_OK)
            cg_scan_cb(awl, val, strlen(val), exp, &l);
        free(val);
        rc = rc == STORE_ERROR ? STORE_ERROR : STORE_OK;
    }
    if (rc == STORE_ERROR) {
        ctl_err("grey", "%s", err);
        cg_rows_free(&l);
        return CTL_EX_UNAVAILABLE;
    }
    if (rc == STORE_NOTFOUND) {
        ctl_err("grey", "no triplet %s <%s> <%s>", k.net, k.sender, k.rcpt);
        return CTL_EX_NOTFOUND;
    }
    cg_print(c, &l);
    return CTL_EX_OK;
}

struct cg_del {
    struct store *s;
    char prefix[GREY_KEY_MAX];
    struct ctl_table *t;
    size_t n;
    const char *err;
    int failed;
};

static int cg_del_cb(const char *key, const void *val, size_t len,
                     time_t expires, void *arg)
{
    struct cg_del *d = arg;
    int rc;

    if (strncmp(key, d->prefix, strlen(d->prefix)) != 0)
        return 0;
    rc = store_del(d->s, key, &d->err);
    if (rc == STORE_ERROR) {
        d->failed = 1;
        return 1;
    }
    if (rc == STORE_OK) {
        ctl_table_row(d->t, key);
        d->n++;
    }
    (void)val, (void)len, (void)expires;
    return 0;
}

static int cg_delete(struct ctl *c, struct store *s,
                     const struct grey_conf *gc, int argc, char **argv)
{
    static const char *const cols[] = {"deleted", NULL};
    struct cg_del d;
    struct grey_key k;
    char net[GREYLIST_NET_MAX + 8];
    int rc = STORE_OK;

    memset(&d, 0, sizeof(d));
    d.s = s;
    d.t = ctl_table_new(c, cols);
    if (argc >= 3) {
        cg_key(gc, argv, &k, d.prefix, sizeof(d.prefix));
        cg_del_cb(d.prefix, "", 0, 0, &d);
    } else {
        cg_client(gc, argv[0], net, sizeof(net));
        snprintf(d.prefix, sizeof(d.prefix), "grey/t/%s/", net);
        rc = store_scan(s, d.prefix, cg_del_cb, &d, &d.err);
        grey_key_awl(net, d.prefix, sizeof(d.prefix));
        if (rc == STORE_OK && !d.failed)
            cg_del_cb(d.prefix, "", 0, 0, &d);
    }
    if (rc != STORE_OK || d.failed) {
        ctl_err("grey", "%s", d.err);
        ctl_table_print(d.t);
        return CTL_EX_UNAVAILABLE;
    }
    ctl_table_print(d.t);
    if (d.n == 0) {
        ctl_err("grey", "nothing to delete for %s", argv[0]);
        return CTL_EX_NOTFOUND;
    }
    return CTL_EX_OK;
}

static int cg_whitelist(struct ctl *c, struct store *s,
                        const struct grey_conf *gc, int argc, char **argv)
{
    char key[GREY_KEY_MAX], val[64], net[GREYLIST_NET_MAX + 8];
    long long now = (long long)clock_wall();
    struct grey_key k;
    const char *err;

    if (argc >= 3) {
        cg_key(gc, argv, &k, key, sizeof(key));
        snprintf(val, sizeof(val), "%lld %lld", now, now);
    } else if (gc->auto_whitelist <= 0) {
        ctl_err("grey", "auto_whitelist is 0 in [grey]: whitelist a triplet, "
                        "or list the client in exempt_clients");
        return CTL_EX_USAGE;
    } else {
        cg_client(gc, argv[0], net, sizeof(net));
        grey_key_awl(net, key, sizeof(key));
        snprintf(val, sizeof(val), "%lld", gc->auto_whitelist);
    }
    if (store_put(s, key, val, strlen(val), gc->pass_lifetime, &err) !=
        STORE_OK) {
        ctl_err("grey", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    if (argc >= 3)
        return cg_show(c, s, gc, argv);
    return cg_list(c, s, gc, net);
}

static int grey_run(struct ctl *c, int argc, char **argv)
{
    const struct grey_conf *gc = cfg_section(c->cfg, "grey");
    const char *sub = argv[0];
    char client[GREYLIST_NET_MAX + 8] = "", *pw = NULL;
    struct store *s;
    int rc;

    argc--, argv++;
    if (gc == NULL) {
        ctl_err("grey", "no [grey] section");
        return CTL_EX_CONFIG;
    }
    if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "delete") &&
        strcmp(sub, "whitelist")) {
        ctl_err("grey", "unknown subcommand %s (sluicectl -h)", sub);
        return CTL_EX_USAGE;
    }
    if (!((strcmp(sub, "list") == 0 && argc <= 1) ||
          (strcmp(sub, "show") == 0 && argc == 3) ||
          ((strcmp(sub, "delete") == 0 || strcmp(sub, "whitelist") == 0) &&
           (argc == 1 || argc == 3)))) {
        ctl_err("grey", "usage: sluicectl grey %s",
                strcmp(sub, "show") == 0        ? grey_usage[1]
                : strcmp(sub, "delete") == 0    ? grey_usage[2]
                : strcmp(sub, "whitelist") == 0 ? grey_usage[3]
                                                : grey_usage[0]);
        return CTL_EX_USAGE;
    }
    if (ctl_store_open(c, &s, &pw) < 0) {
        free(pw);
        return CTL_EX_UNAVAILABLE;
    }
    if (strcmp(sub, "list") == 0) {
        if (argc == 1)
            cg_client(gc, argv[0], client, sizeof(client));
        rc = cg_list(c, s, gc, client);
    } else if (strcmp(sub, "show") == 0) {
        rc = cg_show(c, s, gc, argv);
    } else if (strcmp(sub, "delete") == 0) {
        rc = cg_delete(c, s, gc, argc, argv);
    } else {
        rc = cg_whitelist(c, s, gc, argc, argv);
    }
    store_close(s);
    free(pw);
    return rc;
}

const struct ctl_command ctl_grey = {"grey", grey_usage, grey_run};
