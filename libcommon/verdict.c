/*
 * verdict - sum results, apply thresholds and forced actions (verdict.h).
 *
 * DESCRIPTION
 *	Strength of actions is their enum order: accept < add_header <
 *	rewrite_subject < greylist < quarantine < reject < discard.  When
 *	several force entries match, the strongest action wins; among equal
 *	ones, the first entry in the list.  A forced "accept" is honoured
 *	(it overrides the score: an allow-list symbol).  discard is never
 *	reached by score, only forced.
 *
 *	Symbol names in force entries compare case-insensitively; entries
 *	that do not parse are ignored here (verdict_check_force() reports
 *	them at config time).
 *
 *	struct verdict.threshold is the threshold reached by the score, or,
 *	for a forced action, that action's configured threshold (0 when the
 *	action has none or it is disabled).  verdict_header() writes
 *	"score=S/T" when that threshold is set and "score=S" otherwise:
 *	    reject; score=12.50/15.00; forced=ATTACH_BANNED_EXT;
 *	    symbols=ATTACH_BANNED_EXT(10.00)[a.exe], TEST_MODULE(1.00)
 *	and leaves out "forced=..." when nothing forced the action.
 *
 *	verdict_spam_status() says "Yes" when required > 0 and the score
 *	reaches it, or when a forced action other than accept applies;
 *	tests= lists the symbol names without scores.
 */
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const action_names[ACT_COUNT] = {
    [ACT_ACCEPT] = "accept",
    [ACT_ADD_HEADER] = "add_header",
    [ACT_REWRITE_SUBJECT] = "rewrite_subject",
    [ACT_GREYLIST] = "greylist",
    [ACT_QUARANTINE] = "quarantine",
    [ACT_REJECT] = "reject",
    [ACT_DISCARD] = "discard",
};

const char *action_name(enum action a)
{
    if ((unsigned)a >= ACT_COUNT)
        return "unknown";
    return action_names[a];
}

int action_parse(const char *s, enum action *a)
{
    for (int i = 0; i < ACT_COUNT; i++) {
        if (str_casecmp(s, action_names[i]) == 0) {
            *a = (enum action)i;
            return 0;
        }
    }
    return -1;
}

/*
 * Split "SYMBOL=action".  0 with the symbol in sym[RESULT_SYM_MAX], or -1.
 */
static int verdict_force_entry(const char *e, char *sym, enum action *a)
{
    const char *eq = strchr(e, '=');
    size_t n;

    if (eq == NULL)
        return -1;
    n = (size_t)(eq - e);
    if (n == 0 || n >= RESULT_SYM_MAX)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char c = e[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return -1;
    }
    memcpy(sym, e, n);
    sym[n] = '\0';
    return action_parse(eq + 1, a);
}

int verdict_check_force_entry(const char *entry, const char **error_r)
{
    static __thread char err[256];
    char sym[RESULT_SYM_MAX];
    enum action a;

    if (verdict_force_entry(entry, sym, &a) == 0)
        return 0;
    snprintf(err, sizeof(err),
             "bad entry \"%.64s\" (expected SYMBOL=action, action one of "
             "accept, add_header, rewrite_subject, greylist, quarantine, "
             "reject, discard)",
             entry);
    *error_r = err;
    return -1;
}

int verdict_check_force(const struct cfg_list *force, const char **error_r)
{
    if (force == NULL)
        return 0;
    for (size_t i = 0; i < force->n; i++)
        if (verdict_check_force_entry(force->v[i], error_r) < 0)
            return -1;
    return 0;
}

/* The first symbol of any result named sym, or NULL. */
static const struct symbol *verdict_find(const struct result *const *results,
                                         size_t n, const char *sym)
{
    for (size_t i = 0; i < n; i++) {
        if (results[i] == NULL)
            continue;
        for (size_t j = 0; j < results[i]->n; j++)
            if (str_casecmp(results[i]->sym[j].name, sym) == 0)
                return &results[i]->sym[j];
    }
    return NULL;
}

static double verdict_threshold_of(const struct verdict_conf *c, enum action a)
{
    switch (a) {
    case ACT_ADD_HEADER:
        return c->add_header;
    case ACT_REWRITE_SUBJECT:
        return c->rewrite_subject;
    case ACT_GREYLIST:
        return c->greylist;
    case ACT_QUARANTINE:
        return c->quarantine;
    case ACT_REJECT:
        return c->reject;
    default:
        return 0;
    }
}

/* The strongest forced action; 0 with *a and *by, or -1 when none. */
static int verdict_forced(const struct verdict_conf *conf,
                          const struct result *const *results, size_t n,
                          enum action *a_r, const struct symbol **by_r)
{
    char sym[RESULT_SYM_MAX];
    enum action a;
    int found = 0;

    if (conf->force == NULL)
        return -1;
    for (size_t i = 0; i < conf->force->n; i++) {
        const struct symbol *s;

        if (verdict_force_entry(conf->force->v[i], sym, &a) < 0)
            continue;
        if ((s = verdict_find(results, n, sym)) == NULL)
            continue;
        if (found && a <= *a_r)
            continue;
        *a_r = a;
        *by_r = s;
        found = 1;
    }
    return found ? 0 : -1;
}

static char *verdict_all_symbols(const struct result *const *results, size_t n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        char *s;

        if (results[i] == NULL || results[i]->n == 0)
            continue;
        s = result_symbols_str(results[i]);
        strbuf_printf(&b, "%s%s", b.len ? ", " : "", s);
        free(s);
    }
    return strbuf_detach(&b);
}

void verdict_decide(const struct verdict_conf *conf,
                    const struct result *const *results, size_t n,
                    struct verdict *v)
{
    const struct symbol *by = NULL;
    enum action a = ACT_ACCEPT;

    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < n; i++)
        if (results[i] != NULL)
            v->score += result_score(results[i]);
    v->symbols = verdict_all_symbols(results, n);

    /* 1. Forced actions override the score. */
    if (verdict_forced(conf, results, n, &a, &by) == 0) {
        v->action = a;
        v->threshold = verdict_threshold_of(conf, a);
        v->forced_by = xstrdup(by->name);
        v->reason_detail = by->detail ? xstrdup(by->detail) : NULL;
        return;
    }

    /* 2. The strongest action whose threshold the score reaches. */
    v->action = ACT_ACCEPT;
    for (int i = ACT_ADD_HEADER; i <= ACT_REJECT; i++) {
        double t = verdict_threshold_of(conf, (enum action)i);

        if (t > 0 && v->score >= t) {
            v->action = (enum action)i;
            v->threshold = t;
        }
    }
}

char *verdict_header(const struct verdict *v)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    strbuf_printf(&b, "%s; score=%.2f", action_name(v->action), v->score);
    if (v->threshold > 0)
        strbuf_printf(&b, "/%.2f", v->threshold);
    if (v->forced_by != NULL)
        strbuf_printf(&b, "; forced=%s", v->forced_by);
    strbuf_printf(&b, "; symbols=%s", v->symbols ? v->symbols : "");
    return strbuf_detach(&b);
}

char *verdict_spam_status(const struct verdict *v, double required)
{
    struct strbuf b;
    const char *p = v->symbols ? v->symbols : "";
    int yes, first = 1;

    yes = (required > 0 && v->score >= required) ||
          (v->forced_by != NULL && v->action != ACT_ACCEPT);
    strbuf_init(&b, 0);
    strbuf_printf(&b, "%s, score=%.1f required=%.1f tests=", yes ? "Yes" : "No",
                  v->score, required);
    /* v->symbols is "NAME(s)[d], NAME(s)": keep the names. */
    while (*p) {
        size_t len = strcspn(p, "(");

        strbuf_printf(&b, "%s%.*s", first ? "" : ",", (int)len, p);
        first = 0;
        p = strstr(p + len, ", ");
        if (p == NULL)
            break;
        p += 2;
    }
    return strbuf_detach(&b);
}

void verdict_free(struct verdict *v)
{
    free(v->forced_by);
    free(v->symbols);
    free(v->reason_detail);
    memset(v, 0, sizeof(*v));
}
