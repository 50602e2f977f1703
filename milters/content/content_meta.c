/*
 * content_meta - meta rules: expressions over other rules' hits.
 *
 * SYNOPSIS
 *	meta_compile(r, "(__A + __B + __C) >= 2 && !__D", &p, &missing, &err);
 *	double v = meta_eval(p, hits);   (non-zero: the meta rule fires)
 *
 * DESCRIPTION
 *	The grammar is SpamAssassin's meta syntax (a subset of Perl
 *	expressions):
 *	    expr  := or
 *	    or    := and { "||" and }
 *	    and   := cmp { "&&" cmp }
 *	    cmp   := sum [ (">" | ">=" | "<" | "<=" | "==" | "!=") sum ]
 *	    sum   := term { ("+" | "-") term }
 *	    term  := unary { ("*" | "/") unary }
 *	    unary := "!" unary | "-" unary | primary
 *	    primary := NUMBER | RULE_NAME | "(" expr ")"
 *	A rule name stands for its number of hits (1 for a rule that
 *	matched once, more with tflags multiple); a comparison or logical
 *	operator gives 0 or 1; division by zero gives 0.  Nesting is
 *	bounded (META_MAX_DEPTH) and so is the program.
 *
 *	meta_compile() returns 0, or -1 with *error_r for a syntax error,
 *	or with *missing_r (the first name that is not a loaded rule) so
 *	that the caller can skip the meta as SpamAssassin does.
 *	meta_deps() lists the rules a program reads.
 *
 * OWNERSHIP
 *	A struct meta_prog is the caller's (meta_free()).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "content_rules.h"

#define META_MAX_DEPTH 64
#define META_MAX_OPS 4096

enum meta_op {
    OP_NUM = 0,
    OP_RULE,
    OP_NOT,
    OP_NEG,
    OP_AND,
    OP_OR,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_GT,
    OP_GE,
    OP_LT,
    OP_LE,
    OP_EQ,
    OP_NE,
};

struct meta_ins {
    enum meta_op op;
    double num;
    size_t rule;
};

struct meta_prog {
    struct meta_ins *ins;
    size_t n, cap;
    size_t *deps;
    size_t ndeps;
    size_t stack; /* deepest stack the program needs */
};

struct meta_parse {
    struct rules *r;
    const char *p;
    struct meta_prog *prog;
    int depth;
    const char *error;
    char *missing;
};

static void meta_emit(struct meta_parse *m, enum meta_op op, double num,
                      size_t rule)
{
    struct meta_prog *p = m->prog;

    if (p->n >= META_MAX_OPS) {
        m->error = "meta expression too long";
        return;
    }
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 16;
        p->ins = xrealloc(p->ins, p->cap * sizeof(*p->ins));
    }
    p->ins[p->n++] = (struct meta_ins){op, num, rule};
}

static void meta_blank(struct meta_parse *m)
{
    while (isspace((unsigned char)*m->p))
        m->p++;
}

/* The operator at m->p among ops (longest first); its index, or -1. */
static int meta_accept(struct meta_parse *m, const char *const *ops)
{
    meta_blank(m);
    for (int i = 0; ops[i]; i++) {
        size_t n = strlen(ops[i]);

        if (strncmp(m->p, ops[i], n) == 0) {
            /* "!" is not the start of "!=" */
            if (n == 1 && m->p[0] == '!' && m->p[1] == '=')
                continue;
            if (n == 1 && (m->p[0] == '<' || m->p[0] == '>') && m->p[1] == '=')
                continue;
            m->p += n;
            return i;
        }
    }
    return -1;
}

static void meta_expr(struct meta_parse *m);

static void meta_name(struct meta_parse *m)
{
    const char *s = m->p;
    const struct rule *ru;
    char *name;

    while (isalnum((unsigned char)*m->p) || *m->p == '_')
        m->p++;
    name = xstrndup(s, (size_t)(m->p - s));
    ru = rules_find(m->r, name);
    if (ru == NULL || !ru->defined || ru->skip != SKIP_NONE) {
        if (m->missing == NULL)
            m->missing = name;
        else
            free(name);
        meta_emit(m, OP_NUM, 0, 0);
        return;
    }
    free(name);
    meta_emit(m, OP_RULE, 0, (size_t)(ru - m->r->v));
}

static void meta_primary(struct meta_parse *m)
{
    char *end;
    double v;

    meta_blank(m);
    if (*m->p == '(') {
        m->p++;
        meta_expr(m);
        meta_blank(m);
        if (*m->p != ')') {
            m->error = "missing )";
            return;
        }
        m->p++;
    } else if (isdigit((unsigned char)*m->p) || *m->p == '.') {
        v = strtod(m->p, &end);
        m->p = end;
        meta_emit(m, OP_NUM, v, 0);
    } else if (isalpha((unsigned char)*m->p) || *m->p == '_') {
        meta_name(m);
    } else {
        m->error = *m->p ? "unexpected character" : "unexpected end";
    }
}

static void meta_unary(struct meta_parse *m)
{
    static const char *const ops[] = {"!", "-", NULL};
    int o;

    if (++m->depth > META_MAX_DEPTH) {
        m->error = "meta expression nested too deep";
        return;
    }
    if ((o = meta_accept(m, ops)) >= 0) {
        meta_unary(m);
        meta_emit(m, o == 0 ? OP_NOT : OP_NEG, 0, 0);
    } else {
        meta_primary(m);
    }
    m->depth--;
}

/* A left-associative level: next { op next }. */
static void meta_level(struct meta_parse *m, void (*next)(struct meta_parse *),
                       const char *const *ops, const enum meta_op *codes,
                       int once)
{
    int o;

    next(m);
    while (m->error == NULL && (o = meta_accept(m, ops)) >= 0) {
        next(m);
        meta_emit(m, codes[o], 0, 0);
        if (once)
            break;
    }
}

static void meta_term(struct meta_parse *m)
{
    static const char *const ops[] = {"*", "/", NULL};
    static const enum meta_op codes[] = {OP_MUL, OP_DIV};

    meta_level(m, meta_unary, ops, codes, 0);
}

static void meta_sum(struct meta_parse *m)
{
    static const char *const ops[] = {"+", "-", NULL};
    static const enum meta_op codes[] = {OP_ADD, OP_SUB};

    meta_level(m, meta_term, ops, codes, 0);
}

static void meta_cmp(struct meta_parse *m)
{
    static const char *const ops[] = {">=", "<=", "==", "!=", ">", "<", NULL};
    static const enum meta_op codes[] = {OP_GE, OP_LE, OP_EQ,
                                         OP_NE, OP_GT, OP_LT};

    meta_level(m, meta_sum, ops, codes, 1);
}

static void meta_and(struct meta_parse *m)
{
    static const char *const ops[] = {"&&", NULL};
    static const enum meta_op codes[] = {OP_AND};

    meta_level(m, meta_cmp, ops, codes, 0);
}

static void meta_expr(struct meta_parse *m)
{
    static const char *const ops[] = {"||", NULL};
    static const enum meta_op codes[] = {OP_OR};

    if (++m->depth > META_MAX_DEPTH) {
        m->error = "meta expression nested too deep";
        return;
    }
    meta_level(m, meta_and, ops, codes, 0);
    m->depth--;
}

/* The stack depth the program needs, and its dependencies. */
static void meta_finish(struct meta_prog *p)
{
    size_t depth = 0, i, j;

    for (i = 0; i < p->n; i++) {
        switch (p->ins[i].op) {
        case OP_NUM:
        case OP_RULE:
            depth++;
            break;
        case OP_NOT:
        case OP_NEG:
            break;
        default:
            depth--;
        }
        if (depth > p->stack)
            p->stack = depth;
        if (p->ins[i].op != OP_RULE)
            continue;
        for (j = 0; j < p->ndeps && p->deps[j] != p->ins[i].rule; j++)
            ;
        if (j == p->ndeps) {
            p->deps = xrealloc(p->deps, (p->ndeps + 1) * sizeof(*p->deps));
            p->deps[p->ndeps++] = p->ins[i].rule;
        }
    }
}

int meta_compile(struct rules *r, const char *expr, struct meta_prog **p_r,
                 char **missing_r, const char **error_r)
{
    struct meta_parse m;

    memset(&m, 0, sizeof(m));
    m.r = r;
    m.p = expr;
    m.prog = xcalloc(1, sizeof(*m.prog));
    *missing_r = NULL;
    meta_expr(&m);
    meta_blank(&m);
    if (m.error == NULL && *m.p != '\0')
        m.error = "trailing text";
    if (m.error != NULL || m.missing != NULL || m.prog->n == 0) {
        *error_r = m.error ? m.error : "empty expression";
        *missing_r = m.error ? NULL : m.missing;
        if (m.error)
            free(m.missing);
        meta_free(m.prog);
        return -1;
    }
    meta_finish(m.prog);
    *p_r = m.prog;
    return 0;
}

static double meta_bin(enum meta_op op, double a, double b)
{
    switch (op) {
    case OP_AND:
        return a != 0 && b != 0;
    case OP_OR:
        return a != 0 || b != 0;
    case OP_ADD:
        return a + b;
    case OP_SUB:
        return a - b;
    case OP_MUL:
        return a * b;
    case OP_DIV:
        return b != 0 ? a / b : 0;
    case OP_GT:
        return a > b;
    case OP_GE:
        return a >= b;
    case OP_LT:
        return a < b;
    case OP_LE:
        return a <= b;
    case OP_EQ:
        return a == b;
    case OP_NE:
        return a != b;
    default:
        return 0;
    }
}

double meta_eval(const struct meta_prog *p, const int *hits)
{
    double stackbuf[64], *st = stackbuf, v;
    size_t sp = 0;

    if (p->stack > 64)
        st = xmalloc(p->stack * sizeof(*st));
    for (size_t i = 0; i < p->n; i++) {
        const struct meta_ins *in = &p->ins[i];

        switch (in->op) {
        case OP_NUM:
            st[sp++] = in->num;
            break;
        case OP_RULE:
            st[sp++] = hits[in->rule];
            break;
        case OP_NOT:
            st[sp - 1] = st[sp - 1] == 0;
            break;
        case OP_NEG:
            st[sp - 1] = -st[sp - 1];
            break;
        default:
            sp--;
            st[sp - 1] = meta_bin(in->op, st[sp - 1], st[sp]);
        }
    }
    v = sp > 0 ? st[0] : 0;
    if (st != stackbuf)
        free(st);
    return v;
}

size_t meta_deps(const struct meta_prog *p, const size_t **deps_r)
{
    *deps_r = p->deps;
    return p->ndeps;
}

void meta_free(struct meta_prog *p)
{
    if (p == NULL)
        return;
    free(p->ins);
    free(p->deps);
    free(p);
}
