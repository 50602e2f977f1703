/*
 * content_misp_test - MISP indicators in sluice-content: the importer
 * (feed directories, event JSON, CSV exports, hashes.csv, plain lists;
 * malformed input refused), the set file, lookups, and a message whose
 * client address, URL host, sender and attachment SHA-256 are indicators
 * (four symbols naming the event), with the sightings written and parsed
 * back.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "content_msg.h"

static char dir[] = "/tmp/content_misp.XXXXXX";

static char *td(const char *rel)
{
    return xasprintf("%s/misp/%s", cmsg_testdata(), rel);
}

static char *src(const char *rel)
{
    return xasprintf("%s/t/data/content/%s",
                     getenv("top_srcdir") ? getenv("top_srcdir") : "..", rel);
}

static int import_one(struct misp_import *im, char *path, int expect_ok)
{
    char *err = NULL;
    int rc = misp_import_path(im, path, 0, &err);

    if ((rc == 0) != expect_ok)
        diag("%s: %s", path, err ? err : "imported");
    if (rc < 0 && !expect_ok)
        diag("  refused as expected: %s", err);
    free(err);
    free(path);
    return rc;
}

static void importer(const char *set)
{
    struct misp_import *im = misp_import_new();
    size_t ev, n;
    char *err = NULL;

    ok(import_one(im, td("feed-misp-format"), 1) == 0,
       "the MISP feed directory (manifest.json + event) imports");
    n = misp_import_count(im, &ev);
    ok(n == 1 && ev == 1, "  one event, its link attribute (%zu, %zu)", ev, n);
    ok(import_one(im, td("feed-misp-format/hashes.csv"), 1) == 0,
       "the feed's hashes.csv imports");
    ok(import_one(im, td("feed-csv/feed.csv"), 1) == 0 &&
           import_one(im, td("feed-freetext/feed.txt"), 1) == 0,
       "a CSV feed and a freetext feed (no header) import");
    ok(import_one(im, td("pymisp-events/valid_fieldnames.csv"), 1) == 0,
       "a CSV whose columns are attribute types imports");
    ok(import_one(im,
                  td("pymisp-events/57c4445b-c548-4654-af0b-4be3950d210f.json"),
                  1) == 0,
       "a PyMISP event file imports");
    ok(import_one(im, td("pymisp-events/existing_event.json"), 1) == 0,
       "a full exported event without the Event wrapper imports");
    ok(import_one(im, td("pymisp-events/invalid_fieldnames.csv"), 0) < 0,
       "a CSV whose header names no MISP field is refused");
    ok(misp_import_json(im, "{\"Event\": {\"info\": \"x\", \"Attr", 30,
                        "cut.json", 0, &err) < 0 &&
           strstr(err, "cut.json"),
       "truncated JSON is refused (%s)", err ? err : "");
    free(err);
    err = NULL;
    n = misp_import_count(im, &ev);
    ok(import_one(im, src("misp-feed"), 1) == 0, "our feed directory imports");
    ok(misp_import_count(im, &ev) == n + 4, "  its four indicators (%zu)",
       misp_import_count(im, NULL) - n);
    ok(misp_import_write(im, set, &err) == 0, "the set is written");
    free(err);
    misp_import_free(im);
}

static void lookups(const char *set)
{
    struct misp_set *s;
    struct misp_hit h;
    const char *err;

    if (!ok(misp_set_load(set, &s, &err) == 0, "the set loads"))
        return;
    ok(misp_lookup(s, MISP_IP, "192.0.2.55", &h) && h.to_ids &&
           strcmp(h.event_id, "4711") == 0 && h.threat == 1,
       "an address, with its event and threat level");
    ok(misp_lookup(s, MISP_DOMAIN, "evil-host.example", &h),
       "a host name, lower case, no trailing dot");
    ok(misp_lookup(s, MISP_EMAIL, "phisher@badsender.example", &h),
       "an e-mail address, lower case");
    ok(misp_lookup(
           s, MISP_SHA256,
           "512264dd49d06272aff3fce849fc749636b626c6a16e52003175c60719a0dfb2",
           &h),
       "a SHA-256 from an object, lower case");
    ok(misp_lookup(
           s, MISP_URL,
           "http://blog.cylance.com/hunting-for-malware-with-machine-learning",
           &h) &&
           !h.to_ids,
       "the feed's URL (to_ids false)");
    ok(misp_lookup(s, MISP_IP, "8.8.4.4", &h),
       "an address from a freetext feed");
    ok(!misp_lookup(s, MISP_IP, "192.0.2.56", &h), "an address not in the set");
    misp_set_free(s);
}

static int sightings_lines(const char *path, size_t *n_r)
{
    FILE *fp = fopen(path, "r");
    char line[4096];
    json_error_t e;
    json_t *j;
    int good = 1;

    *n_r = 0;
    if (fp == NULL)
        return 0;
    while (fgets(line, sizeof(line), fp)) {
        j = json_loads(line, 0, &e);
        good &= j != NULL && json_is_array(json_object_get(j, "values")) &&
                json_is_integer(json_object_get(j, "timestamp")) &&
                json_is_string(json_object_get(j, "source")) &&
                strcmp(json_string_value(json_object_get(j, "type")), "0") == 0;
        json_decref(j);
        (*n_r)++;
    }
    fclose(fp);
    return good;
}

static void message(const char *set)
{
    static const char *const rcpt[] = {"bob@example.org"};
    struct cenv env = {"192.0.2.55", NULL, "phisher@badsender.example", rcpt,
                       1};
    const char *body = "sluice MISP test attachment\n";
    struct catt a = {"text/plain", "invoice.txt", (const unsigned char *)body,
                     strlen(body)};
    char *conf, *raw, *sight = xasprintf("%s/sightings.jsonl", dir);
    struct cfg *c;
    struct crun r;
    size_t n;
    void *st;

    conf = xasprintf("[content]\nmisp_indicators = %s\nmisp_sightings = %s\n",
                     set, sight);
    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "a configuration with the set loads"))
        return;
    raw = cmsg_build("From: Bank <phisher@badsender.example>\r\n"
                     "To: bob@example.org\r\nSubject: invoice\r\n",
                     "Pay here: http://evil-host.example/pay", &a, 1);
    cmsg_run(st, raw, &env, &r);
    ok(cmsg_has(&r, "MISP_IP", "event=4711"),
       "client address: MISP_IP, event 4711");
    ok(cmsg_has(&r, "MISP_DOMAIN", "event=4711"), "URL host: MISP_DOMAIN");
    ok(cmsg_has(&r, "MISP_EMAIL", "Sluice_test_campaign"),
       "sender: MISP_EMAIL, with the event's info");
    ok(cmsg_has(&r, "MISP_HASH", "event=4711"),
       "attachment SHA-256: MISP_HASH");
    ok(cmsg_score(&r, "MISP_IP") == 10, "to_ids, threat high: score 10");
    cmsg_run_free(&r);
    free(raw);
    ok(sightings_lines(sight, &n) && n == 4,
       "four sightings written, each a MISP /sightings/add object (%zu)", n);
    unlink(sight);
    free(sight);
    cmsg_unload(c, st);
}

int main(void)
{
    char *set;

    if (mkdtemp(dir) == NULL)
        return 1;
    set = xasprintf("%s/misp.set", dir);
    importer(set);
    lookups(set);
    message(set);
    unlink(set);
    free(set);
    rmdir(dir);
    return done_testing();
}
