/*
 * grey_module - sluice-grey as a module: setup, the services it needs,
 * and the stage callbacks.
 *
 * DESCRIPTION
 *	setup() parses the DNS allow lists (dnsxl) and the rate-limit rules
 *	(grey_rate.c); teardown() frees them.  needs_of() asks for the
 *	store when greylisting is on or a rule exists, and for the resolver
 *	(with SPF) when spf_domain or dnswl is set.
 *
 *	At every stage the rate limits run first (grey_rate_stage()): a
 *	refusal there answers for the connection, the message or the
 *	recipient of that stage.  Then greylisting:
 *	  - at RCPT, per recipient: an exempt client or recipient passes;
 *	    otherwise the triplet (client network or SPF domain, the
 *	    normalised sender, the recipient) is looked up with
 *	    grey_policy_check(); a new or too early triplet defers that
 *	    recipient only ("451 4.7.1 Greylisted: please try again in N
 *	    seconds", in the recipient's language) and the others go on;
 *	  - the null sender (bounces, call-back probes, which must not
 *	    fail at RCPT) is greylisted at the end of the message: every
 *	    recipient's triplet is looked up, and when any is deferred the
 *	    whole message is, with the longest wait;
 *	  - at the end of the message, a message that some recipient let
 *	    through only after a delay gets "X-Greylist: Delayed for
 *	    HH:MM:SS by sluice-grey-VERSION (HOST [ADDR]); DATE"
 *	    (milter-greylist's format; HOST and ADDR are the MTA's name and
 *	    address) when add_header is on, and the symbol GREY_DELAYED;
 *	    a message whose client is exempt where greylisting applied gets
 *	    GREY_EXEMPT, an auto-whitelisted one GREY_AWL (score 0).
 *	A store that fails is MOD_ERROR with its reason: mod_on_error()
 *	answers (tempfail by default), logs it and adds GREY_TEMPFAIL.
 *
 * OWNERSHIP
 *	struct grey_state is per configuration (grey.h); the connection's
 *	struct grey_conn and the message's struct grey_msg live in the
 *	module's slots and are freed by the glue through conn_free and
 *	msg_free.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "config.h"
#include "dnsxl.h"
#include "grey.h"
#include "log.h"
#include "store.h"
#include "util.h"

static void grey_teardown(void *state)
{
    struct grey_state *st = state;

    if (st == NULL)
        return;
    grey_rules_free(st);
    dnsxl_free(st->dnswl);
    free(st);
}

static int grey_setup(const struct cfg *cfg, void **state_r,
                      struct cfg_errors *errs)
{
    const struct grey_conf *c = cfg_section(cfg, "grey");
    struct grey_state *st;
    char *err = NULL;
    int bad = 0;

    if (c == NULL) {
        cfg_errors_add(errs, "%s: [grey] section is not loaded",
                       cfg_path(cfg));
        return -1;
    }
    st = xcalloc(1, sizeof(*st));
    st->cfg = cfg;
    st->conf = c;
    if (c->dnswl.n > 0 && dnsxl_parse(&c->dnswl, &st->dnswl, &err) < 0) {
        cfg_errors_add(errs, "%s: [grey] dnswl: %s", cfg_path(cfg), err);
        free(err);
        bad = 1;
    }
    if (grey_rules_parse(st, &c->ratelimits, errs) < 0)
        bad = 1;
    if (bad) {
        grey_teardown(st);
        return -1;
    }
    *state_r = st;
    return 0;
}

static unsigned grey_needs(const void *state)
{
    const struct grey_state *st = state;
    unsigned n = 0;

    if (st == NULL)
        return MOD_NEED_STORE;
    if (st->conf->greylist || st->nrules > 0)
        n |= MOD_NEED_STORE;
    if (st->conf->greylist && (st->conf->spf_domain || st->dnswl != NULL))
        n |= MOD_NEED_DNS;
    return n;
}

static int grey_start(void *state, const struct sl_env *env,
                      const char **error_r)
{
    unsigned n = grey_needs(state);

    if (((n & MOD_NEED_STORE) && env->store == NULL) ||
        ((n & MOD_NEED_DNS) && env->dns == NULL)) {
        *error_r = "grey: the store or the resolver is not open";
        return -1;
    }
    return 0;
}

static void grey_conn_free(void *state, void *data)
{
    free(data);
}

static void grey_msg_free(void *state, void *data)
{
    free(data);
}

static struct grey_conn *grey_conn_of(struct mod_ctx *x)
{
    if (*x->conn_data == NULL)
        *x->conn_data = xcalloc(1, sizeof(struct grey_conn));
    return *x->conn_data;
}

static struct grey_msg *grey_msg_of(struct mod_ctx *x)
{
    struct grey_msg *gm = *x->msg_data;

    if (gm == NULL) {
        gm = xcalloc(1, sizeof(*gm));
        gm->awl = -1;
        *x->msg_data = gm;
    }
    return gm;
}

static enum mod_rc grey_connect(struct mod_ctx *x)
{
    grey_conn_of(x);
    return grey_rate_stage(x, GREY_ST_CONNECT);
}

static enum mod_rc grey_mail(struct mod_ctx *x)
{
    grey_msg_of(x);
    return grey_rate_stage(x, GREY_ST_MAIL);
}

/* A deferred recipient (or message): the reply with the seconds left. */
static enum mod_rc grey_defer(struct mod_ctx *x, long long retry_in,
                              const char *why)
{
    char secs[32];
    struct reply_arg arg = {"value", secs};

    snprintf(secs, sizeof(secs), "%lld", retry_in > 0 ? retry_in : 1);
    mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x), "grey_greylisted",
              &arg, 1);
    x->out.reason = why;
    return MOD_TEMPFAIL;
}

/*
 * Greylisting of one recipient: MOD_CONTINUE (it passes), MOD_TEMPFAIL
 * (deferred: *retry_r seconds, x->out.reason_buf says why, no reply
 * yet) or MOD_ERROR.
 */
static enum mod_rc grey_check(struct mod_ctx *x, const char *rcpt,
                              long long *retry_r)
{
    const struct grey_state *st = x->state;
    struct grey_msg *gm = grey_msg_of(x);
    struct grey_params p;
    struct grey_result r;
    struct grey_key k;
    enum grey_verdict v;

    const char *why;

    /* The recipient first: GREY_EXEMPT says a client was let through
     * where greylisting applied (and no DNSWL query is made for a
     * recipient that is not greylisted anyway). */
    if (grey_exempt_rcpt(x, rcpt) != NULL)
        return MOD_CONTINUE;
    if ((why = grey_exempt_client(x, grey_conn_of(x))) != NULL) {
        gm->exempt = why;
        return MOD_CONTINUE;
    }
    if (gm->net[0] == '\0')
        grey_triplet_net(x, gm->net, sizeof(gm->net));
    grey_key_make(&k, gm->net, x->msg->from, rcpt);
    grey_params_of(st->conf, &p);
    v = grey_policy_check(x->env->store, &p, &k, clock_wall(), &r);
    switch (v) {
    case GREY_V_ERROR:
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", r.error);
        x->out.reason = x->out.reason_buf;
        return MOD_ERROR;
    case GREY_V_NEW:
    case GREY_V_EARLY:
        *retry_r = r.retry_in;
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf),
                 "greylisted (%s): %.72s <%.64s> <%.64s>, retry in %llds",
                 grey_verdict_name(v), k.net, k.sender, k.rcpt, r.retry_in);
        return MOD_TEMPFAIL;
    case GREY_V_PASSED:
        log_info(mod_qid(x), "grey: passed after %llds: %s <%s> <%s>",
                 r.delayed, k.net, k.sender, k.rcpt);
        gm->any_delayed = 1;
        if (r.delayed > gm->delayed)
            gm->delayed = r.delayed;
        break;
    case GREY_V_AWL: gm->awl = 1; break;
    default: break;
    }
    return MOD_CONTINUE;
}

static enum mod_rc grey_rcpt(struct mod_ctx *x)
{
    const struct grey_state *st = x->state;
    long long retry = 0;
    enum mod_rc rc = grey_rate_stage(x, GREY_ST_RCPT);

    if (rc != MOD_CONTINUE || !st->conf->greylist || *x->msg->from == '\0')
        return rc; /* the null sender: at the end of the message */
    rc = grey_check(x, x->rcpt, &retry);
    if (rc != MOD_TEMPFAIL)
        return rc;
    return grey_defer(x, retry, x->out.reason_buf);
}

/* The null sender: every recipient's triplet; one deferral for all. */
static enum mod_rc grey_null_sender(struct mod_ctx *x)
{
    long long retry = 0, most = 0;
    char why[sizeof(x->out.reason_buf)] = "";
    enum mod_rc rc;

    for (size_t i = 0; i < x->msg->nrcpts; i++) {
        rc = grey_check(x, x->msg->rcpts[i], &retry);
        if (rc == MOD_ERROR)
            return rc;
        if (rc == MOD_TEMPFAIL && retry >= most) {
            most = retry;
            snprintf(why, sizeof(why), "%s", x->out.reason_buf);
        }
    }
    if (why[0] == '\0')
        return MOD_CONTINUE;
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", why);
    return grey_defer(x, most, x->out.reason_buf);
}

/* "Delayed for 00:00:12 by sluice-grey-0.1 (mx.example [192.0.2.1]);
 * Mon, 07 Dec 2026 10:00:00 +0100" */
static void grey_header(struct mod_ctx *x, long long delayed)
{
    char date[64], hdr[512];
    time_t now = clock_wall();
    struct tm tm;

    localtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
    snprintf(hdr, sizeof(hdr), "Delayed for %02lld:%02lld:%02lld by "
             "sluice-grey-%s (%s [%s]); %s",
             delayed / 3600, delayed / 60 % 60, delayed % 60, PACKAGE_VERSION,
             x->conn->mta_name ? x->conn->mta_name : "localhost",
             x->conn->daemon_addr ? x->conn->daemon_addr : "127.0.0.1", date);
    sl_edits_add_header(x->ed, "X-Greylist", hdr);
}

static enum mod_rc grey_eom(struct mod_ctx *x)
{
    const struct grey_state *st = x->state;
    struct grey_msg *gm = grey_msg_of(x);
    enum mod_rc rc = grey_rate_stage(x, GREY_ST_EOM);
    char d[32];

    if (rc != MOD_CONTINUE)
        return rc;
    if (st->conf->greylist && *x->msg->from == '\0' &&
        (rc = grey_null_sender(x)) != MOD_CONTINUE)
        return rc;
    if (gm->any_delayed) {
        snprintf(d, sizeof(d), "%llds", gm->delayed);
        result_add(x->res, "GREY_DELAYED", 0, d);
        if (st->conf->add_header && x->ed != NULL)
            grey_header(x, gm->delayed);
    } else if (gm->awl == 1) {
        result_add(x->res, "GREY_AWL", 0, gm->net);
    } else if (gm->exempt != NULL) {
        result_add(x->res, "GREY_EXEMPT", 0, gm->exempt);
    }
    return MOD_CONTINUE;
}

const struct module grey_module = {
    .name = "grey",
    .section = &grey_section,
    .replies = grey_replies,
    .events = MOD_EV_SIZE | MOD_EV_EOM,
    .needs_of = grey_needs,
    .setup = grey_setup,
    .start = grey_start,
    .teardown = grey_teardown,
    .conn_free = grey_conn_free,
    .msg_free = grey_msg_free,
    .connect = grey_connect,
    .mail = grey_mail,
    .rcpt = grey_rcpt,
    .eom = grey_eom,
};
