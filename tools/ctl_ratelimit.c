/*
 * ctl_ratelimit - sluicectl ratelimit: the counters and timed blocks of
 * sluice-grey's rate limits in the store (grey.h STORE KEYS).
 *
 * SYNOPSIS
 *	sluicectl ratelimit list [RULE]
 *	sluicectl ratelimit reset RULE KEY
 *	sluicectl ratelimit block RULE KEY [DURATION]
 *	sluicectl ratelimit unblock RULE KEY
 *
 * DESCRIPTION
 *	RULE is the name of a rule of [grey] ratelimits; KEY its key as the
 *	milter writes it in its log lines: the client address, network,
 *	sender, domain, recipient or SASL user, several joined with '/'
 *	in the order of the rule's key= field ("alice",
 *	"alice/192.0.2.7").
 *
 *	list: every key of every rule (or of RULE) that has a counter or a
 *	block: its events in the window (an estimate from the GCRA state),
 *	the limit and window, the action, and until when it is blocked.
 *	reset: forget the key's counter (a block stays).
 *	block: block the key for DURATION (default: the rule's block_for,
 *	or 1h), as if it had gone over the limit.
 *	unblock: end the block at once, and forget the counter so that the
 *	next event is not over the limit again; exit 1 when the key had
 *	neither.
 *
 * OWNERSHIP
 *	Everything is freed before the command returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "grey.h"
#include "store.h"
#include "util.h"

static const char *const rl_usage[] = {
    "list [RULE]",
    "reset RULE KEY",
    "block RULE KEY [DURATION]",
    "unblock RULE KEY",
    NULL,
};

static const char *const rl_cols[] = {"rule",  "key",    "count",
                                      "limit", "action", "blocked_until",
                                      NULL};

struct rl_row {
    char *rule, *key;
    double count;
    time_t blocked; /* 0: not blocked */
};

struct rl_list {
    const struct grey_state *st;
    const char *only;
    struct rl_row *rows;
    size_t n;
    double now;
};

static struct rl_row *rl_row(struct rl_list *l, const char *rule,
                             const char *key)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->rows[i].rule, rule) == 0 &&
            strcmp(l->rows[i].key, key) == 0)
            return &l->rows[i];
    l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*l->rows));
    memset(&l->rows[l->n], 0, sizeof(*l->rows));
    l->rows[l->n].rule = xstrdup(rule);
    l->rows[l->n].key = xstrdup(key);
    return &l->rows[l->n++];
}

/* rl/c/RULE/KEY and rl/b/RULE/KEY (a rule name has no '/'). */
static int rl_scan_cb(const char *key, const void *val, size_t len,
                      time_t expires, void *arg)
{
    struct rl_list *l = arg;
    const struct grey_rule *r;
    char rule[64];
    const char *slash;
    struct rl_row *row;

    if (strncmp(key, "rl/", 3) != 0 || (key[3] != 'c' && key[3] != 'b') ||
        key[4] != '/' || (slash = strchr(key + 5, '/')) == NULL ||
        (size_t)(slash - key - 5) >= sizeof(rule))
        return 0;
    snprintf(rule, sizeof(rule), "%.*s", (int)(slash - key - 5), key + 5);
    if (l->only != NULL && strcmp(rule, l->only) != 0)
        return 0;
    row = rl_row(l, rule, slash + 1);
    r = grey_rule_find(l->st, rule);
    if (key[3] == 'b')
        row->blocked = expires ? expires : (time_t)-1;
    else if (r != NULL)
        row->count = grey_rule_count(r, val, l->now);
    (void)len;
    return 0;
}

static int rl_row_cmp(const void *a, const void *b)
{
    const struct rl_row *x = a, *y = b;
    int c = strcmp(x->rule, y->rule);

    return c ? c : strcmp(x->key, y->key);
}

static int rl_list(struct ctl *c, struct store *s, const struct grey_state *st,
                   const char *only)
{
    struct rl_list l = {st, only, NULL, 0, clock_wall_f()};
    struct ctl_table *t;
    const char *err;
    int rc = store_scan(s, "rl/", rl_scan_cb, &l, &err);

    if (rc == STORE_OK) {
        if (l.n > 1)
            qsort(l.rows, l.n, sizeof(*l.rows), rl_row_cmp);
        t = ctl_table_new(c, rl_cols);
        for (size_t i = 0; i < l.n; i++) {
            const struct grey_rule *r = grey_rule_find(st, l.rows[i].rule);
            char count[32], limit[96], action[64], until[32];

            snprintf(count, sizeof(count), "%.0f", l.rows[i].count);
            snprintf(limit, sizeof(limit), "(no such rule now)");
            action[0] = '\0';
            if (r != NULL) {
                grey_rule_limit_text(r, limit, sizeof(limit));
                grey_rule_action_text(r, action, sizeof(action));
            }
            if (l.rows[i].blocked == (time_t)-1)
                snprintf(until, sizeof(until), "forever");
            else
                ctl_time(l.rows[i].blocked, until, sizeof(until));
            ctl_table_row(t, l.rows[i].rule, l.rows[i].key, count, limit,
                          action, until);
        }
        ctl_table_print(t);
    } else {
        ctl_err("ratelimit", "%s", err);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.rows[i].rule);
        free(l.rows[i].key);
    }
    free(l.rows);
    return rc == STORE_OK ? CTL_EX_OK : CTL_EX_UNAVAILABLE;
}

static int rl_change(struct ctl *c, struct store *s,
                     const struct grey_state *st, const char *sub,
                     const struct grey_rule *r, int argc, char **argv)
{
    long long secs = grey_rule_block_for(r) > 0 ? grey_rule_block_for(r) : 3600;
    const char *err = NULL;
    int rc;

    if (strcmp(sub, "block") == 0) {
        if (argc == 3 && (cfg_parse_duration(argv[2], &secs, &err) < 0 ||
                          secs < 1 || secs > STORE_TTL_MAX)) {
            ctl_err("ratelimit", "%s: %s", argv[2],
                    err ? err : "out of range");
            return CTL_EX_USAGE;
        }
        rc = grey_rate_block(s, r, argv[1], secs, &err);
    } else if (strcmp(sub, "unblock") == 0) {
        rc = grey_rate_unblock(s, r, argv[1], &err);
    } else {
        rc = grey_rate_reset(s, r, argv[1], &err);
    }
    if (rc == STORE_ERROR) {
        ctl_err("ratelimit", "%s", err);
        return CTL_EX_UNAVAILABLE;
    }
    if (rc == STORE_NOTFOUND) {
        ctl_err("ratelimit", "%s %s: no counter%s", argv[0], argv[1],
                strcmp(sub, "unblock") == 0 ? " and no block" : "");
        return CTL_EX_NOTFOUND;
    }
    return rl_list(c, s, st, argv[0]);
}

static int rl_usage_ok(const char *sub, int argc)
{
    if (strcmp(sub, "list") == 0)
        return argc <= 1;
    if (strcmp(sub, "block") == 0)
        return argc == 2 || argc == 3;
    return argc == 2;
}

static int ratelimit_run(struct ctl *c, int argc, char **argv)
{
    const char *sub = argv[0];
    struct cfg_errors errs = {0};
    struct grey_state *st = NULL;
    const struct grey_rule *r = NULL;
    char *pw = NULL;
    struct store *s;
    int rc;

    argc--, argv++;
    if (strcmp(sub, "list") && strcmp(sub, "reset") && strcmp(sub, "block") &&
        strcmp(sub, "unblock")) {
        ctl_err("ratelimit", "unknown subcommand %s (sluicectl -h)", sub);
        return CTL_EX_USAGE;
    }
    if (!rl_usage_ok(sub, argc)) {
        ctl_err("ratelimit", "usage: sluicectl ratelimit %s",
                strcmp(sub, "reset") == 0     ? rl_usage[1]
                : strcmp(sub, "block") == 0   ? rl_usage[2]
                : strcmp(sub, "unblock") == 0 ? rl_usage[3]
                                              : rl_usage[0]);
        return CTL_EX_USAGE;
    }
    if (grey_module.setup(c->cfg, (void **)&st, &errs) < 0) {
        for (size_t i = 0; i < errs.n; i++)
            fprintf(stderr, "%s\n", errs.v[i]);
        cfg_errors_free(&errs);
        return CTL_EX_CONFIG;
    }
    if (argc >= 1 && (r = grey_rule_find(st, argv[0])) == NULL &&
        strcmp(sub, "list") != 0) {
        ctl_err("ratelimit", "no rule %s in [grey] ratelimits", argv[0]);
        grey_module.teardown(st);
        return CTL_EX_USAGE;
    }
    if (ctl_store_open(c, &s, &pw) < 0) {
        free(pw);
        grey_module.teardown(st);
        return CTL_EX_UNAVAILABLE;
    }
    if (strcmp(sub, "list") == 0)
        rc = rl_list(c, s, st, argc ? argv[0] : NULL);
    else
        rc = rl_change(c, s, st, sub, r, argc, argv);
    store_close(s);
    free(pw);
    grey_module.teardown(st);
    return rc;
}

const struct ctl_command ctl_ratelimit = {"ratelimit", rl_usage,
                                          ratelimit_run};
