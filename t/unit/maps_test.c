/*
 * maps_test - lookup tables: every type, precedence, bad lines, reload,
 *	and map_has()'s warning (map_has_quiet()'s none).
 *
 * Data: t/data/maps/ (found via $top_srcdir).  Bad files and reload
 * tests write into a private temporary directory.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "maps.h"
#include "tap.h"
#include "util.h"

struct lookup_case {
    const char *key;
    enum map_rc rc;
    const char *value;
};

static char datadir[1024];
static char tmpdir[64];

static struct map *open_data(const char *spec)
{
    char base[1100];
    const char *err = NULL;
    struct map *m;

    /* Relative file names resolve against the base file's directory. */
    snprintf(base, sizeof(base), "%s/base.conf", datadir);
    m = map_open(spec, base, &err);
    if (m == NULL)
        diag("map_open(%s): %s", spec, err);
    return m;
}

/* The key for a test name: bytes >= 0x80 as \xNN. */
static const char *printable(const char *s)
{
    static char buf[256];
    size_t n = 0;

    for (; *s && n < sizeof(buf) - 5; s++) {
        if ((unsigned char)*s >= 0x80)
            n += (size_t)snprintf(buf + n, 5, "\\x%02x", (unsigned char)*s);
        else
            buf[n++] = *s;
    }
    buf[n] = '\0';
    return buf;
}

static void run_cases(const char *spec, const struct lookup_case *c, size_t n)
{
    struct map *m = open_data(spec);

    ok(m != NULL, "%s opens", spec);
    if (m == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *v = NULL, *err = NULL;
        enum map_rc rc = map_lookup(m, c[i].key, &v, &err);
        int good = rc == c[i].rc;

        if (good && rc == MAP_FOUND)
            good = strcmp(v, c[i].value) == 0;
        ok(good, "%s: \"%s\" -> %s%s%s", spec, printable(c[i].key),
           c[i].rc == MAP_FOUND      ? "found \""
           : c[i].rc == MAP_NOTFOUND ? "not found"
                                     : "error",
           c[i].value ? c[i].value : "", c[i].value ? "\"" : "");
        if (!good)
            diag("got rc=%d value=%s err=%s", rc, rc == MAP_FOUND ? v : "-",
                 rc == MAP_ERROR ? err : "-");
    }
    map_close(m);
}

static const struct lookup_case cidr_cases[] = {
    {"192.0.2.7", MAP_FOUND, "OK office"},
    {"192.0.2.200", MAP_FOUND, "OK office"}, /* first line wins */
    {"198.51.100.7", MAP_FOUND, "REJECT single host"},
    {"198.51.100.8", MAP_FOUND, "DEFAULT"},
    {"10.1.2.3", MAP_FOUND, "DUNNO"},
    {"172.16.0.1", MAP_FOUND, ""}, /* key without a value */
    {"2001:db8:1::1", MAP_FOUND, "OK v6 net"},
    {"2001:DB8::abcd", MAP_FOUND, "OK v6 net"},
    {"::1", MAP_FOUND, "OK loopback6"},
    {"2001:db9::1", MAP_NOTFOUND, NULL}, /* 0.0.0.0/0 is IPv4 only */
    {"::ffff:192.0.2.9", MAP_FOUND, "OK office"},
    {"[192.0.2.1]", MAP_FOUND, "OK office"},
    {"[2001:db8::1]", MAP_FOUND, "OK v6 net"},
    {"not-an-ip", MAP_ERROR, NULL},
    {"", MAP_ERROR, NULL},
    {"192.0.2.1/24", MAP_ERROR, NULL},
};

static const struct lookup_case domain_cases[] = {
    {"example.org", MAP_FOUND, "sv"},
    {"www.example.org", MAP_FOUND, "sv"},
    {"sub.example.org", MAP_FOUND, "sv"}, /* ".sub" is subdomains only */
    {"a.sub.example.org", MAP_FOUND, "fi"},
    {"deep.sub.example.org", MAP_FOUND, "en"}, /* most specific */
    {"x.deep.sub.example.org", MAP_FOUND, "en"},
    {"example.fi", MAP_NOTFOUND, NULL},
    {"mail.example.fi", MAP_FOUND, "fi"},
    {"user@a.sub.example.org", MAP_FOUND, "fi"},
    {"odd@name@Example.ORG", MAP_FOUND, "sv"}, /* after the last '@' */
    {"WWW.Example.Net", MAP_FOUND, "en"},
    {"example.org.", MAP_FOUND, "sv"},
    {"trailing.test", MAP_FOUND, "fi"},
    {"notexample.org", MAP_NOTFOUND, NULL}, /* labels, not strings */
    {"org", MAP_NOTFOUND, NULL},
    {"", MAP_NOTFOUND, NULL},
    {"user@", MAP_NOTFOUND, NULL},
};

static const struct lookup_case addr_cases[] = {
    {"boss@example.org", MAP_FOUND, "OK boss"},
    {"BOSS@Example.ORG", MAP_FOUND, "OK boss"},
    {"<boss@example.org>", MAP_FOUND, "OK boss"},
    {"alice@example.org", MAP_FOUND, "REJECT domain"},
    {"noreply@example.org", MAP_NOTFOUND, NULL},            /* exception */
    {"postmaster@example.org", MAP_FOUND, "REJECT domain"}, /* @d > u@ */
    {"postmaster@elsewhere.test", MAP_FOUND, "OK postmaster"},
    {"postmaster", MAP_FOUND, "OK postmaster"}, /* bare local part */
    {"info@spam.example", MAP_NOTFOUND, NULL},  /* domain exception */
    {"bob@other.example", MAP_FOUND, "BOB"},
    {"carol@other.example", MAP_FOUND, "DOMAIN other"},
    {"postmaster@other.example", MAP_NOTFOUND, NULL}, /* exception > u@ */
    {"alice@sub.example.org", MAP_NOTFOUND, NULL},    /* @d: no subdomains */
    {"", MAP_NOTFOUND, NULL},
};

static const struct lookup_case pcre_cases[] = {
    {"invoice 123", MAP_FOUND, "REJECT invoice"},
    {"Invoice 123", MAP_NOTFOUND, NULL}, /* no i flag */
    {"Buy VIAGRA now", MAP_FOUND, "REJECT pills"},
    {"x a/b c y", MAP_FOUND, "SLASH"},
    {"order 1", MAP_FOUND, "FIRST"}, /* first line in file order */
    {"nothing here", MAP_NOTFOUND, NULL},
    {"\xff\xfe not UTF-8", MAP_NOTFOUND, NULL},
};

/* Write a file as an admin's tools should: a new file, then rename. */
static void write_file(const char *path, const char *content)
{
    char tmp[256];
    FILE *fp;

    snprintf(tmp, sizeof(tmp), "%s.new", path);
    if ((fp = fopen(tmp, "w")) == NULL) {
        perror(tmp);
        exit(1);
    }
    fputs(content, fp);
    fclose(fp);
    if (rename(tmp, path) < 0) {
        perror(path);
        exit(1);
    }
}

/* Bad files: each error names the file and the line. */
static const struct {
    const char *type;
    const char *content;
    const char *want; /* after "DIR/bad.TYPE" */
} bad_cases[] = {
    {"cidr", "# c\n\n192.0.2.0/33 x\n", ":3: bad prefix length"},
    {"cidr", "10.0.0.0/8 ok\n192.0.2.1/24 x\n", ":2: non-zero host bits"},
    {"cidr", "192.0.2.256 x\n", ":1: bad address"},
    {"cidr", "2001:db8::/129 x\n", ":1: bad prefix length"},
    {"cidr", "10.0.0.0/ x\n", ":1: bad prefix length"},
    {"domain", "ok.example x\nbad..example x\n", ":2: bad domain"},
    {"domain", "ex ample\n.\n", ":2: bad domain"},
    {"domain", "exa!mple.org x\n", ":1: bad domain"},
    {"addr", "user@example.org x\nnobody x\n", ":2: bad key"},
    {"addr", "@ x\n", ":1: bad key"},
    {"addr", "!\n", ":1: bad key"},
    {"addr", "user@bad..domain x\n", ":1: bad domain"},
    {"pcre", "/ok/ x\n/unclosed(/ x\n", ":2: bad regex"},
    {"pcre", "noslash x\n", ":1: expected /regex/flags"},
    {"pcre", "/x/q y\n", ":1: unknown regex flag"},
    {"pcre", "/never closed x\n", ":1: expected /regex/flags"},
};

static void test_bad_lines(void)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(*bad_cases); i++) {
        char path[128], spec[160], want[256];
        const char *err = NULL;
        struct map *m;

        snprintf(path, sizeof(path), "%s/bad.%s", tmpdir, bad_cases[i].type);
        write_file(path, bad_cases[i].content);
        snprintf(spec, sizeof(spec), "%s:%s", bad_cases[i].type, path);
        snprintf(want, sizeof(want), "%s%s", path, bad_cases[i].want);
        m = map_open(spec, NULL, &err);
        ok(m == NULL && err != NULL && strncmp(err, want, strlen(want)) == 0,
           "bad %s line: error \"%s...\"", bad_cases[i].type,
           bad_cases[i].want);
        if (m != NULL || err == NULL || strncmp(err, want, strlen(want)))
            diag("got: %s", err ? err : "(a map)");
        map_close(m);
    }
}

static void test_bad_specs(void)
{
    static const struct {
        const char *spec;
        const char *want;
    } c[] = {
        {"hash:/etc/x", "unknown map type"},
        {"cidr", "type:file"},
        {"cidr:", "type:file"},
        {":file", "type:file"},
        {"cidr:/nonexistent/sluice.cidr", "cannot open"},
        {"cidr:/", "not a regular file"},
    };

    for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
        const char *err = NULL;
        struct map *m = map_open(c[i].spec, NULL, &err);

        ok(m == NULL && err != NULL && strstr(err, c[i].want) != NULL,
           "map_open(\"%s\") fails: %s", c[i].spec, c[i].want);
        map_close(m);
    }
}

static int lookup_is(struct map *m, const char *key, const char *want)
{
    const char *v = NULL, *err = NULL;
    enum map_rc rc = map_lookup(m, key, &v, &err);

    if (want == NULL)
        return rc == MAP_NOTFOUND;
    if (rc != MAP_FOUND) {
        diag("lookup %s: rc=%d", key, rc);
        return 0;
    }
    if (strcmp(v, want) != 0)
        diag("lookup %s: got %s want %s", key, v, want);
    return strcmp(v, want) == 0;
}

static int count_lines(const char *path, const char *needle)
{
    char line[1024];
    FILE *fp = fopen(path, "r");
    int n = 0;

    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, needle) != NULL)
            n++;
    fclose(fp);
    return n;
}

static void test_reload(void)
{
    char path[128], spec[160], logpath[128];
    struct log_conf lc = {"mail", NULL, NULL, 0, 0};
    const char *err = NULL;
    struct map *m;

    /* Log to a file, to count the warnings. */
    snprintf(logpath, sizeof(logpath), "%s/maps.log", tmpdir);
    lc.file = logpath;
    if (log_open("maps_test", &lc, &err) < 0)
        diag("log_open: %s", err);

    snprintf(path, sizeof(path), "%s/reload.domain", tmpdir);
    snprintf(spec, sizeof(spec), "domain:%s", path);
    write_file(path, "example.org A\n");
    m = map_open(spec, NULL, &err);
    ok(m != NULL && lookup_is(m, "example.org", "A"), "reload: first version");
    if (m == NULL)
        return;
    is_str(map_spec(m), spec, "map_spec() is the spec as given");
    write_file(path, "example.org BB\nexample.net C\n");
    ok(lookup_is(m, "example.org", "BB") && lookup_is(m, "example.net", "C"),
       "reload: a changed file is read again");
    write_file(path, "example.org D\nbad..domain X\n");
    ok(lookup_is(m, "example.org", "BB") && lookup_is(m, "example.net", "C"),
       "reload: a bad edit keeps the old contents");
    ok(lookup_is(m, "example.org", "BB"),
       "reload: later lookups still answer from the old contents");
    is_int(count_lines(logpath, "keeping the old contents"), 1,
           "reload: the bad version is logged once, not retried per lookup");
    write_file(path, "example.org EEE\n");
    ok(lookup_is(m, "example.org", "EEE") && lookup_is(m, "example.net", NULL),
       "reload: the fixed file is read");
    unlink(path);
    ok(lookup_is(m, "example.org", "EEE"),
       "reload: a removed file keeps the old contents");
    write_file(path, "example.org FFFF\n");
    ok(lookup_is(m, "example.org", "FFFF"),
       "reload: a file that comes back is read");
    map_close(m);
    log_close();
}

struct thr {
    struct map *m;
    int bad;
};

static void *thr_lookup(void *arg)
{
    struct thr *t = arg;

    for (int i = 0; i < 3000; i++) {
        const char *v = NULL, *err = NULL;

        if (map_lookup(t->m, "x.example.org", &v, &err) != MAP_FOUND ||
            (strcmp(v, "one") != 0 && strcmp(v, "three") != 0))
            t->bad++;
    }
    return NULL;
}

/* Lookups from several threads while the file keeps changing. */
static void test_threads(void)
{
    char path[128], spec[160];
    const char *err = NULL;
    pthread_t tid[4];
    struct thr t[4];
    struct map *m;
    int bad = 0;

    snprintf(path, sizeof(path), "%s/threads.domain", tmpdir);
    snprintf(spec, sizeof(spec), "domain:%s", path);
    write_file(path, "example.org one\n");
    m = map_open(spec, NULL, &err);
    if (m == NULL) {
        ok(0, "threads: map opens");
        return;
    }
    for (int i = 0; i < 4; i++) {
        t[i].m = m;
        t[i].bad = 0;
        pthread_create(&tid[i], NULL, thr_lookup, &t[i]);
    }
    for (int i = 0; i < 20; i++) {
        write_file(path, i % 2 ? "example.org one\n" : "example.org three\n");
        usleep(1000);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(tid[i], NULL);
        bad += t[i].bad;
    }
    is_int(bad, 0, "threads: every lookup during reloads finds a value");
    map_close(m);
}

/* The lines of path that contain needle; the last one into last. */
static int grep_count(const char *path, const char *needle, char *last,
                      size_t lastlen)
{
    char line[1024];
    FILE *fp = fopen(path, "r");
    int n = 0;

    if (fp == NULL)
        return -1;
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, needle) != NULL && ++n && last != NULL)
            snprintf(last, lastlen, "%s", line);
    fclose(fp);
    return n;
}

/* map_has() warns once, naming the map once; map_has_quiet() does not. */
static void test_has(void)
{
    char logpath[128], last[1024];
    struct log_conf lc = {"mail", logpath, NULL, 0, 0, 0};
    struct map *m = open_data("cidr:client.cidr");
    const char *err = NULL, *first, *second;

    snprintf(logpath, sizeof(logpath), "%s/has.log", tmpdir);
    if (m == NULL || log_open("maps-test", &lc, &err) != 0) {
        ok(0, "map_has: a map and a log file (%s)", err ? err : "map");
        map_close(m);
        return;
    }
    ok(map_has(m, "192.0.2.7", "Q1", "tester") == 1 &&
           map_has(m, "2001:db9::1", "Q1", "tester") == 0,
       "map_has: found 1, not found 0");
    ok(map_has(m, "alice@example.org", "Q2", "tester") == 0,
       "map_has: a key the map cannot read is 0");
    ok(map_has_quiet(m, "alice@example.org", "Q3", "tester") == 0 &&
           map_has_quiet(m, "192.0.2.7", "Q3", "tester") == 1,
       "map_has_quiet: the same answers");
    log_close();
    ok(grep_count(logpath, "qid=Q2: warning: tester: map cidr:", last,
                  sizeof(last)) == 1,
       "map_has: the error is one warning naming who and the map");
    last[strcspn(last, "\n")] = 0;
    first = strstr(last, "cidr:client.cidr");
    second = first ? strstr(first + 1, "cidr:client.cidr") : NULL;
    ok(first != NULL && second == NULL, "map_has: the map named once (%s)",
       last);
    ok(grep_count(logpath, "qid=Q3", NULL, 0) == 0 &&
           grep_count(logpath, "qid=Q1", NULL, 0) == 0,
       "map_has_quiet: no warning; a clean lookup logs nothing");
    map_close(m);
}

int main(void)
{
    const char *top = getenv("top_srcdir");
    char cmd[128];

    snprintf(datadir, sizeof(datadir), "%s/t/data/maps", top ? top : ".");
    if (access(datadir, R_OK) != 0)
        skip_all("t/data/maps not found (set top_srcdir)");
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sluice-maps-XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        skip_all("cannot make a temporary directory");

    run_cases("cidr:client.cidr", cidr_cases,
              sizeof(cidr_cases) / sizeof(*cidr_cases));
    run_cases("domain:lang.domain", domain_cases,
              sizeof(domain_cases) / sizeof(*domain_cases));
    run_cases("addr:senders.addr", addr_cases,
              sizeof(addr_cases) / sizeof(*addr_cases));
    run_cases("pcre:subjects.pcre", pcre_cases,
              sizeof(pcre_cases) / sizeof(*pcre_cases));
    test_bad_lines();
    test_bad_specs();
    test_reload();
    test_threads();
    test_has();

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
    return done_testing();
}
