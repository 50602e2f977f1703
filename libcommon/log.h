/*
 * log - syslog or a log file, stderr in the foreground, optional JSON lines.
 *
 * DESCRIPTION
 *	log_open() sets the identity ("sluice-attach") and the destinations
 *	from the [common] settings: syslog with the given facility, or, when
 *	log_file is set, lines appended to that file ("Mon DD HH:MM:SS
 *	ident[pid]: text"); in the foreground every line also goes to stderr,
 *	and so does every line while the start-up is not over (conf.startup,
 *	until log_startup_done()): a milter started by hand says on the
 *	terminal why it could not start, whether or not a syslog daemon
 *	listens.
 *	json_file, when set, receives one JSON object per message summary
 *	(jansson), for Elastic/Loki.
 *
 *	Severities have one meaning each: log_err() something is broken and
 *	needs the admin; log_warn() a message or the config is not as it
 *	should be, handled; log_info() decisions and state changes;
 *	log_debug() only with "debug = yes".  Every line about a message
 *	starts "qid=QID: " (pass NULL qid for lines that are about no message;
 *	"qid=NOQUEUE" is used before the MTA assigned one).
 *
 *	Lines about a message that a milter decided take one form, key=value
 *	after the queue ID, the milter first: log_summary() writes the one
 *	line per message per milter,
 *	    qid=Q: milter=attach action=reject score=10.00 reason="..." symbols=...
 *	(reason only when given) and the JSON object when enabled; a
 *	module's per-finding lines look the same, without "action=" right
 *	after the milter:
 *	    qid=Q: milter=attach file="a.exe" rule=ATTACH_BANNED_EXT action=reject
 *
 *	The module is thread-safe.  log_reopen() reopens files (after
 *	rotation, on reload).
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct log_conf {
    const char *facility; /* "mail", "local0".. */
    const char *file;     /* NULL: syslog */
    const char *json_file;
    int foreground;
    int debug;
    int startup; /* also stderr until log_startup_done() */
};

int log_open(const char *ident, const struct log_conf *conf,
             const char **error_r);
void log_reopen(void);
void log_startup_done(void);
void log_close(void);
int log_facility_parse(const char *name, int *out);

void log_err(const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_warn(const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_info(const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_debug(const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* 1 when "debug = yes": to skip building a debug line that is not wanted. */
int log_debug_enabled(void);

void log_summary(const char *qid, const char *milter, const char *action,
                 double score, const char *symbols, const char *reason,
                 const char *client, const char *from, const char *rcpts);

/*
 * log_event() writes one JSON object {"time", "qid", "milter", "event",
 * then npairs "key": "value" pairs from kv (key, value, key, value...)}
 * to json_file, when one is open (a DLP finding, a virus...).  The text
 * log line is the caller's.
 */
void log_event(const char *qid, const char *milter, const char *event,
               const char *const *kv, size_t npairs);

/* The JSON line for a summary, as written (for tests); caller frees. */
char *log_summary_json(const char *qid, const char *milter,
                       const char *action, double score,
                       const char *symbols, const char *reason,
                       const char *client, const char *from,
                       const char *rcpts);

#endif
