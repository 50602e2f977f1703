/*
 * learn_check - the classifier as a check of a module (sluice-content):
 * score the message with the site's model, add a symbol whose score comes
 * from the probability, and learn automatically from clear cases.
 *
 * SYNOPSIS
 *	struct my_conf { ...; struct learn_conf learn; };
 *	static const struct cfg_key keys[] = { ...,
 *	    LEARN_CONF_KEYS(struct my_conf, learn), ... };
 *	lk = learn_check_new(&conf->learn);              (start)
 *	learn_check_run(lk, env->store, &in, rule_score, x->res, qid, &err);
 *	learn_check_free(lk, env->store);                 (teardown)
 *
 * DESCRIPTION
 *	learn_check_run() scores the message (learn_features() over the
 *	message's one MIME parse) with the model of the store, kept in
 *	memory and reloaded at most every learn_reload seconds when it
 *	changed (learn_store.c).  The margin m (log odds of spam) gives
 *	    LEARN_SPAM, score min(learn_score_max, learn_score_scale * m)
 *	                when m > 0
 *	    LEARN_HAM,  score max(learn_score_min, learn_score_scale * m)
 *	                when m < 0
 *	with the probability as detail ("p=0.9973"), so the enforcer sums it
 *	with the other symbols.  No symbol while nothing was ever learned.
 *	The defaults (scale 4, at most 12, at least -8) were chosen by
 *	cross-validation on the SpamAssassin corpus's training groups, with
 *	SpamAssassin's rules as sluice-content reads them: the margin that
 *	lets 0.1 % of ham through is about 1.7, and four points per unit
 *	weigh the classifier against the rules best (bench/DETECTION.md);
 *	at one point per unit the rules' noise outweighed it.
 *
 *	With learn_autolearn on, a message whose rule score (the module's
 *	score without the classifier: rule_score) is at least
 *	learn_autolearn_spam is learned as spam, one at most
 *	learn_autolearn_ham as ham, both trained on error.  They are queued
 *	and written to the store together (every 32 messages or 60 s), so a
 *	busy gateway does not rewrite the model for each message; a queue
 *	that cannot be written is dropped with a warning (autolearn is best
 *	effort; the feedback of sluicectl is not).
 *
 *	learn_check_run() returns 0 (a symbol was added, or there is no
 *	model yet), or -1 with *error_r when the model could not be read
 *	and none is in memory: the caller follows its on_error (e.g. the
 *	symbol CONTENT_LEARN_TEMPFAIL).  A store that fails while a model
 *	is in memory is logged (warning, with qid) and the model in memory
 *	is used.
 *
 *	learn_check_free() writes what autolearn still queues (when s is
 *	not NULL) and frees everything.
 *
 * OWNERSHIP
 *	struct learn_check is the module state's; it is safe to use from
 *	every milter thread at once.  lc must outlive it (it points into
 *	the configuration).
 */
#ifndef SLUICE_LEARN_CHECK_H
#define SLUICE_LEARN_CHECK_H

#include <stddef.h>

#include "cfg.h"
#include "learn.h"

struct store;
struct result;
struct learn_check;

struct learn_conf {
    int enable;
    double scale;
    double max;
    double min;
    int autolearn;
    double autolearn_spam;
    double autolearn_ham;
    long long reload; /* seconds */
};

#define LEARN_CONF_KEYS(type, f)                                               \
    {"learn", CFG_BOOL, "yes", 0, 0, offsetof(type, f.enable), NULL,           \
     "Score every message with the statistical classifier (its model is in "   \
     "the store; teach it with sluicectl learn)."},                            \
        {"learn_score_scale", CFG_DOUBLE, "4", 0, 100,                         \
         offsetof(type, f.scale), NULL,                                        \
         "Points of LEARN_SPAM/LEARN_HAM per unit of the classifier's log "    \
         "odds."},                                                             \
        {"learn_score_max", CFG_DOUBLE, "12", 0, 1000, offsetof(type, f.max),  \
         NULL, "Most points LEARN_SPAM adds."},                                \
        {"learn_score_min", CFG_DOUBLE, "-8", -1000, 0,                        \
         offsetof(type, f.min), NULL,                                          \
         "Most points LEARN_HAM takes off (a negative number)."},              \
        {"learn_autolearn", CFG_BOOL, "no", 0, 0,                              \
         offsetof(type, f.autolearn), NULL,                                    \
         "Learn clear cases automatically (see learn_autolearn_spam and "      \
         "_ham)."},                                                            \
        {"learn_autolearn_spam", CFG_DOUBLE, "12", -1000, 1000,                \
         offsetof(type, f.autolearn_spam), NULL,                               \
         "Rule score (without the classifier) from which a message is "        \
         "learned as spam."},                                                  \
        {"learn_autolearn_ham", CFG_DOUBLE, "0.1", -1000, 1000,                \
         offsetof(type, f.autolearn_ham), NULL,                                \
         "Rule score (without the classifier) up to which a message is "       \
         "learned as ham."},                                                   \
    {                                                                          \
        "learn_reload", CFG_DURATION, "10s", 0, 3600,                          \
            offsetof(type, f.reload), NULL,                                    \
            "How often the classifier looks for a newer model in the store."   \
    }

struct learn_check *learn_check_new(const struct learn_conf *lc);
void learn_check_free(struct learn_check *lk, struct store *s);
int learn_check_run(struct learn_check *lk, struct store *s,
                    const struct learn_input *in, double rule_score,
                    struct result *res, const char *qid,
                    const char **error_r);
/* The symbol's score for margin m under lc (also for the bench). */
double learn_check_score(const struct learn_conf *lc, double margin);

#endif
