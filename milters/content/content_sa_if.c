/*
 * content_sa_if - what the SpamAssassin reader evaluates and splits: the
 * conditions of "if" and "ifplugin", and the "/re/flags" of rule lines.
 *
 * SYNOPSIS
 *	int v;
 *	sa_if_eval("(version >= 3.004000) && !plugin(X)", 4.000001, &v);
 *	sa_plugin("Mail::SpamAssassin::Plugin::ReplaceTags");
 *	sa_regex_split("m{^a{2}}i", &pattern, &opts, &rest);
 *
 * DESCRIPTION
 *	sa_if_eval() evaluates an if-expression: numbers, "version" (the
 *	declared SpamAssassin version), "perl_version", plugin(NAME) (true
 *	for the plugins whose rule types are implemented: sa_plugins[]),
 *	can(NAME) (true for the Conf features of SpamAssassin 4.0.1 in
 *	sa_features[] and the perl_min_version_ checks; false for a plugin's
 *	has_ functions and the compat_ switches), comparisons, !, &&, ||
 *	and parentheses, nested at most SA_MAX_IF deep.  It returns 0 and
 *	the truth, or -1 for an expression it cannot read.
 *
 *	sa_regex_split() splits a Perl match operator: /re/flags or
 *	m<delim>re<delim>flags, bracketing delimiters nesting as in Perl
 *	(m{a{2}}); escaped characters never end it.  Flags i, m, s and x
 *	become PCRE2 options; others (g, o) are ignored.  *rest_r points
 *	after the flags.  It returns 0 (the pattern is the caller's), or -1.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"

#define SA_MAX_IF 64

static const char *const sa_plugins[] = {
    "Mail::SpamAssassin::Plugin::ReplaceTags",
    NULL,
};

static const char *const sa_features[] = {
    "feature_bug6558_free",
    "feature_originating_ip_headers",
    "feature_dns_local_ports_permit_avoid",
    "feature_bayes_auto_learn_on_error",
    "feature_uri_host_listed",
    "feature_yesno_can_ifplugin",
    "feature_edns",
    "feature_dns_query_restriction",
    "feature_registryboundaries",
    "feature_compile_regexp",
    "feature_meta_rules_matching",
    "feature_subjprefix",
    "feature_bayes_stopwords",
    "feature_get_host",
    "feature_welcomelist_blocklist",
    "feature_blocklist_welcomelist",
    "feature_header_address_parser",
    "feature_local_tests_only",
    "feature_capture_rules",
    "feature_dns_block_rule",
    NULL,
};

/* if-expressions. */
struct sa_if {
    const char *p;
    double version;
    int error;
};

int sa_in(const char *const *list, const char *s)
{
    for (; *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

static int sa_can(const char *arg)
{
    static const char conf[] = "Mail::SpamAssassin::Conf::";
    const char *f;

    if (strncmp(arg, conf, sizeof(conf) - 1) != 0)
        return 0; /* a plugin's has_...: not ours */
    f = arg + sizeof(conf) - 1;
    if (strncmp(f, "perl_min_version_", 17) == 0)
        return 1;
    return sa_in(sa_features, f);
}

static void sa_if_blank(struct sa_if *s)
{
    while (isspace((unsigned char)*s->p))
        s->p++;
}

static double sa_if_or(struct sa_if *s, int depth);

/* can(X), plugin(X), has(X); X up to the closing parenthesis. */
static double sa_if_call(struct sa_if *s, const char *fn, size_t fnlen)
{
    const char *close;
    char *arg, *tmp;
    double v;

    s->p++; /* ( */
    if ((close = strchr(s->p, ')')) == NULL) {
        s->error = 1;
        return 0;
    }
    tmp = xstrndup(s->p, (size_t)(close - s->p));
    arg = xstrdup_trim(tmp);
    free(tmp);
    s->p = close + 1;
    if (fnlen == 6 && strncmp(fn, "plugin", 6) == 0)
        v = sa_in(sa_plugins, arg);
    else
        v = sa_can(arg);
    free(arg);
    return v;
}

static double sa_if_prim(struct sa_if *s, int depth)
{
    const char *w;
    char *end;
    size_t wl;
    double v;

    sa_if_blank(s);
    if (*s->p == '(') {
        s->p++;
        v = sa_if_or(s, depth + 1);
        sa_if_blank(s);
        if (*s->p == ')')
            s->p++;
        else
            s->error = 1;
        return v;
    }
    if (isdigit((unsigned char)*s->p)) {
        v = strtod(s->p, &end);
        s->p = end;
        return v;
    }
    for (w = s->p; isalnum((unsigned char)*s->p) || *s->p == '_'; s->p++)
        ;
    wl = (size_t)(s->p - w);
    sa_if_blank(s);
    if (*s->p == '(')
        return sa_if_call(s, w, wl);
    if (wl == 7 && strncmp(w, "version", 7) == 0)
        return s->version;
    if (wl == 12 && strncmp(w, "perl_version", 12) == 0)
        return 5.036;
    s->error = 1;
    return 0;
}

static double sa_if_cmp(struct sa_if *s, int depth)
{
    double a = sa_if_prim(s, depth), b;

    sa_if_blank(s);
    if (strncmp(s->p, ">=", 2) == 0 || strncmp(s->p, "<=", 2) == 0 ||
        strncmp(s->p, "==", 2) == 0 || strncmp(s->p, "!=", 2) == 0) {
        char op = s->p[0];

        s->p += 2;
        b = sa_if_prim(s, depth);
        return op == '>'   ? a >= b
               : op == '<' ? a <= b
               : op == '=' ? a == b
                           : a != b;
    }
    if (*s->p == '>' || *s->p == '<') {
        char op = *s->p++;

        b = sa_if_prim(s, depth);
        return op == '>' ? a > b : a < b;
    }
    return a;
}

static double sa_if_not(struct sa_if *s, int depth)
{
    sa_if_blank(s);
    if (depth > SA_MAX_IF) {
        s->error = 1;
        return 0;
    }
    if (*s->p == '!') {
        s->p++;
        return sa_if_not(s, depth + 1) == 0;
    }
    return sa_if_cmp(s, depth);
}

static double sa_if_and(struct sa_if *s, int depth)
{
    double v = sa_if_not(s, depth);

    for (;;) {
        sa_if_blank(s);
        if (strncmp(s->p, "&&", 2) != 0)
            return v;
        s->p += 2;
        v = (sa_if_not(s, depth) != 0) && v != 0;
    }
}

static double sa_if_or(struct sa_if *s, int depth)
{
    double v = sa_if_and(s, depth);

    if (depth > SA_MAX_IF) {
        s->error = 1;
        return 0;
    }
    for (;;) {
        sa_if_blank(s);
        if (strncmp(s->p, "||", 2) != 0)
            return v;
        s->p += 2;
        v = (sa_if_and(s, depth) != 0) || v != 0;
    }
}

int sa_if_eval(const char *expr, double version, int *value_r)
{
    struct sa_if s = {expr, version, 0};
    double v = sa_if_or(&s, 0);

    sa_if_blank(&s);
    if (s.error || *s.p != '\0')
        return -1;
    *value_r = v != 0;
    return 0;
}

/* Regexes. */
static char sa_closing(char open)
{
    switch (open) {
    case '{':
        return '}';
    case '(':
        return ')';
    case '[':
        return ']';
    case '<':
        return '>';
    default:
        return open;
    }
}

int sa_regex_split(const char *s, char **pattern_r, unsigned *opts_r,
                   const char **rest_r)
{
    const char *p = s, *start;
    char open, close;
    unsigned opts = 0;
    int depth = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (*p == 'm' && p[1] != '\0' && !isalnum((unsigned char)p[1]) &&
        !isspace((unsigned char)p[1]))
        p++;
    else if (*p != '/')
        return -1;
    open = *p++;
    close = sa_closing(open);
    /* bracketing delimiters nest, as in Perl: m{x{2}} */
    for (start = p; *p && (*p != close || depth > 0); p++) {
        if (*p == '\\' && p[1] != '\0')
            p++;
        else if (open != close && *p == open)
            depth++;
        else if (open != close && *p == close)
            depth--;
    }
    if (*p != close)
        return -1;
    *pattern_r = xstrndup(start, (size_t)(p - start));
    for (p++; isalpha((unsigned char)*p); p++) {
        if (*p == 'i')
            opts |= PCRE2_CASELESS;
        else if (*p == 'm')
            opts |= PCRE2_MULTILINE;
        else if (*p == 's')
            opts |= PCRE2_DOTALL;
        else if (*p == 'x')
            opts |= PCRE2_EXTENDED;
    }
    *opts_r = opts;
    *rest_r = p;
    return 0;
}

int sa_plugin(const char *name)
{
    return sa_in(sa_plugins, name);
}
