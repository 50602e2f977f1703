/*
 * content.h - sluice-content: what the message says (DLP, rules, URLs,
 * MISP indicators) and what it carries (clamd, YARA).
 *
 * This header is the index of the module's files (one prefix each):
 *	content_module.c   the key table, the check table, setup/start/eom
 *	content_keys.c     the [content] keys (the section table)
 *	content_scan.c     one message: the text, URLs and files every check
 *	                   shares, extracted once; the decision
 *	content_files.c    every file of the message: parts and archive
 *	                   members (nested), each seen once by the hash, YARA
 *	                   and document-text visitors
 *	content_text.c     text of documents: OOXML and ODF XML (libxml2),
 *	                   PDF (poppler-glib), CSV and plain text
 *	content_dlp.c      DLP: candidates, context words, thresholds
 *	content_dlp_se.c   Swedish personnummer and samordningsnummer
 *	content_dlp_fi.c   Finnish HETU
 *	content_dlp_no.c   Norwegian fødselsnummer and D-number
 *	content_dlp_dk.c   Danish CPR
 *	content_dlp_card.c payment cards (Luhn, IIN ranges) and IBAN
 *	content_rules.c    PCRE2 rules on headers, body, URLs, names; meta
 *	content_sa.c       the SpamAssassin .cf reader (if/ifplugin, tflags)
 *	content_sa_if.c    its if-expressions and /regex/flags quoting
 *	content_rules_run.c evaluating the rules on one message
 *	content_meta.c     the meta expression compiler and evaluator
 *	content_url.c      URL checks: URL maps, phishing
 *	content_uribl.c    URI blocklists by DNS (libcommon dnsxl)
 *	content_misp.c     the MISP indicator set: load, match, sightings
 *	content_mispimp.c  MISP feeds and event JSON to an indicator set
 *	content_mispcsv.c  MISP CSV exports, hashes.csv and plain lists
 *	content_av.c       clamd: INSTREAM client and its connection pool
 *	content_yara.c     libyara: rule sets, scans with time limits
 *	content_learn.c    the statistical classifier (libcommon learn_check)
 *	content_watch.c    rule files changed on disk: ask for a reload
 *	content_reply.c    SMTP reply templates
 *
 * OWNERSHIP
 *	struct content_state is per configuration (setup() to teardown()),
 *	read-only while messages use it except for the clamd pool and the
 *	watch, which lock.  struct content_scan lives for one eom() call and
 *	owns everything it extracted.
 */
#ifndef SLUICE_CONTENT_H
#define SLUICE_CONTENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cfg.h"
#include "learn_check.h"
#include "maps.h"
#include "module.h"
#include "text.h"
#include "url.h"

struct mime_tree;
struct dnsxl;

/* Document text: when attachments are read for their text. */
enum content_doc_mode {
    DOC_OUTBOUND = 0, /* when the DLP check applies */
    DOC_ALWAYS,
    DOC_NEVER,
};

enum dlp_action {
    DLP_REPORT = 0,
    DLP_TAG,
    DLP_QUARANTINE,
    DLP_REJECT,
};

enum virus_action {
    VIRUS_REJECT = 0,
    VIRUS_DISCARD,
};

enum yara_action {
    YARA_TAG = 0,
    YARA_REJECT,
};

struct content_conf {
    struct mod_conf mc; /* must be first */
    /* text */
    long long text_max_bytes;
    int document_text;           /* enum content_doc_mode */
    long long document_max_time; /* ms per message */
    long long document_max_bytes;
    long long pdf_max_pages;
    long long archive_max_depth;
    long long archive_max_entries;
    long long archive_max_total;
    long long archive_max_ratio;
    long long archive_max_layers;
    long long archive_max_time; /* seconds per message */
    long long url_max;
    /* DLP */
    struct cfg_list dlp_detectors;
    int dlp_action; /* enum dlp_action */
    long long dlp_threshold;
    long long dlp_threshold_context;
    double dlp_score;
    /* rules */
    struct cfg_list rules;
    struct cfg_list sa_rules;
    char *sa_version;
    struct cfg_list fuzzy_chars;
    /* URLs */
    struct cfg_list uribl;
    struct cfg_list uribl_ip;
    struct map *url_allow;
    struct map *url_deny;
    double url_deny_score;
    double phishing_score;
    /* MISP */
    char *misp_indicators;
    char *misp_sightings;
    struct cfg_list misp_scores;
    double misp_score_noids;
    /* clamd */
    char *clamd_socket;
    long long clamd_timeout; /* ms */
    long long clamd_max_stream;
    long long clamd_pool;
    int virus_action; /* enum virus_action */
    /* YARA */
    struct cfg_list yara_rules;
    long long yara_scan_timeout; /* s */
    long long yara_max_time;     /* ms per message */
    double yara_score;
    int yara_action; /* enum yara_action */
    struct cfg_list yara_tag_scores;
    long long watch_interval; /* s; 0: off */
    /* the classifier (learn_check.h) */
    struct learn_conf learn;
};

struct rules;
struct misp_set;
struct content_av;
struct content_yara;
struct content_watch;

struct content_state {
    const struct cfg *cfg;
    const struct content_conf *conf;
    const struct sl_env *env; /* from start(); NULL before */
    unsigned dlp_mask;        /* 1 << enum dlp_kind */
    double misp_score[5];     /* by threat level 1..4; [0] undefined */
    struct rules *rules;
    struct dnsxl *uribl, *uribl_ip;
    struct misp_set *misp;
    struct content_av *av;
    struct content_yara *yara;
    struct content_watch *watch;
    struct learn_check *learn; /* start(): the classifier, or NULL */
};

/* A URL of the message (deduplicated by its normalised form). */
struct content_url {
    struct url u;
    char *raw;      /* as found, for uri rules */
    char *anchor;   /* the anchor's text (a href), or NULL */
    size_t index;   /* MIME leaf */
    int redirected; /* the target of a redirector */
    int kind;       /* enum text_link_kind */
    int allowed;    /* url_allow: not checked */
};

/* A file name of the message: an attachment or an archive member. */
struct content_name {
    char *name;
    char *where; /* "member in outer.zip", for details; or NULL */
};

struct content_scan {
    struct mod_ctx *x;
    struct content_state *st;
    const struct content_conf *conf;
    struct sl_msg *m;
    const struct mime_tree *tree;
    struct msg_text *mt;
    struct content_url *urls;
    size_t nurls;
    int url_hit_max;
    struct content_name *names;
    size_t nnames;
    int outbound;  /* the DLP check applies */
    int want_docs; /* read documents' text */
    double doc_deadline;
    int doc_limit_hit;
    const char *doc_limit; /* which bound */
    /* the files walk */
    int arc_limit_hit;
    char arc_limit[256]; /* "BOUND in CONTAINER" */
    /* MISP: indicator values already reported (pointers into the set) */
    const char **misp_seen;
    size_t nmisp_seen;
    /* YARA, per message */
    double yara_deadline;
    int yara_error; /* 1 a scan failed, 2 out of time: on_error */
    char yara_why[160];
    void **yara_sc; /* the message's YARA scanners, one per rule set */
    struct yara_match {
        char *rule;
        char *where;
        double score;
        int reject;
    } * ym;
    size_t nym;
    /* the module's own refusal, when any */
    enum mod_rc own;
    int own_prio; /* the strongest wins: virus > yara > dlp */
};

/* content_keys.c */
extern const struct cfg_section content_section;

/* content_module.c */
extern const struct module content_module;
extern const struct reply_template content_replies[]; /* content_reply.c */

/* content_scan.c */
void content_scan_init(struct content_scan *s, struct mod_ctx *x,
                       struct content_state *st);
int content_scan_prepare(struct content_scan *s, const char **error_r);
void content_scan_free(struct content_scan *s);
/* Refuse with a reply template (a lower-case key) unless a stronger
 * refusal is already set; prio: 3 virus, 2 YARA, 1 DLP. */
void content_refuse(struct content_scan *s, enum mod_rc rc, int prio,
                    const char *key, const struct reply_arg *args, size_t nargs,
                    const char *reason);
void content_add_url(struct content_scan *s, const char *raw, size_t len,
                     const char *anchor, size_t index, int kind);

/* content_files.c: every file (parts, archive members), once. */
struct content_file {
    const char *name;      /* file or member name, or NULL */
    const char *container; /* "outer.zip" chain, or NULL for a part */
    const char *ctype;     /* a part's declared type, or NULL */
    const unsigned char *data;
    size_t len;
    size_t index;  /* MIME leaf */
    int depth;     /* 0 for a part */
    int text_part; /* a text part (not an attachment) */
};
void content_files_walk(struct content_scan *s);
/* "name" or "name in container" (for details; caller frees). */
char *content_file_label(const struct content_file *f);

/* content_text.c: a document's text, appended to out (bounded). */
enum content_doc_kind {
    DOCK_NONE = 0,
    DOCK_PDF,
    DOCK_XML,  /* an OOXML or ODF member with text */
    DOCK_TEXT, /* CSV, TXT */
};
enum content_doc_kind content_doc_kind(const char *name, const char *ctype,
                                       const unsigned char *data, size_t len,
                                       int in_archive);
/* 0 ok, -1 not readable; *hit_r set when max_pages or the deadline
 * stopped it. */
int content_text_pdf(const unsigned char *data, size_t len, long long max_pages,
                     double deadline, struct strbuf *out, int *hit_r);
int content_text_xml(const unsigned char *data, size_t len, struct strbuf *out);
void content_doc_text(struct content_scan *s, const struct content_file *f);

/* content_dlp*.c */
enum dlp_kind {
    DLP_SE_PNR = 0,
    DLP_SE_SAMO,
    DLP_FI_HETU,
    DLP_NO_FNR,
    DLP_DK_CPR,
    DLP_CARD,
    DLP_IBAN,
    DLP_N
};
struct dlp_hit {
    enum dlp_kind kind;
    char canon[40]; /* the number, normalised (never logged) */
    size_t part;    /* index into mt->parts */
};
struct dlp_found {
    struct dlp_hit *v;
    size_t n;
    int context[DLP_N]; /* a context word was seen near a hit */
};
const char *dlp_symbol(enum dlp_kind k);
const char *dlp_name(enum dlp_kind k);  /* "se_pnr" */
int dlp_kind_parse(const char *name);   /* -1 unknown */
const char *dlp_words(enum dlp_kind k); /* plain words, for replies */
void dlp_scan_text(unsigned mask, const char *text, size_t len, size_t part,
                   struct dlp_found *f);
void dlp_found_free(struct dlp_found *f);
void dlp_mask(enum dlp_kind k, const char *canon, char *out, size_t size);
enum mod_rc content_dlp_check(struct content_scan *s);

/* content_dlp_<country>.c: pure validators of one candidate (its
 * characters as written, separators included); 1 valid, 0 not. */
int dlp_luhn(const char *digits, size_t n);
int dlp_date_valid(int year, int month, int day);
/* Swedish: 1 personnummer, 2 samordningsnummer, 0 neither; canon is
 * the 12-digit form.  now: for the century of 10-digit forms. */
int dlp_se_check(const char *s, size_t n, long long now, char canon[13]);
int dlp_fi_hetu_check(const char *s, size_t n);
int dlp_no_fnr_check(const char *s, size_t n, long long now); /* 1, 2: D */
int dlp_dk_cpr_check(const char *s, size_t n);
int dlp_card_check(const char *s, size_t n, char *canon, size_t size);
int dlp_iban_check(const char *s, size_t n, char *canon, size_t size);

/* content_rules.c */
enum content_target {
    CT_HEADER = 0,
    CT_BODY,
    CT_RAWBODY,
    CT_FULL,
    CT_URI,
    CT_FILENAME,
    CT_META,
    CT_N
};
struct rules_stats {
    size_t loaded[CT_N];
    size_t files;
    size_t skipped; /* sum of the reasons */
    size_t reason_n[16];
    const char *reason_name[16];
    size_t nreasons;
};
struct rules_opts {
    const char *sa_version;       /* "4.0.1" */
    const struct cfg_list *fuzzy; /* "a=[a@ãä]" entries, or NULL */
};
int rules_load(const struct cfg_list *files, const struct cfg_list *sa_files,
               const struct rules_opts *o, const char *base, struct rules **r_r,
               struct cfg_errors *errs);
void rules_free(struct rules *r);
const struct rules_stats *rules_stats(const struct rules *r);
size_t rules_count(const struct rules *r);
void rules_watch_files(const struct rules *r, struct content_watch *w);
enum mod_rc content_rules_check(struct content_scan *s);
/* Evaluate on a message; add symbols to res. For tests and sluicectl. */
struct rules_msg;
void rules_run(const struct rules *r, struct content_scan *s,
               struct result *res);

/* content_url.c */
enum mod_rc content_url_check(struct content_scan *s);
/* content_uribl.c: URI blocklists (libcommon dnsxl). */
int content_url_setup(struct content_state *st, const struct cfg *cfg,
                      struct cfg_errors *errs);
void content_url_teardown(struct content_state *st);
unsigned content_url_needs(const struct content_state *st); /* MOD_NEED_* */
enum mod_rc content_uribl_check(struct content_scan *s);
/* The phishing test of one link: the anchor shows a host whose
 * registrable domain is not the link's; 1 phishing. */
int content_url_phishing(const char *anchor, const struct url *u);

/* content_misp.c */
enum misp_kind {
    MISP_IP = 0,
    MISP_DOMAIN,
    MISP_URL,
    MISP_EMAIL,
    MISP_MD5,
    MISP_SHA1,
    MISP_SHA256,
    MISP_VMD5, /* MD5 of a value's text (a feed's hashes.csv) */
    MISP_KIND_N
};
struct misp_hit {
    enum misp_kind kind;
    const char *value;
    const char *event_id;
    const char *event_uuid;
    const char *info;
    const char *attr_uuid;
    int to_ids;
    int threat; /* 1 high .. 4 undefined */
};
int misp_set_load(const char *path, struct misp_set **set_r,
                  const char **error_r);
/* The same from an open stream (path names it in errors). */
int misp_set_read(FILE *fp, const char *path, struct misp_set **set_r,
                  const char **error_r);
void misp_set_free(struct misp_set *s);
size_t misp_set_count(const struct misp_set *s);
int misp_lookup(const struct misp_set *s, enum misp_kind k, const char *value,
                struct misp_hit *hit_r);
const char *misp_kind_name(enum misp_kind k);
int misp_kind_parse(const char *s);
void misp_md5_hex(const void *data, size_t len, char out[33]);
enum mod_rc content_misp_check(struct content_scan *s);
void content_misp_file(struct content_scan *s, const struct content_file *f);
/* A sighting line (MISP /sightings/add), caller frees. */
char *misp_sighting_json(const char *value, long long when, const char *source);

/* content_mispimp.c: build an indicator set file from MISP exports. */
struct misp_import;
struct misp_import *misp_import_new(void);
/* path: a feed directory (manifest.json), an event JSON file, a CSV
 * export or hashes.csv.  0, or -1 with *error_r (caller frees). */
int misp_import_path(struct misp_import *im, const char *path, int ids_only,
                     char **error_r);
int misp_import_json(struct misp_import *im, const char *text, size_t len,
                     const char *origin, int ids_only, char **error_r);
int misp_import_csv(struct misp_import *im, const char *text, size_t len,
                    const char *origin, char **error_r);
int misp_import_write(struct misp_import *im, const char *path, char **error_r);
size_t misp_import_count(const struct misp_import *im, size_t *events_r);
void misp_import_free(struct misp_import *im);

/* content_av.c */
struct av_result {
    int infected;
    char name[128];  /* the malware name */
    char error[160]; /* when it could not scan */
};
int content_av_new(const struct content_conf *c, struct content_av **av_r,
                   const char **error_r);
void content_av_free(struct content_av *av);
/* 0 scanned (r->infected says), -1 could not (r->error). */
int content_av_scan(struct content_av *av, const void *data, size_t len,
                    struct av_result *r);
int content_av_ping(struct content_av *av, char *err, size_t size);
/* "unix:PATH" or "inet:PORT@HOST"; 0 with the parts (caller frees). */
int content_av_parse(const char *spec, char **path_r, char **host_r,
                     char **port_r);
enum mod_rc content_av_check(struct content_scan *s);
/* Parse a clamd reply line; 0 clean, 1 found (name), -1 error (why). */
int content_av_reply(const char *line, char *name, size_t size);

/* content_yara.c */
int content_yara_load(const struct content_conf *c, const char *base,
                      struct content_yara **y_r, struct cfg_errors *errs);
void content_yara_free(struct content_yara *y);
size_t content_yara_count(const struct content_yara *y);
void content_yara_watch_files(const struct content_yara *y,
                              struct content_watch *w);
void content_yara_file(struct content_scan *s, const struct content_file *f);
void content_yara_raw(struct content_scan *s);
void content_yara_scan_free(struct content_scan *s);
enum mod_rc content_yara_check(struct content_scan *s);

/* content_learn.c */
enum mod_rc content_learn_check(struct content_scan *s);

/* content_watch.c */
struct content_watch *content_watch_new(long long interval);
void content_watch_add(struct content_watch *w, const char *path);
/* Stat the files at most once per interval; ask for a reload once per
 * change.  Returns 1 when a change was seen now. */
int content_watch_poll(struct content_watch *w);
void content_watch_free(struct content_watch *w);

#endif
