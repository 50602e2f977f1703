/*
 * testmod - a test-only module (never installed).
 *
 * It adds the symbol TEST_MODULE (score 1.0) to every message, and
 * TEST_SCORE with score N when the message has a header
 * "X-Testmod-Score: N".  With attach loaded beside it, the chained and
 * the all-in-one deployments must agree on sums, forced actions and
 * header trust.  Its section [testmod] has only the keys every module
 * has (socket, pidfile, enforce, on_error).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "testmod.h"

struct testmod_conf {
    struct mod_conf mc;
};

static const struct cfg_key testmod_keys[] = {
    MOD_CONF_KEYS(struct testmod_conf, "testmod"),
    {NULL},
};

static const struct cfg_section testmod_section = {
    "testmod", testmod_keys, sizeof(struct testmod_conf)};

static double header_score(const struct sl_msg *m, int *found)
{
    const char *p = m->raw.data, *end = m->raw.data + m->body_off;
    static const char name[] = "X-Testmod-Score:";

    *found = 0;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));

        if (strncasecmp(p, name, sizeof(name) - 1) == 0) {
            *found = 1;
            return strtod(p + sizeof(name) - 1, NULL);
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

static enum mod_rc testmod_eom(void *state, struct sl_msg *m,
                               struct result *res, struct sl_edits *ed,
                               struct mod_out *out)
{
    int found;
    double s = header_score(m, &found);

    result_add(res, "TEST_MODULE", 1.0, NULL);
    if (found)
        result_add(res, "TEST_SCORE", s, "header");
    return MOD_CONTINUE;
}

const struct module testmod_module = {
    .name = "testmod",
    .section = &testmod_section,
    .events = MOD_EV_HEADER | MOD_EV_BODY | MOD_EV_EOM,
    .reply_events = 0,
    .eom = testmod_eom,
};
