/*
 * quarantine_test - the quarantine store (quarantine.h): a held message
 *	reads back byte for byte with its metadata, is listed, released
 *	(who and when recorded), deleted; retention expires it (time moved
 *	with the clock seam); a directory that cannot be written is a
 *	failure that leaves nothing behind; IDs that are not ours are
 *	refused before a path is built.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "quarantine.h"
#include "util.h"

static const char raw[] = "Received: from x\r\nSubject: hi\r\n\r\nbody\r\n"
                          "line two\r\n";
static const char head[] = "X-Sluice-Verdict: quarantine\r\n";

static int count_cb(const struct quarantine_meta *m, void *arg)
{
    (*(size_t *)arg)++;
    return 0;
}

static size_t files_in(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    while (d && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".eml") != NULL || strstr(e->d_name, ".tmp") != NULL;
    if (d)
        closedir(d);
    return n;
}

int main(void)
{
    char tmpl[] = "/tmp/quarantine_test.XXXXXX";
    char *dir = mkdtemp(tmpl), *id = NULL, *id2 = NULL, *msg = NULL;
    char *rcpts[] = {"a@example.org", "b@example.fi"}, *langs[] = {"en", "fi"};
    struct quarantine_meta meta, got;
    struct quarantine *q;
    const char *err = NULL;
    size_t len = 0, n = 0, removed = 0;
    int rc;

    memset(&meta, 0, sizeof(meta));
    meta.qid = "4XyZ1";
    meta.sender = "s@example.net";
    meta.rcpts = rcpts;
    meta.langs = langs;
    meta.nrcpts = 2;
    meta.client = "192.0.2.7";
    meta.subject = "hi";
    meta.score = 12.5;
    meta.symbols = "LEARN_SPAM(8.00)";
    meta.reason = "score 12.50 >= 10.00";
    clock_fake_set(1700000000, 1);
    rc = quarantine_put(dir, 86400, &meta, head, strlen(head), raw,
                        strlen(raw), &id, &err);
    ok(rc == 0 && id != NULL && quarantine_id_ok(id), "held as %s",
       id ? id : err);
    ok(quarantine_open(dir, &q, &err) == 0, "index opened");
    rc = quarantine_get(q, id, &got, &msg, &len, &err);
    ok(rc == 0 && len == strlen(head) + strlen(raw) &&
           memcmp(msg, head, strlen(head)) == 0 &&
           memcmp(msg + strlen(head), raw, strlen(raw)) == 0,
       "read back byte for byte");
    ok(rc == 0 && strcmp(got.qid, "4XyZ1") == 0 && got.nrcpts == 2 &&
           strcmp(got.rcpts[1], "b@example.fi") == 0 &&
           strcmp(got.langs[1], "fi") == 0 && got.score == 12.5 &&
           got.date == 1700000000 && got.expires == 1700086400 &&
           strcmp(got.reason, meta.reason) == 0 && got.released == 0,
       "metadata: qid, recipients with their language, score, dates, reason");
    if (rc == 0)
        quarantine_meta_free(&got);
    free(msg);
    ok(quarantine_released(q, id, "alice", &err) == 0 &&
           quarantine_get(q, id, &got, NULL, NULL, &err) == 0 &&
           strcmp(got.released_by, "alice") == 0 && got.released == 1700000000,
       "release recorded: by alice, when");
    quarantine_meta_free(&got);
    ok(quarantine_get(q, "../../etc/passwd", &got, NULL, NULL, &err) == 1 &&
           quarantine_get(q, "20240101T000000-000000000000", &got, NULL, NULL,
                          &err) == 1,
       "foreign or unknown IDs: not found");
    clock_fake_set(1700000100, 2);
    quarantine_put(dir, 0, &meta, head, strlen(head), raw, strlen(raw), &id2,
                   &err);
    quarantine_list(q, count_cb, &n, &err);
    ok(n == 2 && files_in(dir) == 2, "two held, two files");
    ok(quarantine_expire(q, 1700086400, 100, &removed, &err) == 0 &&
           removed == 1 && quarantine_get(q, id, &got, NULL, NULL, &err) == 1 &&
           files_in(dir) == 1,
       "the first expires after its retention, the second (0) is kept");
    ok(quarantine_delete(q, id2, &err) == 0 && files_in(dir) == 0 &&
           quarantine_delete(q, id2, &err) == 1,
       "deleted: row and file; again: not found");
    quarantine_close(q);
    /* Root ignores modes: the writer runs as nobody (as the milters do
     * after their privilege drop) against a directory it cannot write. */
    chmod(dir, 0555);
    {
        pid_t pid = fork();

        if (pid == 0) {
            char *id3 = NULL;

            if (geteuid() == 0 && setuid(65534) != 0)
                _exit(3);
            _exit(quarantine_put(dir, 0, &meta, head, strlen(head), raw,
                                 strlen(raw), &id3, &err) < 0 ? 0 : 1);
        }
        int st = 0;

        waitpid(pid, &st, 0);
        ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && files_in(dir) == 0,
           "a read-only directory: quarantine_put fails, nothing left");
    }
    chmod(dir, 0700);
    clock_fake_off();
    {
        char *cmd = xasprintf("rm -rf '%s'", dir);

        if (system(cmd) != 0)
            printf("# could not remove %s\n", dir);
        free(cmd);
    }
    free(id);
    free(id2);
    return done_testing();
}
