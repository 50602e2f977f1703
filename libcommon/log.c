/*
 * log - syslog or a log file, stderr in the foreground, JSON summaries.
 *
 * DESCRIPTION
 *	See log.h for the contract.  Implementation notes:
 *
 *	Before log_open() (and after log_close()) every line goes to stderr,
 *	so early errors and unit tests are never silent.
 *
 *	Each line is "[qid=QID: ]text"; warnings, errors and debug lines
 *	carry "warning: ", "error: ", "debug: " in front of the text, as
 *	Postfix's msg_warn() does.  Control characters in the formatted text
 *	(CR, LF, ...) become '?', so a hostile file name cannot forge a log
 *	line.  File lines are "Mon DD HH:MM:SS ident[pid]: line".
 *
 *	The JSON summary is one compact object per line with the fields
 *	time (UTC, ISO 8601), qid, milter, action, score (number), symbols,
 *	reason, client, from, rcpts; a field not given is null.  Strings
 *	that are not valid UTF-8 are written with '?' for each byte >= 0x80.
 *	log_summary_json() returns that line without the newline.
 *
 *	One mutex serialises the files; files are line buffered.
 */
#include "log.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LOG_LINE_MAX 4000

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int opened;
    char *ident;
    char *file_path;
    char *json_path;
    FILE *file;
    FILE *json;
    int foreground;
    int debug;
    int startup;
} log_state;

static const struct {
    const char *name;
    int facility;
} log_facilities[] = {
    {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"cron", LOG_CRON},
    {"daemon", LOG_DAEMON}, {"kern", LOG_KERN},         {"lpr", LOG_LPR},
    {"mail", LOG_MAIL},     {"news", LOG_NEWS},         {"syslog", LOG_SYSLOG},
    {"user", LOG_USER},     {"uucp", LOG_UUCP},         {"local0", LOG_LOCAL0},
    {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},     {"local3", LOG_LOCAL3},
    {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},     {"local6", LOG_LOCAL6},
    {"local7", LOG_LOCAL7},
};

int log_facility_parse(const char *name, int *out)
{
    for (size_t i = 0; i < sizeof(log_facilities) / sizeof(*log_facilities);
         i++) {
        if (strcasecmp(name, log_facilities[i].name) == 0) {
            *out = log_facilities[i].facility;
            return 0;
        }
    }
    return -1;
}

static FILE *log_fopen(const char *path)
{
    FILE *fp = fopen(path, "ae");

    if (fp != NULL)
        setvbuf(fp, NULL, _IOLBF, 0);
    return fp;
}

int log_open(const char *ident, const struct log_conf *conf,
             const char **error_r)
{
    static char err[512];
    int facility = LOG_MAIL;
    FILE *file = NULL, *json = NULL;

    if (conf->facility != NULL &&
        log_facility_parse(conf->facility, &facility) < 0) {
        snprintf(err, sizeof(err), "unknown syslog facility \"%s\"",
                 conf->facility);
        *error_r = err;
        return -1;
    }
    if (conf->file != NULL && (file = log_fopen(conf->file)) == NULL) {
        snprintf(err, sizeof(err), "%s: cannot open: %m", conf->file);
        *error_r = err;
        return -1;
    }
    if (conf->json_file != NULL &&
        (json = log_fopen(conf->json_file)) == NULL) {
        snprintf(err, sizeof(err), "%s: cannot open: %m", conf->json_file);
        *error_r = err;
        if (file != NULL)
            fclose(file);
        return -1;
    }
    log_close();
    pthread_mutex_lock(&log_lock);
    log_state.ident = xstrdup(ident);
    log_state.file_path = conf->file ? xstrdup(conf->file) : NULL;
    log_state.json_path = conf->json_file ? xstrdup(conf->json_file) : NULL;
    log_state.file = file;
    log_state.json = json;
    log_state.foreground = conf->foreground;
    log_state.debug = conf->debug;
    log_state.startup = conf->startup;
    log_state.opened = 1;
    if (file == NULL)
        openlog(log_state.ident, LOG_PID | LOG_NDELAY, facility);
    pthread_mutex_unlock(&log_lock);
    return 0;
}

void log_reopen(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_state.file_path != NULL) {
        FILE *fp = log_fopen(log_state.file_path);

        if (fp != NULL) {
            fclose(log_state.file);
            log_state.file = fp;
        }
    }
    if (log_state.json_path != NULL) {
        FILE *fp = log_fopen(log_state.json_path);

        if (fp != NULL) {
            fclose(log_state.json);
            log_state.json = fp;
        }
    }
    pthread_mutex_unlock(&log_lock);
}

void log_startup_done(void)
{
    pthread_mutex_lock(&log_lock);
    log_state.startup = 0;
    pthread_mutex_unlock(&log_lock);
}

void log_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_state.opened && log_state.file == NULL)
        closelog();
    if (log_state.file != NULL)
        fclose(log_state.file);
    if (log_state.json != NULL)
        fclose(log_state.json);
    free(log_state.ident);
    free(log_state.file_path);
    free(log_state.json_path);
    memset(&log_state, 0, sizeof(log_state));
    pthread_mutex_unlock(&log_lock);
}

/* Write one finished line to every destination. */
static void log_emit(int prio, const char *line)
{
    char stamp[32];
    time_t now;
    struct tm tm;
    const char *ident;

    pthread_mutex_lock(&log_lock);
    ident = log_state.ident ? log_state.ident : "sluice";
    if (!log_state.opened || log_state.foreground || log_state.startup)
        fprintf(stderr, "%s: %s\n", ident, line);
    if (log_state.opened && log_state.file != NULL) {
        now = time(NULL);
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
        fprintf(log_state.file, "%s %s[%ld]: %s\n", stamp, ident,
                (long)getpid(), line);
    } else if (log_state.opened) {
        syslog(prio, "%s", line);
    }
    pthread_mutex_unlock(&log_lock);
}

static void log_vline(int prio, const char *qid, const char *fmt, va_list ap)
{
    static const char *const label[] = {
        [LOG_ERR] = "error: ",
        [LOG_WARNING] = "warning: ",
        [LOG_INFO] = "",
        [LOG_DEBUG] = "debug: ",
    };
    char text[LOG_LINE_MAX], line[LOG_LINE_MAX + 128];

    vsnprintf(text, sizeof(text), fmt, ap);
    for (char *p = text; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (qid != NULL)
        snprintf(line, sizeof(line), "qid=%s: %s%s", qid, label[prio], text);
    else
        snprintf(line, sizeof(line), "%s%s", label[prio], text);
    log_emit(prio, line);
}

#define LOG_FN(fn, prio)                                                       \
    void fn(const char *qid, const char *fmt, ...)                             \
    {                                                                          \
        va_list ap;                                                            \
                                                                               \
        va_start(ap, fmt);                                                     \
        log_vline(prio, qid, fmt, ap);                                         \
        va_end(ap);                                                            \
    }

LOG_FN(log_err, LOG_ERR)
LOG_FN(log_warn, LOG_WARNING)
LOG_FN(log_info, LOG_INFO)

int log_debug_enabled(void)
{
    int on;

    pthread_mutex_lock(&log_lock);
    on = log_state.debug;
    pthread_mutex_unlock(&log_lock);
    return on;
}

void log_debug(const char *qid, const char *fmt, ...)
{
    va_list ap;

    if (!log_debug_enabled())
        return;
    va_start(ap, fmt);
    log_vline(LOG_DEBUG, qid, fmt, ap);
    va_end(ap);
}

/* A JSON string, or null; invalid UTF-8 is replaced byte by byte. */
static json_t *log_jstr(const char *s)
{
    json_t *j;
    char *copy;

    if (s == NULL)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    copy = xstrdup(s);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j ? j : json_null();
}

/* A JSON line's first members: time (UTC), qid, milter. */
static json_t *log_json_head(const char *qid, const char *milter)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    json_t *o = json_object();

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_object_set_new(o, "time", json_string(stamp));
    json_object_set_new(o, "qid", log_jstr(qid ? qid : "NOQUEUE"));
    json_object_set_new(o, "milter", log_jstr(milter));
    return o;
}

char *log_summary_json(const char *qid, const char *milter, const char *action,
                       double score, const char *symbols, const char *reason,
                       const char *client, const char *from, const char *rcpts)
{
    json_t *o = log_json_head(qid, milter);
    char *dump, *line;

    json_object_set_new(o, "action", log_jstr(action));
    json_object_set_new(o, "score", json_real(score));
    json_object_set_new(o, "symbols", log_jstr(symbols));
    json_object_set_new(o, "reason", log_jstr(reason));
    json_object_set_new(o, "client", log_jstr(client));
    json_object_set_new(o, "from", log_jstr(from));
    json_object_set_new(o, "rcpts", log_jstr(rcpts));
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(6));
    json_decref(o);
    /* Copy into our allocator's memory: the caller frees with free(). */
    line = xstrdup(dump ? dump : "{}");
    free(dump);
    return line;
}

void log_summary(const char *qid, const char *milter, const char *action,
                 double score, const char *symbols, const char *reason,
                 const char *client, const char *from, const char *rcpts)
{
    char *json;

    if (qid == NULL)
        qid = "NOQUEUE";
    /* The one line per message per milter: "qid=Q: milter=M action=...",
     * the reason quoted, the symbols last (they contain blanks). */
    if (reason != NULL)
        log_info(qid,
                 "milter=%s action=%s score=%.2f reason=\"%s\" symbols=%s",
                 milter, action, score, reason, symbols ? symbols : "");
    else
        log_info(qid, "milter=%s action=%s score=%.2f symbols=%s", milter,
                 action, score, symbols ? symbols : "");
    pthread_mutex_lock(&log_lock);
    if (log_state.json == NULL) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    pthread_mutex_unlock(&log_lock);
    json = log_summary_json(qid, milter, action, score, symbols, reason, client,
                            from, rcpts);
    pthread_mutex_lock(&log_lock);
    if (log_state.json != NULL)
        fprintf(log_state.json, "%s\n", json);
    pthread_mutex_unlock(&log_lock);
    free(json);
}

void log_event(const char *qid, const char *milter, const char *event,
               const char *const *kv, size_t npairs)
{
    char *dump;
    json_t *o;

    pthread_mutex_lock(&log_lock);
    if (log_state.json == NULL) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    pthread_mutex_unlock(&log_lock);
    o = log_json_head(qid, milter);
    json_object_set_new(o, "event", log_jstr(event));
    for (size_t i = 0; i < npairs; i++)
        json_object_set_new(o, kv[2 * i], log_jstr(kv[2 * i + 1]));
    dump = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    pthread_mutex_lock(&log_lock);
    if (log_state.json != NULL && dump != NULL)
        fprintf(log_state.json, "%s\n", dump);
    pthread_mutex_unlock(&log_lock);
    free(dump);
}
