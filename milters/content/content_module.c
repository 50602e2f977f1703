/*
 * content_module - sluice-content as a module: setup, start, the check
 * table, eom.
 *
 * DESCRIPTION
 *	content_module is the module table (events HEADER, BODY, EOM; it
 *	may refuse at EOM only).  setup() builds the per-configuration
 *	state from [content] (content_keys.c): the DLP detectors, the rules
 *	(ours and SpamAssassin's, compiled once), the URI lists, the MISP
 *	indicator set, the YARA rules, and the list of files to watch; any
 *	error (a rule file that does not compile, with file:line) fails
 *	setup, so "-n" reports it and a reload keeps the running
 *	configuration.  start() makes the classifier's state (learn =
 *	yes: the module then needs the store), opens the clamd pool of the
 *	worker and
 *	pings clamd once (a clamd that is down is logged; each message
 *	then gets on_error until it is back).
 *
 *	eom() runs content_checks[] in order.  The antivirus check comes
 *	first and needs only the raw message: a virus ends the scan.  The
 *	others share one extraction (content_scan.c: decoded text,
 *	URLs, every file and archive member, each read once).  A check
 *	that cannot run (clamd down, a YARA scan over its time) goes
 *	through mod_on_error() with its own symbol; with on_error = accept
 *	the other checks still run.  The module's own refusals (a virus, a
 *	YARA rule with sluice_action = "reject", DLP with dlp_action =
 *	reject) are taken here, enforcer or not: the strongest wins.
 *
 *	Files that the state was built from (rules, YARA, the indicator
 *	set) are watched (content_watch.c): a change asks the worker for
 *	a reload, which builds and checks a new state before it replaces
 *	this one.
 *
 * OWNERSHIP
 *	struct content_state is per configuration, freed by teardown().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "content.h"
#include "log.h"
#include "mime.h"

static const struct content_check {
    const char *name;
    int prepared; /* needs content_scan_prepare() */
    enum mod_rc (*run)(struct content_scan *s);
} content_checks[] = {
    /* clang-format off */
    {"av",    0, content_av_check},
    {"yara",  1, content_yara_check},
    {"dlp",   1, content_dlp_check},
    {"url",   1, content_url_check},
    {"misp",  1, content_misp_check},
    {"rules", 1, content_rules_check},
    {"learn", 1, content_learn_check}, /* last: it reads the rule score */
    /* clang-format on */
};

/* Setup. */
static int content_setup_dlp(struct content_state *st, const struct cfg *cfg,
                             struct cfg_errors *errs)
{
    const struct content_conf *c = st->conf;
    const struct common_conf *cc = common_conf(cfg);
    int k, bad = 0;

    for (size_t i = 0; i < c->dlp_detectors.n; i++) {
        if ((k = dlp_kind_parse(c->dlp_detectors.v[i])) < 0) {
            cfg_errors_add(errs,
                           "%s: [content] dlp_detectors: unknown detector %s",
                           cfg_path(cfg), c->dlp_detectors.v[i]);
            bad = 1;
            continue;
        }
        st->dlp_mask |= 1u << k;
    }
    if (c->dlp_action == DLP_QUARANTINE && st->dlp_mask != 0 &&
        (cc == NULL || !cfg_list_contains_ci(&cc->force_actions,
                                             "DLP_QUARANTINE=quarantine"))) {
        cfg_errors_add(errs,
                       "%s: [content] dlp_action = quarantine needs [common] "
                       "force_actions = DLP_QUARANTINE=quarantine",
                       cfg_path(cfg));
        bad = 1;
    }
    return bad ? -1 : 0;
}

/* misp_scores: "high=10 medium=6 low=3 undefined=2" (or 1=10...). */
static int content_setup_misp_scores(struct content_state *st,
                                     const struct cfg *cfg,
                                     struct cfg_errors *errs)
{
    static const char *const levels[] = {"undefined", "high", "medium", "low",
                                         "undefined"};
    const struct cfg_list *l = &st->conf->misp_scores;
    const char *eq;
    char *end;
    int lv, bad = 0;

    for (size_t i = 0; i < l->n; i++) {
        eq = strchr(l->v[i], '=');
        for (lv = 1; eq != NULL && lv <= 4; lv++)
            if ((size_t)(eq - l->v[i]) == strlen(levels[lv]) &&
                str_ncasecmp(l->v[i], levels[lv], strlen(levels[lv])) == 0)
                break;
        if (eq != NULL && lv > 4 && eq - l->v[i] == 1 && *l->v[i] >= '1' &&
            *l->v[i] <= '4')
            lv = *l->v[i] - '0';
        if (eq == NULL || lv > 4 ||
            (st->misp_score[lv] = strtod(eq + 1, &end),
             end == eq + 1 || *end != '\0')) {
            cfg_errors_add(errs,
                           "%s: [content] misp_scores: %s: expected "
                           "high|medium|low|undefined=score",
                           cfg_path(cfg), l->v[i]);
            bad = 1;
        }
    }
    st->misp_score[0] = st->misp_score[4];
    return bad ? -1 : 0;
}

static int content_setup_sets(struct content_state *st, const struct cfg *cfg,
                              struct cfg_errors *errs)
{
    const struct content_conf *c = st->conf;
    struct rules_opts ro = {c->sa_version, &c->fuzzy_chars};
    const char *error;
    int bad = 0;

    if ((c->rules.n > 0 || c->sa_rules.n > 0) &&
        rules_load(&c->rules, &c->sa_rules, &ro, cfg_path(cfg), &st->rules,
                   errs) < 0)
        bad = 1;
    if (c->misp_indicators != NULL && access(c->misp_indicators, F_OK) != 0)
        log_warn(NULL,
                 "content: misp_indicators %s does not exist (yet): no "
                 "indicators until sluicectl misp import writes it",
                 c->misp_indicators);
    else if (c->misp_indicators != NULL &&
             misp_set_load(c->misp_indicators, &st->misp, &error) < 0) {
        cfg_errors_add(errs, "%s: [content] misp_indicators: %s", cfg_path(cfg),
                       error);
        bad = 1;
    }
    if (c->yara_rules.n > 0 &&
        content_yara_load(c, cfg_path(cfg), &st->yara, errs) < 0)
        bad = 1;
    if (content_url_setup(st, cfg, errs) < 0)
        bad = 1;
    return bad ? -1 : 0;
}

static void content_teardown(void *state);

static void content_setup_watch(struct content_state *st)
{
    st->watch = content_watch_new(st->conf->watch_interval);
    if (st->rules)
        rules_watch_files(st->rules, st->watch);
    if (st->yara)
        content_yara_watch_files(st->yara, st->watch);
    if (st->conf->misp_indicators)
        content_watch_add(st->watch, st->conf->misp_indicators);
}

static int content_setup(const struct cfg *cfg, void **state_r,
                         struct cfg_errors *errs)
{
    const struct content_conf *c = cfg_section(cfg, "content");
    struct content_state *st;
    int bad = 0;

    if (c == NULL) {
        cfg_errors_add(errs, "%s: [content] section is not loaded",
                       cfg_path(cfg));
        return -1;
    }
    text_init();
    url_init();
    st = xcalloc(1, sizeof(*st));
    st->cfg = cfg;
    st->conf = c;
    bad |= content_setup_dlp(st, cfg, errs) < 0;
    bad |= content_setup_misp_scores(st, cfg, errs) < 0;
    bad |= content_setup_sets(st, cfg, errs) < 0;
    if (bad) {
        content_teardown(st);
        return -1;
    }
    content_setup_watch(st);
    *state_r = st;
    return 0;
}

static int content_start(void *state, const struct sl_env *env,
                         const char **error_r)
{
    struct content_state *st = state;
    char err[160];

    st->env = env;
    if (st->conf->learn.enable && st->learn == NULL)
        st->learn = learn_check_new(&st->conf->learn);
    if (st->conf->clamd_socket == NULL)
        return 0;
    if (content_av_new(st->conf, &st->av, error_r) < 0)
        return -1;
    if (content_av_ping(st->av, err, sizeof(err)) < 0)
        log_warn(NULL,
                 "content: clamd %s does not answer: %s (messages get "
                 "on_error until it does)",
                 st->conf->clamd_socket, err);
    return 0;
}

static unsigned content_needs(const void *state)
{
    const struct content_state *st = state;

    return content_url_needs(st) |
           (st->conf->learn.enable ? MOD_NEED_STORE : 0);
}

static void content_teardown(void *state)
{
    struct content_state *st = state;

    if (st == NULL)
        return;
    if (st->learn != NULL)
        learn_check_free(st->learn, st->env ? st->env->store : NULL);
    rules_free(st->rules);
    content_url_teardown(st);
    misp_set_free(st->misp);
    content_av_free(st->av);
    content_yara_free(st->yara);
    content_watch_free(st->watch);
    free(st);
}

/* One check; MOD_ERROR goes through on_error here, so that with
 * on_error = accept the other checks still run. */
static enum mod_rc content_run(struct content_scan *s,
                               const struct content_check *c)
{
    struct mod_ctx *x = s->x;
    enum mod_rc rc = c->run(s);

    if (rc != MOD_ERROR)
        return rc;
    rc = mod_on_error(x, x->out.reason ? x->out.reason : c->name);
    x->out.tempfail_symbol = NULL;
    return rc;
}

static enum mod_rc content_checks_run(struct content_scan *s)
{
    const struct content_check *c;
    const char *error = NULL;
    size_t i;
    int prepared = 0;
    enum mod_rc rc;

    for (i = 0; i < sizeof(content_checks) / sizeof(*content_checks); i++) {
        c = &content_checks[i];
        if (c->prepared && !prepared) {
            if (content_scan_prepare(s, &error) < 0) {
                s->x->out.reason = error;
                return mod_on_error(s->x, error);
            }
            prepared = 1;
        }
        rc = content_run(s, c);
        if (rc != MOD_CONTINUE)
            return rc;
        if (s->own_prio >= 3) /* a virus: nothing else matters */
            break;
    }
    return s->own;
}

static enum mod_rc content_eom(struct mod_ctx *x)
{
    struct content_state *st = x->state;
    struct sl_msg *m = x->msg;
    struct content_scan s;
    enum mod_rc rc;

    content_watch_poll(st->watch);
    if (m->truncated) {
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf),
                 "message of %zu bytes is larger than message_buffer_limit "
                 "(%zu bytes): it could not be checked whole",
                 m->size, m->raw.limit);
        x->out.reason = x->out.reason_buf;
        return MOD_ERROR;
    }
    content_scan_init(&s, x, st);
    rc = content_checks_run(&s);
    content_scan_free(&s);
    return rc;
}

const struct module content_module = {
    .name = "content",
    .section = &content_section,
    .replies = content_replies,
    .events = MOD_EV_HEADER | MOD_EV_BODY | MOD_EV_EOM,
    .needs_of = content_needs,
    .setup = content_setup,
    .start = content_start,
    .teardown = content_teardown,
    .eom = content_eom,
};
