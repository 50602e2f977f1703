/*
 * content_rules_run - evaluating the rules (content_rules.c) on one
 * message.
 *
 * SYNOPSIS
 *	rules_run(rules, scan, res);
 *	enum mod_rc content_rules_check(struct content_scan *s);
 *
 * DESCRIPTION
 *	rules_run() prepares each target once (struct rules_msg): the body
 *	(the Subject, then every text part that is not an attachment's
 *	document, one after the other), the raw body (the same parts
 *	before HTML is reduced), the header values asked for (decoded,
 *	raw, first address or name; cached by name), then runs every
 *	loaded rule in table order and every meta in dependency order.
 *	See content_rules.c for what each rule type sees.
 *
 * OWNERSHIP
 *	struct rules_msg lives for one run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"
#include "mime.h"

#define RUN_MATCH_LIMIT 1000000
#define RUN_MAX_HITS 1000
#define RUN_JIT_STACK (1024 * 1024)

struct run_hdr {
    const char *name;
    enum hdr_mod mod;
    char *value; /* NULL: the message has no such header */
};

struct rules_msg {
    struct content_scan *s;
    struct strbuf body;
    size_t body_nosubj; /* offset of the body after the Subject line */
    struct strbuf rawbody;
    int rawbody_done;
    struct run_hdr *hdrs;
    size_t nhdrs;
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit;
    int *hits;
};

/* Targets. */
static void run_body(struct rules_msg *rm)
{
    const struct msg_text *mt = rm->s->mt;

    strbuf_init(&rm->body, 0);
    strbuf_puts(&rm->body, mt->subject);
    strbuf_append(&rm->body, "\n", 1);
    rm->body_nosubj = rm->body.len;
    for (size_t i = 0; i < mt->nparts; i++) {
        if (mt->parts[i].origin == TEXT_DOCUMENT)
            continue;
        strbuf_append(&rm->body, mt->parts[i].text, mt->parts[i].len);
        strbuf_append(&rm->body, "\n", 1);
    }
}

static void run_rawbody(struct rules_msg *rm)
{
    const struct mime_tree *t = rm->s->tree;
    char *u;
    size_t n;

    rm->rawbody_done = 1;
    strbuf_init(&rm->rawbody, 0);
    for (size_t i = 0; t != NULL && i < t->nparts; i++) {
        if (!t->parts[i].is_text)
            continue;
        u = text_utf8(t->parts[i].charset, t->parts[i].data, t->parts[i].len,
                      &n, NULL);
        strbuf_append(&rm->rawbody, u, n);
        strbuf_append(&rm->rawbody, "\n", 1);
        free(u);
    }
}

/* One header value as the modifier asks; caller frees. */
static char *run_hdr_one(const char *value, enum hdr_mod mod)
{
    struct text_addr *a;
    size_t n;
    char *r;

    if (mod == HM_RAW)
        return xstrdup(value);
    if (mod == HM_DECODED)
        return text_header(value);
    n = text_addresses(value, &a);
    r = xstrdup(n == 0 ? "" : mod == HM_ADDR ? a[0].addr : a[0].name);
    text_addrs_free(a, n);
    return r;
}

/* Every header called name, joined by newlines; NULL when none. */
static char *run_hdr_join(const struct sl_msg *m, const char *name,
                          enum hdr_mod mod)
{
    struct strbuf b;
    char *v;
    int found = 0;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < m->nhdrs; i++) {
        if (str_casecmp(m->hdrs[i].name, name) != 0)
            continue;
        v = run_hdr_one(m->hdrs[i].value, mod);
        if (found++)
            strbuf_append(&b, "\n", 1);
        strbuf_puts(&b, v);
        free(v);
        if (mod == HM_ADDR || mod == HM_NAME)
            break; /* the first one */
    }
    if (!found) {
        strbuf_free(&b);
        return NULL;
    }
    return b.data ? strbuf_detach(&b) : xstrdup("");
}

static const char *run_hdr(struct rules_msg *rm, const char *name,
                           enum hdr_mod mod)
{
    struct run_hdr *h;

    for (size_t i = 0; i < rm->nhdrs; i++)
        if (rm->hdrs[i].mod == mod && str_casecmp(rm->hdrs[i].name, name) == 0)
            return rm->hdrs[i].value;
    rm->hdrs = xrealloc(rm->hdrs, (rm->nhdrs + 1) * sizeof(*rm->hdrs));
    h = &rm->hdrs[rm->nhdrs++];
    h->name = name;
    h->mod = mod;
    h->value = run_hdr_join(rm->s->m, name, mod);
    return h->value;
}

/* The text a header rule sees (NULL: no such header); *tmp_r is freed
 * by the caller. */
static const char *run_hdr_target(struct rules_msg *rm, const struct rule *ru,
                                  char **tmp_r)
{
    static const char *const ids[] = {"Message-ID", "Resent-Message-ID",
                                      "X-Message-ID", NULL};
    const struct sl_msg *m = rm->s->m;
    struct strbuf b;
    const char *v;
    int any = 0;

    *tmp_r = NULL;
    switch (ru->hkind) {
    case HK_ALL:
        return *tmp_r = xstrndup(m->raw.data ? m->raw.data : "", m->body_off);
    case HK_ENVFROM:
        return m->from;
    case HK_TOCC:
    case HK_MESSAGEID:
        strbuf_init(&b, 0);
        for (const char *const *n =
                 ru->hkind == HK_TOCC ? (const char *const[]){"To", "Cc", NULL}
                                      : ids;
             *n; n++) {
            if ((v = run_hdr(rm, *n, ru->hmod)) == NULL)
                continue;
            if (any++)
                strbuf_append(&b, "\n", 1);
            strbuf_puts(&b, v);
        }
        if (!any)
            return NULL;
        return *tmp_r = b.data ? strbuf_detach(&b) : xstrdup("");
    default:
        return run_hdr(rm, ru->hname, ru->hmod);
    }
}

/* Matching. */
static int run_match(struct rules_msg *rm, const struct rule *ru,
                     const char *text, size_t len)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rm->md), start = 0;
    int n = 0, max = 1;

    if (ru->tflags & TF_MULTIPLE)
        max = ru->maxhits > 0 && ru->maxhits < RUN_MAX_HITS ? ru->maxhits
                                                            : RUN_MAX_HITS;
    while (n < max && start <= len &&
           pcre2_match(ru->re, (PCRE2_SPTR)text, len, start, 0, rm->md,
                       rm->mc) >= 0) {
        n++;
        start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    return n;
}

static int run_header(struct rules_msg *rm, const struct rule *ru)
{
    const char *v;
    char *tmp;
    int n;

    if (ru->hkind == HK_EXISTS)
        return sl_msg_header(rm->s->m, ru->hname, 1) != NULL;
    v = run_hdr_target(rm, ru, &tmp);
    if (v == NULL)
        v = ru->if_unset ? ru->if_unset : "";
    n = run_match(rm, ru, v, strlen(v));
    free(tmp);
    if (ru->negate)
        return n == 0;
    return n;
}

static int run_each(struct rules_msg *rm, const struct rule *ru)
{
    const struct content_scan *s = rm->s;
    int n = 0;

    if (ru->type == CT_URI) {
        for (size_t i = 0; i < s->nurls && n < RUN_MAX_HITS; i++)
            n += run_match(rm, ru, s->urls[i].raw, strlen(s->urls[i].raw)) ||
                 run_match(rm, ru, s->urls[i].u.url, strlen(s->urls[i].u.url));
    } else {
        for (size_t i = 0; i < s->nnames && n < RUN_MAX_HITS; i++)
            n += run_match(rm, ru, s->names[i].name, strlen(s->names[i].name)) >
                 0;
    }
    if (!(ru->tflags & TF_MULTIPLE) && n > 1)
        n = 1;
    return n;
}

static int run_rule(struct rules_msg *rm, const struct rule *ru)
{
    const struct sl_msg *m = rm->s->m;

    switch (ru->type) {
    case CT_HEADER:
        return run_header(rm, ru);
    case CT_BODY:
        if (ru->tflags & TF_NOSUBJECT)
            return run_match(rm, ru, rm->body.data + rm->body_nosubj,
                             rm->body.len - rm->body_nosubj);
        return run_match(rm, ru, rm->body.data, rm->body.len);
    case CT_RAWBODY:
        if (!rm->rawbody_done)
            run_rawbody(rm);
        return run_match(rm, ru, rm->rawbody.data ? rm->rawbody.data : "",
                         rm->rawbody.len);
    case CT_FULL:
        return run_match(rm, ru, m->raw.data ? m->raw.data : "", m->raw.len);
    case CT_URI:
    case CT_FILENAME:
        return run_each(rm, ru);
    default:
        return 0;
    }
}

static double run_score(const struct rule *ru)
{
    double d;

    if (ru->has_score)
        return ru->score;
    /* SpamAssassin's defaults: 1.0, a "nice" rule -1.0, a T_ rule 0.01. */
    d = strncmp(ru->name, "T_", 2) == 0 ? 0.01 : 1.0;
    return (ru->tflags & TF_NICE) ? -d : d;
}

static void run_report(const struct rules *r, const struct rules_msg *rm,
                       struct result *res)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct rule *ru = &r->v[i];
        double score;

        if (rm->hits[i] == 0 || strncmp(ru->name, "__", 2) == 0)
            continue;
        /* SpamAssassin's informational scores (0.001) would only crowd
         * the verdict */
        if ((score = run_score(ru)) > -0.005 && score < 0.005)
            continue;
        result_add(res, ru->name, score, NULL);
    }
}

void rules_run(const struct rules *r, struct content_scan *s,
               struct result *res)
{
    struct rules_msg rm;
    size_t i;

    memset(&rm, 0, sizeof(rm));
    rm.s = s;
    rm.hits = xcalloc(r->n ? r->n : 1, sizeof(int));
    rm.md = pcre2_match_data_create(1, NULL);
    rm.mc = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(rm.mc, RUN_MATCH_LIMIT);
    /* SpamAssassin's patterns can need more than the JIT's default 32 KiB
     * stack (a rule that runs out would silently not match) */
    if ((rm.jit = pcre2_jit_stack_create(32 * 1024, RUN_JIT_STACK, NULL)))
        pcre2_jit_stack_assign(rm.mc, NULL, rm.jit);
    run_body(&rm);
    if (rm.body.data == NULL)
        strbuf_append(&rm.body, "", 0);
    for (i = 0; i < r->n; i++) {
        const struct rule *ru = &r->v[i];

        if (ru->re != NULL && ru->skip == SKIP_NONE && ru->defined)
            rm.hits[i] = run_rule(&rm, ru);
        else if (ru->type == CT_HEADER && ru->hkind == HK_EXISTS &&
                 ru->defined && ru->skip == SKIP_NONE)
            rm.hits[i] = run_header(&rm, ru);
    }
    for (i = 0; i < r->norder; i++) {
        const struct rule *ru = &r->v[r->order[i]];

        if (ru->meta != NULL && ru->skip == SKIP_NONE)
            rm.hits[r->order[i]] = meta_eval(ru->meta, rm.hits) != 0;
    }
    run_report(r, &rm, res);
    for (i = 0; i < rm.nhdrs; i++)
        free(rm.hdrs[i].value);
    free(rm.hdrs);
    strbuf_free(&rm.body);
    strbuf_free(&rm.rawbody);
    pcre2_match_data_free(rm.md);
    pcre2_match_context_free(rm.mc);
    pcre2_jit_stack_free(rm.jit);
    free(rm.hits);
}

enum mod_rc content_rules_check(struct content_scan *s)
{
    if (s->st->rules == NULL || s->mt == NULL)
        return MOD_CONTINUE;
    rules_run(s->st->rules, s, s->x->res);
    return MOD_CONTINUE;
}
