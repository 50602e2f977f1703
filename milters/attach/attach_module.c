/*
 * attach_module - sluice-attach as a module: config keys, setup, eom.
 *
 * DESCRIPTION
 *	attach_section declares every [attach] key (type, default, bounds,
 *	doc); attach_module is the module table (events MAIL, RCPT, HEADER,
 *	BODY, EOM; it may refuse at EOM only).
 *
 *	setup() checks the "scores" overrides (SYMBOL=score, SYMBOL one of
 *	the ATTACH_* symbols) and keeps the per-rule scores; teardown()
 *	frees them.  libmagic handles are per thread (attach_type.c).
 *
 *	eom() skips a message from an allow-listed client or sender, or
 *	whose recipients are all allow-listed.  Otherwise it checks the
 *	message size, walks the parts (mime_walk(); the MIME bounds come
 *	from the section), takes candidate passwords from the text parts,
 *	checks every attachment's name (attach_name.c) and every non-text
 *	part's content (attach_type.c and the scanners it calls), and
 *	counts parts and attachments.  A multipart message with parts the
 *	walk did not give though other mail readers would (no leaf from a
 *	non-blank body: a boundary GMime does not match; "--boundary junk"
 *	delimiter lines, see mime_top_multipart()) is ATTACH_MIME_UNREADABLE,
 *	a limit rule whose action is parts_action: a hidden part is never
 *	scanned.
 *	When an encrypted archive was met before a text part that gave new
 *	passwords, the walk is done again with all of them.  Every finding
 *	becomes a symbol in res (detail = the file name) and one log line
 *	(qid, file, rule, action).
 *
 *	The decision: the highest scoring finding whose rule's action is
 *	reject refuses the message (550 5.7.1 from reply template
 *	"attach_..." = the lower-case symbol, with file, limit and value).
 *	Otherwise findings whose action is strip have their parts replaced
 *	by a notice (attach_strip.c), unless the message is signed or
 *	encrypted (reason "attach_signed_strip": stripping would break it).
 *	Limit rules cannot strip a part: strip acts as reject for them.
 *	tag only scores.
 *
 * OWNERSHIP
 *	struct attach_state is per configuration, read-only after setup().
 *	struct attach_scan and struct attach_walk live for one eom() call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attach.h"
#include "common.h"
#include "log.h"
#include "mime.h"
#include "util.h"

#define ATTACH_MAX_PASSWORDS 32

struct attach_state {
    const struct cfg *cfg;
    const struct attach_conf *conf;
    double score[RULE_N];
};

/* One leaf of the message, as the strip step needs it. */
struct attach_part {
    ssize_t start, end;
    char *name;
};

struct attach_walk {
    struct attach_scan *s;
    struct attach_part *parts;
    size_t nparts;
    size_t nattach;
};

static const struct attach_rule_info {
    const char *symbol;
    double score;
    const char *words; /* the strip notice's reason */
} attach_rules[RULE_N] = {
    [RULE_BANNED] = {"ATTACH_BANNED_EXT", 10,
                     "files of this type are not accepted"},
    [RULE_DOUBLE] = {"ATTACH_DOUBLE_EXT", 10,
                     "its name hides a program behind a second extension"},
    [RULE_UNICODE] = {"ATTACH_UNICODE_TRICK", 5,
                      "its name uses invisible or look-alike characters"},
    [RULE_DISGUISED] = {"ATTACH_DISGUISED_EXE", 10,
                        "it is a program disguised as a document"},
    [RULE_ARCHIVE] = {"ATTACH_ARCHIVE_BANNED", 10,
                      "the archive contains a file type that is not "
                      "accepted"},
    [RULE_ENCRYPTED] = {"ATTACH_ENCRYPTED", 5,
                        "it is encrypted and could not be checked"},
    [RULE_BOMB] = {"ATTACH_ARCHIVE_BOMB", 5,
                   "the archive unpacks beyond the limits of this site"},
    [RULE_MACRO] = {"ATTACH_MACRO", 5,
                    "it is a document with macros or embedded objects"},
    [RULE_SIZE] = {"ATTACH_TOO_BIG", 5, "the message is too big"},
    [RULE_PARTS] = {"ATTACH_TOO_MANY_PARTS", 5,
                    "the message has too many parts"},
    [RULE_COUNT_ATT] = {"ATTACH_TOO_MANY_ATTACHMENTS", 5,
                        "the message has too many attachments"},
    [RULE_UNREADABLE] = {"ATTACH_MIME_UNREADABLE", 5,
                         "its MIME structure cannot be read reliably"},
    [RULE_TNEF] = {"ATTACH_TNEF_UNREADABLE", 5,
                   "it is an Outlook (TNEF) attachment that could not be "
                   "read"},
    [RULE_ZIPNAMES] = {"ATTACH_ZIP_NAME_MISMATCH", 10,
                       "the archive shows other file names than it holds"},
    [RULE_AMBIGUOUS] = {"ATTACH_MIME_AMBIGUOUS", 5,
                        "its MIME headers can be read in two ways"},
};

#define ATTACH_ENUM "reject|strip|tag"
#define ACTION_KEY(key, rule, doc)                                             \
    {                                                                          \
        key, CFG_ENUM, "reject", 0, 0,                                         \
            offsetof(struct attach_conf, action) + (rule) * sizeof(int),       \
            ATTACH_ENUM, doc                                                   \
    }

static const struct cfg_key attach_keys[] = {
    MOD_CONF_KEYS(struct attach_conf, "attach"),
    {"banned_extensions", CFG_LIST,
     "exe vbs pif scr bat cmd com dll ade adp bas chm cpl crt hlp hta inf "
     "ins isp js jse lnk mdb mde msc msi msp mst pcd reg sct shs shb vb vbe "
     "wsc wsf wsh",
     0, 0, offsetof(struct attach_conf, banned_extensions), NULL,
     "File name extensions refused (the published Hanken list)."},
    {"banned_extensions_modern", CFG_LIST,
     "iso img vhd vhdx one ps1 appx appxbundle msix msixbundle jar wsb xll "
     "iqy slk library-ms settingcontent-ms",
     0, 0, offsetof(struct attach_conf, banned_extensions_modern), NULL,
     "Further extensions refused when use_modern_list is on."},
    {"use_modern_list", CFG_BOOL, "yes", 0, 0,
     offsetof(struct attach_conf, use_modern_list), NULL,
     "Also refuse the extensions of banned_extensions_modern."},
    ACTION_KEY("banned_action", RULE_BANNED,
               "Action for a banned file name extension."),
    ACTION_KEY("double_extension_action", RULE_DOUBLE,
               "Action for a banned extension after a document one."),
    ACTION_KEY("unicode_action", RULE_UNICODE,
               "Action for bidi controls or look-alike dots in a name."),
    ACTION_KEY("disguised_action", RULE_DISGUISED,
               "Action for a program named or typed as a document."),
    ACTION_KEY("archive_action", RULE_ARCHIVE,
               "Action for an archive holding a banned name or a program."),
    ACTION_KEY("encrypted_action", RULE_ENCRYPTED,
               "Action for an encrypted archive no password opened."),
    ACTION_KEY("bomb_action", RULE_BOMB,
               "Action for an archive that hits an unpacking bound."),
    ACTION_KEY("macro_action", RULE_MACRO,
               "Action for Office macros and RTF embedded objects."),
    ACTION_KEY("tnef_action", RULE_TNEF,
               "Action for a TNEF attachment (winmail.dat) that cannot be "
               "read."),
    ACTION_KEY("zip_names_action", RULE_ZIPNAMES,
               "Action for a zip whose central directory names other files "
               "than its local headers."),
    ACTION_KEY("size_action", RULE_SIZE,
               "Action for a message over max_message_size (strip = reject)."),
    ACTION_KEY("parts_action", RULE_PARTS,
               "Action for too many MIME parts, too deep or too much decoded, "
               "an unreadable MIME structure, or a content header given twice "
               "(strip = reject)."),
    ACTION_KEY("attachments_action", RULE_COUNT_ATT,
               "Action for more than max_attachments (strip = reject)."),
    {"scores", CFG_LIST, NULL, 0, 0, offsetof(struct attach_conf, scores), NULL,
     "Score overrides as SYMBOL=score (default 10 for programs, 5 "
     "else)."},
    {"max_message_size", CFG_SIZE, "50M", 1024, 4294967296.0,
     offsetof(struct attach_conf, max_message_size), NULL,
     "Largest message accepted, in bytes."},
    {"max_parts", CFG_INT, "500", 1, 100000,
     offsetof(struct attach_conf, max_parts), NULL,
     "Most MIME leaf parts a message may have."},
    {"max_attachments", CFG_INT, "100", 1, 100000,
     offsetof(struct attach_conf, max_attachments), NULL,
     "Most attachments a message may have."},
    {"archive_max_depth", CFG_INT, "4", 0, 32,
     offsetof(struct attach_conf, archive_max_depth), NULL,
     "Deepest archive nesting opened."},
    {"archive_max_entries", CFG_INT, "10000", 1, 10000000,
     offsetof(struct attach_conf, archive_max_entries), NULL,
     "Most entries read from one archive."},
    {"archive_max_total", CFG_SIZE, "200M", 1024, 68719476736.0,
     offsetof(struct attach_conf, archive_max_total), NULL,
     "Most bytes unpacked from the archives of one message."},
    {"archive_max_ratio", CFG_INT, "200", 0, 1000000,
     offsetof(struct attach_conf, archive_max_ratio), NULL,
     "Highest unpacked/packed size ratio of an archive (0: no bound)."},
    {"archive_max_layers", CFG_INT, "3", 1, 16,
     offsetof(struct attach_conf, archive_max_layers), NULL,
     "Most compression layers around one archive."},
    {"archive_max_time", CFG_DURATION, "10s", 1, 3600,
     offsetof(struct attach_conf, archive_max_time), NULL,
     "Longest time spent unpacking the archives of one message."},
    {"password_max_tries", CFG_INT, "10", 0, 1000,
     offsetof(struct attach_conf, password_max_tries), NULL,
     "Most passwords from the message text tried on an encrypted archive."},
    {"allow_senders", CFG_MAP, NULL, 0, 0,
     offsetof(struct attach_conf, allow_senders), NULL,
     "Envelope senders whose mail is not checked."},
    {"allow_recipients", CFG_MAP, NULL, 0, 0,
     offsetof(struct attach_conf, allow_recipients), NULL,
     "Recipients whose mail is not checked (all must be listed)."},
    {"allow_clients", CFG_MAP, NULL, 0, 0,
     offsetof(struct attach_conf, allow_clients), NULL,
     "Client addresses (cidr: map) whose mail is not checked."},
    {NULL},
};

const struct cfg_section attach_section = {"attach", attach_keys,
                                           sizeof(struct attach_conf)};

const char *attach_rule_symbol(enum attach_rule r)
{
    return r < RULE_N ? attach_rules[r].symbol : "ATTACH_UNKNOWN";
}

static const char *attach_action_name(int a)
{
    return a == ATTACH_STRIP ? "strip" : a == ATTACH_TAG ? "tag" : "reject";
}

/* Setup: the scores overrides. */
static int attach_score_set(struct attach_state *st, const char *item,
                            const char **error_r)
{
    const char *eq = strchr(item, '=');
    char *end;
    double v;
    int r;

    if (eq == NULL) {
        *error_r = "expected SYMBOL=score";
        return -1;
    }
    v = strtod(eq + 1, &end);
    if (end == eq + 1 || *end != '\0') {
        *error_r = "the score is not a number";
        return -1;
    }
    for (r = 0; r < RULE_N; r++) {
        if (strlen(attach_rules[r].symbol) == (size_t)(eq - item) &&
            str_ncasecmp(attach_rules[r].symbol, item, eq - item) == 0) {
            st->score[r] = v;
            return 0;
        }
    }
    *error_r = "unknown symbol";
    return -1;
}

/* A message larger than the buffer cannot be checked whole: it gets
 * on_error (tempfail by default), however small max_message_size says a
 * message may be (attach_eom()). */
static void attach_setup_warn(const struct cfg *cfg,
                              const struct attach_conf *c,
                              struct cfg_errors *errs)
{
    const struct common_conf *cc = common_conf(cfg);

    if (cc == NULL || cc->message_buffer_limit >= c->max_message_size)
        return;
    cfg_warnings_add(errs,
                     "%s: warning: [common] message_buffer_limit (%lld bytes) "
                     "is smaller than [attach] max_message_size (%lld "
                     "bytes): a message larger than the buffer cannot be "
                     "checked whole and gets on_error",
                     cfg_path(cfg), cc->message_buffer_limit,
                     c->max_message_size);
}

static int attach_setup(const struct cfg *cfg, void **state_r,
                        struct cfg_errors *errs)
{
    const struct attach_conf *c = cfg_section(cfg, "attach");
    struct attach_state *st;
    const char *error;
    size_t i;
    int r, bad = 0;

    if (c == NULL) {
        cfg_errors_add(errs, "%s: [attach] section is not loaded",
                       cfg_path(cfg));
        return -1;
    }
    mime_init();
    st = xcalloc(1, sizeof(*st));
    st->cfg = cfg;
    st->conf = c;
    for (r = 0; r < RULE_N; r++)
        st->score[r] = attach_rules[r].score;
    for (i = 0; i < c->scores.n; i++) {
        if (attach_score_set(st, c->scores.v[i], &error) < 0) {
            cfg_key_error(cfg, errs, "attach", "scores", "%s: %s",
                          c->scores.v[i], error);
            bad = 1;
        }
    }
    if (bad) {
        free(st);
        return -1;
    }
    attach_setup_warn(cfg, c, errs);
    *state_r = st;
    return 0;
}

static void attach_teardown(void *state)
{
    free(state);
}

/* Findings. */
void attach_found(struct attach_scan *s, enum attach_rule r, const char *file,
                  size_t part_index)
{
    struct attach_finding *f;
    size_t i;

    for (i = 0; i < s->nf; i++) {
        f = &s->f[i];
        if (f->rule == r && f->part_index == part_index &&
            ((f->file == NULL && file == NULL) ||
             (f->file && file && strcmp(f->file, file) == 0)))
            return;
    }
    s->f = xrealloc(s->f, (s->nf + 1) * sizeof(*s->f));
    f = &s->f[s->nf++];
    memset(f, 0, sizeof(*f));
    f->rule = r;
    f->file = file ? xstrdup(file) : NULL;
    f->part_index = part_index;
    f->score = s->st ? s->st->score[r] : attach_rules[r].score;
}

/* A limit: the bound, the value seen and the reply template (NULL:
 * the symbol's). */
static void attach_found_limit(struct attach_scan *s, enum attach_rule r,
                               const char *what, long long limit,
                               long long value, const char *reply)
{
    size_t n = s->nf;

    attach_found(s, r, what, (size_t)-1);
    if (s->nf == n)
        return; /* already reported */
    s->f[n].limit = limit;
    s->f[n].value = value;
    s->f[n].reply = reply;
}

static void attach_findings_free(struct attach_scan *s)
{
    size_t i;

    for (i = 0; i < s->nf; i++)
        free(s->f[i].file);
    free(s->f);
    s->f = NULL;
    s->nf = 0;
}

void attach_scan_free(struct attach_scan *s)
{
    size_t i;

    attach_findings_free(s);
    for (i = 0; i < s->npasswords; i++)
        free(s->passwords[i]);
    free(s->passwords);
    s->passwords = NULL;
    s->npasswords = 0;
}

/* Allow-lists. */
static int attach_allowed(const struct attach_conf *c, const struct sl_msg *m)
{
    static const char who[] = "attach: allow-list";
    size_t i;

    if (m->conn != NULL &&
        map_has(c->allow_clients, m->conn->client_addr, m->qid, who))
        return 1;
    if (map_has(c->allow_senders, m->from, m->qid, who))
        return 1;
    if (c->allow_recipients == NULL || m->nrcpts == 0)
        return 0;
    for (i = 0; i < m->nrcpts; i++)
        if (!map_has(c->allow_recipients, m->rcpts[i], m->qid, who))
            return 0;
    return 1;
}

/* The walk over the message's one MIME tree. */
static void attach_take_passwords(struct attach_scan *s,
                                  const struct mime_part *p)
{
    size_t n;

    if (s->npasswords >= ATTACH_MAX_PASSWORDS || p->len == 0)
        return;
    if (s->passwords == NULL)
        s->passwords = xcalloc(ATTACH_MAX_PASSWORDS, sizeof(char *));
    n = attach_passwords_find((const char *)p->data, p->len,
                              s->passwords + s->npasswords,
                              ATTACH_MAX_PASSWORDS - s->npasswords);
    s->npasswords += n;
}

static void attach_keep_part(struct attach_walk *w, const struct mime_part *p)
{
    struct attach_part *ap;

    w->parts = xrealloc(w->parts, (w->nparts + 1) * sizeof(*w->parts));
    ap = &w->parts[w->nparts++];
    ap->start = p->part_start;
    ap->end = p->part_end;
    ap->name = p->filename ? xstrdup(p->filename) : NULL;
}

/* Text parts are scanned only when their bytes look like a program. */
static int attach_text_only(const struct mime_part *p)
{
    if (!p->is_text || p->len < 2)
        return p->is_text;
    return !(p->data[0] == 'M' && p->data[1] == 'Z') &&
           !(p->len >= 4 && memcmp(p->data,
                                   "\x7f"
                                   "ELF",
                                   4) == 0);
}

static void attach_check_part(struct attach_walk *w, const struct mime_part *p)
{
    struct attach_scan *s = w->s;

    attach_keep_part(w, p);
    if (p->is_attachment)
        w->nattach++;
    if (p->filename != NULL)
        attach_check_name(s, p->filename, p->index, NULL);
    if (p->filename_alt != NULL)
        attach_check_name(s, p->filename_alt, p->index, NULL);
    if (attach_text_only(p))
        return;
    attach_check_content(s, p->filename, p->ctype, p->data, p->len, p->index, 0,
                         NULL);
}

static void attach_walk_free(struct attach_walk *w)
{
    size_t i;

    for (i = 0; i < w->nparts; i++)
        free(w->parts[i].name);
    free(w->parts);
    w->parts = NULL;
    w->nparts = 0;
}

/*
 * Passwords first, from every text part, so that an encrypted archive
 * is opened even when the text naming its password comes after it;
 * then every part.  Limits the parse met and parts a mail client would
 * see but the parse did not give (mime.h: unreadable) are findings.
 */
static void attach_walk_message(struct attach_walk *w,
                                const struct mime_tree *t,
                                const struct common_conf *cc)
{
    const struct attach_conf *c = w->s->conf;
    size_t i;

    w->s->arc.bytes = 0;
    w->s->arc.deadline = arc_now() + (double)c->archive_max_time;
    for (i = 0; i < t->nparts; i++)
        if (t->parts[i].is_text)
            attach_take_passwords(w->s, &t->parts[i]);
    for (i = 0; i < t->nparts; i++)
        attach_check_part(w, &t->parts[i]);
    if ((t->hits & MIME_HIT_PARTS) || (long long)t->nparts > c->max_parts)
        attach_found_limit(w->s, RULE_PARTS, "MIME parts", c->max_parts,
                           (long long)t->nparts + !!(t->hits & MIME_HIT_PARTS),
                           NULL);
    if (t->hits & MIME_HIT_DEPTH)
        attach_found_limit(w->s, RULE_PARTS, "MIME nesting depth",
                           cc->mime_max_depth, cc->mime_max_depth + 1,
                           "attach_mime_too_deep");
    if (t->hits & MIME_HIT_DECODED)
        attach_found_limit(w->s, RULE_PARTS, "decoded size",
                           cc->mime_max_decoded, cc->mime_max_decoded + 1,
                           "attach_mime_decoded_too_big");
    if ((long long)w->nattach > c->max_attachments)
        attach_found_limit(w->s, RULE_COUNT_ATT, "attachments",
                           c->max_attachments, (long long)w->nattach, NULL);
    if (t->unreadable)
        attach_found(w->s, RULE_UNREADABLE, "unreadable MIME structure",
                     (size_t)-1);
    if (t->ambiguous)
        attach_found(w->s, RULE_AMBIGUOUS, t->ambiguous_what, (size_t)-1);
}

/* The decision. */
static int attach_is_limit(enum attach_rule r)
{
    return r == RULE_SIZE || r == RULE_PARTS || r == RULE_COUNT_ATT ||
           r == RULE_UNREADABLE || r == RULE_AMBIGUOUS;
}

/* Unreadable and ambiguous MIME take parts_action. */
static int attach_action_of(const struct attach_conf *c,
                            const struct attach_finding *f)
{
    int a = c->action[f->rule == RULE_UNREADABLE || f->rule == RULE_AMBIGUOUS
                          ? RULE_PARTS
                          : f->rule];

    return a == ATTACH_STRIP && attach_is_limit(f->rule) ? ATTACH_REJECT : a;
}

static void attach_report(const struct attach_scan *s, const struct sl_msg *m,
                          struct result *res)
{
    const struct attach_finding *f;
    size_t i;

    for (i = 0; i < s->nf; i++) {
        f = &s->f[i];
        result_add(res, attach_rule_symbol(f->rule), f->score, f->file);
        log_info(m->qid, "milter=attach file=\"%s\" rule=%s action=%s",
                 f->file ? f->file : "", attach_rule_symbol(f->rule),
                 attach_action_name(attach_action_of(s->conf, f)));
    }
}

/* A limit for a reply: sizes in KB or MB, counts as they are. */
static void attach_fmt_limit(char *buf, size_t size, long long v, int is_size)
{
    if (!is_size || v < 1024)
        snprintf(buf, size, "%lld%s", v, is_size ? " bytes" : "");
    else if (v < 1024 * 1024)
        snprintf(buf, size, "%lld KB", (v + 1023) / 1024);
    else if (v % (1024 * 1024) == 0)
        snprintf(buf, size, "%lld MB", v / (1024 * 1024));
    else
        snprintf(buf, size, "%.1f MB", (double)v / (1024.0 * 1024.0));
}

static enum mod_rc attach_reject(struct mod_ctx *x,
                                 const struct attach_finding *f,
                                 const char *reason)
{
    char key[RESULT_SYM_MAX], limit[32] = "", value[32] = "", *file;
    struct reply_arg args[4];
    struct mod_out *out = &x->out;
    const struct common_conf *cc;

    snprintf(key, sizeof(key), "%s",
             reason    ? reason
             : f->reply ? f->reply
                       : attach_rule_symbol(f->rule));
    str_lower(key);
    if (f->limit > 0 || f->value > 0) {
        int is_size = f->rule == RULE_SIZE ||
                      (f->file && strcmp(f->file, "decoded size") == 0);

        attach_fmt_limit(limit, sizeof(limit), f->limit, is_size);
        attach_fmt_limit(value, sizeof(value), f->value, is_size);
    }
    cc = common_conf(x->env->cfg);
    file = attach_reply_file(f->file ? f->file : "",
                             reply_lang_for(mod_reply_rcpt(x),
                                            cc->reply_language_map,
                                            (enum reply_lang)cc->reply_language));
    args[0] = (struct reply_arg){"file", file};
    args[1] = (struct reply_arg){"limit", limit};
    args[2] = (struct reply_arg){"value", value};
    args[3] = (struct reply_arg){"rule", attach_rules[f->rule].words};
    mod_reply(out, x->env->cfg, mod_reply_rcpt(x), key, args, 4);
    free(file);
    snprintf(out->reason_buf, sizeof(out->reason_buf), "%s%s%s",
             attach_rule_symbol(f->rule), f->file ? " " : "",
             f->file ? f->file : "");
    out->reason = out->reason_buf;
    return MOD_REJECT;
}

/* Of two findings with the same score, the more telling one wins. */
static int attach_beats(const struct attach_finding *a,
                        const struct attach_finding *b)
{
    if (a->score != b->score)
        return a->score > b->score;
    return a->rule == RULE_DOUBLE && b->rule == RULE_BANNED;
}

/* The strongest finding whose action is `action`, or NULL. */
static const struct attach_finding *
attach_strongest(const struct attach_scan *s, int action)
{
    const struct attach_finding *best = NULL;
    size_t i;

    for (i = 0; i < s->nf; i++)
        if (attach_action_of(s->conf, &s->f[i]) == action &&
            (best == NULL || attach_beats(&s->f[i], best)))
            best = &s->f[i];
    return best;
}

/* The cuts for every part with a strip finding, one per part. */
static size_t attach_cuts(const struct attach_scan *s,
                          const struct attach_walk *w, struct attach_cut *v)
{
    const struct attach_finding *f;
    size_t i, j, n = 0;

    for (i = 0; i < s->nf; i++) {
        f = &s->f[i];
        if (attach_action_of(s->conf, f) != ATTACH_STRIP ||
            f->part_index >= w->nparts)
            continue;
        for (j = 0; j < n; j++)
            if (v[j].start == w->parts[f->part_index].start)
                break;
        if (j < n)
            continue;
        v[n].start = w->parts[f->part_index].start;
        v[n].end = w->parts[f->part_index].end;
        v[n].name = w->parts[f->part_index].name ? w->parts[f->part_index].name
                                                 : f->file;
        v[n].reason = attach_rules[f->rule].words;
        n++;
    }
    return n;
}

static enum mod_rc attach_strip_message(struct mod_ctx *x,
                                        const struct attach_scan *s,
                                        const struct attach_walk *w,
                                        const struct mime_tree *t)
{
    const struct attach_finding *f = attach_strongest(s, ATTACH_STRIP);
    struct attach_cut *cuts = xcalloc(s->nf, sizeof(*cuts));
    struct sl_msg *m = x->msg;
    const char *error;
    size_t n, len;
    char *body;
    int whole;

    if (t->is_signed) {
        free(cuts);
        return attach_reject(x, f, "attach_signed_strip");
    }
    n = attach_cuts(s, w, cuts);
    if (m->truncated || n == 0 ||
        attach_strip(m->raw.data, m->raw.len, m->body_off, cuts, n, &body, &len,
                     &whole, &error) < 0) {
        log_warn(m->qid, "attach: cannot strip %s: %s", f->file,
                 m->truncated ? "message not fully buffered"
                 : n == 0     ? "no part to cut"
                              : error);
        free(cuts);
        return attach_reject(x, f, NULL);
    }
    sl_edits_replace_body(x->ed, body, len);
    if (whole) {
        sl_edits_change_header(x->ed, "Content-Type", 1,
                               "text/plain; charset=utf-8");
        sl_edits_change_header(x->ed, "Content-Transfer-Encoding", 1, "8bit");
    }
    log_info(m->qid, "attach: stripped %zu part%s", n, n == 1 ? "" : "s");
    free(body);
    free(cuts);
    return MOD_CONTINUE;
}

static enum mod_rc attach_decide(struct mod_ctx *x, const struct attach_scan *s,
                                 const struct attach_walk *w,
                                 const struct mime_tree *t)
{
    const struct attach_finding *f = attach_strongest(s, ATTACH_REJECT);

    if (f != NULL)
        return attach_reject(x, f, NULL);
    if (attach_strongest(s, ATTACH_STRIP) != NULL)
        return attach_strip_message(x, s, w, t);
    return MOD_CONTINUE;
}

/* A message not buffered whole cannot be checked whole: unless it is
 * refused for its size anyway, that is a check that could not run. */
static int attach_too_big_refused(const struct attach_scan *s)
{
    const struct attach_finding *f = attach_strongest(s, ATTACH_REJECT);

    return f != NULL && f->rule == RULE_SIZE;
}

static enum mod_rc attach_eom(struct mod_ctx *x)
{
    struct attach_state *st = x->state;
    struct sl_msg *m = x->msg;
    const struct mime_tree *t = NULL;
    const char *error = NULL;
    struct attach_scan s;
    struct attach_walk w;
    enum mod_rc rc;

    if (attach_allowed(st->conf, m)) {
        log_info(m->qid, "attach: allow-listed, not checked");
        return MOD_CONTINUE;
    }
    memset(&s, 0, sizeof(s));
    memset(&w, 0, sizeof(w));
    s.conf = st->conf;
    s.st = st;
    s.qid = m->qid;
    w.s = &s;
    if ((long long)m->size > st->conf->max_message_size)
        attach_found_limit(&s, RULE_SIZE, "message size",
                           st->conf->max_message_size, (long long)m->size,
                           NULL);
    if (m->truncated && !attach_too_big_refused(&s)) {
        snprintf(x->out.reason_buf, sizeof(x->out.reason_buf),
                 "message of %zu bytes is larger than message_buffer_limit "
                 "(%zu bytes): it could not be checked whole",
                 m->size, m->raw.limit);
        x->out.reason = x->out.reason_buf;
        attach_scan_free(&s);
        return MOD_ERROR;
    }
    if (!m->truncated && (t = sl_msg_mime(m, x->env->cc, &error)) == NULL) {
        x->out.reason = error;
        attach_scan_free(&s);
        return MOD_ERROR;
    }
    if (t != NULL)
        attach_walk_message(&w, t, x->env->cc);
    attach_report(&s, m, x->res);
    rc = attach_decide(x, &s, &w, t);
    attach_walk_free(&w);
    attach_scan_free(&s);
    return rc;
}

const struct module attach_module = {
    .name = "attach",
    .section = &attach_section,
    .replies = attach_replies,
    .events = MOD_EV_HEADER | MOD_EV_BODY | MOD_EV_EOM,
    .setup = attach_setup,
    .teardown = attach_teardown,
    .eom = attach_eom,
};
