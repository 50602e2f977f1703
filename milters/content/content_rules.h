/*
 * content_rules.h - what the rule files share (content_rules.c,
 * content_sa.c, content_meta.c); private to them.
 *
 * OWNERSHIP
 *	struct rules owns every rule, its strings, its compiled pattern
 *	and meta program; rules_free() frees them all.
 */
#ifndef SLUICE_CONTENT_RULES_H
#define SLUICE_CONTENT_RULES_H

#include <stddef.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "content.h"

/* tflags we act on. */
#define TF_MULTIPLE 0x01
#define TF_NOSUBJECT 0x02
#define TF_FUZZY 0x04 /* ours: look-alike letters (fuzzy_chars) */
#define TF_NICE 0x08

/* Header rule targets. */
enum hdr_kind {
    HK_NAMED = 0, /* one header by name */
    HK_ALL,       /* every header */
    HK_TOCC,      /* To and Cc */
    HK_MESSAGEID, /* Message-ID, Resent-Message-ID, X-Message-ID */
    HK_ENVFROM,   /* the envelope sender */
    HK_EXISTS,    /* exists:Name */
};

enum hdr_mod {
    HM_DECODED = 0,
    HM_RAW,
    HM_ADDR,
    HM_NAME,
};

/* Why a rule was not loaded (struct rules_stats.reason_*). */
enum rule_skip {
    SKIP_NONE = 0,
    SKIP_EVAL,
    SKIP_PLUGIN,
    SKIP_BLOCK,
    SKIP_REGEX,
    SKIP_META,
    SKIP_PSEUDO,
    SKIP_SYNTAX,
    SKIP_N
};

struct meta_prog; /* content_meta.c */

struct rule {
    char *name;
    enum content_target type;
    double score;
    int has_score;
    char *describe;
    unsigned tflags;
    int maxhits;
    enum hdr_kind hkind;
    enum hdr_mod hmod;
    char *hname;
    int negate; /* !~ */
    char *if_unset;
    char *pattern;     /* the regex source as written (for replace_rules) */
    unsigned re_flags; /* PCRE2 options from the /flags */
    pcre2_code *re;
    char *meta_src;
    struct meta_prog *meta;
    char *file;
    int line;
    int sa;      /* from sa_rules (for the statistics) */
    int defined; /* a rule line was read (not just score/tflags) */
    enum rule_skip skip;
};

struct rules {
    struct rule *v;
    size_t n, cap;
    size_t *hash; /* open addressing, indexes + 1 */
    size_t hcap;
    size_t *order; /* meta rules in dependency order */
    size_t norder;
    /* ReplaceTags */
    struct rtag {
        char *name;
        char *value;
        int kind;
    } * tags;
    size_t ntags;
    char **replace; /* rules listed in replace_rules */
    size_t nreplace;
    char **files; /* every file read, for the watch */
    size_t nfiles;
    struct rules_stats stats;
    double sa_version;
    const struct cfg_list *fuzzy;
};

#define RTAG_TAG 0
#define RTAG_PRE 1
#define RTAG_INTER 2
#define RTAG_POST 3

/* content_rules.c */
struct rule *rules_get(struct rules *r, const char *name, int create);
const struct rule *rules_find(const struct rules *r, const char *name);
const char *rules_skip_name(enum rule_skip s);

/* content_sa.c: read a file (or a directory of *.cf) into r; 0, or -1
 * with errs (a file that cannot be read).  sa: count as SpamAssassin's. */
int sa_read_path(struct rules *r, const char *path, int sa,
                 struct cfg_errors *errs);
/* The same from memory (name for messages; no include is read). */
int sa_read_buffer(struct rules *r, const char *text, size_t len,
                   const char *name, int sa, struct cfg_errors *errs);
/* content_rules.c: compile what was read (patterns, metas, counts); 0,
 * or -1 when errs grew (a rule of our files that does not compile). */
int rules_finish(struct rules *r, size_t nerr_before, struct cfg_errors *errs);
struct rules *rules_new(const struct rules_opts *o);
/* Split "/re/flags" (or m{re}flags); 0 with the pattern (caller frees)
 * and PCRE2 options, -1 when malformed.  *rest_r: what follows. */
int sa_regex_split(const char *s, char **pattern_r, unsigned *opts_r,
                   const char **rest_r);
/* content_sa_if.c: if-expressions and regex quoting (see the file). */
int sa_if_eval(const char *expr, double version, int *value_r);
int sa_plugin(const char *name); /* a plugin whose rule types we have */
int sa_in(const char *const *list, const char *s);

/* content_meta.c */
/* Compile; 0, or -1 with *error_r (static).  Unknown names: -1 with
 * *missing_r pointing into expr's copy (caller frees *missing_r). */
int meta_compile(struct rules *r, const char *expr, struct meta_prog **p_r,
                 char **missing_r, const char **error_r);
double meta_eval(const struct meta_prog *p, const int *hits);
/* Rule indexes the program reads (for the dependency order). */
size_t meta_deps(const struct meta_prog *p, const size_t **deps_r);
void meta_free(struct meta_prog *p);

#endif
