/*
 * grey_rate - rate limits: rules, a GCRA per rule and key over the store,
 * timed blocks.
 *
 * DESCRIPTION
 *	A rule is one item of [grey] ratelimits:
 *	    "NAME key=K[+K...] count=C limit=N/DURATION [action=A]
 *	     [block_for=DURATION] [allow=MAP] [score=S]"
 *	K: client_ip, client_net (the triplet's network), sender,
 *	sender_domain, recipient, sasl_user.  C: connections (keys
 *	client_ip and client_net only), messages, recipients, bytes (N may
 *	be "50M").  A: tempfail (default; 451 4.7.1), reject (550 5.7.1)
 *	or tag (the symbol GREY_RATELIMIT with score S, default 5, and the
 *	message goes on).  A rule whose key needs what an event does not
 *	have (no SASL user) does not apply to it.  allow: a map; a client
 *	address, sender, recipient or SASL user of the key found in it
 *	(whichever the map can look up) makes the rule skip the event.
 *
 *	Counting is a GCRA (the generic cell rate algorithm, a sliding
 *	window without bursts at window boundaries): the counter
 *	rl/c/RULE/KEY holds the theoretical arrival time TAT; an event of
 *	cost c (1, or the message's bytes) at time now moves it to
 *	max(TAT, now) + c*W/N, and is over the limit when that is more
 *	than W past now (N events fit in any window of W seconds, then one
 *	every W/N).  An event over the limit is not counted.  The update
 *	is a store_cas() against the value read, retried on a conflict
 *	(another process counted meanwhile), so that the processes of a
 *	cluster sharing one Redis count the sum of their events.
 *
 *	When an event is over the limit and block_for is set, the block
 *	rl/b/RULE/KEY is written ("SINCE COUNT", TTL block_for) unless it
 *	exists: the process that writes it logs the start of the block
 *	once, with the count.  While a block exists every event of that key
 *	gets the rule's action, under the limit or not, at the first stage
 *	the key is known (connect for client keys only, RCPT for keys with
 *	the recipient, else MAIL FROM); it ends by itself.
 *
 *	Events are counted at: connect (connections), MAIL FROM (messages;
 *	at RCPT, once per recipient, when the key has the recipient), RCPT
 *	(recipients), end of message (bytes: msg->size).
 *
 * DIAGNOSTICS
 *	A store failure is MOD_ERROR with its reason (the on_error path):
 *	never a pass by default.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "grey.h"
#include "log.h"
#include "store.h"
#include "util.h"

#define GR_CAS_TRIES 16
#define GR_NAME_MAX 32

enum { GR_IP = 1, GR_NET = 2, GR_SENDER = 4, GR_DOMAIN = 8, GR_RCPT = 16,
       GR_SASL = 32 };
enum { GR_CONNECTIONS = 0, GR_MESSAGES, GR_RECIPIENTS, GR_BYTES };
enum { GR_TEMPFAIL = 0, GR_REJECT, GR_TAG };

static const char *const gr_key_names[] = {"client_ip", "client_net", "sender",
                                           "sender_domain", "recipient",
                                           "sasl_user", NULL};
static const char *const gr_counter_names[] = {"connections", "messages",
                                               "recipients", "bytes", NULL};
static const char *const gr_action_names[] = {"tempfail", "reject", "tag",
                                              NULL};

struct grey_rule {
    char *name;
    unsigned keys;
    int counter;
    double limit;
    long long window;
    int action;
    long long block_for;
    struct map *allow;
    double score;
    enum grey_stage block_stage, count_stage;
};

static int gr_word(const char *const *names, const char *s, size_t n)
{
    for (int i = 0; names[i] != NULL; i++)
        if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0)
            return i;
    if (names == gr_key_names && n == 4 && strncmp(s, "rcpt", 4) == 0)
        return 4;
    return -1;
}

static int gr_parse_keys(struct grey_rule *r, const char *v, const char **why)
{
    while (*v) {
        const char *e = strchr(v, '+');
        size_t n = e ? (size_t)(e - v) : strlen(v);
        int k = gr_word(gr_key_names, v, n);

        if (k < 0) {
            *why = "unknown key (client_ip, client_net, sender, "
                   "sender_domain, recipient, sasl_user)";
            return -1;
        }
        r->keys |= 1u << k;
        v += n + (e != NULL);
    }
    return r->keys ? 0 : -1;
}

static int gr_parse_limit(struct grey_rule *r, const char *v, const char **why)
{
    const char *slash = strchr(v, '/');
    char num[64];
    long long n;

    if (slash == NULL || (size_t)(slash - v) >= sizeof(num)) {
        *why = "limit is N/DURATION, e.g. 100/10m";
        return -1;
    }
    snprintf(num, sizeof(num), "%.*s", (int)(slash - v), v);
    if (cfg_parse_size(num, &n, why) < 0 || n < 1 ||
        cfg_parse_duration(slash + 1, &r->window, why) < 0 || r->window < 1) {
        *why = "limit is N/DURATION with N >= 1 and a duration of at least 1s";
        return -1;
    }
    r->limit = (double)n;
    return 0;
}

/* One "name=value" field of a rule. */
static int gr_field(struct grey_rule *r, const char *f, const char *cfgfile,
                    const char **why)
{
    const char *eq = strchr(f, '=');
    const char *v = eq ? eq + 1 : "";
    size_t n = eq ? (size_t)(eq - f) : strlen(f);
    char *end;

    if (eq == NULL || *v == '\0') {
        *why = "fields are name=value";
        return -1;
    }
    if (n == 3 && strncmp(f, "key", 3) == 0)
        return gr_parse_keys(r, v, why);
    if (n == 5 && strncmp(f, "count", 5) == 0)
        return (r->counter = gr_word(gr_counter_names, v, strlen(v))) < 0
                   ? (*why = "count is connections, messages, recipients "
                             "or bytes", -1)
                   : 0;
    if (n == 5 && strncmp(f, "limit", 5) == 0)
        return gr_parse_limit(r, v, why);
    if (n == 6 && strncmp(f, "action", 6) == 0)
        return (r->action = gr_word(gr_action_names, v, strlen(v))) < 0
                   ? (*why = "action is tempfail, reject or tag", -1)
                   : 0;
    if (n == 9 && strncmp(f, "block_for", 9) == 0)
        return cfg_parse_duration(v, &r->block_for, why);
    if (n == 5 && strncmp(f, "allow", 5) == 0) {
        if (r->allow != NULL)
            map_close(r->allow);
        return (r->allow = map_open(v, cfgfile, why)) == NULL ? -1 : 0;
    }
    if (n == 5 && strncmp(f, "score", 5) == 0) {
        r->score = strtod(v, &end);
        return *end ? (*why = "score is a number", -1) : 0;
    }
    *why = "unknown field (key, count, limit, action, block_for, allow, "
           "score)";
    return -1;
}

/* The stages: where the key is known first, and where events count. */
static int gr_stages(struct grey_rule *r, const char **why)
{
    unsigned conn_keys = GR_IP | GR_NET;

    r->block_stage = (r->keys & ~conn_keys) == 0 ? GREY_ST_CONNECT
                     : (r->keys & GR_RCPT)     ? GREY_ST_RCPT
                                               : GREY_ST_MAIL;
    switch (r->counter) {
    case GR_CONNECTIONS:
        if (r->block_stage != GREY_ST_CONNECT) {
            *why = "connections are counted per client_ip or client_net";
            return -1;
        }
        r->count_stage = GREY_ST_CONNECT;
        break;
    case GR_MESSAGES:
        r->count_stage = r->keys & GR_RCPT ? GREY_ST_RCPT : GREY_ST_MAIL;
        break;
    case GR_RECIPIENTS: r->count_stage = GREY_ST_RCPT; break;
    default: r->count_stage = GREY_ST_EOM; break;
    }
    if (r->block_stage == GREY_ST_CONNECT && r->counter != GR_CONNECTIONS)
        r->block_stage = GREY_ST_MAIL; /* refuse messages, not sessions */
    return 0;
}

static void gr_rule_free(struct grey_rule *r)
{
    free(r->name);
    if (r->allow)
        map_close(r->allow);
}

static int gr_rule_parse(struct grey_rule *r, const char *text,
                         const char *cfgfile, const char **why)
{
    char *copy = xstrdup(text), *save = NULL, *tok;
    int rc = 0, have_key = 0, have_limit = 0;

    memset(r, 0, sizeof(*r));
    r->counter = -1;
    r->score = 5;
    tok = strtok_r(copy, " \t", &save);
    if (tok == NULL || strchr(tok, '=') || strlen(tok) > GR_NAME_MAX ||
        strspn(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_-") != strlen(tok)) {
        *why = "a rule starts with its name (letters, digits, _ and -, at "
               "most 32)";
        free(copy);
        return -1;
    }
    r->name = xstrdup(tok);
    while (rc == 0 && (tok = strtok_r(NULL, " \t", &save)) != NULL) {
        have_key |= strncmp(tok, "key=", 4) == 0;
        have_limit |= strncmp(tok, "limit=", 6) == 0;
        rc = gr_field(r, tok, cfgfile, why);
    }
    free(copy);
    if (rc == 0 && (!have_key || !have_limit || r->counter < 0)) {
        *why = "a rule needs key=, count= and limit=";
        rc = -1;
    }
    return rc == 0 ? gr_stages(r, why) : -1;
}

int grey_rules_parse(struct grey_state *st, const struct cfg_list *l,
                     struct cfg_errors *errs)
{
    int bad = 0;

    st->rules = xcalloc(l->n + 1, sizeof(*st->rules));
    for (size_t i = 0; i < l->n; i++) {
        struct grey_rule *r = &st->rules[st->nrules];
        const char *why = NULL;

        if (gr_rule_parse(r, l->v[i], cfg_path(st->cfg), &why) == 0 &&
            grey_rule_find(st, r->name) != NULL)
            why = "a rule of that name comes earlier";
        if (why != NULL) {
            cfg_errors_add(errs, "%s: [grey] ratelimits: \"%s\": %s",
                           cfg_path(st->cfg), l->v[i], why);
            gr_rule_free(r);
            bad = 1;
            continue;
        }
        st->nrules++;
    }
    return bad ? -1 : 0;
}

void grey_rules_free(struct grey_state *st)
{
    for (size_t i = 0; i < st->nrules; i++)
        gr_rule_free(&st->rules[i]);
    free(st->rules);
    st->rules = NULL;
    st->nrules = 0;
}

const struct grey_rule *grey_rule_find(const struct grey_state *st,
                                       const char *name)
{
    for (size_t i = 0; i < st->nrules; i++)
        if (strcmp(st->rules[i].name, name) == 0)
            return &st->rules[i];
    return NULL;
}

const char *grey_rule_name(const struct grey_rule *r) { return r->name; }
long long grey_rule_block_for(const struct grey_rule *r) { return r->block_for; }
double grey_rule_limit(const struct grey_rule *r) { return r->limit; }

void grey_rule_limit_text(const struct grey_rule *r, char *buf, size_t size)
{
    snprintf(buf, size, "%.0f %s/%llds by ", r->limit,
             gr_counter_names[r->counter], r->window);
    for (int k = 0, first = 1; gr_key_names[k]; k++)
        if (r->keys & (1u << k)) {
            size_t n = strlen(buf);

            snprintf(buf + n, size - n, "%s%s", first ? "" : "+",
                     gr_key_names[k]);
            first = 0;
        }
}

void grey_rule_action_text(const struct grey_rule *r, char *buf, size_t size)
{
    if (r->block_for > 0)
        snprintf(buf, size, "%s, block_for %llds", gr_action_names[r->action],
                 r->block_for);
    else
        snprintf(buf, size, "%s", gr_action_names[r->action]);
}

double grey_rule_count(const struct grey_rule *r, const char *val, double now)
{
    double tat = val ? strtod(val, NULL) : 0, t = (double)r->window / r->limit;

    return tat > now ? (tat - now) / t : 0;
}

/* What the rule counts for this event, with the rate-limit part of it. */
struct gr_event {
    const char *ip, *from, *rcpt, *user;
    char net[GREYLIST_NET_MAX];
};

/* The rule's key for the event into buf; 0, or 1: it does not apply. */
static int gr_key(const struct grey_rule *r, const struct gr_event *e,
                  char *buf, size_t size)
{
    struct strbuf b;
    char a[GREY_ADDR_MAX];
    const char *at;

    if (((r->keys & GR_SASL) && (e->user == NULL || *e->user == '\0')) ||
        ((r->keys & (GR_IP | GR_NET)) && *e->ip == '\0') ||
        ((r->keys & (GR_SENDER | GR_DOMAIN)) && e->from == NULL) ||
        ((r->keys & GR_RCPT) && e->rcpt == NULL))
        return 1;
    strbuf_init(&b, 0);
    if (r->keys & GR_IP)
        strbuf_printf(&b, "/%s", e->ip);
    if (r->keys & GR_NET)
        strbuf_printf(&b, "/%s", e->net);
    if (r->keys & (GR_SENDER | GR_DOMAIN)) {
        grey_rcpt_norm(*e->from ? e->from : "<>", a, sizeof(a));
        at = strrchr(a, '@');
        if (r->keys & GR_SENDER)
            strbuf_printf(&b, "/%s", a);
        if (r->keys & GR_DOMAIN)
            strbuf_printf(&b, "/%s", at ? at + 1 : a);
    }
    if (r->keys & GR_RCPT) {
        grey_rcpt_norm(e->rcpt, a, sizeof(a));
        strbuf_printf(&b, "/%s", a);
    }
    if (r->keys & GR_SASL)
        strbuf_printf(&b, "/%s", e->user);
    snprintf(buf, size, "%s", b.data + 1);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    strbuf_free(&b);
    return 0;
}

static int gr_allowed(const struct grey_rule *r, const struct gr_event *e,
                      const char *qid)
{
    if (r->allow == NULL)
        return 0;
    return ((r->keys & (GR_IP | GR_NET)) &&
            map_has_quiet(r->allow, e->ip, qid, "grey")) ||
           ((r->keys & (GR_SENDER | GR_DOMAIN)) && e->from && *e->from &&
            map_has_quiet(r->allow, e->from, qid, "grey")) ||
           ((r->keys & GR_RCPT) && map_has_quiet(r->allow, e->rcpt, qid, "grey")) ||
           ((r->keys & GR_SASL) && map_has_quiet(r->allow, e->user, qid, "grey"));
}

/*
 * Count cost events: 0 within the limit, 1 over it, -1 on error.
 * *count_r: the events in the window, this one included.
 */
static int gr_gcra(struct store *s, const struct grey_rule *r,
                   const char *key, double cost, double now, double *count_r,
                   const char **error_r)
{
    double t = (double)r->window / r->limit;

    for (int tries = 0; tries < GR_CAS_TRIES; tries++) {
        char *val = NULL, next[48];
        size_t len = 0;
        double tat, ntat;
        int rc = store_get(s, key, &val, &len, NULL, error_r);

        if (rc == STORE_ERROR)
            return -1;
        tat = rc == STORE_OK ? strtod(val, NULL) : 0;
        if (!(tat > now) || !isfinite(tat))
            tat = now;
        ntat = tat + cost * t;
        *count_r = ceil((ntat - now) / t - 1e-6);
        if (ntat - now > (double)r->window + 1e-6) {
            free(val);
            return 1;
        }
        snprintf(next, sizeof(next), "%.3f", ntat);
        rc = store_cas(s, key, rc == STORE_OK ? val : NULL, len, next,
                       strlen(next), (long long)ceil(ntat - now) + 1, error_r);
        free(val);
        if (rc != STORE_CONFLICT)
            return rc == STORE_OK ? 0 : -1;
    }
    *error_r = "rate limit: the counter changed under every try";
    return -1;
}

static const char *gr_unit(const struct grey_rule *r)
{
    return gr_counter_names[r->counter];
}

/* The rule's answer for this event: its action (tag goes on). */
static enum mod_rc gr_act(struct mod_ctx *x, const struct grey_rule *r,
                          const char *key, const char *why)
{
    if (r->action == GR_TAG) {
        result_add(x->res, "GREY_RATELIMIT", r->score, r->name);
        log_info(mod_qid(x), "grey: ratelimit %s: %s: %s (tagged)", r->name,
                 key, why);
        return MOD_CONTINUE;
    }
    result_add(x->res, "GREY_RATELIMIT", 0, r->name);
    mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x),
              r->action == GR_REJECT ? "grey_ratelimit_reject"
                                     : "grey_ratelimit_tempfail",
              NULL, 0);
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf),
             "ratelimit %s: %s: %s", r->name, key, why);
    x->out.reason = x->out.reason_buf;
    return r->action == GR_REJECT ? MOD_REJECT : MOD_TEMPFAIL;
}

static enum mod_rc gr_fail(struct mod_ctx *x, const char *err)
{
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", err);
    x->out.reason = x->out.reason_buf;
    return MOD_ERROR;
}

static void gr_store_key(char *buf, size_t size, const char *kind,
                         const struct grey_rule *r, const char *key)
{
    snprintf(buf, size, "rl/%s/%s/%s", kind, r->name, key);
}

/* A block of this key: its action; else go on. */
static enum mod_rc gr_blocked(struct mod_ctx *x, const struct grey_rule *r,
                              const char *key)
{
    char k[GREY_KEY_MAX], why[96];
    time_t expires = 0;
    const char *err;
    int rc;

    gr_store_key(k, sizeof(k), "b", r, key);
    rc = store_get(x->env->store, k, NULL, NULL, &expires, &err);
    if (rc == STORE_ERROR)
        return gr_fail(x, err);
    if (rc == STORE_NOTFOUND)
        return MOD_CONTINUE;
    snprintf(why, sizeof(why), "blocked for %lld more seconds",
             expires ? (long long)(expires - clock_wall()) : 0LL);
    return gr_act(x, r, key, why);
}

/* Over the limit: start the block (logged once, by whoever starts it). */
static enum mod_rc gr_over(struct mod_ctx *x, const struct grey_rule *r,
                           const char *key, double count)
{
    char k[GREY_KEY_MAX], val[64], why[160];
    const char *err;
    int rc;

    snprintf(why, sizeof(why), "%.0f %s in %llds over the limit of %.0f",
             count, gr_unit(r), r->window, r->limit);
    if (r->block_for <= 0)
        return gr_act(x, r, key, why);
    gr_store_key(k, sizeof(k), "b", r, key);
    snprintf(val, sizeof(val), "%lld %.0f", (long long)clock_wall(), count);
    rc = store_cas(x->env->store, k, NULL, 0, val, strlen(val), r->block_for,
                   &err);
    if (rc == STORE_ERROR)
        return gr_fail(x, err);
    if (rc == STORE_OK)
        log_warn(mod_qid(x),
                 "grey: ratelimit %s: %s blocked for %llds: %.0f %s in %llds "
                 "(limit %.0f), action %s",
                 r->name, key, r->block_for, count, gr_unit(r), r->window,
                 r->limit, gr_action_names[r->action]);
    return gr_act(x, r, key, why);
}

static enum mod_rc gr_event_run(struct mod_ctx *x, const struct grey_rule *r,
                                const struct gr_event *e, int count)
{
    char key[GREY_KEY_MAX / 2], k[GREY_KEY_MAX];
    const char *err;
    double n = 0, cost;
    int rc;

    if (gr_key(r, e, key, sizeof(key)) != 0 || gr_allowed(r, e, mod_qid(x)))
        return MOD_CONTINUE;
    if (!count)
        return gr_blocked(x, r, key);
    cost = r->counter == GR_BYTES && x->msg ? (double)x->msg->size : 1;
    gr_store_key(k, sizeof(k), "c", r, key);
    rc = gr_gcra(x->env->store, r, k, cost, clock_wall_f(), &n, &err);
    if (rc < 0)
        return gr_fail(x, err);
    return rc == 0 ? MOD_CONTINUE : gr_over(x, r, key, n);
}

static void gr_event_of(struct mod_ctx *x, struct gr_event *e)
{
    const struct grey_state *st = x->state;

    memset(e, 0, sizeof(*e));
    e->ip = x->conn->client_addr ? x->conn->client_addr : "";
    grey_client_net(st->conf, e->ip, e->net, sizeof(e->net));
    e->from = x->msg ? x->msg->from : NULL;
    e->rcpt = x->rcpt;
    e->user = x->msg ? x->msg->auth_user : NULL;
}

/* One rule at one stage: its block check and/or its count; at the end
 * of message a rule keyed on the recipient counts each recipient. */
static enum mod_rc gr_rule_stage(struct mod_ctx *x, const struct grey_rule *r,
                                 struct gr_event *e, enum grey_stage stage)
{
    enum mod_rc rc = MOD_CONTINUE;

    if (r->block_stage == stage &&
        (rc = gr_event_run(x, r, e, 0)) != MOD_CONTINUE)
        return rc;
    if (r->count_stage != stage)
        return MOD_CONTINUE;
    if (stage != GREY_ST_EOM || !(r->keys & GR_RCPT))
        return gr_event_run(x, r, e, 1);
    for (size_t i = 0; i < x->msg->nrcpts && rc == MOD_CONTINUE; i++) {
        e->rcpt = x->msg->rcpts[i];
        rc = gr_event_run(x, r, e, 1);
    }
    e->rcpt = NULL;
    return rc;
}

enum mod_rc grey_rate_stage(struct mod_ctx *x, enum grey_stage stage)
{
    const struct grey_state *st = x->state;
    struct gr_event e;
    enum mod_rc rc;

    if (st->nrules == 0)
        return MOD_CONTINUE;
    gr_event_of(x, &e);
    for (size_t i = 0; i < st->nrules; i++)
        if ((rc = gr_rule_stage(x, &st->rules[i], &e, stage)) != MOD_CONTINUE)
            return rc;
    return MOD_CONTINUE;
}

/* sluicectl's changes. */
int grey_rate_block(struct store *s, const struct grey_rule *r,
                    const char *key, long long seconds, const char **error_r)
{
    char k[GREY_KEY_MAX], val[64];

    gr_store_key(k, sizeof(k), "b", r, key);
    snprintf(val, sizeof(val), "%lld -1", (long long)clock_wall());
    return store_put(s, k, val, strlen(val), seconds, error_r);
}

int grey_rate_reset(struct store *s, const struct grey_rule *r,
                    const char *key, const char **error_r)
{
    char k[GREY_KEY_MAX];

    gr_store_key(k, sizeof(k), "c", r, key);
    return store_del(s, k, error_r);
}

int grey_rate_unblock(struct store *s, const struct grey_rule *r,
                      const char *key, const char **error_r)
{
    char k[GREY_KEY_MAX];
    int rc, rc2;

    gr_store_key(k, sizeof(k), "b", r, key);
    if ((rc = store_del(s, k, error_r)) == STORE_ERROR)
        return rc;
    if ((rc2 = grey_rate_reset(s, r, key, error_r)) == STORE_ERROR)
        return rc2;
    return rc == STORE_OK || rc2 == STORE_OK ? STORE_OK : STORE_NOTFOUND;
}
