/*
 * grey_policy - the greylisting decision for one triplet, over the store
 * (t/unit/grey_policy_test.c runs it on a real sqlite store with the fake
 * clock).
 *
 * DESCRIPTION
 *	grey_policy_check() answers for the triplet k at time now:
 *	  - its network is auto-whitelisted (grey/a/NET counted at least
 *	    auto_whitelist delivered triplets; 0: off): GREY_V_AWL;
 *	  - never seen (or its entry expired: a retry that came after
 *	    retry_window starts again): it is written, "NOW 0" with TTL
 *	    retry_window, and the answer is GREY_V_NEW (retry_in = delay);
 *	    with delay 0 it passes at once (GREY_V_PASSED, delayed 0);
 *	  - seen less than delay ago: GREY_V_EARLY (retry_in what is left),
 *	    the first-seen time unchanged (a client that retries every
 *	    minute still passes delay after its first try);
 *	  - seen at least delay ago, not passed yet: GREY_V_PASSED (delayed
 *	    = the seconds since the first try); the entry becomes "FIRST
 *	    NOW" with TTL pass_lifetime, and the network's auto-whitelist
 *	    counter counts one more delivered triplet.  The change is a
 *	    store_cas() against the value read, so that when two processes
 *	    (two MX hosts on one Redis) pass the same retry at once, the
 *	    triplet is counted once;
 *	  - passed before: GREY_V_KNOWN; its TTL is renewed to
 *	    pass_lifetime when less than pass_lifetime minus a day (or
 *	    minus half of it, when that is shorter) is left: at most one
 *	    write a day for a triplet in use.
 *	Any store failure is GREY_V_ERROR with r->error: never a pass.
 *	A value that cannot be read is taken as never seen.
 *
 *	grey_policy_awl() reads the auto-whitelist counter of a network.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grey.h"
#include "store.h"

#define GP_RENEW_SLACK 86400 /* renew a known triplet's TTL at most daily */

void grey_params_of(const struct grey_conf *c, struct grey_params *p)
{
    p->delay = c->delay;
    p->retry_window = c->retry_window;
    p->pass_lifetime = c->pass_lifetime;
    p->auto_whitelist = c->auto_whitelist;
}

const char *grey_verdict_name(enum grey_verdict v)
{
    switch (v) {
    case GREY_V_NEW: return "new";
    case GREY_V_EARLY: return "early";
    case GREY_V_PASSED: return "passed";
    case GREY_V_KNOWN: return "known";
    case GREY_V_AWL: return "auto-whitelisted";
    default: return "error";
    }
}

int grey_value_parse(const char *val, long long *first_r, long long *passed_r)
{
    char end;

    if (val == NULL ||
        sscanf(val, "%lld %lld%c", first_r, passed_r, &end) != 2 ||
        *first_r <= 0 || *passed_r < 0)
        return -1;
    return 0;
}

int grey_policy_awl(struct store *s, const struct grey_params *p,
                    const char *net, long long *count_r, const char **error_r)
{
    char key[GREY_KEY_MAX], *val = NULL;
    int rc;

    *count_r = 0;
    if (p->auto_whitelist <= 0)
        return 0;
    grey_key_awl(net, key, sizeof(key));
    rc = store_get(s, key, &val, NULL, NULL, error_r);
    if (rc == STORE_ERROR)
        return -1;
    if (rc == STORE_OK)
        *count_r = strtoll(val, NULL, 10);
    free(val);
    return *count_r >= p->auto_whitelist;
}

static enum grey_verdict gp_error(struct grey_result *r, const char *error)
{
    r->error = error;
    return GREY_V_ERROR;
}

/* First seen now: remember it (or pass it at once when delay is 0). */
static enum grey_verdict gp_new(struct store *s, const struct grey_params *p,
                                const char *key, const struct grey_key *k,
                                time_t now, struct grey_result *r)
{
    char val[64], awl[GREY_KEY_MAX];
    const char *err;

    snprintf(val, sizeof(val), "%lld %lld", (long long)now,
             p->delay > 0 ? 0LL : (long long)now);
    if (store_put(s, key, val, strlen(val),
                  p->delay > 0 ? p->retry_window : p->pass_lifetime,
                  &err) != STORE_OK)
        return gp_error(r, err);
    if (p->delay > 0) {
        r->retry_in = p->delay;
        return GREY_V_NEW;
    }
    grey_key_awl(k->net, awl, sizeof(awl));
    if (p->auto_whitelist > 0 &&
        store_incr(s, awl, 1, p->pass_lifetime, &r->awl, &err) != STORE_OK)
        return gp_error(r, err);
    return GREY_V_PASSED;
}

/* Retried after the delay: passed, counted once for auto-whitelisting. */
static enum grey_verdict gp_pass(struct store *s, const struct grey_params *p,
                                 const char *key, const struct grey_key *k,
                                 const char *old, long long first, time_t now,
                                 struct grey_result *r)
{
    char val[64], awl[GREY_KEY_MAX];
    const char *err;
    int rc;

    snprintf(val, sizeof(val), "%lld %lld", first, (long long)now);
    rc = store_cas(s, key, old, strlen(old), val, strlen(val),
                   p->pass_lifetime, &err);
    if (rc == STORE_ERROR)
        return gp_error(r, err);
    r->delayed = (long long)now - first;
    if (rc == STORE_CONFLICT || p->auto_whitelist <= 0)
        return GREY_V_PASSED; /* another process passed it just now */
    grey_key_awl(k->net, awl, sizeof(awl));
    if (store_incr(s, awl, 1, p->pass_lifetime, &r->awl, &err) != STORE_OK)
        return gp_error(r, err);
    return GREY_V_PASSED;
}

enum grey_verdict grey_policy_check(struct store *s, const struct grey_params *p,
                                    const struct grey_key *k, time_t now,
                                    struct grey_result *r)
{
    char key[GREY_KEY_MAX], *val = NULL;
    long long first, passed;
    time_t expires = 0;
    const char *err;
    enum grey_verdict v;
    int rc;

    memset(r, 0, sizeof(*r));
    rc = grey_policy_awl(s, p, k->net, &r->awl, &err);
    if (rc < 0)
        return gp_error(r, err);
    if (rc > 0)
        return GREY_V_AWL;
    grey_key_triplet(k, key, sizeof(key));
    rc = store_get(s, key, &val, NULL, &expires, &err);
    if (rc == STORE_ERROR)
        return gp_error(r, err);
    if (rc == STORE_NOTFOUND || grey_value_parse(val, &first, &passed) < 0 ||
        first > (long long)now) {
        free(val);
        return gp_new(s, p, key, k, now, r);
    }
    if (passed > 0) {
        long long slack = p->pass_lifetime / 2 < GP_RENEW_SLACK
                              ? p->pass_lifetime / 2
                              : GP_RENEW_SLACK;

        rc = STORE_OK;
        if (expires != 0 &&
            (long long)(expires - now) < p->pass_lifetime - slack)
            rc = store_put(s, key, val, strlen(val), p->pass_lifetime, &err);
        free(val);
        if (rc == STORE_ERROR)
            return gp_error(r, err);
        return GREY_V_KNOWN;
    }
    if ((long long)now - first < p->delay) {
        free(val);
        r->retry_in = p->delay - ((long long)now - first);
        return GREY_V_EARLY;
    }
    v = gp_pass(s, p, key, k, val, first, now, r);
    free(val);
    return v;
}
