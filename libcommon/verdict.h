/*
 * verdict - the enforcer's decision: sum results, thresholds, forced actions.
 *
 * DESCRIPTION
 *	verdict_decide() takes every trusted result of a message (the ones
 *	verified from headers plus the enforcer's own, and in the
 *	all-in-one deployment every module's result from memory), sums their
 *	scores and picks the action:
 *
 *	1. a forced action: the first "SYMBOL=action" entry of
 *	   conf->force whose symbol appears in any result (the strongest
 *	   such action when several match);
 *	2. otherwise the highest score threshold reached, in rising order
 *	   add_header, rewrite_subject, greylist, quarantine, reject; a
 *	   threshold of 0 is disabled;
 *	3. otherwise accept.
 *
 *	verdict_header() formats the X-Sluice-Verdict value:
 *	    "reject; score=12.50/10.00; forced=ATTACH_BANNED_EXT; symbols=..."
 *	verdict_spam_status() formats an X-Spam-Status value
 *	("Yes, score=12.5 required=5.0 tests=A,B").
 *
 * OWNERSHIP
 *	struct verdict holds copies; verdict_free() releases them.  Strings
 *	returned by the *_header functions are the caller's to free.
 */
#ifndef SLUICE_VERDICT_H
#define SLUICE_VERDICT_H

#include "cfg.h"
#include "result.h"

enum action {
    ACT_ACCEPT = 0,
    ACT_ADD_HEADER,
    ACT_REWRITE_SUBJECT,
    ACT_GREYLIST,
    ACT_QUARANTINE,
    ACT_REJECT,
    ACT_DISCARD,
    ACT_COUNT
};

struct verdict_conf {
    double add_header;      /* thresholds; 0 = off */
    double rewrite_subject;
    double greylist;
    double quarantine;
    double reject;
    const struct cfg_list *force; /* "SYMBOL=action" entries */
};

struct verdict {
    enum action action;
    double score;
    double threshold;  /* the threshold reached, or 0 */
    char *forced_by;   /* symbol that forced the action, or NULL */
    char *symbols;     /* all symbols of all results, for logs/headers */
    char *reason_detail; /* detail of forced_by symbol, or NULL */
};

const char *action_name(enum action a);
int action_parse(const char *s, enum action *a); /* 0 ok, -1 unknown */

/* Check the force list syntax; 0 ok, -1 with *error_r (static, per
 * thread) about the first bad entry.  verdict_check_force_entry() checks
 * one entry, so that a caller can report every bad one. */
int verdict_check_force(const struct cfg_list *force, const char **error_r);
int verdict_check_force_entry(const char *entry, const char **error_r);

void verdict_decide(const struct verdict_conf *conf,
                    const struct result *const *results, size_t n,
                    struct verdict *v);
char *verdict_header(const struct verdict *v);
char *verdict_spam_status(const struct verdict *v, double required);
void verdict_free(struct verdict *v);

#endif
