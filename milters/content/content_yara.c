/*
 * content_yara - YARA rules (libyara) on every file of a message.
 *
 * SYNOPSIS
 *	content_yara_load(conf, cfg_path, &y, &errs);   (setup())
 *	content_yara_file(s, file);     (each part and archive member)
 *	content_yara_raw(s);            (the raw message)
 *	enum mod_rc content_yara_check(struct content_scan *s);
 *
 * DESCRIPTION
 *	content_yara_load() reads yara_rules: files, and directories of
 *	*.yar, *.yara, *.rule and *.rules files (in name order).  Source
 *	files are compiled together into one rule set, each file in its
 *	own namespace (its name), so that two sets may use the same rule
 *	names; a file that starts with "YARA" is a yarac-compiled set and
 *	is loaded as it is (yr_rules_load()).  The external variables of
 *	the common rule collections are defined (filename, filepath,
 *	extension, filetype, owner: THOR's), and set for each scan.  A
 *	file that does not compile fails the load with "file:line:
 *	message" for each error libyara reports, so that "-n" shows it and
 *	a reload keeps the rules that run.
 *
 *	content_yara_file() scans one file (content_files.c gives every
 *	MIME part and every archive member, nested) and
 *	content_yara_raw() the raw message, with one scanner per rule set
 *	and message (content_yara_scan_free() frees them).  Each scan has a timeout:
 *	yara_scan_timeout, but never beyond what yara_max_time leaves for
 *	the message (libyara counts whole seconds, so the total is also
 *	checked here after each scan, and no scan starts once it is
 *	spent).  A scan that times out or fails marks the message: the
 *	check then gives CONTENT_YARA_TIMEOUT (or CONTENT_YARA_TEMPFAIL)
 *	through on_error.
 *
 *	content_yara_check() reports each rule that matched (once per rule
 *	and file) as YARA_<RULE> (upper case) with the file in the detail
 *	("word/document.xml in report.docx in files.zip").  Its score is
 *	the rule's meta sluice_score, else the highest yara_tag_scores
 *	entry of its tags, else yara_score; its action the meta
 *	sluice_action ("reject" or "tag"), else yara_action.  A reject is
 *	the module's own 550 5.7.1 naming the file and the rule.
 *
 * OWNERSHIP
 *	struct content_yara owns its compiled sets; libyara's scanners are
 *	made per scan.  yr_initialize()/yr_finalize() are paired with each
 *	load and free (libyara counts them).
 */
#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yara.h>

#include "clock.h"
#include "content.h"
#include "log.h"

#define YARA_MAX_SETS 64

struct content_yara {
    YR_RULES *sets[YARA_MAX_SETS];
    int nsets;
    size_t nrules;
    char **files;
    size_t nfiles;
    const struct content_conf *conf;
};

struct yara_errs {
    struct cfg_errors *errs;
    int n;
};

static const char *const yara_externals[] = {
    "filename", "filepath", "extension", "filetype", "owner", NULL};

static void yara_compile_cb(int level, const char *file, int line,
                            const YR_RULE *rule, const char *msg, void *arg)
{
    struct yara_errs *e = arg;

    (void)rule;
    if (level != YARA_ERROR_LEVEL_ERROR) {
        log_debug(NULL, "content: %s:%d: %s", file ? file : "?", line, msg);
        return;
    }
    cfg_errors_add(e->errs, "%s:%d: %s", file ? file : "?", line, msg);
    e->n++;
}

static void yara_add_file(struct content_yara *y, const char *path)
{
    y->files = xrealloc(y->files, (y->nfiles + 1) * sizeof(char *));
    y->files[y->nfiles++] = xstrdup(path);
}

static int yara_is_compiled(const char *path)
{
    char magic[4];
    FILE *fp = fopen(path, "rb");
    int r = 0;

    if (fp != NULL) {
        r = fread(magic, 1, 4, fp) == 4 && memcmp(magic, "YARA", 4) == 0;
        fclose(fp);
    }
    return r;
}

/* One file: compiled sets are loaded, sources go to the compiler. */
static int yara_one(struct content_yara *y, YR_COMPILER *c, const char *path,
                    struct yara_errs *e, int *sources)
{
    const char *ns = strrchr(path, '/');
    YR_RULES *rules;
    FILE *fp;
    int rc;

    yara_add_file(y, path);
    if (yara_is_compiled(path)) {
        if (y->nsets >= YARA_MAX_SETS ||
            (rc = yr_rules_load(path, &rules)) != ERROR_SUCCESS) {
            cfg_errors_add(e->errs, "%s: cannot load the compiled rules%s",
                           path,
                           y->nsets >= YARA_MAX_SETS ? " (too many)" : "");
            return -1;
        }
        y->sets[y->nsets++] = rules;
        return 0;
    }
    if ((fp = fopen(path, "r")) == NULL) {
        cfg_errors_add(e->errs, "%s: cannot open: %m", path);
        return -1;
    }
    rc = yr_compiler_add_file(c, fp, ns ? ns + 1 : path, path);
    fclose(fp);
    (*sources)++;
    return rc > 0 ? -1 : 0;
}

static int yara_is_rule_file(const char *n)
{
    return str_has_suffix_ci(n, ".yar") || str_has_suffix_ci(n, ".yara") ||
           str_has_suffix_ci(n, ".rule") || str_has_suffix_ci(n, ".rules") ||
           str_has_suffix_ci(n, ".yarc");
}

static int yara_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int yara_dir(struct content_yara *y, YR_COMPILER *c, const char *dir,
                    struct yara_errs *e, int *sources)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL, *p;
    size_t n = 0, i;
    int rc = 0;

    if (d == NULL) {
        cfg_errors_add(e->errs, "%s: cannot open: %m", dir);
        return -1;
    }
    yara_add_file(y, dir);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' && yara_is_rule_file(de->d_name)) {
            names = xrealloc(names, (n + 1) * sizeof(*names));
            names[n++] = xstrdup(de->d_name);
        }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof(*names), yara_cmp);
    for (i = 0; i < n; i++) {
        p = xasprintf("%s/%s", dir, names[i]);
        if (rc == 0)
            rc = yara_one(y, c, p, e, sources);
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

static size_t yara_count(YR_RULES *rules)
{
    const YR_RULE *r;
    size_t n = 0;

    yr_rules_foreach(rules, r) n++;
    return n;
}

static int yara_sources(struct content_yara *y, const struct cfg_list *l,
                        const char *base, struct yara_errs *e)
{
    YR_COMPILER *c;
    YR_RULES *rules;
    struct stat st;
    int sources = 0, rc = 0;
    char *p;

    if (yr_compiler_create(&c) != ERROR_SUCCESS) {
        cfg_errors_add(e->errs, "YARA: cannot create a compiler");
        return -1;
    }
    yr_compiler_set_callback(c, yara_compile_cb, e);
    for (const char *const *x = yara_externals; *x; x++)
        yr_compiler_define_string_variable(c, *x, "");
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        p = path_resolve(base, l->v[i]);
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rc = yara_dir(y, c, p, e, &sources);
        else
            rc = yara_one(y, c, p, e, &sources);
        free(p);
    }
    if (rc == 0 && e->n == 0 && sources > 0) {
        if (y->nsets >= YARA_MAX_SETS ||
            yr_compiler_get_rules(c, &rules) != ERROR_SUCCESS)
            rc = -1;
        else
            y->sets[y->nsets++] = rules;
    }
    yr_compiler_destroy(c);
    return rc < 0 || e->n > 0 ? -1 : 0;
}

int content_yara_load(const struct content_conf *c, const char *base,
                      struct content_yara **y_r, struct cfg_errors *errs)
{
    struct content_yara *y;
    struct yara_errs e = {errs, 0};

    if (yr_initialize() != ERROR_SUCCESS) {
        cfg_errors_add(errs,
                       "%s: [content] yara_rules: libyara does not "
                       "initialise",
                       base);
        return -1;
    }
    y = xcalloc(1, sizeof(*y));
    y->conf = c;
    if (yara_sources(y, &c->yara_rules, base, &e) < 0) {
        if (e.n == 0 && errs->n == 0)
            cfg_errors_add(errs, "%s: [content] yara_rules: cannot load", base);
        content_yara_free(y);
        return -1;
    }
    for (int i = 0; i < y->nsets; i++)
        y->nrules += yara_count(y->sets[i]);
    *y_r = y;
    return 0;
}

void content_yara_free(struct content_yara *y)
{
    if (y == NULL)
        return;
    for (int i = 0; i < y->nsets; i++)
        yr_rules_destroy(y->sets[i]);
    for (size_t i = 0; i < y->nfiles; i++)
        free(y->files[i]);
    free(y->files);
    free(y);
    yr_finalize();
}

size_t content_yara_count(const struct content_yara *y)
{
    return y ? y->nrules : 0;
}

void content_yara_watch_files(const struct content_yara *y,
                              struct content_watch *w)
{
    for (size_t i = 0; i < y->nfiles; i++)
        content_watch_add(w, y->files[i]);
}

/* Scanning. */
struct yara_scan {
    struct content_scan *s;
    const char *where;
};

static double yara_tag_score(const struct content_conf *c, const YR_RULE *r,
                             int *found_r)
{
    const char *tag, *eq;
    double best = 0, v;

    *found_r = 0;
    yr_rule_tags_foreach(r, tag)
    {
        for (size_t i = 0; i < c->yara_tag_scores.n; i++) {
            const char *e = c->yara_tag_scores.v[i];

            if ((eq = strchr(e, '=')) == NULL ||
                strlen(tag) != (size_t)(eq - e) ||
                str_ncasecmp(tag, e, (size_t)(eq - e)) != 0)
                continue;
            v = strtod(eq + 1, NULL);
            if (!*found_r || v > best)
                best = v;
            *found_r = 1;
        }
    }
    return best;
}

static void yara_match(struct content_scan *s, const YR_RULE *r,
                       const char *where)
{
    const struct content_conf *c = s->conf;
    const YR_META *m;
    struct yara_match *ym;
    double score = c->yara_score;
    int reject = c->yara_action == YARA_REJECT, has_score = 0, tagged;

    for (size_t i = 0; i < s->nym; i++)
        if (strcmp(s->ym[i].rule, r->identifier) == 0 &&
            strcmp(s->ym[i].where, where) == 0)
            return;
    yr_rule_metas_foreach(r, m)
    {
        if (strcmp(m->identifier, "sluice_score") == 0) {
            score = m->type == META_TYPE_STRING ? strtod(m->string, NULL)
                                                : (double)m->integer;
            has_score = 1;
        } else if (strcmp(m->identifier, "sluice_action") == 0 &&
                   m->type == META_TYPE_STRING) {
            reject = str_casecmp(m->string, "reject") == 0;
        }
    }
    if (!has_score) {
        double t = yara_tag_score(c, r, &tagged);

        if (tagged)
            score = t;
    }
    s->ym = xrealloc(s->ym, (s->nym + 1) * sizeof(*s->ym));
    ym = &s->ym[s->nym++];
    ym->rule = xstrdup(r->identifier);
    ym->where = xstrdup(where);
    ym->score = score;
    ym->reject = reject;
}

static int yara_cb(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *arg)
{
    struct yara_scan *ys = arg;

    (void)ctx;
    if (msg == CALLBACK_MSG_RULE_MATCHING)
        yara_match(ys->s, (const YR_RULE *)data, ys->where);
    return CALLBACK_CONTINUE;
}

static void yara_fail(struct content_scan *s, int timeout, const char *where)
{
    if (s->yara_error == 0 || (timeout && s->yara_error != 2))
        snprintf(s->yara_why, sizeof(s->yara_why), "%s: %s", where,
                 timeout ? "YARA scan over its time limit"
                         : "YARA scan failed");
    s->yara_error = timeout ? 2 : s->yara_error ? s->yara_error : 1;
}

static void yara_scan(struct content_scan *s, const char *name,
                      const char *where, const unsigned char *data, size_t len)
{
    struct content_yara *y = s->st->yara;
    struct yara_scan ys = {s, where};
    const char *ext = name ? strrchr(name, '.') : NULL;
    YR_SCANNER *sc;
    double left;
    int secs, rc;

    if (s->yara_sc == NULL)
        s->yara_sc = xcalloc(YARA_MAX_SETS, sizeof(YR_SCANNER *));
    if (s->yara_deadline == 0)
        s->yara_deadline = clock_mono() + (double)s->conf->yara_max_time / 1000;
    for (int i = 0; i < y->nsets; i++) {
        left = s->yara_deadline - clock_mono();
        if (left <= 0) {
            yara_fail(s, 1, where);
            return;
        }
        secs = (int)ceil(left);
        if (secs > s->conf->yara_scan_timeout)
            secs = (int)s->conf->yara_scan_timeout;
        /* one scanner per rule set and message, reused for its files */
        if ((sc = s->yara_sc[i]) == NULL &&
            yr_scanner_create(y->sets[i], &sc) != ERROR_SUCCESS) {
            yara_fail(s, 0, where);
            return;
        }
        s->yara_sc[i] = sc;
        yr_scanner_set_callback(sc, yara_cb, &ys);
        yr_scanner_set_timeout(sc, secs);
        yr_scanner_set_flags(sc, SCAN_FLAGS_FAST_MODE);
        yr_scanner_define_string_variable(sc, "filename", name ? name : "");
        yr_scanner_define_string_variable(sc, "filepath", where);
        yr_scanner_define_string_variable(sc, "extension", ext ? ext : "");
        rc = yr_scanner_scan_mem(sc, data, len);
        if (rc == ERROR_SCAN_TIMEOUT || clock_mono() > s->yara_deadline)
            yara_fail(s, 1, where);
        else if (rc != ERROR_SUCCESS)
            yara_fail(s, 0, where);
        if (rc != ERROR_SUCCESS)
            return;
    }
}

void content_yara_file(struct content_scan *s, const struct content_file *f)
{
    char *where;

    if (s->yara_error == 2 || f->len == 0)
        return; /* out of time: the message gets on_error anyway */
    where = content_file_label(f);
    yara_scan(s, f->name, where, f->data, f->len);
    free(where);
}

void content_yara_scan_free(struct content_scan *s)
{
    if (s->yara_sc == NULL)
        return;
    for (int i = 0; i < YARA_MAX_SETS; i++)
        if (s->yara_sc[i] != NULL)
            yr_scanner_destroy(s->yara_sc[i]);
    free(s->yara_sc);
    s->yara_sc = NULL;
}

void content_yara_raw(struct content_scan *s)
{
    if (s->yara_error == 2 || s->m->raw.len == 0)
        return;
    yara_scan(s, NULL, "message", (const unsigned char *)s->m->raw.data,
              s->m->raw.len);
}

enum mod_rc content_yara_check(struct content_scan *s)
{
    struct reply_arg args[2];
    struct mod_out *out = &s->x->out;
    char sym[RESULT_SYM_MAX];

    if (s->st->yara == NULL)
        return MOD_CONTINUE;
    for (size_t i = 0; i < s->nym; i++) {
        const struct yara_match *ym = &s->ym[i];

        snprintf(sym, sizeof(sym), "YARA_%s", ym->rule);
        for (char *p = sym; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        result_add(s->x->res, sym, ym->score, ym->where);
        log_info(s->m->qid, "content: yara rule=%s file=\"%s\" score=%.2f%s",
                 ym->rule, ym->where, ym->score,
                 ym->reject ? " action=reject" : "");
        if (ym->reject) {
            args[0] = (struct reply_arg){"file", ym->where};
            args[1] = (struct reply_arg){"rule", ym->rule};
            content_refuse(s, MOD_REJECT, 2, "content_yara", args, 2, sym);
        }
    }
    if (s->yara_error == 0)
        return MOD_CONTINUE;
    snprintf(out->reason_buf, sizeof(out->reason_buf), "%s", s->yara_why);
    out->reason = out->reason_buf;
    out->tempfail_symbol =
        s->yara_error == 2 ? "CONTENT_YARA_TIMEOUT" : "CONTENT_YARA_TEMPFAIL";
    return MOD_ERROR;
}
