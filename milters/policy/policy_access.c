/*
 * policy_access - access maps with Postfix access(5) values.
 *
 * DESCRIPTION
 *	access_parse() reads one map value:
 *	    OK                 the client/sender/recipient is trusted
 *	    DUNNO              as if not listed
 *	    REJECT [text]      550 5.7.1 text (default "Access denied")
 *	    TEMPFAIL [text]    451 4.7.1 text (DEFER is a synonym)
 *	    SCORE n            add n to the score (symbol POLICY_ACCESS_SCORE)
 *	    4NN|5NN [x.y.z] text   an explicit reply
 *	Keywords are case-insensitive.  It returns 0, or -1 for a value it
 *	does not know (treated as DUNNO with a warning by the caller).
 *
 *	access_check() looks key up in m (NULL m or key: ACCESS_NONE) and
 *	parses the value.  A map that cannot be read is ACCESS_ERROR with
 *	*error_r: the caller takes the on_error path, never "not listed".
 *
 * OWNERSHIP
 *	struct access_value is a plain value.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

static const char *access_word(const char *s, const char *w)
{
    size_t n = strlen(w);

    if (strncasecmp(s, w, n) != 0 || (s[n] != '\0' && !isspace((unsigned char)s[n])))
        return NULL;
    s += n;
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

/* "550 5.7.1 text" or "550 text": 0 with code, xcode and text. */
static int access_numeric(const char *s, struct access_value *v)
{
    const char *p = s;

    if (!(s[0] == '4' || s[0] == '5') || !isdigit((unsigned char)s[1]) ||
        !isdigit((unsigned char)s[2]) || (s[3] != ' ' && s[3] != '\0'))
        return -1;
    memcpy(v->code, s, 3);
    v->code[3] = '\0';
    p = s + 3;
    while (*p == ' ')
        p++;
    if (p[0] == s[0] && p[1] == '.' && isdigit((unsigned char)p[2])) {
        size_t n = strcspn(p, " ");

        if (n < sizeof(v->xcode)) {
            memcpy(v->xcode, p, n);
            v->xcode[n] = '\0';
            p += n;
            while (*p == ' ')
                p++;
        }
    }
    snprintf(v->text, sizeof(v->text), "%s", p);
    v->kind = s[0] == '5' ? ACCESS_REJECT : ACCESS_TEMPFAIL;
    return 0;
}

int access_parse(const char *value, struct access_value *v)
{
    const char *rest;
    char *end;

    memset(v, 0, sizeof(*v));
    while (isspace((unsigned char)*value))
        value++;
    if (access_word(value, "OK") && *access_word(value, "OK") == '\0') {
        v->kind = ACCESS_OK;
        return 0;
    }
    if (access_word(value, "DUNNO") || *value == '\0') {
        v->kind = ACCESS_NONE;
        return 0;
    }
    if ((rest = access_word(value, "REJECT")) != NULL) {
        v->kind = ACCESS_REJECT;
        snprintf(v->text, sizeof(v->text), "%s", rest);
        return 0;
    }
    if ((rest = access_word(value, "TEMPFAIL")) != NULL ||
        (rest = access_word(value, "DEFER")) != NULL) {
        v->kind = ACCESS_TEMPFAIL;
        snprintf(v->text, sizeof(v->text), "%s", rest);
        return 0;
    }
    if ((rest = access_word(value, "SCORE")) != NULL) {
        v->score = strtod(rest, &end);
        if (end == rest || *end != '\0')
            return -1;
        v->kind = ACCESS_SCORE;
        return 0;
    }
    return access_numeric(value, v);
}

enum access_kind access_check(struct map *m, const char *key,
                              struct access_value *v, const char **error_r)
{
    const char *value;

    memset(v, 0, sizeof(*v));
    if (m == NULL || key == NULL || *key == '\0')
        return ACCESS_NONE;
    switch (map_lookup(m, key, &value, error_r)) {
    case MAP_NOTFOUND:
        return ACCESS_NONE;
    case MAP_ERROR:
        v->kind = ACCESS_ERROR;
        return ACCESS_ERROR;
    case MAP_FOUND:
        break;
    }
    if (access_parse(value, v) < 0) {
        *error_r = "value is not OK, DUNNO, REJECT, TEMPFAIL, SCORE n or a "
                   "4xx/5xx reply";
        v->kind = ACCESS_NONE;
        return ACCESS_NONE;
    }
    return v->kind;
}
