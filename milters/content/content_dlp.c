/*
 * content_dlp - data loss prevention on outbound mail: personal identity
 * numbers, payment cards and IBANs in what the message says.
 *
 * SYNOPSIS
 *	struct dlp_found f = {0};
 *	dlp_scan_text(mask, text, len, part, &f);
 *	... f.v[i].kind, f.v[i].canon, f.context[kind] ...
 *	dlp_found_free(&f);
 *
 * DESCRIPTION
 *	dlp_scan_text() reads UTF-8 (text that is not is converted first,
 *	invalid bytes replaced) and finds candidates with one PCRE2 pattern per
 *	detector (dlp_detectors[]: the shapes numbers are written in, with
 *	word boundaries) and keeps those the detector's validator accepts
 *	(content_dlp_<country>.c).  A candidate written with blanks or
 *	dashes between its groups that does not validate is tried again
 *	without its trailing groups, so that "4111 1111 1111 1111 12/25"
 *	still gives the card.  When a text has a hit of a detector, its
 *	context words (sv, fi, no, da, en; caseless, any inflection) are
 *	looked for in the same text: f->context[kind] is set when found.
 *
 *	content_dlp_check() applies only to outbound mail (inside.h:
 *	inside_outbound(): an internal or authenticated client and a
 *	recipient outside local_domains).  It scans the Subject and every
 *	text of the message, attachments' documents included, counts the
 *	distinct valid numbers of each detector of dlp_detectors, and fires
 *	a detector when it has dlp_threshold of them, or
 *	dlp_threshold_context with a context word in the Subject or in a
 *	text that has one of them.  Danish CPR numbers have no check
 *	digit: that detector fires only with context.
 *
 *	Each detector that fires is logged ("dlp: detector=se_pnr count=5
 *	part=...  sample=19**********"; the sample is masked, never the
 *	number) and written as a JSON event, then dlp_action decides:
 *	report (that is all), tag (the symbol DLP_<DETECTOR> with
 *	dlp_score), quarantine (the symbols with score 0, and
 *	DLP_QUARANTINE, which [common] force_actions maps to quarantine),
 *	or reject (the module's own 550 5.7.1, telling the sender in
 *	their language what was found).
 *
 * OWNERSHIP
 *	The compiled patterns are made once per process and never freed.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <glib.h>
#include <pcre2.h>

#include "clock.h"
#include "content.h"
#include "inside.h"
#include "log.h"

enum dlp_validator { V_SE, V_FI, V_NO, V_DK, V_CARD, V_IBAN };

static const struct dlp_detector {
    const char *name;
    const char *symbol;
    const char *words; /* for the reply */
    enum dlp_validator v;
    const char *pattern;
    const char *context;
} dlp_detectors[DLP_N] = {
    [DLP_SE_PNR] =
        {"se_pnr", "DLP_SE_PNR", "Swedish personal identity numbers", V_SE,
         "(?<![\\p{L}\\p{N}+-])(?:\\d{2})?\\d{2}-?\\d{2}-?\\d{2}[-+]?"
         "\\d{4}(?![\\p{N}]|[-+]\\p{N})",
         "personnumm\\w*|personnr|person-nr|pers\\.nr|pnr|"
         "födelsenumm\\w*|personal identity numbers?|"
         "personal numbers?|social security|ssn|id-nummer"},
    [DLP_SE_SAMO] = {"se_samo", "DLP_SE_SAMO", "Swedish coordination numbers",
                     V_SE, NULL,
                     "samordningsnumm\\w*|samordningsnr|personnumm\\w*|"
                     "coordination numbers?|id-nummer"},
    [DLP_FI_HETU] = {"fi_hetu", "DLP_FI_HETU",
                     "Finnish personal identity codes", V_FI,
                     "(?<![\\p{L}\\p{N}])\\d{6}[-+A-FU-Ya-fu-y]\\d{3}"
                     "[0-9A-Ya-y](?![\\p{L}\\p{N}])",
                     "henkilötunnu\\w*|hetu\\w*|sotu\\w*|"
                     "sosiaaliturvatunnu\\w*|personbeteckning\\w*|"
                     "personal identity codes?|identity codes?"},
    [DLP_NO_FNR] = {"no_fnr", "DLP_NO_FNR",
                    "Norwegian national identity numbers", V_NO,
                    "(?<![\\p{L}\\p{N}])\\d{2}[ -]?\\d{2}[ -]?\\d{2}[ -]?"
                    "\\d{3}[ -]?\\d{2}(?![\\p{N}])",
                    "fødselsnumm\\w*|fodselsnumm\\w*|fødselsnr|f\\.nr|"
                    "personnumm\\w*|d-numm\\w*|national identity numbers?"},
    [DLP_DK_CPR] = {"dk_cpr", "DLP_DK_CPR", "Danish CPR numbers", V_DK,
                    "(?<![\\p{L}\\p{N}-])\\d{6}-?\\d{4}(?![\\p{N}]|-\\p{N})",
                    "cpr\\w*|personnumm\\w*|personnr|"
                    "civil registration numbers?"},
    [DLP_CARD] = {"card", "DLP_CARD", "payment card numbers", V_CARD,
                  "(?<![\\p{L}\\p{N}])\\d(?:[ -]?\\d){11,18}(?![\\p{N}])",
                  "kortnumm\\w*|kreditkort\\w*|betalkort\\w*|kontokort\\w*|"
                  "betalingskort\\w*|korttinumero\\w*|luottokor\\w*|"
                  "maksukor\\w*|card numbers?|credit cards?|debit cards?|"
                  "cardholder|cvv|cvc|visa|mastercard|amex|"
                  "american express|utgångsdatum|voimassa\\w*|expiry|"
                  "expiration"},
    [DLP_IBAN] = {"iban", "DLP_IBAN", "bank account numbers (IBAN)", V_IBAN,
                  "(?<![\\p{L}\\p{N}])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}"
                  "(?![\\p{L}\\p{N}])",
                  "iban|kontonumm\\w*|tilinumero\\w*|pankkitili\\w*|"
                  "bankkonto\\w*|account numbers?|bank account|bic|swift"},
};

static pthread_once_t dlp_once = PTHREAD_ONCE_INIT;
static pcre2_code *dlp_re[DLP_N], *dlp_ctx_re[DLP_N];

static pcre2_code *dlp_compile(const char *pat, uint32_t extra)
{
    pcre2_code *re;
    PCRE2_SIZE off;
    int err;

    re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                       PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | extra, &err,
                       &off, NULL);
    if (re == NULL) {
        log_err(NULL, "content: dlp pattern does not compile at %zu",
                (size_t)off);
        abort(); /* a bug in the table above */
    }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

static void dlp_init(void)
{
    char *ctx;

    for (int k = 0; k < DLP_N; k++) {
        if (dlp_detectors[k].pattern != NULL)
            dlp_re[k] = dlp_compile(dlp_detectors[k].pattern, 0);
        ctx = xasprintf("\\b(?:%s)\\b", dlp_detectors[k].context);
        dlp_ctx_re[k] = dlp_compile(ctx, PCRE2_CASELESS);
        free(ctx);
    }
}

const char *dlp_symbol(enum dlp_kind k)
{
    return k < DLP_N ? dlp_detectors[k].symbol : "DLP_UNKNOWN";
}

const char *dlp_name(enum dlp_kind k)
{
    return k < DLP_N ? dlp_detectors[k].name : "unknown";
}

const char *dlp_words(enum dlp_kind k)
{
    return k < DLP_N ? dlp_detectors[k].words : "personal data";
}

int dlp_kind_parse(const char *name)
{
    for (int k = 0; k < DLP_N; k++)
        if (str_casecmp(name, dlp_detectors[k].name) == 0)
            return k;
    return -1;
}

/* Masks: identity numbers keep their first two characters, cards and
 * IBANs their last four (what receipts show). */
void dlp_mask(enum dlp_kind k, const char *canon, char *out, size_t size)
{
    size_t n = strlen(canon), i, keep_head = 2, keep_tail = 0;

    if (k == DLP_CARD || k == DLP_IBAN) {
        keep_head = k == DLP_IBAN ? 2 : 0;
        keep_tail = 4;
    }
    for (i = 0; i < n && i + 1 < size; i++)
        out[i] = i < keep_head || i + keep_tail >= n ? canon[i] : '*';
    out[i < size ? i : size - 1] = '\0';
}

static int dlp_has_context(enum dlp_kind k, const char *text, size_t len,
                           pcre2_match_data *md)
{
    return pcre2_match(dlp_ctx_re[k], (PCRE2_SPTR)text, len, 0,
                       PCRE2_NO_UTF_CHECK, md, NULL) >= 0;
}

/* 1 and canon (and *kind_r: SE gives two kinds) when valid. */
static int dlp_validate(enum dlp_kind k, const char *s, size_t n, char *canon,
                        size_t size, enum dlp_kind *kind_r)
{
    long long now = (long long)clock_wall();
    int r;

    *kind_r = k;
    switch (dlp_detectors[k].v) {
    case V_SE:
        if (size < 13 || (r = dlp_se_check(s, n, now, canon)) == 0)
            return 0;
        *kind_r = r == 2 ? DLP_SE_SAMO : DLP_SE_PNR;
        return 1;
    case V_FI:
        r = dlp_fi_hetu_check(s, n);
        break;
    case V_NO:
        r = dlp_no_fnr_check(s, n, now);
        break;
    case V_DK:
        r = dlp_dk_cpr_check(s, n);
        break;
    case V_CARD:
        return dlp_card_check(s, n, canon, size);
    case V_IBAN:
        return dlp_iban_check(s, n, canon, size);
    default:
        return 0;
    }
    if (r == 0)
        return 0;
    /* the compact form: digits and letters */
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++)
        if (s[i] != ' ' && (s[i] != '-' || k == DLP_FI_HETU))
            canon[o++] = s[i];
    canon[o] = '\0';
    return 1;
}

/* Validate s, then without its trailing groups (see DESCRIPTION). */
static int dlp_try(enum dlp_kind k, const char *s, size_t n, char *canon,
                   size_t size, enum dlp_kind *kind_r)
{
    if (dlp_validate(k, s, n, canon, size, kind_r))
        return 1;
    if (k != DLP_CARD && k != DLP_IBAN && k != DLP_NO_FNR)
        return 0;
    while (n > 0) {
        while (n > 0 && s[n - 1] != ' ' && s[n - 1] != '-')
            n--;
        while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '-'))
            n--;
        if (n > 0 && dlp_validate(k, s, n, canon, size, kind_r))
            return 1;
    }
    return 0;
}

static void dlp_push(struct dlp_found *f, enum dlp_kind k, const char *canon,
                     size_t part)
{
    struct dlp_hit *h;

    if (f->n >= 100000)
        return;
    f->v = xrealloc(f->v, (f->n + 1) * sizeof(*f->v));
    h = &f->v[f->n++];
    h->kind = k;
    snprintf(h->canon, sizeof(h->canon), "%s", canon);
    h->part = part;
}

static void dlp_scan_one(enum dlp_kind k, const char *text, size_t len,
                         size_t part, struct dlp_found *f, pcre2_match_data *md,
                         int *hit)
{
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md), start = 0;
    enum dlp_kind kind;
    char canon[40];

    while (start < len && pcre2_match(dlp_re[k], (PCRE2_SPTR)text, len, start,
                                      PCRE2_NO_UTF_CHECK, md, NULL) >= 0) {
        if (dlp_try(k, text + ov[0], ov[1] - ov[0], canon, sizeof(canon),
                    &kind)) {
            dlp_push(f, kind, canon, part);
            hit[kind] = 1;
        }
        start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
}

void dlp_scan_text(unsigned mask, const char *text, size_t len, size_t part,
                   struct dlp_found *f)
{
    pcre2_match_data *md;
    int hit[DLP_N] = {0}, k;
    char *valid = NULL;

    pthread_once(&dlp_once, dlp_init);
    /* the patterns run without PCRE2's UTF check: give them UTF-8 */
    if (!g_utf8_validate_len(text, len, NULL)) {
        valid = text_utf8("utf-8", text, len, &len, NULL);
        text = valid;
    }
    md = pcre2_match_data_create(4, NULL);
    for (k = 0; k < DLP_N; k++) {
        if (dlp_re[k] == NULL)
            continue;
        /* the Swedish pattern finds both kinds */
        if (!(mask & (1u << k)) &&
            !(k == DLP_SE_PNR && (mask & (1u << DLP_SE_SAMO))))
            continue;
        dlp_scan_one((enum dlp_kind)k, text, len, part, f, md, hit);
    }
    for (k = 0; k < DLP_N; k++)
        if (hit[k] && !f->context[k] &&
            dlp_has_context((enum dlp_kind)k, text, len, md))
            f->context[k] = 1;
    pcre2_match_data_free(md);
    free(valid);
}

void dlp_found_free(struct dlp_found *f)
{
    free(f->v);
    memset(f, 0, sizeof(*f));
}

/* The check. */
struct dlp_count {
    size_t n;     /* distinct numbers */
    size_t first; /* index of the first hit in found */
};

static int dlp_hit_cmp(const void *a, const void *b)
{
    const struct dlp_hit *x = a, *y = b;

    if (x->kind != y->kind)
        return (int)x->kind - (int)y->kind;
    return strcmp(x->canon, y->canon);
}

static void dlp_count(struct dlp_found *f, struct dlp_count *c)
{
    size_t i;

    if (f->n == 0)
        return;
    qsort(f->v, f->n, sizeof(*f->v), dlp_hit_cmp);
    for (i = 0; i < f->n; i++) {
        if (i > 0 && f->v[i].kind == f->v[i - 1].kind &&
            strcmp(f->v[i].canon, f->v[i - 1].canon) == 0)
            continue;
        if (c[f->v[i].kind].n++ == 0)
            c[f->v[i].kind].first = i;
    }
}

static const char *dlp_part_label(const struct content_scan *s, size_t part,
                                  char *buf, size_t size)
{
    const struct text_part *p;

    if (part == (size_t)-1)
        return "Subject";
    p = &s->mt->parts[part];
    snprintf(buf, size, "%zu%s%s", p->index + 1, p->name ? ":" : "",
             p->name ? p->name : "");
    return buf;
}

static const char *const dlp_action_names[] = {"report", "tag", "quarantine",
                                               "reject"};

static void dlp_report(struct content_scan *s, enum dlp_kind k,
                       const struct dlp_found *f, const struct dlp_count *c,
                       int context)
{
    const struct dlp_hit *h = &f->v[c->first];
    char sample[40], part[200], count[24];
    const char *pl = dlp_part_label(s, h->part, part, sizeof(part));
    const char *action = dlp_action_names[s->conf->dlp_action];
    const char *kv[12];

    dlp_mask(k, h->canon, sample, sizeof(sample));
    snprintf(count, sizeof(count), "%zu", c->n);
    log_info(s->m->qid,
             "content: dlp detector=%s count=%s context=%s part=\"%s\" "
             "sample=%s action=%s",
             dlp_name(k), count, context ? "yes" : "no", pl, sample, action);
    kv[0] = "detector", kv[1] = dlp_name(k);
    kv[2] = "count", kv[3] = count;
    kv[4] = "context", kv[5] = context ? "yes" : "no";
    kv[6] = "part", kv[7] = pl;
    kv[8] = "sample", kv[9] = sample;
    kv[10] = "action", kv[11] = action;
    log_event(s->m->qid, "content", "dlp", kv, 6);
}

static void dlp_act(struct content_scan *s, enum dlp_kind k, size_t n)
{
    char detail[64], count[24], key[48];
    struct reply_arg args[2];

    snprintf(detail, sizeof(detail), "count=%zu", n);
    switch (s->conf->dlp_action) {
    case DLP_TAG:
        result_add(s->x->res, dlp_symbol(k), s->conf->dlp_score, detail);
        break;
    case DLP_QUARANTINE:
        result_add(s->x->res, dlp_symbol(k), 0, detail);
        if (!result_has(s->x->res, "DLP_QUARANTINE"))
            result_add(s->x->res, "DLP_QUARANTINE", 0, dlp_name(k));
        break;
    case DLP_REJECT:
        result_add(s->x->res, dlp_symbol(k), s->conf->dlp_score, detail);
        snprintf(count, sizeof(count), "%zu", n);
        args[0] = (struct reply_arg){"rule", dlp_words(k)};
        args[1] = (struct reply_arg){"value", count};
        snprintf(key, sizeof(key), "content_dlp_%s", dlp_name(k));
        content_refuse(s, MOD_REJECT, 1, key, args, 2, dlp_symbol(k));
        break;
    default:
        break;
    }
}

/* Every text of the message: the Subject, then the parts. */
static void dlp_scan_message(struct content_scan *s, struct dlp_found *f)
{
    unsigned mask = s->st->dlp_mask;
    size_t i;

    dlp_scan_text(mask, s->mt->subject, strlen(s->mt->subject), (size_t)-1, f);
    for (i = 0; i < s->mt->nparts; i++)
        dlp_scan_text(mask, s->mt->parts[i].text, s->mt->parts[i].len, i, f);
}

static int dlp_has_context_subject(int k, const char *subject)
{
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    int r = g_utf8_validate(subject, -1, NULL) &&
            dlp_has_context((enum dlp_kind)k, subject, strlen(subject), md);

    pcre2_match_data_free(md);
    return r;
}

enum mod_rc content_dlp_check(struct content_scan *s)
{
    const struct content_conf *c = s->conf;
    struct dlp_count cnt[DLP_N];
    struct dlp_found f;
    int k, ctx;

    if (!s->outbound || s->st->dlp_mask == 0 || s->mt == NULL)
        return MOD_CONTINUE;
    memset(&f, 0, sizeof(f));
    memset(cnt, 0, sizeof(cnt));
    dlp_scan_message(s, &f);
    dlp_count(&f, cnt);
    for (k = 0; k < DLP_N; k++) {
        if (!(s->st->dlp_mask & (1u << k)) || cnt[k].n == 0)
            continue;
        ctx = f.context[k] || (k == DLP_SE_SAMO && f.context[DLP_SE_PNR]) ||
              dlp_has_context_subject(k, s->mt->subject);
        if (!(ctx && (long long)cnt[k].n >= c->dlp_threshold_context) &&
            !(k != DLP_DK_CPR && (long long)cnt[k].n >= c->dlp_threshold))
            continue;
        dlp_report(s, (enum dlp_kind)k, &f, &cnt[k], ctx);
        dlp_act(s, (enum dlp_kind)k, cnt[k].n);
    }
    dlp_found_free(&f);
    return MOD_CONTINUE;
}
