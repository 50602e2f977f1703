/*
 * common - the [common] section: settings every Sluice program shares.
 *
 * DESCRIPTION
 *	common_section is the table of [common] keys (see sluice.conf(5)).
 *	common_conf() returns the loaded [common] struct of a configuration.
 *	common_verdict_conf() fills a struct verdict_conf from it, and
 *	common_mime_limits() the MIME parser's limits (mime_max_*).
 *	common_check() does the checks a table cannot express (the force
 *	list syntax, the secret files being readable and private) and adds
 *	"file: message" errors; it returns the number of errors added.
 *
 * OWNERSHIP
 *	Everything points into the struct cfg the caller holds.
 */
#ifndef SLUICE_COMMON_H
#define SLUICE_COMMON_H

#include "cfg.h"
#include "maps.h"
#include "verdict.h"

struct common_conf {
    char *secret_file;
    char *secret_file_previous;
    char *user;
    char *socket;  /* sluice-milter's socket */
    char *pidfile; /* sluice-milter's pidfile */
    struct cfg_list modules; /* sluice-milter's modules; empty: all */
    char *log_facility;
    char *log_file;
    char *json_log_file;
    int debug;
    long long message_buffer_limit;
    long long max_header_lines;
    long long max_header_bytes;
    long long mime_max_parts;
    long long mime_max_depth;
    long long mime_max_decoded;
    long long milter_timeout;
    double score_add_header;
    double score_rewrite_subject;
    double score_greylist;
    double score_quarantine;
    double score_reject;
    long long greylist_delay;        /* score-based greylisting (greylist.h) */
    long long greylist_retry_window;
    struct cfg_list force_actions;
    char *subject_tag;
    int spam_headers;
    int reply_language; /* enum reply_lang */
    struct map *reply_language_map;
    char *info_url;
    double forged_result_score;
    /* Who is inside (inside.h). */
    struct cfg_list local_domains;
    struct cfg_list internal_networks;
    /* The resolver (dns.h). */
    struct cfg_list dns_servers;
    long long dns_timeout; /* ms, one try */
    long long dns_tries;
    long long dns_budget; /* ms per message */
    /* The store (store.h). */
    int store_backend; /* enum store_backend */
    char *store_path;
    char *store_redis;
    char *store_redis_password_file;
    long long store_redis_db;
    long long store_timeout; /* ms */
    long long store_sweep_interval; /* seconds; 0: no sweeping */
    /* The quarantine (quarantine.h). */
    char *quarantine_dir;
    int quarantine_mode; /* enum quarantine_mode */
    long long quarantine_retention; /* seconds; 0: kept until deleted */
    char *quarantine_release_host;
    long long quarantine_release_port;
    char *quarantine_release_helo;
};

/* The suite's modules, in chain order: the [common] modules names and
 * the sections every program accepts. */
#define SLUICE_MODULE_NAMES "policy", "grey", "content", "attach"

extern const struct cfg_section common_section;

const struct common_conf *common_conf(const struct cfg *c);
void common_verdict_conf(const struct common_conf *cc,
                         struct verdict_conf *vc);
struct mime_limits;
void common_mime_limits(const struct common_conf *cc, struct mime_limits *lim);
int common_check(const struct cfg *c, struct cfg_errors *errs);

#endif
