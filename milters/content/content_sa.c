/*
 * content_sa - the SpamAssassin .cf reader: the useful subset of its
 * rule language, for SpamAssassin's own rule files and for ours.
 *
 * SYNOPSIS
 *	sa_read_path(rules, "/usr/share/spamassassin", 1, &errs);
 *
 * DESCRIPTION
 *	sa_read_path() reads a file, or every *.cf of a directory in name
 *	order (as spamd does), into rules.  Comments start at a '#' that
 *	is not escaped ("\#" is a '#'); "include FILE" reads a file
 *	relative to the current one (8 levels at most).
 *
 *	Conditionals are evaluated, not skipped: Debian's 4.0.1 rule set
 *	has about 900 if/ifplugin lines and skipping those blocks would
 *	lose much of it.  "ifplugin NAME" is true for the plugins whose
 *	rule types are implemented here (sa_plugins[]: ReplaceTags), false
 *	for the others.  "if EXPR" (sa_if_eval()) evaluates version
 *	(the declared SpamAssassin version, sa_version: 4.0.1 is
 *	4.000001), plugin(NAME), can(NAME) (true for the Conf features of
 *	sa_features[] and the perl_min_version_ checks, false for a
 *	plugin's has_ functions and for compat_ switches), numbers,
 *	comparisons, !, &&, || and parentheses.  else and endif as
 *	SpamAssassin has them.
 *
 *	Rule lines:
 *	    header NAME Header[:raw|:addr|:name] =~ /re/flags [if-unset: X]
 *	    header NAME Header !~ /re/flags
 *	    header NAME exists:Header
 *	    header NAME ALL|ToCc|MESSAGEID|EnvelopeFrom =~ /re/
 *	    body|rawbody|full|uri NAME /re/flags    (or m{re}, m!re!...)
 *	    filename NAME /re/flags                 (ours: attachment and
 *	                                             archive member names)
 *	    meta NAME expression                    (content_meta.c)
 *	    score NAME n [n n n]   describe NAME text   tflags NAME flags
 *	    replace_tag|replace_pre|replace_inter|replace_post NAME value
 *	    replace_rules NAME...
 *	A later definition of a name replaces the earlier one.  tflags
 *	read: multiple, maxhits=N, nosubject, nice; ours: fuzzy.
 *	Lines of other directives (whitelists, report templates, DNS list
 *	settings...) are ignored.
 *
 *	Skipped, with the reason counted (struct rules_stats): eval: rules
 *	(Perl code of a plugin); the rule types only a plugin has
 *	(mimeheader, askdns, urirhssub, uridnssub, uridnsbl, uri_detail);
 *	SpamAssassin's pseudo-headers (X-Spam-Relays-*, ALL-TRUSTED...);
 *	rules defined only inside false conditionals; and, found later by
 *	content_rules.c, patterns PCRE2 does not compile and metas that
 *	need a rule that was not loaded.
 *
 * OWNERSHIP
 *	Everything read goes into struct rules.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "content_rules.h"
#include "log.h"

#define SA_MAX_FILE (16 * 1024 * 1024)
#define SA_MAX_INCLUDE 8
#define SA_MAX_IF 64

/* Reading. */
struct sa_file {
    struct rules *r;
    const char *path;
    int line;
    int sa;
    int depth;
    int cond[SA_MAX_IF];  /* active at each level */
    int taken[SA_MAX_IF]; /* the if branch was true */
    int ncond;
    struct cfg_errors *errs;
};

static int sa_active(const struct sa_file *f)
{
    return f->ncond == 0 || f->cond[f->ncond - 1];
}

static int sa_name_ok(const char *n)
{
    if (*n == '\0')
        return 0;
    for (; *n; n++)
        if (!isalnum((unsigned char)*n) && *n != '_')
            return 0;
    return 1;
}

/* The next blank-separated word of *p (in place); "" at the end. */
static char *sa_word(char **p)
{
    char *s = *p, *w;

    while (isspace((unsigned char)*s))
        s++;
    w = s;
    while (*s && !isspace((unsigned char)*s))
        s++;
    if (*s)
        *s++ = '\0';
    while (isspace((unsigned char)*s))
        s++;
    *p = s;
    return w;
}

static struct rule *sa_define(struct sa_file *f, const char *name,
                              enum content_target type)
{
    struct rule *ru = rules_get(f->r, name, 1);

    free(ru->pattern);
    free(ru->hname);
    free(ru->if_unset);
    free(ru->meta_src);
    free(ru->file);
    ru->pattern = ru->hname = ru->if_unset = ru->meta_src = NULL;
    ru->type = type;
    ru->hkind = HK_NAMED;
    ru->hmod = HM_DECODED;
    ru->negate = 0;
    ru->re_flags = 0;
    ru->file = xstrdup(f->path);
    ru->line = f->line;
    ru->sa = f->sa;
    ru->defined = 1;
    ru->skip = SKIP_NONE;
    return ru;
}

static void sa_skip(struct sa_file *f, const char *name, enum rule_skip why)
{
    struct rule *ru = rules_get(f->r, name, 1);

    if (!sa_active(f) && ru->defined)
        return; /* loaded from a true branch */
    if (sa_active(f)) {
        ru = sa_define(f, name, CT_BODY);
        ru->defined = 0;
    }
    ru->skip = why;
}

static void sa_syntax(struct sa_file *f, const char *name, const char *what)
{
    if (!f->sa)
        cfg_errors_add(f->errs, "%s:%d: %s: %s", f->path, f->line, name, what);
    else
        log_debug(NULL, "content: %s:%d: %s: %s", f->path, f->line, name, what);
    sa_skip(f, name, SKIP_SYNTAX);
}

static int sa_is_pseudo(const char *h)
{
    return str_ncasecmp(h, "X-Spam-Relays-", 14) == 0 ||
           str_ncasecmp(h, "ALL-", 4) == 0 ||
           str_casecmp(h, "X-Spam-DCC") == 0 ||
           str_casecmp(h, "X-Spam-Pyzor") == 0 ||
           str_casecmp(h, "X-Spam-Status") == 0 ||
           str_casecmp(h, "Envelope-Sender") == 0 ||
           str_casecmp(h, "X-Envelope-From") == 0 ||
           str_casecmp(h, "X-Spam-Level") == 0;
}

/* "Name[:mod]" of a header rule; 0 ok, -1 unsupported. */
static int sa_header_target(struct rule *ru, char *h)
{
    char *colon = strchr(h, ':');

    if (colon != NULL) {
        *colon++ = '\0';
        if (str_casecmp(colon, "raw") == 0)
            ru->hmod = HM_RAW;
        else if (str_casecmp(colon, "addr") == 0)
            ru->hmod = HM_ADDR;
        else if (str_casecmp(colon, "name") == 0)
            ru->hmod = HM_NAME;
        else
            return -1;
    }
    if (strcmp(h, "ALL") == 0)
        ru->hkind = HK_ALL;
    else if (strcmp(h, "ToCc") == 0)
        ru->hkind = HK_TOCC;
    else if (strcmp(h, "MESSAGEID") == 0)
        ru->hkind = HK_MESSAGEID;
    else if (strcmp(h, "EnvelopeFrom") == 0)
        ru->hkind = HK_ENVFROM;
    ru->hname = xstrdup(h);
    return 0;
}

static void sa_header(struct sa_file *f, const char *name, char *rest)
{
    char *h, *op, *pat;
    const char *after;
    unsigned opts;
    struct rule *ru;

    if (strncmp(rest, "eval:", 5) == 0) {
        sa_skip(f, name, SKIP_EVAL);
        return;
    }
    h = sa_word(&rest);
    if (strncmp(h, "exists:", 7) == 0) {
        ru = sa_define(f, name, CT_HEADER);
        ru->hkind = HK_EXISTS;
        ru->hname = xstrdup(h + 7);
        return;
    }
    if (sa_is_pseudo(h)) {
        sa_skip(f, name, SKIP_PSEUDO);
        return;
    }
    op = sa_word(&rest);
    if ((strcmp(op, "=~") != 0 && strcmp(op, "!~") != 0) ||
        sa_regex_split(rest, &pat, &opts, &after) < 0) {
        sa_syntax(f, name, "expected Header =~ /regex/");
        return;
    }
    ru = sa_define(f, name, CT_HEADER);
    ru->pattern = pat;
    ru->re_flags = opts;
    ru->negate = op[0] == '!';
    if (sa_header_target(ru, h) < 0) {
        sa_syntax(f, name, "unsupported header modifier");
        return;
    }
    while (isspace((unsigned char)*after))
        after++;
    if (strncmp(after, "[if-unset:", 10) == 0) {
        const char *end = strrchr(after, ']');

        char *u = xstrndup(after + 10, end ? (size_t)(end - after - 10)
                                           : strlen(after + 10));

        ru->if_unset = xstrdup_trim(u);
        free(u);
    }
}

static void sa_regex_rule(struct sa_file *f, const char *name,
                          enum content_target type, char *rest)
{
    const char *after;
    struct rule *ru;
    unsigned opts;
    char *pat;

    if (strncmp(rest, "eval:", 5) == 0) {
        sa_skip(f, name, SKIP_EVAL);
        return;
    }
    if (sa_regex_split(rest, &pat, &opts, &after) < 0) {
        sa_syntax(f, name, "expected /regex/flags");
        return;
    }
    ru = sa_define(f, name, type);
    ru->pattern = pat;
    ru->re_flags = opts;
}

static void sa_meta(struct sa_file *f, const char *name, const char *rest)
{
    struct rule *ru;

    if (*rest == '\0') {
        sa_syntax(f, name, "empty meta expression");
        return;
    }
    ru = sa_define(f, name, CT_META);
    ru->meta_src = xstrdup(rest);
}

static void sa_score(struct sa_file *f, const char *name, char *rest)
{
    struct rule *ru = rules_get(f->r, name, 1);
    char *end, *w = sa_word(&rest);
    double v = strtod(w, &end);

    if (end == w) {
        if (!f->sa)
            cfg_errors_add(f->errs, "%s:%d: score %s: not a number", f->path,
                           f->line, name);
        return;
    }
    ru->score = v;
    ru->has_score = 1;
}

static void sa_tflags(struct sa_file *f, const char *name, char *rest)
{
    struct rule *ru = rules_get(f->r, name, 1);
    char *w;

    ru->tflags = 0;
    while (*(w = sa_word(&rest)) != '\0') {
        if (strcmp(w, "multiple") == 0)
            ru->tflags |= TF_MULTIPLE;
        else if (strncmp(w, "maxhits=", 8) == 0)
            ru->maxhits = atoi(w + 8);
        else if (strcmp(w, "nosubject") == 0)
            ru->tflags |= TF_NOSUBJECT;
        else if (strcmp(w, "fuzzy") == 0)
            ru->tflags |= TF_FUZZY;
        else if (strcmp(w, "nice") == 0)
            ru->tflags |= TF_NICE;
    }
}

static void sa_replace_tag(struct sa_file *f, int kind, char *rest)
{
    struct rules *r = f->r;
    char *name = sa_word(&rest);

    if (*name == '\0' || *rest == '\0')
        return;
    r->tags = xrealloc(r->tags, (r->ntags + 1) * sizeof(*r->tags));
    r->tags[r->ntags].name = xstrdup(name);
    r->tags[r->ntags].value = xstrdup(rest);
    r->tags[r->ntags].kind = kind;
    r->ntags++;
}

static void sa_replace_rules(struct sa_file *f, char *rest)
{
    struct rules *r = f->r;
    char *w;

    while (*(w = sa_word(&rest)) != '\0') {
        r->replace = xrealloc(r->replace, (r->nreplace + 1) * sizeof(char *));
        r->replace[r->nreplace++] = xstrdup(w);
    }
}

static int sa_read_file(struct rules *r, const char *path, int sa, int depth,
                        struct cfg_errors *errs);

/* Conditionals: if, ifplugin, else, endif. */
static int sa_cond(struct sa_file *f, const char *kw, const char *rest)
{
    int v = 0, parent = sa_active(f);

    if (strcmp(kw, "if") == 0 || strcmp(kw, "ifplugin") == 0) {
        if (f->ncond >= SA_MAX_IF) {
            cfg_errors_add(f->errs, "%s:%d: conditionals nested too deep",
                           f->path, f->line);
            return 1;
        }
        if (kw[2] == 'p')
            v = sa_plugin(rest);
        else if (sa_if_eval(rest, f->r->sa_version, &v) < 0) {
            log_debug(NULL, "content: %s:%d: cannot evaluate if %s", f->path,
                      f->line, rest);
            v = 0;
        }
        f->cond[f->ncond] = parent && v;
        f->taken[f->ncond] = v;
        f->ncond++;
        return 1;
    }
    if (strcmp(kw, "else") == 0 && f->ncond > 0) {
        int grand = f->ncond < 2 || f->cond[f->ncond - 2];

        f->cond[f->ncond - 1] = grand && !f->taken[f->ncond - 1];
        return 1;
    }
    if (strcmp(kw, "endif") == 0) {
        if (f->ncond > 0)
            f->ncond--;
        return 1;
    }
    return 0;
}

static int sa_is_rule_kw(const char *kw, enum content_target *t)
{
    static const struct {
        const char *kw;
        enum content_target t;
    } kws[] = {{"header", CT_HEADER},   {"body", CT_BODY},
               {"rawbody", CT_RAWBODY}, {"full", CT_FULL},
               {"uri", CT_URI},         {"filename", CT_FILENAME},
               {"meta", CT_META}};

    for (size_t i = 0; i < sizeof(kws) / sizeof(*kws); i++)
        if (strcmp(kw, kws[i].kw) == 0) {
            *t = kws[i].t;
            return 1;
        }
    return 0;
}

static int sa_is_plugin_kw(const char *kw)
{
    static const char *const kws[] = {"mimeheader", "askdns",   "urirhssub",
                                      "uridnssub",  "uridnsbl", "uri_detail",
                                      "urirhsbl",   NULL};

    return sa_in(kws, kw);
}

static void sa_include(struct sa_file *f, const char *rest)
{
    char *p;

    if (f->depth >= SA_MAX_INCLUDE) {
        cfg_errors_add(f->errs, "%s:%d: include nested too deep", f->path,
                       f->line);
        return;
    }
    p = path_resolve(f->path, rest);
    sa_read_file(f->r, p, f->sa, f->depth + 1, f->errs);
    free(p);
}

static void sa_directive(struct sa_file *f, char *kw, char *rest)
{
    enum content_target t = CT_BODY;
    char *name;

    if (sa_is_rule_kw(kw, &t) || sa_is_plugin_kw(kw)) {
        name = sa_word(&rest);
        if (!sa_name_ok(name)) {
            if (!f->sa)
                cfg_errors_add(f->errs, "%s:%d: %s: bad rule name \"%s\"",
                               f->path, f->line, kw, name);
            return;
        }
        if (!sa_active(f))
            sa_skip(f, name,
                    sa_is_plugin_kw(kw)              ? SKIP_PLUGIN
                    : strncmp(rest, "eval:", 5) == 0 ? SKIP_EVAL
                                                     : SKIP_BLOCK);
        else if (sa_is_plugin_kw(kw))
            sa_skip(f, name, SKIP_PLUGIN);
        else if (t == CT_HEADER)
            sa_header(f, name, rest);
        else if (t == CT_META)
            sa_meta(f, name, rest);
        else
            sa_regex_rule(f, name, t, rest);
        return;
    }
    if (!sa_active(f))
        return;
    if (strcmp(kw, "include") == 0)
        sa_include(f, rest);
    else if (strcmp(kw, "replace_rules") == 0)
        sa_replace_rules(f, rest);
    else if (strncmp(kw, "replace_", 8) == 0) {
        int kind = strcmp(kw + 8, "tag") == 0     ? RTAG_TAG
                   : strcmp(kw + 8, "pre") == 0   ? RTAG_PRE
                   : strcmp(kw + 8, "inter") == 0 ? RTAG_INTER
                   : strcmp(kw + 8, "post") == 0  ? RTAG_POST
                                                  : -1;
        if (kind >= 0)
            sa_replace_tag(f, kind, rest);
    } else if (strcmp(kw, "score") == 0 || strcmp(kw, "describe") == 0 ||
               strcmp(kw, "tflags") == 0) {
        name = sa_word(&rest);
        if (!sa_name_ok(name))
            return;
        if (kw[0] == 's')
            sa_score(f, name, rest);
        else if (kw[0] == 't')
            sa_tflags(f, name, rest);
        else {
            struct rule *ru = rules_get(f->r, name, 1);

            free(ru->describe);
            ru->describe = xstrdup(rest);
        }
    }
}

/* Strip the comment ('#' not after '\'), unescape "\#", trim. */
static char *sa_clean(char *line)
{
    char *p, *o;

    for (p = line; *p; p++)
        if (*p == '#' && (p == line || p[-1] != '\\')) {
            *p = '\0';
            break;
        }
    for (p = o = line; *p; p++) {
        if (p[0] == '\\' && p[1] == '#')
            continue;
        *o++ = *p;
    }
    *o = '\0';
    return str_trim(line);
}

static void sa_line(struct sa_file *f, char *line)
{
    char *rest = sa_clean(line), *kw;

    if (*rest == '\0')
        return;
    kw = sa_word(&rest);
    str_lower(kw);
    if (sa_cond(f, kw, rest) || strcmp(kw, "lang") == 0)
        return;
    sa_directive(f, kw, rest);
}

static void sa_add_file(struct rules *r, const char *path)
{
    r->files = xrealloc(r->files, (r->nfiles + 1) * sizeof(char *));
    r->files[r->nfiles++] = xstrdup(path);
}

/* The lines of text (NUL terminated, len bytes), read as file name. */
static void sa_read_text(struct rules *r, char *text, size_t len,
                         const char *name, int sa, int depth,
                         struct cfg_errors *errs)
{
    struct sa_file f;
    char *line, *next;

    memset(&f, 0, sizeof(f));
    f.r = r;
    f.path = name;
    f.sa = sa;
    f.depth = depth;
    f.errs = errs;
    for (line = text; line != NULL && line < text + len; line = next) {
        next = memchr(line, '\n', (size_t)(text + len - line));
        if (next != NULL)
            *next++ = '\0';
        f.line++;
        sa_line(&f, line);
    }
}

int sa_read_buffer(struct rules *r, const char *text, size_t len,
                   const char *name, int sa, struct cfg_errors *errs)
{
    char *copy = xstrndup(text, len);

    sa_read_text(r, copy, strlen(copy), name, sa, SA_MAX_INCLUDE, errs);
    free(copy);
    return 0;
}

static int sa_read_file(struct rules *r, const char *path, int sa, int depth,
                        struct cfg_errors *errs)
{
    const char *why;
    char *text;
    size_t len;

    if ((text = file_read(path, SA_MAX_FILE, &len, &why)) == NULL) {
        if (errno == EFBIG)
            cfg_errors_add(errs, "%s: cannot read: %s (a rule file may have "
                                 "up to %d MiB)",
                           path, why, SA_MAX_FILE / (1024 * 1024));
        else
            cfg_errors_add(errs, "%s: cannot read: %s", path, why);
        return -1;
    }
    sa_add_file(r, path);
    r->stats.files++;
    sa_read_text(r, text, strlen(text), path, sa, depth, errs);
    free(text);
    return 0;
}

static int sa_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.cf of a directory, in name order. */
static int sa_read_dir(struct rules *r, const char *dir, int sa,
                       struct cfg_errors *errs)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **names = NULL, *p;
    size_t n = 0, i;
    int rc = 0;

    if (d == NULL) {
        cfg_errors_add(errs, "%s: cannot open: %m", dir);
        return -1;
    }
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || !str_has_suffix_ci(e->d_name, ".cf"))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), sa_cmp);
    for (i = 0; i < n; i++) {
        p = xasprintf("%s/%s", dir, names[i]);
        rc |= sa_read_file(r, p, sa, 0, errs);
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

int sa_read_path(struct rules *r, const char *path, int sa,
                 struct cfg_errors *errs)
{
    struct stat st;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        sa_add_file(r, path);
        return sa_read_dir(r, path, sa, errs);
    }
    return sa_read_file(r, path, sa, 0, errs);
}
