/*
 * common - the [common] section: its key table and the checks a table
 * cannot express.
 *
 * DESCRIPTION
 *	See common.h.  common_check() adds one error for each of the
 *	following, at the file and line that set the key (cfg_key_error()):
 *	  - each force_actions entry that verdict_check_force_entry()
 *	    refuses (all of them, not only the first);
 *	  - log_facility not a syslog facility sluice knows;
 *	  - a local_domains or internal_networks entry that is not a domain
 *	    or an address/network (inside.h);
 *	  - a modules entry that is not policy, grey, content or attach,
 *	    or one named twice;
 *	  - secret_file empty, or it (and secret_file_previous when set)
 *	    refused by secret_load() (result.h): missing, unreadable,
 *	    accessible by "other", shorter than 32 or longer than 4096
 *	    bytes (one trailing newline does not count).
 *
 * OWNERSHIP
 *	common_conf() and common_verdict_conf() point into the struct cfg;
 *	they live as long as the caller's reference to it.
 */
#include "common.h"

#include <stddef.h>
#include <string.h>

#include "inside.h"
#include "mime.h"
#include "result.h"
#include "util.h"


#define C(field) offsetof(struct common_conf, field)

static const struct cfg_key common_keys[] = {
    {"secret_file", CFG_PATH, "/etc/sluice/secret", 0, 0, C(secret_file), NULL,
     "File with the shared secret (at least 32 bytes, not world-readable) "
     "that signs X-Sluice-Result headers."},
    {"secret_file_previous", CFG_PATH, NULL, 0, 0, C(secret_file_previous),
     NULL,
     "Previous secret, still accepted when verifying, while a new one is "
     "rolled out."},
    {"user", CFG_STRING, "", 0, 0, C(user), NULL,
     "User to switch to once the socket is open; empty: stay as started (a "
     "milter started as root then warns: its socket is root's, and "
     "Postfix cannot use it)."},
    {"socket", CFG_STRING, "unix:/var/spool/postfix/sluice/milter.sock", 0, 0,
     C(socket), NULL,
     "Socket sluice-milter listens on: unix:PATH, inet:PORT@HOST or "
     "inet6:PORT@HOST."},
    {"pidfile", CFG_PATH, "/run/sluice/sluice-milter.pid", 0, 0, C(pidfile),
     NULL, "PID file of sluice-milter's supervisor."},
    {"modules", CFG_LIST, NULL, 0, 0, C(modules), NULL,
     "The modules sluice-milter runs: some of policy, grey, content and "
     "attach (they run in that order, whatever the order here); empty: all "
     "of them.  The chained milters ignore it.  A change takes effect when "
     "sluice-milter restarts; a reload keeps the modules it runs and logs "
     "that."},
    {"log_facility", CFG_STRING, "mail", 0, 0, C(log_facility), NULL,
     "Syslog facility: mail, daemon, user or local0 to local7."},
    {"log_file", CFG_PATH, NULL, 0, 0, C(log_file), NULL,
     "Log to this file instead of syslog."},
    {"json_log_file", CFG_PATH, NULL, 0, 0, C(json_log_file), NULL,
     "Also write one JSON object per message to this file."},
    {"debug", CFG_BOOL, "no", 0, 0, C(debug), NULL, "Log debug messages."},
    {"message_buffer_limit", CFG_SIZE, "64M", 65536, 4294967296.0,
     C(message_buffer_limit), NULL,
     "Most bytes of one message kept in memory for the checks."},
    {"max_header_lines", CFG_INT, "10000", 100, 10000000,
     C(max_header_lines), NULL,
     "Most header lines a message may have; beyond: refused with 552 "
     "5.3.4."},
    {"max_header_bytes", CFG_SIZE, "1M", 4096, 1073741824.0,
     C(max_header_bytes), NULL,
     "Most bytes of header a message may have; beyond: refused with 552 "
     "5.3.4."},
    {"mime_max_parts", CFG_INT, "1000", 1, 100000, C(mime_max_parts), NULL,
     "Most MIME leaf parts read from one message."},
    {"mime_max_depth", CFG_INT, "20", 1, 200, C(mime_max_depth), NULL,
     "Deepest MIME nesting (multiparts and messages) read."},
    {"mime_max_decoded", CFG_SIZE, "100M", 1024, 17179869184.0,
     C(mime_max_decoded), NULL,
     "Most decoded bytes of all parts of a message kept for the checks."},
    {"milter_timeout", CFG_DURATION, "300s", 1, 86400, C(milter_timeout), NULL,
     "How long libmilter waits for the MTA before giving up."},
    {"score_add_header", CFG_DOUBLE, "5", 0, 1000000, C(score_add_header), NULL,
     "Score from which the verdict adds X-Spam headers; 0: off."},
    {"score_rewrite_subject", CFG_DOUBLE, "0", 0, 1000000,
     C(score_rewrite_subject), NULL,
     "Score from which subject_tag is put in the Subject; 0: off."},
    {"score_greylist", CFG_DOUBLE, "0", 0, 1000000, C(score_greylist), NULL,
     "Score from which the message is deferred with a 4xx; 0: off."},
    {"score_quarantine", CFG_DOUBLE, "0", 0, 1000000, C(score_quarantine), NULL,
     "Score from which the message is quarantined (see quarantine_mode); "
     "0: off."},
    {"score_reject", CFG_DOUBLE, "15", 0, 1000000, C(score_reject), NULL,
     "Score from which the message is rejected with a 5xx; 0: off."},
    {"greylist_delay", CFG_DURATION, "5m", 0, 86400, C(greylist_delay), NULL,
     "The greylist action (score_greylist, force_actions) lets the same "
     "message through when it is sent again after this long."},
    {"greylist_retry_window", CFG_DURATION, "2d", 60, 2592000,
     C(greylist_retry_window), NULL,
     "How long a message deferred by the greylist action is remembered "
     "for its retry."},
    {"force_actions", CFG_LIST, NULL, 0, 0, C(force_actions), NULL,
     "SYMBOL=action entries: a symbol that forces an action (accept, "
     "add_header, rewrite_subject, greylist, quarantine, reject, discard)."},
    {"subject_tag", CFG_STRING, "[SPAM]", 0, 0, C(subject_tag), NULL,
     "Text put before the Subject by the rewrite_subject action."},
    {"spam_headers", CFG_BOOL, "no", 0, 0, C(spam_headers), NULL,
     "Also add X-Spam-Flag and X-Spam-Status for Sieve and mail clients."},
    {"reply_language", CFG_ENUM, "en", 0, 0, C(reply_language), "en|sv|fi",
     "Language of SMTP replies when reply_language_map has no answer."},
    {"reply_language_map", CFG_MAP, NULL, 0, 0, C(reply_language_map),
     "en|sv|fi",
     "domain: map from recipient domain to reply language; every value "
     "must be en, sv or fi."},
    {"info_url", CFG_STRING, NULL, 0, 0, C(info_url), NULL,
     "URL appended to SMTP replies as \"(see URL)\" (\"se\", \"katso\" in "
     "Swedish and Finnish); unset: none."},
    {"forged_result_score", CFG_DOUBLE, "1.0", 0, 1000000,
     C(forged_result_score), NULL,
     "Score of SLUICE_FORGED_RESULT, added for each X-Sluice-Result header "
     "that fails verification."},
    {"local_domains", CFG_LIST, NULL, 0, 0, C(local_domains), NULL,
     "Domains of this organisation: example.org (and its subdomains) or "
     ".example.org (subdomains only)."},
    {"internal_networks", CFG_LIST, "127.0.0.0/8 ::1/128", 0, 0,
     C(internal_networks), NULL,
     "Client addresses and CIDR networks that are inside (their mail is "
     "outbound)."},
    {"dns_servers", CFG_LIST, NULL, 0, 0, C(dns_servers), NULL,
     "Name servers as host:port or [IPv6]:port; empty: the system's "
     "(/etc/resolv.conf)."},
    {"dns_timeout", CFG_MSEC, "2s", 50, 60000, C(dns_timeout), NULL,
     "How long one DNS query waits for an answer before it is tried "
     "again."},
    {"dns_tries", CFG_INT, "2", 1, 10, C(dns_tries), NULL,
     "How many times a DNS query is sent before it is a temporary "
     "failure."},
    {"dns_budget", CFG_MSEC, "10s", 100, 600000, C(dns_budget), NULL,
     "Most time one message may spend waiting for DNS in total; what is "
     "unanswered then is a temporary failure."},
    {"store_backend", CFG_ENUM, "sqlite", 0, 0, C(store_backend),
     "sqlite|redis",
     "Where greylisting, rate limits, caches and learning keep their "
     "state."},
    {"store_path", CFG_PATH, "/var/lib/sluice/sluice.db", 0, 0, C(store_path),
     NULL, "The sqlite database file of the store."},
    {"store_redis", CFG_STRING, "127.0.0.1:6379", 0, 0, C(store_redis), NULL,
     "Redis server of the store: host:port, [IPv6]:port or unix:/path."},
    {"store_redis_password_file", CFG_PATH, NULL, 0, 0,
     C(store_redis_password_file), NULL,
     "File holding the Redis password (AUTH); unset: no AUTH."},
    {"store_redis_db", CFG_INT, "0", 0, 255, C(store_redis_db), NULL,
     "Redis database number of the store."},
    {"store_timeout", CFG_MSEC, "2s", 10, 60000, C(store_timeout), NULL,
     "How long a store operation may wait (sqlite lock, Redis reply) "
     "before it is a temporary failure."},
    {"store_sweep_interval", CFG_DURATION, "1m", 0, 86400,
     C(store_sweep_interval), NULL,
     "How often the milters remove expired entries from the sqlite store "
     "(in a thread of their own); 0: never."},
    {"quarantine_dir", CFG_PATH, "/var/lib/sluice/quarantine", 0, 0,
     C(quarantine_dir), NULL,
     "Directory of quarantined messages (one file each) and their index "
     "(index.db), writable by the milters' user."},
    {"quarantine_mode", CFG_ENUM, "discard", 0, 0, C(quarantine_mode),
     "discard|hold",
     "discard: keep the message in quarantine_dir, then tell the MTA to "
     "discard it; hold: put it in the MTA's hold queue."},
    {"quarantine_retention", CFG_DURATION, "30d", 0, 315360000,
     C(quarantine_retention), NULL,
     "How long a quarantined message is kept before it expires; 0: until "
     "deleted."},
    {"quarantine_release_host", CFG_STRING, "127.0.0.1", 0, 0,
     C(quarantine_release_host), NULL,
     "SMTP server that released messages are sent to; it must not run the "
     "milters again (a Postfix smtpd with smtpd_milters empty)."},
    {"quarantine_release_port", CFG_INT, "10026", 1, 65535,
     C(quarantine_release_port), NULL,
     "Port of quarantine_release_host."},
    {"quarantine_release_helo", CFG_STRING, "localhost", 0, 0,
     C(quarantine_release_helo), NULL,
     "Name sluicectl gives in EHLO when it releases a message."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

const struct cfg_section common_section = {
    "common",
    common_keys,
    sizeof(struct common_conf),
};

const struct common_conf *common_conf(const struct cfg *c)
{
    return cfg_section(c, "common");
}

void common_verdict_conf(const struct common_conf *cc, struct verdict_conf *vc)
{
    vc->add_header = cc->score_add_header;
    vc->rewrite_subject = cc->score_rewrite_subject;
    vc->greylist = cc->score_greylist;
    vc->quarantine = cc->score_quarantine;
    vc->reject = cc->score_reject;
    vc->force = &cc->force_actions;
}

/* The secret files are validated by the code that loads them, so that
 * "-n" and the running milter apply the same rules. */
static int common_check_secret(const struct cfg *c, const char *key,
                               const char *path, struct cfg_errors *errs)
{
    struct secret sec;
    const char *why;

    if (path == NULL)
        return 0;
    if (secret_load(path, &sec, &why) == 0) {
        secret_free(&sec);
        return 0;
    }
    cfg_key_error(c, errs, "common", key, "%s", why);
    return 1;
}

static int common_facility_ok(const char *f)
{
    static const char *const ok[] = {
        "mail",   "daemon", "user",   "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7",
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (str_casecmp(f, ok[i]) == 0)
            return 1;
    return 0;
}

static int common_check_force(const struct cfg *c,
                              const struct common_conf *cc,
                              struct cfg_errors *errs)
{
    const char *why;
    int n = 0;

    for (size_t i = 0; i < cc->force_actions.n; i++) {
        if (verdict_check_force_entry(cc->force_actions.v[i], &why) == 0)
            continue;
        cfg_key_error(c, errs, "common", "force_actions", "%s", why);
        n++;
    }
    return n;
}

static int common_check_modules(const struct cfg *c,
                                const struct common_conf *cc,
                                struct cfg_errors *errs)
{
    static const char *const known[] = {SLUICE_MODULE_NAMES};
    int n = 0;

    for (size_t i = 0; i < cc->modules.n; i++) {
        const char *m = cc->modules.v[i];
        size_t k = 0;

        while (k < sizeof(known) / sizeof(known[0]) && strcmp(m, known[k]))
            k++;
        if (k == sizeof(known) / sizeof(known[0])) {
            cfg_key_error(c, errs, "common", "modules",
                          "%s: not a module (policy, grey, content, attach)",
                          m);
            n++;
            continue;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(cc->modules.v[j], m) == 0) {
                cfg_key_error(c, errs, "common", "modules",
                              "%s: named twice", m);
                n++;
                break;
            }
    }
    return n;
}

void common_mime_limits(const struct common_conf *cc, struct mime_limits *lim)
{
    lim->max_depth = (int)cc->mime_max_depth;
    lim->max_parts = (size_t)cc->mime_max_parts;
    lim->max_decoded = (size_t)cc->mime_max_decoded;
}

int common_check(const struct cfg *c, struct cfg_errors *errs)
{
    const struct common_conf *cc = common_conf(c);
    int n = 0;

    if (cc == NULL) {
        cfg_errors_add(errs, "%s: no [common] section table loaded",
                       cfg_path(c));
        return 1;
    }
    n += common_check_force(c, cc, errs);
    n += common_check_modules(c, cc, errs);
    if (!common_facility_ok(cc->log_facility)) {
        cfg_key_error(c, errs, "common", "log_facility",
                      "%s: unknown facility", cc->log_facility);
        n++;
    }
    if (cc->secret_file == NULL) {
        cfg_key_error(c, errs, "common", "secret_file", "not set");
        n++;
    }
    {
        struct inside *in;
        size_t before = errs->n;

        if (inside_new(c, &in, errs) == 0)
            inside_free(in);
        n += (int)(errs->n - before);
    }
    n += common_check_secret(c, "secret_file", cc->secret_file, errs);
    n += common_check_secret(c, "secret_file_previous",
                             cc->secret_file_previous, errs);
    return n;
}
