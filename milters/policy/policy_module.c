/*
 * policy_module - sluice-policy as a module: setup, state, and the stage
 * callbacks that run the checks in order.
 *
 * DESCRIPTION
 *	connect  access_client / access_client_name; for clients outside
 *	         internal_networks: iprev, dynamic PTR and the DNSBL/DNSWL
 *	         lists, all once per connection (symbols in the connection's
 *	         result, copied into every message's).  A refusal found here
 *	         is given at MAIL FROM with our text (Postfix replaces a
 *	         refusal at connect with its own).
 *	helo     access_helo; HELO findings (once per connection).
 *	mail     fresh per-message state; access_sender; for inbound mail
 *	         (not internal, not authenticated, no access OK): the
 *	         DNSBL threshold, the sender domain, SPF (MAIL FROM and
 *	         HELO), the sender call-back (policy_stage.c).
 *	rcpt     access_recipient, relaying denied, recipient call-back:
 *	         each refuses that recipient only.
 *	eom      forged Authentication-Results removed; DKIM, DMARC; our
 *	         Authentication-Results (and Received-SPF) inserted at the
 *	         top; the DMARC history line (policy_stage.c).
 *	A lookup that fails is never "not found": the check's temperror
 *	action or the section's on_error answers.
 *
 * OWNERSHIP
 *	See policy.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common.h"
#include "inside.h"
#include "log.h"
#include "policy.h"
#include "policy_stage.h"
#include "util.h"

const char *policy_symbol_name(enum policy_symbol s)
{
    return s < SYM_N ? policy_symbols[s].name : "POLICY_UNKNOWN";
}

void policy_sym_score(struct result *res, enum policy_symbol s, double score,
                      const char *detail)
{
    result_add(res, policy_symbol_name(s), score, detail);
}

void policy_sym(const struct policy_state *st, struct result *res,
                enum policy_symbol s, const char *detail)
{
    policy_sym_score(res, s, st ? st->score[s] : policy_symbols[s].score,
                     detail);
}

const char *policy_auth_name(int a)
{
    static const char *const names[] = {"none",      "pass",      "fail",
                                        "temperror", "permerror", "neutral",
                                        "softfail",  "policy"};

    return a >= 0 && a <= AUTH_POLICY ? names[a] : "none";
}

static int policy_score_set(struct policy_state *st, const char *item,
                            const char **error_r)
{
    const char *eq = strchr(item, '=');
    char *end;
    double v;
    int s;

    if (eq == NULL) {
        *error_r = "expected SYMBOL=score";
        return -1;
    }
    v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end != '\0') {
        *error_r = "the score is not a number";
        return -1;
    }
    for (s = 0; s < SYM_N; s++)
        if (strlen(policy_symbols[s].name) == (size_t)(eq - item) &&
            strncasecmp(policy_symbols[s].name, item, eq - item) == 0) {
            st->score[s] = v;
            return 0;
        }
    *error_r = "unknown symbol";
    return -1;
}

static int policy_setup_lists(struct policy_state *st, const struct cfg *cfg,
                              struct cfg_errors *errs)
{
    const struct policy_conf *c = st->conf;
    enum spf_result r;
    const char *error;
    char *err = NULL;
    size_t i;
    int bad = 0;

    for (i = 0; i < c->scores.n; i++)
        if (policy_score_set(st, c->scores.v[i], &error) < 0) {
            cfg_errors_add(errs, "%s: [policy] scores: %s: %s", cfg_path(cfg),
                           c->scores.v[i], error);
            bad = 1;
        }
    if (c->dnsbl_sites.n > 0 && dnsxl_parse(&c->dnsbl_sites, &st->dnsbl, &err) < 0) {
        cfg_errors_add(errs, "%s: [policy] dnsbl_sites: %s", cfg_path(cfg), err);
        free(err);
        bad = 1;
    }
    for (i = 0; i < c->cbv_spf_results.n; i++)
        if (spf_result_parse(c->cbv_spf_results.v[i], &r) < 0) {
            cfg_errors_add(errs, "%s: [policy] cbv_spf_results: %s is not an "
                           "SPF result", cfg_path(cfg), c->cbv_spf_results.v[i]);
            bad = 1;
        }
    for (i = 0; i < c->dnsbl_urls.n; i++)
        if (strchr(c->dnsbl_urls.v[i], '=') == NULL) {
            cfg_errors_add(errs, "%s: [policy] dnsbl_urls: %s: expected "
                           "zone=URL", cfg_path(cfg), c->dnsbl_urls.v[i]);
            bad = 1;
        }
    return bad ? -1 : 0;
}

static void policy_teardown(void *state)
{
    struct policy_state *st = state;

    if (st == NULL)
        return;
    dnsxl_free(st->dnsbl);
    policy_dkim_close(st->dkim);
    free(st);
}

static int policy_setup(const struct cfg *cfg, void **state_r,
                        struct cfg_errors *errs)
{
    const struct policy_conf *c = cfg_section(cfg, "policy");
    struct policy_state *st;
    int s;

    if (c == NULL) {
        cfg_errors_add(errs, "%s: [policy] section is not loaded",
                       cfg_path(cfg));
        return -1;
    }
    st = xcalloc(1, sizeof(*st));
    st->cfg = cfg;
    st->conf = c;
    for (s = 0; s < SYM_N; s++)
        st->score[s] = policy_symbols[s].score;
    if (c->authserv_id != NULL && *c->authserv_id != '\0')
        snprintf(st->authserv_id, sizeof(st->authserv_id), "%s", c->authserv_id);
    else if (gethostname(st->authserv_id, sizeof(st->authserv_id) - 1) < 0)
        snprintf(st->authserv_id, sizeof(st->authserv_id), "localhost");
    if (strpbrk(st->authserv_id, " \t;()\"") != NULL) {
        cfg_errors_add(errs, "%s: [policy] authserv_id: not a single token",
                       cfg_path(cfg));
        policy_teardown(st);
        return -1;
    }
    if (policy_setup_lists(st, cfg, errs) < 0) {
        policy_teardown(st);
        return -1;
    }
    *state_r = st;
    return 0;
}

static int policy_start(void *state, const struct sl_env *env,
                        const char **error_r)
{
    struct policy_state *st = state;

    if ((!st->conf->dkim_check && !st->conf->dmarc_check) || st->dkim != NULL)
        return 0;
    if (env->dns == NULL) {
        *error_r = "dkim_check needs the resolver";
        return -1;
    }
    return policy_dkim_open(env->dns, st->conf->dkim_min_key_bits, &st->dkim,
                            error_r);
}

static void policy_conn_free(void *state, void *data)
{
    struct policy_conn *pc = data;

    (void)state;
    free(pc->ptr);
    dnsxl_result_free(&pc->bl);
    free(pc);
}

static void policy_msg_free(void *state, void *data)
{
    struct policy_msg *pm = data;

    (void)state;
    spf_out_free(&pm->spf);
    spf_out_free(&pm->spf_helo);
    policy_dkim_sigs_free(pm->sigs, pm->nsigs);
    dmarc_out_free(&pm->dmarc);
    free(pm);
}

/* The resolver for any DNS check; the store for call-back results. */
static unsigned policy_needs_of(const void *state)
{
    const struct policy_state *st = state;
    const struct policy_conf *c = st->conf;
    int cbv = c->cbv_domains || c->cbv_spf_results.n > 0 || c->rcpt_cbv;
    unsigned n = 0;

    if (cbv || c->sender_domain_check || c->iprev_check || st->dnsbl ||
        c->spf_check || c->dkim_check || c->dmarc_check)
        n |= MOD_NEED_DNS;
    if (cbv)
        n |= MOD_NEED_STORE;
    return n;
}

const struct module policy_module = {
    .name = "policy",
    .section = &policy_section,
    .replies = policy_replies,
    .events = MOD_EV_HEADER | MOD_EV_BODY | MOD_EV_EOM,
    .needs = MOD_NEED_DNS | MOD_NEED_STORE,
    .needs_of = policy_needs_of,
    .setup = policy_setup,
    .start = policy_start,
    .teardown = policy_teardown,
    .conn_free = policy_conn_free,
    .msg_free = policy_msg_free,
    .connect = policy_connect,
    .helo = policy_helo,
    .mail = policy_mail,
    .rcpt = policy_rcpt,
    .eom = policy_eom,
};
