/*
 * content_av_test - sluice-content's clamd client against a real clamd
 * with the tiny test database (t/unit/content_av.sh starts it):
 * clamd's answers, EICAR as an attachment (base64 and quoted-printable),
 * in a zip and in a zip in a zip, the clamav-testfiles samples, clean
 * mail, discard, a message larger than clamd_max_stream, clamd killed
 * (on_error, never accepted unscanned) and back (scanned again without a
 * restart), and clamd stalled (the timeout, then on_error).
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "content_msg.h"

static const char *cdir;
static unsigned char eicar[69];
static size_t eicar_len;

static const struct cenv inbound = {"198.51.100.7", NULL, NULL, NULL, 0};

static void replies(void)
{
    static const struct {
        const char *line;
        int rc;
        const char *name;
    } t[] = {
        {"stream: OK", 0, ""},
        {"1: stream: OK", 0, ""},
        {"stream: Testbed.EICAR.NDB.UNOFFICIAL FOUND", 1,
         "Testbed.EICAR.NDB.UNOFFICIAL"},
        {"12: stream: Eicar-Signature FOUND", 1, "Eicar-Signature"},
        {"INSTREAM size limit exceeded. ERROR", -1,
         "INSTREAM size limit exceeded. ERROR"},
        {"3: lstat() failed: No such file or directory. ERROR", -1, NULL},
        {"", -1, ""},
    };
    char name[128];

    for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
        int rc = content_av_reply(t[i].line, name, sizeof(name));

        ok(rc == t[i].rc && (t[i].name == NULL || strcmp(name, t[i].name) == 0),
           "clamd answer \"%s\" -> %d \"%s\"", t[i].line, rc, name);
    }
}

static int clamd_ctl(const char *fn)
{
    char *cmd = xasprintf("bash -c '. \"%s/t/lib/clamd.sh\"; %s \"%s\"'",
                          getenv("top_srcdir") ? getenv("top_srcdir") : "..",
                          fn, cdir);
    int rc = system(cmd);

    free(cmd);
    return rc;
}

static pid_t clamd_pid(void)
{
    char *p = xasprintf("%s/clamd.pid", cdir);
    FILE *fp = fopen(p, "r");
    long pid = 0;

    if (fp != NULL) {
        if (fscanf(fp, "%ld", &pid) != 1)
            pid = 0;
        fclose(fp);
    }
    free(p);
    return (pid_t)pid;
}

static void load_eicar(void)
{
    static const char b64[] = "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVN"
                              "UQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=";
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuv"
                            "wxyz0123456789+/";
    unsigned v = 0;
    int bits = 0;

    for (const char *p = b64; *p && *p != '='; p++) {
        v = v << 6 | (unsigned)(strchr(t, *p) - t);
        if ((bits += 6) >= 8) {
            bits -= 8;
            eicar[eicar_len++] = (unsigned char)(v >> bits);
        }
    }
}

static char *qp(const unsigned char *d, size_t n)
{
    struct strbuf b;

    strbuf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '=' || d[i] < 33 || d[i] > 126)
            strbuf_printf(&b, "=%02X", d[i]);
        else
            strbuf_append(&b, &d[i], 1);
    }
    return strbuf_detach(&b);
}

static void expect_virus(void *st, const char *raw, const char *label,
                         const char *file)
{
    struct crun r;

    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_REJECT && strcmp(r.out.reply.rcode, "550") == 0 &&
           strcmp(r.out.reply.xcode, "5.7.0") == 0 &&
           strstr(r.out.reply.text, "Testbed.") != NULL,
       "%s: 550 5.7.0 naming the malware (%s)", label, r.out.reply.text);
    if (file != NULL)
        ok(strstr(r.out.reply.text, file) != NULL, "  and the attachment %s",
           file);
    ok(cmsg_has(&r, "CONTENT_VIRUS", "Testbed."), "  CONTENT_VIRUS");
    cmsg_run_free(&r);
}

static void viruses(void *st)
{
    size_t lz1, lz2;
    unsigned char *z1, *z2;
    struct centry e1[] = {{"eicar.com", eicar, eicar_len}};
    struct centry e2[1];
    struct catt a;
    char *raw, *q;

    a = (struct catt){"application/octet-stream", "eicar.com", eicar,
                      eicar_len};
    raw = cmsg_build(NULL, "Test.", &a, 1);
    expect_virus(st, raw, "EICAR attached (base64)", "eicar.com");
    free(raw);
    z1 = cmsg_zip(e1, 1, &lz1);
    a = (struct catt){"application/zip", "one.zip", z1, lz1};
    raw = cmsg_build(NULL, "Test.", &a, 1);
    expect_virus(st, raw, "EICAR in a zip", "one.zip");
    free(raw);
    e2[0] = (struct centry){"one.zip", z1, lz1};
    z2 = cmsg_zip(e2, 1, &lz2);
    a = (struct catt){"application/zip", "two.zip", z2, lz2};
    raw = cmsg_build(NULL, "Test.", &a, 1);
    expect_virus(st, raw, "EICAR in a zip in a zip", "two.zip");
    free(raw);
    q = qp(eicar, eicar_len);
    raw = xasprintf("From: a@example.net\r\nTo: b@example.org\r\n"
                    "Subject: qp\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
                    "--b\r\nContent-Type: text/plain\r\n\r\nHi\r\n"
                    "--b\r\nContent-Type: application/octet-stream\r\n"
                    "Content-Disposition: attachment; filename=\"e.com\"\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
                    "%s\r\n--b--\r\n",
                    q);
    expect_virus(st, raw, "EICAR quoted-printable", "e.com");
    free(raw);
    free(q);
    free(z1);
    free(z2);
}

static void testfiles(void *st)
{
    DIR *d = opendir("/usr/share/clamav-testfiles");
    size_t n = 0, found = 0;
    struct dirent *de;
    struct catt a;
    struct crun r;
    char *raw, *p;
    FILE *fp;

    if (!ok(d != NULL, "clamav-testfiles are installed"))
        return;
    unsigned char *buf = xmalloc(8 << 20);

    while ((de = readdir(d)) != NULL) {
        size_t len;

        if (de->d_name[0] == '.')
            continue;
        p = xasprintf("/usr/share/clamav-testfiles/%s", de->d_name);
        fp = fopen(p, "rb");
        free(p);
        if (fp == NULL)
            continue;
        len = fread(buf, 1, 8 << 20, fp);
        fclose(fp);
        a = (struct catt){"application/octet-stream", de->d_name, buf, len};
        raw = cmsg_build(NULL, "Sample.", &a, 1);
        cmsg_run(st, raw, &inbound, &r);
        n++;
        if (r.rc == MOD_REJECT && cmsg_has(&r, "CONTENT_VIRUS", NULL))
            found++;
        else
            diag("  not detected: %s (rc %d)", de->d_name, r.rc);
        cmsg_run_free(&r);
        free(raw);
    }
    closedir(d);
    free(buf);
    ok(n > 40 && found == n, "clamav-testfiles: %zu of %zu detected", found, n);
}

static void clean(void *st)
{
    struct crun r;
    char *raw = cmsg_build(NULL, "Hello Bob, lunch on Friday?", NULL, 0);

    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_CONTINUE && r.res.n == 0, "clean mail: scanned, accepted");
    cmsg_run_free(&r);
    free(raw);
}

static void down_and_back(void *st)
{
    char *raw = cmsg_build(NULL, "Hello again", NULL, 0);
    struct catt a = {"application/octet-stream", "eicar.com", eicar, eicar_len};
    char *vraw = cmsg_build(NULL, "Test.", &a, 1);
    struct crun r;
    pid_t pid = clamd_pid();

    ok(pid > 0 && kill(pid, SIGKILL) == 0, "clamd killed");
    usleep(200000);
    for (int i = 0; i < 3; i++) {
        cmsg_run(st, i == 1 ? vraw : raw, &inbound, &r);
        ok(r.rc == MOD_TEMPFAIL && r.out.reply.rcode[0] == '4' &&
               cmsg_has(&r, "CONTENT_AV_TEMPFAIL", NULL),
           "clamd down, message %d: on_error (%s %s), CONTENT_AV_TEMPFAIL", i,
           r.out.reply.rcode, r.out.reply.xcode);
        cmsg_run_free(&r);
    }
    ok(clamd_ctl("clamd_start") == 0, "clamd started again");
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_CONTINUE, "clamd back: scanned again without a restart");
    cmsg_run_free(&r);
    expect_virus(st, vraw, "and finds EICAR again", NULL);
    pid = clamd_pid();
    ok(kill(pid, SIGSTOP) == 0, "clamd stalled (SIGSTOP)");
    {
        double t0 = clock_mono();

        cmsg_run(st, raw, &inbound, &r);
        ok(r.rc == MOD_TEMPFAIL && cmsg_has(&r, "CONTENT_AV_TEMPFAIL", NULL),
           "a stalled clamd: the timeout, then on_error (%.1f s)",
           clock_mono() - t0);
        cmsg_run_free(&r);
    }
    kill(pid, SIGCONT);
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_CONTINUE, "clamd going on again: scanned");
    cmsg_run_free(&r);
    free(raw);
    free(vraw);
}

static void big(void)
{
    char *conf = xasprintf("[content]\nclamd_socket = unix:%s/clamd.sock\n"
                           "clamd_max_stream = 4k\nclamd_timeout = 2s\n",
                           cdir);
    unsigned char *blob = xmalloc(3000);
    struct catt a[2];
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    memset(blob, 'A', 3000);
    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "clamd_max_stream = 4k loads"))
        return;
    a[0] = (struct catt){"application/octet-stream", "a.bin", blob, 3000};
    a[1] = (struct catt){"application/octet-stream", "eicar.com", eicar,
                         eicar_len};
    raw = cmsg_build(NULL, "Two parts.", a, 2);
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_REJECT && cmsg_has(&r, "CONTENT_VIRUS", NULL),
       "a message over clamd_max_stream is sent part by part (found)");
    cmsg_run_free(&r);
    free(raw);
    blob = xrealloc(blob, 6000);
    memset(blob, 'A', 6000);
    a[0] = (struct catt){"application/octet-stream", "big.bin", blob, 6000};
    raw = cmsg_build(NULL, "One big part.", a, 1);
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_TEMPFAIL && cmsg_has(&r, "CONTENT_AV_TEMPFAIL", NULL),
       "a part over clamd_max_stream: on_error, never accepted unscanned");
    cmsg_run_free(&r);
    free(raw);
    free(blob);
    cmsg_unload(c, st);
}

static void discard(void)
{
    char *conf = xasprintf("[content]\nclamd_socket = unix:%s/clamd.sock\n"
                           "virus_action = discard\n",
                           cdir);
    struct catt a = {"application/octet-stream", "eicar.com", eicar, eicar_len};
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "virus_action = discard loads"))
        return;
    raw = cmsg_build(NULL, "Test.", &a, 1);
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_DISCARD && cmsg_has(&r, "CONTENT_VIRUS", NULL),
       "discard: the message is destroyed (MOD_DISCARD)");
    cmsg_run_free(&r);
    free(raw);
    cmsg_unload(c, st);
}

int main(void)
{
    struct cfg *c;
    void *st;
    char *conf;

    if ((cdir = getenv("SLUICE_CLAMD_DIR")) == NULL) {
        printf("Bail out! no SLUICE_CLAMD_DIR (run content_av.sh)\n");
        return 1;
    }
    load_eicar();
    replies();
    conf = xasprintf("[content]\nclamd_socket = unix:%s/clamd.sock\n"
                     "clamd_timeout = 1500ms\n",
                     cdir);
    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "a configuration with clamd loads"))
        return done_testing();
    clean(st);
    viruses(st);
    testfiles(st);
    down_and_back(st);
    cmsg_unload(c, st);
    big();
    discard();
    return done_testing();
}
