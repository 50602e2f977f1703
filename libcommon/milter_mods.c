/*
 * milter_mods - which of its modules sluice-milter runs ([common] modules).
 *
 * CONTRACT
 *	milter_mods_init() records the program's modules (set_app(), once).
 *	milter_mods_select() (sluice-milter only; nothing for a chained
 *	milter) narrows milter_app.mods to those [common] modules names,
 *	in the program's chain order, all of them when the key is empty,
 *	and recomputes milter_app.events; -1 with an error at the key's
 *	file:line when it names a module the program does not have.  It
 *	runs once, at start, before the first runtime_build(): the
 *	supervisor's worker and every respawned one inherit the choice.
 *	milter_mods_note() logs a warning when a reloaded (or respawned)
 *	configuration names other modules than those running: they stay
 *	until a restart.  milter_mods_log() logs "modules: a b c".
 *
 * OWNERSHIP
 *	The module tables are the program's (static); milter_app.mods then
 *	points at this file's array, written before any thread starts.
 */
#include <string.h>

#include "common.h"
#include "log.h"
#include "milter_int.h"

/*
 * sluice-milter's [common] modules: the program's modules it names (all
 * when empty), in the program's (chain) order.  Chosen once, at start:
 * the supervisor's worker and every respawned one inherit the choice, a
 * reload keeps it (milter_mods_note() logs a changed key).
 */
static const struct module *selected[MILTER_MAX_MODS];
static const struct module *const *all_mods;
static size_t all_nmods;

static size_t mods_wanted(const struct cfg *c, const struct module **out,
                          const char **missing)
{
    const struct cfg_list *want = &common_conf(c)->modules;
    size_t n = 0;

    *missing = NULL;
    for (size_t i = 0; i < want->n; i++) {
        size_t k = 0;

        while (k < all_nmods && strcmp(all_mods[k]->name, want->v[i]) != 0)
            k++;
        if (k == all_nmods)
            *missing = want->v[i];
    }
    for (size_t k = 0; k < all_nmods; k++) {
        int on = want->n == 0;

        for (size_t i = 0; !on && i < want->n; i++)
            on = strcmp(all_mods[k]->name, want->v[i]) == 0;
        if (on)
            out[n++] = all_mods[k];
    }
    return n;
}

int milter_mods_select(const struct cfg *c, struct cfg_errors *errs)
{
    const char *missing;
    size_t n;

    if (!milter_app.allinone)
        return 0;
    n = mods_wanted(c, selected, &missing);
    if (missing != NULL) {
        cfg_key_error(c, errs, "common", "modules", "%s: %s has no such module",
                      missing, milter_app.progname);
        return -1;
    }
    milter_app.mods = selected;
    milter_app.nmods = n;
    milter_app.events = milter_mods_events(selected, n);
    return 0;
}

unsigned milter_mods_events(const struct module *const *mods, size_t n)
{
    unsigned ev = milter_answer_events();

    for (size_t i = 0; i < n; i++)
        ev |= mods[i]->events;
    return ev;
}

void milter_mods_log(void)
{
    char names[128] = "";

    for (size_t i = 0; i < milter_app.nmods; i++) {
        if (i > 0)
            strncat(names, " ", sizeof(names) - strlen(names) - 1);
        strncat(names, milter_app.mods[i]->name,
                sizeof(names) - strlen(names) - 1);
    }
    log_info(NULL, "modules: %s", names);
}

/* A reloaded or respawned sluice-milter keeps its modules: say so when
 * the file names others now. */
void milter_mods_note(const struct cfg *c)
{
    const struct module *want[MILTER_MAX_MODS];
    const char *missing;
    size_t n;

    if (!milter_app.allinone)
        return;
    n = mods_wanted(c, want, &missing);
    if (missing == NULL && n == milter_app.nmods &&
        memcmp(want, milter_app.mods, n * sizeof(want[0])) == 0)
        return;
    log_warn(NULL,
             "[common] modules changed: still running the modules it "
             "started with; restart %s to change them",
             milter_app.progname);
}

void milter_mods_init(const struct module *const *mods, size_t nmods)
{
    all_mods = mods;
    all_nmods = nmods;
}
