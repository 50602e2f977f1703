/*
 * policy_spf - what to do with an SPF result (the check itself is
 * libcommon's spf.h, libspf2 through our resolver).
 *
 * DESCRIPTION
 *	spf_decide() gives the action for result r of domain: first a
 *	per-domain override from spf_overrides (a domain: map), else the
 *	section's spf_<result>_action.  An override value is a list of
 *	RESULT=ACTION items, RESULT one of pass, none, neutral, softfail,
 *	fail, permerror, temperror, ACTION one of tag, reject, tempfail,
 *	accept or ERROR:"CODE X.Y.Z text" (an explicit reply), e.g. the
 *	policyd-spf line "SPF-Neutral:aol.com ERROR:..." is written
 *	    aol.com   neutral=ERROR:"550 AOL mail must get SPF PASS"
 *	and a per-domain temperror policy
 *	    example.net   temperror=accept
 *	spf_override_parse() reads one value for one result: 1 when an
 *	item names r (d filled), 0 when none does, -1 when the value is
 *	malformed.  spf_decide() returns 0, or -1 with *error_r when the
 *	map could not be read or its value is malformed (the caller takes
 *	the on_error path).
 *
 *	spf_symbol() and spf_auth() map a result to its symbol and to its
 *	Authentication-Results name.
 *
 * OWNERSHIP
 *	Pure (but for the map lookup).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static const struct {
    const char *name;
    int act;
} spf_acts[] = {
    {"tag", POLICY_TAG},
    {"reject", POLICY_REJECT},
    {"tempfail", POLICY_TEMPFAIL},
    {"accept", POLICY_ACCEPT},
};

/* One item "result=action" of len n; 1 when it is for r. */
static int spf_item(const char *s, size_t n, enum spf_result r,
                    struct spf_decision *d)
{
    const char *eq = memchr(s, '=', n), *a;
    enum spf_result ir;
    char name[16];
    size_t k, alen;

    if (eq == NULL || (size_t)(eq - s) >= sizeof(name))
        return -1;
    memcpy(name, s, eq - s);
    name[eq - s] = '\0';
    if (spf_result_parse(name, &ir) < 0)
        return -1;
    a = eq + 1;
    alen = n - (a - s);
    if (alen > 6 && strncasecmp(a, "ERROR:", 6) == 0) {
        const char *t = a + 6;
        size_t tl = alen - 6;

        if (tl >= 2 && t[0] == '"' && t[tl - 1] == '"') {
            t++;
            tl -= 2;
        }
        if (ir != r)
            return 0;
        if (tl >= sizeof(d->text))
            tl = sizeof(d->text) - 1;
        memcpy(d->text, t, tl);
        d->text[tl] = '\0';
        d->act = d->text[0] == '4' ? POLICY_TEMPFAIL : POLICY_REJECT;
        return 1;
    }
    for (k = 0; k < sizeof(spf_acts) / sizeof(spf_acts[0]); k++)
        if (strlen(spf_acts[k].name) == alen &&
            strncasecmp(spf_acts[k].name, a, alen) == 0) {
            if (ir != r)
                return 0;
            d->act = spf_acts[k].act;
            d->text[0] = '\0';
            return 1;
        }
    return -1;
}

int spf_override_parse(const char *value, enum spf_result r,
                       struct spf_decision *d)
{
    const char *p = value, *start;
    int found = 0, rc, quoted;

    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '\0')
            return found;
        start = p;
        quoted = 0;
        while (*p != '\0' && (quoted || !isspace((unsigned char)*p))) {
            if (*p == '"')
                quoted = !quoted;
            p++;
        }
        if (quoted)
            return -1;
        if ((rc = spf_item(start, p - start, r, d)) < 0)
            return -1;
        found |= rc;
    }
}

int spf_decide(const struct policy_conf *c, enum spf_result r,
               const char *domain, struct spf_decision *d,
               const char **error_r)
{
    const char *value;
    enum map_rc rc;

    memset(d, 0, sizeof(*d));
    d->act = c->spf_action[r];
    if (c->spf_overrides == NULL || domain == NULL || *domain == '\0')
        return 0;
    rc = map_lookup(c->spf_overrides, domain, &value, error_r);
    if (rc == MAP_ERROR)
        return -1;
    if (rc == MAP_NOTFOUND)
        return 0;
    if (spf_override_parse(value, r, d) < 0) {
        d->act = c->spf_action[r];
        *error_r = "spf_overrides: malformed value (expected RESULT=ACTION "
                   "items)";
        return -1;
    }
    return 0;
}

enum policy_symbol spf_symbol(enum spf_result r)
{
    switch (r) {
    case SPF_RES_PASS:
        return SYM_SPF_PASS;
    case SPF_RES_FAIL:
        return SYM_SPF_FAIL;
    case SPF_RES_SOFTFAIL:
        return SYM_SPF_SOFTFAIL;
    case SPF_RES_NEUTRAL:
        return SYM_SPF_NEUTRAL;
    case SPF_RES_PERMERROR:
        return SYM_SPF_PERMERROR;
    case SPF_RES_TEMPERROR:
        return SYM_SPF_TEMPERROR;
    default:
        return SYM_SPF_NONE;
    }
}

int spf_auth(enum spf_result r)
{
    switch (r) {
    case SPF_RES_PASS:
        return AUTH_PASS;
    case SPF_RES_FAIL:
        return AUTH_FAIL;
    case SPF_RES_SOFTFAIL:
        return AUTH_SOFTFAIL;
    case SPF_RES_NEUTRAL:
        return AUTH_NEUTRAL;
    case SPF_RES_PERMERROR:
        return AUTH_PERMERROR;
    case SPF_RES_TEMPERROR:
        return AUTH_TEMPERROR;
    default:
        return AUTH_NONE;
    }
}
