/*
 * content_rules - PCRE2 rules on what a message says, in SpamAssassin's
 * syntax: headers, body text, raw body, the whole message, URLs,
 * attachment names; meta rules over them.
 *
 * SYNOPSIS
 *	rules_load(&files, &sa_files, &opts, cfg_path, &rules, &errs);
 *	rules_run(rules, scan, res);
 *	rules_free(rules);
 *
 * DESCRIPTION
 *	rules_load() reads our rule files (files) and SpamAssassin's
 *	(sa_files, files or directories) with content_sa.c, then compiles
 *	every pattern once with PCRE2 and its JIT, and every meta
 *	(content_meta.c) in dependency order.  Before compiling, a rule
 *	named in replace_rules has its ReplaceTags tags expanded (<A>,
 *	<inter W1>, <post P2>...), and a rule with tflags fuzzy has each
 *	letter outside escapes, classes and quantifiers replaced by its
 *	look-alikes (rules_fuzzy[], plus fuzzy_chars: "a=[a@4ä]", the
 *	pymilter wish {a}=[a@ãä]).  A pattern or meta of our files that
 *	does not compile is a configuration error (file:line); one of
 *	SpamAssassin's files is skipped and counted, as are metas that
 *	need a rule that was not loaded (SpamAssassin disables those too).
 *	rules_stats() gives the counts: rules loaded by type, skipped by
 *	reason.
 *
 *	rules_run() evaluates every rule on one message (struct
 *	content_scan): header rules on the decoded value of every header
 *	of that name (joined by newlines; :raw as received, :addr and
 *	:name the first address or display name; [if-unset: X] when the
 *	message has none; !~ negates); body rules on the Subject and the
 *	text parts as text (HTML reduced), ^ and $ at each line; rawbody
 *	on the text parts before HTML is reduced; full on the raw message;
 *	uri on each URL as written and normalised; filename on each
 *	attachment and archive member name.  A rule counts one hit, or
 *	each match with tflags multiple (maxhits=N, at most 1000).  Metas
 *	then see the hit counts.  Each rule that hit and is neither a
 *	sub-rule ("__" prefix) nor scored 0 (or under 0.005 either way:
 *	SpamAssassin's informational 0.001) becomes a symbol, its score as
 *	set (SpamAssassin's first score), else 1.0 (0.01 for T_ rules).
 *	Matching is bounded by PCRE2's match limit (RULES_MATCH_LIMIT).
 *
 * OWNERSHIP
 *	struct rules is read-only after rules_load() and shared by every
 *	thread; each run makes its own match data.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "log.h"

#define RULES_MATCH_LIMIT 1000000
#define RULES_MAX_HITS 1000

static const char *const rules_skip_names[SKIP_N] = {
    [SKIP_NONE] = "loaded",
    [SKIP_EVAL] = "eval: (a plugin's Perl code)",
    [SKIP_PLUGIN] = "plugin rule type (mimeheader, askdns, urirhssub...)",
    [SKIP_BLOCK] = "only inside a false if/ifplugin",
    [SKIP_REGEX] = "pattern PCRE2 does not compile",
    [SKIP_META] = "meta needs a rule that is not loaded",
    [SKIP_PSEUDO] = "SpamAssassin pseudo-header (X-Spam-Relays-*...)",
    [SKIP_SYNTAX] = "unsupported syntax",
};

const char *rules_skip_name(enum rule_skip s)
{
    return s < SKIP_N ? rules_skip_names[s] : "?";
}

/* Storage: an array and an open-addressing index by name. */
static size_t rules_hashval(const char *s)
{
    size_t h = 1469598103934665603ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static void rules_rehash(struct rules *r)
{
    size_t i, j;

    free(r->hash);
    r->hcap = r->hcap ? r->hcap * 2 : 1024;
    r->hash = xcalloc(r->hcap, sizeof(*r->hash));
    for (i = 0; i < r->n; i++) {
        j = rules_hashval(r->v[i].name) & (r->hcap - 1);
        while (r->hash[j] != 0)
            j = (j + 1) & (r->hcap - 1);
        r->hash[j] = i + 1;
    }
}

const struct rule *rules_find(const struct rules *r, const char *name)
{
    size_t j;

    if (r->hcap == 0)
        return NULL;
    j = rules_hashval(name) & (r->hcap - 1);
    for (; r->hash[j] != 0; j = (j + 1) & (r->hcap - 1))
        if (strcmp(r->v[r->hash[j] - 1].name, name) == 0)
            return &r->v[r->hash[j] - 1];
    return NULL;
}

struct rule *rules_get(struct rules *r, const char *name, int create)
{
    const struct rule *f = rules_find(r, name);
    struct rule *ru;

    if (f != NULL || !create)
        return (struct rule *)f;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    ru = &r->v[r->n++];
    memset(ru, 0, sizeof(*ru));
    ru->name = xstrdup(name);
    ru->type = CT_BODY;
    if (2 * r->n > r->hcap)
        rules_rehash(r);
    else {
        size_t j = rules_hashval(name) & (r->hcap - 1);

        while (r->hash[j] != 0)
            j = (j + 1) & (r->hcap - 1);
        r->hash[j] = r->n;
    }
    return ru;
}

/* ReplaceTags. */
static const char *rules_tag(const struct rules *r, int kind, const char *name,
                             size_t n)
{
    const char *v = NULL;

    for (size_t i = 0; i < r->ntags; i++) /* the last definition wins */
        if (r->tags[i].kind == kind && strlen(r->tags[i].name) == n &&
            strncmp(r->tags[i].name, name, n) == 0)
            v = r->tags[i].value;
    return v;
}

static int rules_listed(const struct rules *r, const char *name)
{
    for (size_t i = 0; i < r->nreplace; i++)
        if (strcmp(r->replace[i], name) == 0)
            return 1;
    return 0;
}

static char *rules_replace_tags(const struct rules *r, const char *pat)
{
    const char *pre = "", *inter = "", *post = "", *p, *end, *v;
    struct strbuf b;
    int last_tag = 0;

    strbuf_init(&b, 0);
    for (p = pat; *p;) {
        if (*p == '<' && (end = strchr(p, '>')) != NULL) {
            const char *w = p + 1, *sp = memchr(w, ' ', (size_t)(end - w));

            if (sp != NULL) { /* <pre P1>, <inter W1>, <post P2> */
                int kind = strncmp(w, "pre ", 4) == 0     ? RTAG_PRE
                           : strncmp(w, "inter ", 6) == 0 ? RTAG_INTER
                           : strncmp(w, "post ", 5) == 0  ? RTAG_POST
                                                          : -1;

                v = kind >= 0
                        ? rules_tag(r, kind, sp + 1, (size_t)(end - sp - 1))
                        : NULL;
                if (v != NULL) {
                    *(kind == RTAG_PRE     ? &pre
                      : kind == RTAG_INTER ? &inter
                                           : &post) = v;
                    p = end + 1;
                    continue;
                }
            } else if ((v = rules_tag(r, RTAG_TAG, w, (size_t)(end - w)))) {
                if (last_tag)
                    strbuf_puts(&b, inter);
                strbuf_printf(&b, "%s%s%s", pre, v, post);
                last_tag = 1;
                p = end + 1;
                continue;
            }
        }
        strbuf_append(&b, p++, 1);
        last_tag = 0;
    }
    return b.data ? strbuf_detach(&b) : xstrdup("");
}

/* Fuzzy letters. */
static const char *const rules_fuzzy[] = {
    "a=aA@4\xc3\xa0\xc3\xa1\xc3\xa2\xc3\xa3\xc3\xa4\xc3\xa5",
    "b=bB8",
    "c=cC(\xc3\xa7\xc2\xa2",
    "e=eE3\xc3\xa8\xc3\xa9\xc3\xaa\xc3\xab\xe2\x82\xac",
    "g=gG96",
    "i=iI1!|l\xc3\xac\xc3\xad\xc3\xae\xc3\xaf",
    "l=lL1|!I",
    "o=oO0\xc3\xb2\xc3\xb3\xc3\xb4\xc3\xb5\xc3\xb6\xc3\xb8",
    "s=sS5$\xc2\xa7",
    "t=tT7+",
    "u=uU\xc3\xb9\xc3\xba\xc3\xbb\xc3\xbc\xc2\xb5v",
    "z=zZ2",
    NULL,
};

/* The look-alikes of letter c: from fuzzy_chars ("a=[a@ãä]"), else the
 * built-in table; NULL when none.  *n_r: their length in bytes. */
static const char *rules_fuzzy_set(const struct rules *r, char c, size_t *n_r)
{
    const char *e;
    size_t n;

    for (size_t i = 0; r->fuzzy != NULL && i < r->fuzzy->n; i++) {
        e = r->fuzzy->v[i];
        if ((e[0] | 0x20) != (c | 0x20) || e[1] != '=')
            continue;
        e += 2;
        n = strlen(e);
        if (n >= 2 && e[0] == '[' && e[n - 1] == ']') {
            e++;
            n -= 2;
        }
        *n_r = n;
        return e;
    }
    for (const char *const *t = rules_fuzzy; *t; t++)
        if ((*t)[0] == (c | 0x20)) {
            *n_r = strlen(*t + 2);
            return *t + 2;
        }
    return NULL;
}

/* (?:a|A|@|ä): one alternative per UTF-8 character of set. */
static void rules_fuzzy_alt(struct strbuf *b, const char *set, size_t n)
{
    size_t i, k;

    strbuf_puts(b, "(?:");
    for (i = 0; i < n; i += k) {
        unsigned char c = (unsigned char)set[i];

        k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (i + k > n)
            k = n - i;
        if (i > 0)
            strbuf_append(b, "|", 1);
        if (k == 1 && !((c | 0x20) >= 'a' && (c | 0x20) <= 'z') &&
            !(c >= '0' && c <= '9'))
            strbuf_append(b, "\\", 1);
        strbuf_append(b, set + i, k);
    }
    strbuf_puts(b, ")");
}

/* Copy the escape, class, quantifier or group syntax at p; its end. */
static const char *rules_fuzzy_skip(const char *p, struct strbuf *b)
{
    const char *s = p;

    if (*p == '\\') {
        if (p[1] == 'Q') {
            const char *e = strstr(p, "\\E");

            p = e ? e + 2 : p + strlen(p);
        } else if ((p[1] == 'x' || p[1] == 'p' || p[1] == 'P' || p[1] == 'N' ||
                    p[1] == 'g' || p[1] == 'k') &&
                   p[2] == '{' && strchr(p, '}')) {
            p = strchr(p, '}') + 1;
        } else if (p[1] == 'x') {
            p += 2;
            for (int i = 0; i < 2 && isxdigit((unsigned char)*p); i++)
                p++;
        } else {
            p += p[1] ? 2 : 1;
        }
    } else if (*p == '[') {
        p++;
        if (*p == '^')
            p++;
        if (*p == ']')
            p++;
        for (; *p && *p != ']'; p++)
            if (*p == '\\' && p[1])
                p++;
        if (*p)
            p++;
    } else if (*p == '{') {
        const char *e = strchr(p, '}');

        p = e ? e + 1 : p + 1;
    } else { /* "(?" and its group syntax */
        p += 2;
        if (*p == '<' && (p[1] == '=' || p[1] == '!'))
            p += 2;
        else if (*p == '<' || *p == 'P' || *p == '\'')
            while (*p && *p != '>' && *p != '\'' && *p != ')')
                p++;
        else
            while (isalpha((unsigned char)*p) || *p == '-' || *p == '^')
                p++;
        if (*p == '>' || *p == '\'' || *p == ':' || *p == '=' || *p == '!')
            p++;
    }
    strbuf_append(b, s, (size_t)(p - s));
    return p;
}

static char *rules_fuzzify(const struct rules *r, const char *pat)
{
    struct strbuf b;
    const char *set, *p = pat;
    size_t n;

    strbuf_init(&b, 0);
    while (*p) {
        if (*p == '\\' || *p == '[' || *p == '{' ||
            (p[0] == '(' && p[1] == '?')) {
            p = rules_fuzzy_skip(p, &b);
        } else if (isalpha((unsigned char)*p) &&
                   (set = rules_fuzzy_set(r, *p, &n)) != NULL) {
            rules_fuzzy_alt(&b, set, n);
            p++;
        } else {
            strbuf_append(&b, p++, 1);
        }
    }
    return b.data ? strbuf_detach(&b) : xstrdup("");
}

/* Compiling. */
static void rules_bad(struct rule *ru, enum rule_skip why, const char *what,
                      struct cfg_errors *errs)
{
    if (!ru->sa)
        cfg_errors_add(errs, "%s:%d: %s: %s", ru->file ? ru->file : "?",
                       ru->line, ru->name, what);
    else
        log_debug(NULL, "content: %s:%d: %s skipped: %s", ru->file, ru->line,
                  ru->name, what);
    if (getenv("SLUICE_RULES_DEBUG"))
        fprintf(stderr, "%s:%d: %s skipped: %s\n", ru->file, ru->line, ru->name,
                what);
    ru->skip = why;
}

static void rules_compile_one(struct rules *r, struct rule *ru,
                              struct cfg_errors *errs)
{
    char *pat = xstrdup(ru->pattern), *t, msg[160], buf[120];
    uint32_t opts = ru->re_flags;
    PCRE2_SIZE off;
    int err;

    if (rules_listed(r, ru->name)) {
        t = rules_replace_tags(r, pat);
        free(pat);
        pat = t;
    }
    if (ru->tflags & TF_FUZZY) {
        t = rules_fuzzify(r, pat);
        free(pat);
        pat = t;
    }
    if (ru->type == CT_BODY || ru->type == CT_RAWBODY)
        opts |= PCRE2_MULTILINE;
    ru->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &err,
                           &off, NULL);
    if (ru->re == NULL) {
        pcre2_get_error_message(err, (PCRE2_UCHAR *)buf, sizeof(buf));
        snprintf(msg, sizeof(msg), "pattern does not compile at offset %zu: %s",
                 (size_t)off, buf);
        rules_bad(ru, SKIP_REGEX, msg, errs);
    } else {
        pcre2_jit_compile(ru->re, PCRE2_JIT_COMPLETE);
    }
    free(pat);
}

/* Metas: compile them until no more are dropped (a meta needing a
 * dropped meta is dropped too), then order them so that each comes
 * after the metas it reads. */
static int rules_metas_compile(struct rules *r, struct cfg_errors *errs)
{
    struct rule *ru;
    const char *error;
    char *missing, msg[200];
    int changed = 0;

    for (size_t i = 0; i < r->n; i++) {
        ru = &r->v[i];
        if (ru->type != CT_META || !ru->defined || ru->skip != SKIP_NONE)
            continue;
        meta_free(ru->meta);
        ru->meta = NULL;
        if (meta_compile(r, ru->meta_src, &ru->meta, &missing, &error) == 0)
            continue;
        if (missing != NULL)
            snprintf(msg, sizeof(msg), "meta needs %s, which is not loaded",
                     missing);
        else
            snprintf(msg, sizeof(msg), "meta: %s", error);
        rules_bad(ru, missing ? SKIP_META : SKIP_SYNTAX, msg, errs);
        free(missing);
        changed = 1;
    }
    return changed;
}

static int rules_visit(struct rules *r, size_t i, unsigned char *mark,
                       int depth)
{
    const size_t *deps;
    size_t n;

    if (mark[i] == 2)
        return 0;
    if (mark[i] == 1 || depth > 1000)
        return -1; /* a cycle */
    mark[i] = 1;
    n = meta_deps(r->v[i].meta, &deps);
    for (size_t k = 0; k < n; k++)
        if (r->v[deps[k]].type == CT_META && r->v[deps[k]].meta != NULL &&
            rules_visit(r, deps[k], mark, depth + 1) < 0)
            return -1;
    mark[i] = 2;
    r->order[r->norder++] = i;
    return 0;
}

static void rules_metas(struct rules *r, struct cfg_errors *errs)
{
    unsigned char *mark;

    while (rules_metas_compile(r, errs))
        ;
    mark = xcalloc(r->n ? r->n : 1, 1);
    r->order = xcalloc(r->n ? r->n : 1, sizeof(*r->order));
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].meta == NULL || mark[i] == 2)
            continue;
        if (rules_visit(r, i, mark, 0) < 0) {
            rules_bad(&r->v[i], SKIP_SYNTAX, "meta rules depend on each other",
                      errs);
            meta_free(r->v[i].meta);
            r->v[i].meta = NULL;
        }
    }
    free(mark);
}

static void rules_tally(struct rules *r)
{
    struct rules_stats *st = &r->stats;

    for (int k = 1; k < SKIP_N; k++)
        st->reason_name[k - 1] = rules_skip_names[k];
    st->nreasons = SKIP_N - 1;
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *ru = &r->v[i];

        if (ru->skip != SKIP_NONE) {
            st->reason_n[ru->skip - 1]++;
            st->skipped++;
        } else if (ru->defined) {
            st->loaded[ru->type]++;
        }
    }
}

static double rules_version(const char *v)
{
    unsigned a = 0, b = 0, c = 0;

    if (v == NULL || sscanf(v, "%u.%u.%u", &a, &b, &c) < 1)
        return 4.000001;
    return a + b / 1000.0 + c / 1000000.0;
}

struct rules *rules_new(const struct rules_opts *o)
{
    struct rules *r = xcalloc(1, sizeof(*r));

    r->sa_version = rules_version(o ? o->sa_version : NULL);
    r->fuzzy = o ? o->fuzzy : NULL;
    return r;
}

int rules_finish(struct rules *r, size_t nerr, struct cfg_errors *errs)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].defined && r->v[i].skip == SKIP_NONE &&
            r->v[i].pattern != NULL && r->v[i].type != CT_META)
            rules_compile_one(r, &r->v[i], errs);
    rules_metas(r, errs);
    rules_tally(r);
    return errs->n > nerr ? -1 : 0;
}

int rules_load(const struct cfg_list *files, const struct cfg_list *sa_files,
               const struct rules_opts *o, const char *base, struct rules **r_r,
               struct cfg_errors *errs)
{
    struct rules *r = rules_new(o);
    size_t nerr = errs->n, i;
    char *p;

    for (i = 0; sa_files != NULL && i < sa_files->n; i++) {
        p = path_resolve(base, sa_files->v[i]);
        sa_read_path(r, p, 1, errs);
        free(p);
    }
    for (i = 0; files != NULL && i < files->n; i++) {
        p = path_resolve(base, files->v[i]);
        sa_read_path(r, p, 0, errs);
        free(p);
    }
    if (rules_finish(r, nerr, errs) < 0) {
        rules_free(r);
        return -1;
    }
    *r_r = r;
    return 0;
}

void rules_free(struct rules *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++) {
        struct rule *ru = &r->v[i];

        free(ru->name);
        free(ru->describe);
        free(ru->hname);
        free(ru->if_unset);
        free(ru->pattern);
        free(ru->meta_src);
        free(ru->file);
        pcre2_code_free(ru->re);
        meta_free(ru->meta);
    }
    free(r->v);
    free(r->hash);
    free(r->order);
    for (i = 0; i < r->ntags; i++) {
        free(r->tags[i].name);
        free(r->tags[i].value);
    }
    free(r->tags);
    for (i = 0; i < r->nreplace; i++)
        free(r->replace[i]);
    free(r->replace);
    for (i = 0; i < r->nfiles; i++)
        free(r->files[i]);
    free(r->files);
    free(r);
}

const struct rules_stats *rules_stats(const struct rules *r)
{
    return &r->stats;
}

size_t rules_count(const struct rules *r)
{
    size_t n = 0;

    for (int t = 0; t < CT_N; t++)
        n += r->stats.loaded[t];
    return n;
}

void rules_watch_files(const struct rules *r, struct content_watch *w)
{
    for (size_t i = 0; i < r->nfiles; i++)
        content_watch_add(w, r->files[i]);
}
