/*
 * log_test - log file lines, severities, summaries, JSON lines, reopen.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char tmpdir[64], logpath[128], jsonpath[128];

/* The lines of a file containing needle; the last one in *last. */
static int grep_count(const char *path, const char *needle, char *last,
                      size_t lastlen)
{
    char line[4096];
    FILE *fp = fopen(path, "r");
    int n = 0;

    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strstr(line, needle) == NULL)
            continue;
        n++;
        if (last != NULL)
            snprintf(last, lastlen, "%s", line);
    }
    fclose(fp);
    return n;
}

static void test_json(void)
{
    static const char *const fields[] = {"time",  "qid",     "milter", "action",
                                         "score", "symbols", "reason", "client",
                                         "from",  "rcpts"};
    char *line = log_summary_json(
        "4XyZ1", "attach", "reject", 5.0,
        "ATTACH_BANNED_EXT(5.00)[invoice.exe]", "attach_banned_ext",
        "192.0.2.7", "a@example.org", "b@example.org, c@example.org");
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    int all = o != NULL;

    ok(o != NULL && json_is_object(o), "json: the line parses as an object");
    ok(strchr(line, '\n') == NULL, "json: one line, no newline inside");
    for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
        if (o == NULL || json_object_get(o, fields[i]) == NULL)
            all = 0;
    ok(all, "json: has time qid milter action score symbols reason client "
            "from rcpts");
    if (o != NULL) {
        const char *t = json_string_value(json_object_get(o, "time"));

        is_str(json_string_value(json_object_get(o, "qid")), "4XyZ1",
               "json: qid");
        is_str(json_string_value(json_object_get(o, "action")), "reject",
               "json: action");
        ok(json_is_number(json_object_get(o, "score")) &&
               json_number_value(json_object_get(o, "score")) == 5.0,
           "json: score is a number");
        is_str(json_string_value(json_object_get(o, "rcpts")),
               "b@example.org, c@example.org", "json: rcpts");
        ok(t != NULL && strlen(t) == 20 && t[4] == '-' && t[10] == 'T' &&
               t[19] == 'Z',
           "json: time is ISO 8601 UTC");
    }
    json_decref(o);
    free(line);

    line = log_summary_json(NULL, "attach", "accept", 0, "", NULL, NULL,
                            "bad\xff\xfe", NULL);
    o = json_loads(line, 0, &e);
    ok(o != NULL &&
           strcmp(json_string_value(json_object_get(o, "qid")), "NOQUEUE") ==
               0 &&
           json_is_null(json_object_get(o, "reason")) &&
           json_is_null(json_object_get(o, "client")) &&
           strcmp(json_string_value(json_object_get(o, "from")), "bad??") == 0,
       "json: NULL qid is NOQUEUE, missing fields null, bad UTF-8 -> '?'");
    json_decref(o);
    free(line);
}

static void test_file(void)
{
    struct log_conf c = {"mail", logpath, jsonpath, 0, 0};
    const char *err = NULL;
    char last[4096], want[256];

    ok(log_open("sluice-test", &c, &err) == 0, "log_open with a log file");
    log_info("Q1", "hello %s", "world");
    log_warn("Q1", "careful");
    log_err(NULL, "broken");
    log_debug("Q1", "invisible");
    log_info("Q2", "evil\r\nqid=FORGED: line");
    snprintf(want, sizeof(want), " sluice-test[%ld]: qid=Q1: hello world\n",
             (long)getpid());
    ok(grep_count(logpath, "hello world", last, sizeof(last)) == 1 &&
           strlen(last) > 16 && last[3] == ' ' && last[6] == ' ' &&
           last[9] == ':' && strcmp(last + 15, want) == 0,
       "file: \"Mon DD HH:MM:SS ident[pid]: qid=Q: text\"");
    ok(grep_count(logpath, "qid=Q1: warning: careful", NULL, 0) == 1,
       "file: log_warn says warning:");
    ok(grep_count(logpath, "]: error: broken", NULL, 0) == 1,
       "file: log_err without qid says error:");
    ok(grep_count(logpath, "invisible", NULL, 0) == 0,
       "file: log_debug is silent unless debug");
    ok(grep_count(logpath, "qid=Q2: evil??qid=FORGED: line", NULL, 0) == 1 &&
           grep_count(logpath, "]: qid=FORGED", NULL, 0) == 0,
       "file: CR/LF in text cannot forge a line");

    log_summary("Q3", "attach", "reject", 5, "ATTACH_BANNED_EXT(5.00)[a.exe]",
                "attach_banned_ext", "192.0.2.7", "a@example.org",
                "b@example.org");
    ok(grep_count(logpath,
                  "qid=Q3: milter=attach action=reject score=5.00 "
                  "reason=\"attach_banned_ext\" "
                  "symbols=ATTACH_BANNED_EXT(5.00)[a.exe]",
                  NULL, 0) == 1,
       "summary: the text line");
    log_summary("Q4", "attach", "accept", 0, "", NULL, NULL, "", "x@y");
    ok(grep_count(logpath,
                  "qid=Q4: milter=attach action=accept score=0.00 "
                  "symbols=\n",
                  NULL, 0) == 1,
       "summary: no reason, no reason=");
    {
        json_t *o = NULL;

        if (grep_count(jsonpath, "\"qid\":\"Q3\"", last, sizeof(last)) == 1)
            o = json_loads(last, 0, NULL);
        ok(o != NULL, "summary: the JSON line is in the JSON file");
        json_decref(o);
    }
    ok(grep_count(jsonpath, "\"qid\":\"Q", NULL, 0) == 2,
       "summary: one JSON line per summary");
    log_close();

    c.debug = 1;
    log_open("sluice-test", &c, &err);
    log_debug("Q5", "visible");
    ok(grep_count(logpath, "qid=Q5: debug: visible", NULL, 0) == 1,
       "file: log_debug writes with debug = yes");

    /* Rotation: rename, reopen, the new lines go to a new file. */
    {
        char rotated[160];

        snprintf(rotated, sizeof(rotated), "%s.1", logpath);
        rename(logpath, rotated);
        log_reopen();
        log_info("Q6", "after rotation");
        ok(grep_count(logpath, "after rotation", NULL, 0) == 1 &&
               grep_count(rotated, "after rotation", NULL, 0) == 0,
           "log_reopen: writes to the new file after rotation");
    }
    log_close();
}

static void *thr_log(void *arg)
{
    for (int i = 0; i < 300; i++)
        log_info("QT", "thread %ld line %d with some text to make it longer",
                 (long)(size_t)arg, i);
    return NULL;
}

static void test_threads(void)
{
    struct log_conf c = {"mail", logpath, NULL, 0, 0};
    const char *err = NULL;
    pthread_t t[4];

    unlink(logpath);
    log_open("sluice-test", &c, &err);
    for (long i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, thr_log, (void *)(size_t)i);
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    log_close();
    ok(grep_count(logpath, "]: qid=QT: thread ", NULL, 0) == 1200 &&
           grep_count(logpath, "longer\n", NULL, 0) == 1200,
       "threads: 1200 whole lines, none interleaved");
}

static void test_open_errors(void)
{
    struct log_conf bad_fac = {"nosuch", NULL, NULL, 0, 0};
    struct log_conf bad_file = {"mail", "/nonexistent/dir/x.log", NULL, 0, 0};
    const char *err = NULL;
    int f;

    ok(log_open("t", &bad_fac, &err) < 0 && strstr(err, "nosuch"),
       "log_open: unknown facility refused");
    ok(log_open("t", &bad_file, &err) < 0 && strstr(err, "/nonexistent"),
       "log_open: unwritable file refused");
    ok(log_facility_parse("mail", &f) == 0 && f == LOG_MAIL &&
           log_facility_parse("LOCAL3", &f) == 0 && f == LOG_LOCAL3 &&
           log_facility_parse("daemon", &f) == 0 && f == LOG_DAEMON,
       "log_facility_parse: mail, local3, daemon");
    ok(log_facility_parse("mial", &f) < 0, "log_facility_parse: typo");
}

int main(void)
{
    char cmd[128];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-log-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        skip_all("cannot make a temporary directory");
    snprintf(logpath, sizeof(logpath), "%s/sluice.log", tmpdir);
    snprintf(jsonpath, sizeof(jsonpath), "%s/sluice.json", tmpdir);
    test_json();
    test_file();
    test_threads();
    test_open_errors();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
    return done_testing();
}
