/*
 * common_test - the [common] section: defaults, the verdict thresholds,
 * and common_check() (force list syntax, log facility, secret files).
 *
 * Each case writes main.conf and a secret file into a fresh temporary
 * directory and loads it with the real common_section.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "common.h"
#include "reply.h"

static char tmpdir[64];

static void put(const char *path, const char *text, mode_t mode)
{
    FILE *fp = fopen(path, "w");

    if (fp == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
    chmod(path, mode);
}

static void enter(void)
{
    strcpy(tmpdir, "/tmp/common_test.XXXXXX");
    if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0) {
        perror("mkdtemp");
        exit(2);
    }
}

static void leave(void)
{
    char cmd[128];

    if (chdir("/") < 0)
        exit(2);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
}

static struct cfg *load(const char *text, struct cfg_errors *e)
{
    static const struct cfg_section *const secs[] = {&common_section};

    memset(e, 0, sizeof(*e));
    put("main.conf", text, 0644);
    return cfg_load("main.conf", secs, 1, NULL, e);
}

#define SECRET32 "0123456789abcdef0123456789abcdef"
#define S "secret_file = secret\n"

static const struct {
    const char *name;
    const char *conf;   /* after "[common]" */
    const char *secret; /* content of "secret", NULL: none */
    mode_t mode;
    const char *want; /* the one error expected, NULL: none */
} checks[] = {
    {"good secret", S, SECRET32 "\n", 0640, NULL},
    {"secret mode 0600", S, SECRET32, 0600, NULL},
    {"missing secret", S, NULL, 0,
     "main.conf:2: secret_file: secret: No such file or directory"},
    {"world-readable secret", S, SECRET32, 0644,
     "main.conf:2: secret_file: secret: secret file is accessible by others "
     "(chmod o-rw, e.g. mode 0640)"},
    {"short secret", S, "0123456789abcdef0123456789abcde\n", 0600,
     "main.conf:2: secret_file: secret: secret is shorter than 32 bytes (make "
     "one of 48 random bytes: umask 027; head -c 48 /dev/urandom > FILE)"},
    {"previous secret checked too", S "secret_file_previous = old\n", SECRET32,
     0600, "main.conf:3: secret_file_previous: old: No such file or directory"},
    {"empty secret_file", "secret_file =\n", SECRET32, 0600,
     "main.conf:2: secret_file: not set"},
    {"default secret path named as a default", "", NULL, 0,
     "main.conf: [common] secret_file (default): /etc/sluice/secret: "},
    {"good force list",
     S "force_actions = ATTACH_BANNED_EXT=reject, VIRUS=discard\n", SECRET32,
     0600, NULL},
    {"bad force action", S "force_actions = ATTACH_BANNED_EXT=explode\n",
     SECRET32, 0600, "main.conf:3: force_actions: bad entry \"ATTACH_BANNED_EXT=explode\""},
    {"force entry without =", S "force_actions = VIRUS\n", SECRET32, 0600,
     "main.conf:3: force_actions: bad entry \"VIRUS\""},
    {"good log facility", S "log_facility = local3\n", SECRET32, 0600, NULL},
    {"bad log facility", S "log_facility = kitchen\n", SECRET32, 0600,
     "main.conf:3: log_facility: kitchen: unknown facility"},
};

static void test_check(void)
{
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        struct cfg_errors e;
        struct cfg *c;
        char conf[512];
        int n;

        enter();
        if (checks[i].secret)
            put("secret", checks[i].secret, checks[i].mode);
        snprintf(conf, sizeof(conf), "[common]\n%s", checks[i].conf);
        c = load(conf, &e);
        if (!ok(c != NULL, "check: %s: loads", checks[i].name)) {
            cfg_errors_free(&e);
            leave();
            continue;
        }
        n = common_check(c, &e);
        if (checks[i].want == NULL) {
            is_int(n, 0, checks[i].name);
        } else {
            ok(n == 1 && e.n == 1 &&
                   strncmp(e.v[0], checks[i].want, strlen(checks[i].want)) == 0,
               "check: %s: %s", checks[i].name, checks[i].want);
        }
        for (size_t j = 0; j < e.n; j++)
            diag("%s", e.v[j]);
        cfg_errors_free(&e);
        cfg_release(c);
        leave();
    }
}

/* Every bad entry of a list is reported, each at the key's line. */
static void test_every_error(void)
{
    struct cfg_errors e;
    struct cfg *c;
    int n;

    enter();
    put("secret", SECRET32, 0600);
    c = load("[common]\n" S "\nforce_actions = FOO=explode, BAR, "
             "BAZ=reject\n",
             &e);
    ok(c != NULL, "every error: loads");
    n = c ? common_check(c, &e) : 0;
    ok(n == 2 && e.n == 2 &&
           strncmp(e.v[0], "main.conf:4: force_actions: bad entry \"FOO=explode\"",
                   51) == 0 &&
           strncmp(e.v[1], "main.conf:4: force_actions: bad entry \"BAR\"", 43) == 0,
       "every error: both bad force_actions entries, at line 4");
    for (size_t j = 0; j < e.n; j++)
        diag("%s", e.v[j]);
    cfg_errors_free(&e);
    cfg_release(c);
    leave();
}

static void test_defaults(void)
{
    const struct common_conf *cc;
    struct verdict_conf vc;
    struct cfg_errors e;
    struct cfg *c;

    enter();
    c = load("", &e);
    cc = common_conf(c);
    ok(cc != NULL, "defaults: an empty file loads");
    if (cc == NULL) {
        cfg_errors_free(&e);
        leave();
        return;
    }
    is_str(cc->secret_file, "/etc/sluice/secret", "defaults: secret_file");
    ok(cc->secret_file_previous == NULL, "defaults: no previous secret");
    is_str(cc->user, "", "defaults: user empty (no privilege drop)");
    is_str(cc->socket, "unix:/var/spool/postfix/sluice/milter.sock",
           "defaults: socket");
    is_str(cc->pidfile, "/run/sluice/sluice-milter.pid", "defaults: pidfile");
    is_str(cc->log_facility, "mail", "defaults: log_facility");
    ok(cc->log_file == NULL && cc->json_log_file == NULL,
       "defaults: no log files");
    is_int(cc->debug, 0, "defaults: debug off");
    is_int(cc->message_buffer_limit, 64LL << 20,
           "defaults: message_buffer_limit 64M");
    is_int(cc->milter_timeout, 300, "defaults: milter_timeout 300s");
    is_int(cc->force_actions.n, 0, "defaults: no forced actions");
    is_str(cc->subject_tag, "[SPAM]", "defaults: subject_tag");
    is_int(cc->spam_headers, 0, "defaults: spam_headers off");
    is_int(cc->reply_language, LANG_EN, "defaults: reply_language en");
    ok(cc->reply_language_map == NULL, "defaults: no reply_language_map");
    ok(cc->info_url == NULL, "defaults: no info_url");
    ok(cc->forged_result_score == 1.0, "defaults: forged_result_score 1");
    common_verdict_conf(cc, &vc);
    ok(vc.add_header == 5 && vc.rewrite_subject == 0 && vc.greylist == 0 &&
           vc.quarantine == 0 && vc.reject == 15,
       "defaults: verdict thresholds 5/0/0/0/15");
    ok(vc.force == &cc->force_actions, "verdict conf points at the list");
    cfg_release(c);
    cfg_errors_free(&e);

    c = load("[common]\nreply_language = fi\nscore_reject = -1\n", &e);
    ok(c == NULL && e.n == 1 &&
           strcmp(e.v[0], "main.conf:3: score_reject: \"-1\" is out of "
                          "range (0 to 1000000)") == 0,
       "bounds: negative threshold refused");
    cfg_errors_free(&e);
    c = load("[common]\nreply_language = fi\n", &e);
    cc = common_conf(c);
    ok(cc && cc->reply_language == LANG_FI, "reply_language fi");
    cfg_release(c);
    cfg_errors_free(&e);
    leave();
}

int main(void)
{
    test_defaults();
    test_check();
    test_every_error();
    return done_testing();
}
