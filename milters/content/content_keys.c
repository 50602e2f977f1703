/*
 * content_keys - the [content] section: every key of sluice-content, its
 * type, default, bounds and the line sluice.conf(5) shows for it.
 *
 * DESCRIPTION
 *	One table (STYLE.md 11), grouped as the man page groups them: text,
 *	DLP, rules, URLs, MISP, clamd, YARA.  The checks a table cannot
 *	express (detector names, score lists, the force_actions entry that
 *	dlp_action = quarantine needs) are made by setup()
 *	(content_module.c).
 */
#include <stddef.h>

#include "content.h"

#define K(field) offsetof(struct content_conf, field)

static const struct cfg_key content_keys[] = {
    MOD_CONF_KEYS(struct content_conf, "content"),
    /* What the checks see. */
    {"text_max_bytes", CFG_SIZE, "4M", 4096, 1073741824.0, K(text_max_bytes),
     NULL, "Most bytes of decoded text (parts and documents) per message."},
    {"document_text", CFG_ENUM, "outbound", 0, 0, K(document_text),
     "outbound|always|never",
     "When attachments (OOXML, ODF, PDF, CSV, text) are read for their text."},
    {"document_max_time", CFG_MSEC, "5s", 10, 600000, K(document_max_time),
     NULL, "Longest time spent reading documents' text per message."},
    {"document_max_bytes", CFG_SIZE, "32M", 1024, 1073741824.0,
     K(document_max_bytes), NULL,
     "Largest document (or archive member) whose text is read."},
    {"pdf_max_pages", CFG_INT, "200", 1, 100000, K(pdf_max_pages), NULL,
     "Most pages of one PDF whose text is read."},
    {"archive_max_depth", CFG_INT, "4", 0, 32, K(archive_max_depth), NULL,
     "Deepest archive nesting opened for text, hashes and YARA."},
    {"archive_max_entries", CFG_INT, "10000", 1, 10000000,
     K(archive_max_entries), NULL, "Most entries read from one archive."},
    {"archive_max_total", CFG_SIZE, "100M", 1024, 68719476736.0,
     K(archive_max_total), NULL,
     "Most bytes unpacked from the archives of one message."},
    {"archive_max_ratio", CFG_INT, "200", 0, 1000000, K(archive_max_ratio),
     NULL, "Highest unpacked/packed size ratio of an archive (0: no bound)."},
    {"archive_max_layers", CFG_INT, "3", 1, 16, K(archive_max_layers), NULL,
     "Most compression layers around one archive."},
    {"archive_max_time", CFG_DURATION, "10s", 1, 3600, K(archive_max_time),
     NULL, "Longest time spent unpacking the archives of one message."},
    {"url_max", CFG_INT, "200", 1, 100000, K(url_max), NULL,
     "Most distinct URLs of one message that are checked."},
    /* DLP. */
    {"dlp_detectors", CFG_LIST,
     "se_pnr se_samo fi_hetu no_fnr dk_cpr card iban", 0, 0, K(dlp_detectors),
     NULL,
     "DLP detectors on outbound mail: se_pnr, se_samo, fi_hetu, no_fnr, "
     "dk_cpr, card, iban (empty: DLP off)."},
    {"dlp_action", CFG_ENUM, "report", 0, 0, K(dlp_action),
     "report|tag|quarantine|reject",
     "What a DLP finding does (quarantine needs force_actions = "
     "DLP_QUARANTINE=quarantine)."},
    {"dlp_threshold", CFG_INT, "5", 1, 1000000, K(dlp_threshold), NULL,
     "Distinct valid numbers of one kind that fire a detector."},
    {"dlp_threshold_context", CFG_INT, "1", 1, 1000000,
     K(dlp_threshold_context), NULL,
     "Distinct valid numbers that fire a detector with a context word."},
    {"dlp_score", CFG_DOUBLE, "5", -1000, 1000, K(dlp_score), NULL,
     "Score of a DLP symbol (tag and reject)."},
    /* Rules. */
    {"rules", CFG_LIST, NULL, 0, 0, K(rules), NULL,
     "Rule files (SpamAssassin syntax, with filename rules and fuzzy "
     "matching)."},
    {"sa_rules", CFG_LIST, NULL, 0, 0, K(sa_rules), NULL,
     "SpamAssassin rule files or directories (*.cf), e.g. "
     "/usr/share/spamassassin."},
    {"sa_version", CFG_STRING, "4.0.1", 0, 0, K(sa_version), NULL,
     "SpamAssassin version that if (version >= ...) is evaluated against."},
    {"fuzzy_chars", CFG_LIST, NULL, 0, 0, K(fuzzy_chars), NULL,
     "Look-alikes for fuzzy rules, as a=[a@4] entries (added to the "
     "built-in ones)."},
    /* URLs. */
    {"uribl", CFG_LIST, NULL, 0, 0, K(uribl), NULL,
     "Domain-based URI blocklists, zone[=filter][*score] (postscreen "
     "syntax)."},
    {"uribl_ip", CFG_LIST, NULL, 0, 0, K(uribl_ip), NULL,
     "IP-based lists for URL hosts that are addresses, zone[=filter]"
     "[*score]."},
    {"url_allow", CFG_MAP, NULL, 0, 0, K(url_allow), NULL,
     "Hosts (domain: map) whose URLs are not checked."},
    {"url_deny", CFG_MAP, NULL, 0, 0, K(url_deny), NULL,
     "Hosts (domain: map) whose URLs score url_deny_score (or the map "
     "value)."},
    {"url_deny_score", CFG_DOUBLE, "10", -1000, 1000, K(url_deny_score), NULL,
     "Score of CONTENT_URL_DENY when the map gives no number."},
    {"phishing_score", CFG_DOUBLE, "5", -1000, 1000, K(phishing_score), NULL,
     "Score of CONTENT_PHISHING: a link whose text shows another domain."},
    /* MISP. */
    {"misp_indicators", CFG_PATH, NULL, 0, 0, K(misp_indicators), NULL,
     "Indicator set written by sluicectl misp import (reloaded when it "
     "changes)."},
    {"misp_sightings", CFG_PATH, NULL, 0, 0, K(misp_sightings), NULL,
     "File the sightings are appended to, as MISP /sightings/add JSON "
     "lines."},
    {"misp_scores", CFG_LIST, "high=10 medium=6 low=3 undefined=2", 0, 0,
     K(misp_scores), NULL,
     "Score of a to_ids indicator by its event's threat level."},
    {"misp_score_noids", CFG_DOUBLE, "1", -1000, 1000, K(misp_score_noids),
     NULL, "Score of an indicator without to_ids."},
    /* clamd. */
    {"clamd_socket", CFG_STRING, NULL, 0, 0, K(clamd_socket), NULL,
     "clamd to scan with: unix:PATH or inet:PORT@HOST (unset: no "
     "antivirus)."},
    {"clamd_timeout", CFG_MSEC, "30s", 100, 600000, K(clamd_timeout), NULL,
     "Time allowed to connect to clamd and for each of its answers."},
    {"clamd_max_stream", CFG_SIZE, "25M", 1024, 4294967296.0,
     K(clamd_max_stream), NULL,
     "clamd's StreamMaxLength: larger messages are sent part by part."},
    {"clamd_pool", CFG_INT, "4", 0, 256, K(clamd_pool), NULL,
     "Idle clamd sessions kept open per worker."},
    {"virus_action", CFG_ENUM, "reject", 0, 0, K(virus_action),
     "reject|discard", "What a virus found by clamd does."},
    /* YARA. */
    {"yara_rules", CFG_LIST, NULL, 0, 0, K(yara_rules), NULL,
     "YARA rule files, directories of them, or yarac-compiled files."},
    {"yara_scan_timeout", CFG_DURATION, "5s", 1, 600, K(yara_scan_timeout),
     NULL, "Longest time of one YARA scan (whole seconds)."},
    {"yara_max_time", CFG_MSEC, "10s", 100, 3600000, K(yara_max_time), NULL,
     "Longest time of all YARA scans of one message."},
    {"yara_score", CFG_DOUBLE, "5", -1000, 1000, K(yara_score), NULL,
     "Score of a YARA match whose rule has no sluice_score."},
    {"yara_action", CFG_ENUM, "tag", 0, 0, K(yara_action), "tag|reject",
     "Action of a YARA match whose rule has no sluice_action."},
    {"yara_tag_scores", CFG_LIST, NULL, 0, 0, K(yara_tag_scores), NULL,
     "Scores by YARA rule tag, as tag=score entries."},
    {"watch_interval", CFG_DURATION, "5s", 0, 3600, K(watch_interval), NULL,
     "How often rule, YARA and indicator files are checked for changes "
     "(0: only on SIGUSR1)."},
    /* The classifier. */
    LEARN_CONF_KEYS(struct content_conf, learn),
    {NULL},
};

const struct cfg_section content_section = {"content", content_keys,
                                            sizeof(struct content_conf)};
