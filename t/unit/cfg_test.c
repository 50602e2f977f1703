/*
 * cfg_test - the configuration reader (libcommon/cfg.c, cfg_value.c).
 *
 * Every case writes its files into a fresh temporary directory, changes
 * into it and loads "main.conf", so error messages carry short relative
 * names and are compared whole, line numbers included.  The section
 * tables below exist only for this test.  t/data/cfg/ holds a complete
 * good file with an include in a subdirectory.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "cfg.h"
#include "maps.h"

struct tconf {
    int flag;
    long long count;
    long long wait;
    long long size;
    double ratio;
    char *name;
    char *file;
    struct cfg_list items;
    int mode;
    struct map *map;
    char *unset;
    char *nopath;
};

#define T(f) offsetof(struct tconf, f)

static const struct cfg_key t_keys[] = {
    {"flag", CFG_BOOL, "no", 0, 0, T(flag), NULL, "A flag."},
    {"count", CFG_INT, "10", 1, 100, T(count), NULL, "A count."},
    {"wait", CFG_DURATION, "5m", 0, 86400, T(wait), NULL, "A wait."},
    {"size", CFG_SIZE, "1M", 0, 0, T(size), NULL, "A size."},
    {"ratio", CFG_DOUBLE, "0.5", 0, 1, T(ratio), NULL, "A ratio."},
    {"name", CFG_STRING, "default name", 0, 0, T(name), NULL, "A name."},
    {"file", CFG_PATH, "data/x.db", 0, 0, T(file), NULL, "A file."},
    {"items", CFG_LIST, "a, b", 0, 3, T(items), NULL, "Some items."},
    {"mode", CFG_ENUM, "fast", 0, 0, T(mode), "fast|slow|off", "A mode."},
    {"map", CFG_MAP, NULL, 0, 0, T(map), NULL, "A map."},
    {"unset", CFG_STRING, NULL, 0, 0, T(unset), NULL, "Unset string."},
    {"nopath", CFG_PATH, NULL, 0, 0, T(nopath), NULL, "Unset path."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

static const struct cfg_section t_section = {"test", t_keys,
                                             sizeof(struct tconf)};

struct oconf {
    long long level;
};

static const struct cfg_key o_keys[] = {
    {"level", CFG_INT, "3", 0, 0, offsetof(struct oconf, level), NULL,
     "A level."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

static const struct cfg_section o_section = {"other", o_keys,
                                             sizeof(struct oconf)};

static const struct cfg_section *const secs[] = {&t_section, &o_section};
static const char *const known[] = {"policy", NULL};

static char tmpdir[] = "/tmp/cfg_test.XXXXXX";

/* Files: "path\0content" pairs written before each case. */
struct tfile {
    const char *path;
    const char *text;
};

static void write_file(const char *path, const char *text)
{
    char dir[256];
    char *slash;
    FILE *fp;

    snprintf(dir, sizeof(dir), "%s", path);
    for (slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(dir, 0755);
        *slash = '/';
    }
    fp = fopen(path, "w");
    if (fp == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, fp);
    fclose(fp);
}

static void clean_dir(void)
{
    char cmd[300];

    if (chdir("/") < 0)
        exit(2);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        diag("could not remove %s", tmpdir);
}

/* A fresh directory with main.conf and the extra files. */
static void setup_case(const char *main_text, const struct tfile *extra)
{
    strcpy(tmpdir, "/tmp/cfg_test.XXXXXX");
    if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) < 0) {
        perror("mkdtemp");
        exit(2);
    }
    if (main_text != NULL)
        write_file("main.conf", main_text);
    for (; extra && extra->path; extra++)
        write_file(extra->path, extra->text);
}

static struct cfg *load(struct cfg_errors *errs)
{
    memset(errs, 0, sizeof(*errs));
    return cfg_load("main.conf", secs, 2, known, errs);
}

static char *dump(const struct cfg *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);

    cfg_dump(c, fp);
    fclose(fp);
    return buf;
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    for (const char *p = text; p; p = strchr(p, '\n')) {
        if (*p == '\n')
            p++;
        if (strncmp(p, line, n) == 0 && (p[n] == '\n' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

/* Good files: each loads and the dump shows the line. */
static const struct {
    const char *name;
    const char *text;
    const char *line;
} good[] = {
    {"defaults apply when nothing is set", "", "count = 10"},
    {"default duration prints with unit", "", "wait = 5m"},
    {"default size prints with unit", "", "size = 1M"},
    {"default list", "", "items = a, b"},
    {"default string with space is quoted", "", "name = \"default name\""},
    {"default relative path", "", "file = data/x.db"},
    {"unset string dumps empty", "", "unset ="},
    {"int", "[test]\ncount = 42\n", "count = 42"},
    {"blanks around key and value", "[test]\n   count\t=\t7   \n", "count = 7"},
    {"comment lines ignored", "# c\n[test]\n  # count = 99\ncount = 8\n",
     "count = 8"},
    {"hash inside a value is not a comment", "[test]\nname = a#b\n",
     "name = a#b"},
    {"quoted value keeps spaces", "[test]\nname = \"  two  words \"\n",
     "name = \"  two  words \""},
    {"quoted value escapes", "[test]\nname = \"say \\\"hi\\\" \\\\ x\"\n",
     "name = \"say \\\"hi\\\" \\\\ x\""},
    {"other backslashes kept", "[test]\nname = a\\d\n", "name = a\\d"},
    {"empty quoted string", "[test]\nname = \"\"\n", "name = \"\""},
    {"empty string", "[test]\nname =\n", "name = \"\""},
    {"list with commas", "[test]\nitems = x,y,z\n", "items = x, y, z"},
    {"list with blanks", "[test]\nitems = x  y\tz\n", "items = x, y, z"},
    {"list mixed separators", "[test]\nitems = x , y,, z\n", "items = x, y, z"},
    {"list quoted item", "[test]\nitems = \"a b\", \"c,d\"\n",
     "items = \"a b\", \"c,d\""},
    {"empty list", "[test]\nitems =\n", "items ="},
    {"enum case-insensitive", "[test]\nmode = SLOW\n", "mode = slow"},
    {"double", "[test]\nratio = 0.25\n", "ratio = 0.25"},
    {"double bound inclusive", "[test]\nratio = 1\n", "ratio = 1"},
    {"int bound inclusive", "[test]\ncount = 100\n", "count = 100"},
    {"bool", "[test]\nflag = On\n", "flag = yes"},
    {"duration seconds", "[test]\nwait = 90\n", "wait = 90s"},
    {"duration hours", "[test]\nwait = 2h\n", "wait = 2h"},
    {"duration 86400 is a day", "[test]\nwait = 86400s\n", "wait = 1d"},
    {"size k", "[test]\nsize = 64k\n", "size = 64k"},
    {"size 1024M is 1G", "[test]\nsize = 1024M\n", "size = 1G"},
    {"repeated section keeps earlier keys",
     "[test]\ncount = 5\n[other]\n[test]\n"
     "flag = yes\n",
     "count = 5"},
    {"repeated section takes new keys",
     "[test]\ncount = 5\n[other]\n[test]\n"
     "flag = yes\n",
     "flag = yes"},
    {"second section", "[other]\nlevel = 9\n", "level = 9"},
    {"blank inside brackets", "[ other ]\nlevel = 4\n", "level = 4"},
    {"known section keys skipped",
     "[policy]\nanything = 1\nfoo = bar\n"
     "[test]\ncount = 2\n",
     "count = 2"},
    {"CRLF line ends", "[test]\r\ncount = 6\r\n", "count = 6"},
    {"relative path from main file", "[test]\nfile = db/y\n", "file = db/y"},
    {"absolute path kept", "[test]\nfile = /var/y\n", "file = /var/y"},
    {"empty path unsets", "[test]\nfile =\n", "file ="},
};

/* Bad files: every error, in order, exactly. */
static const struct {
    const char *name;
    const char *text;
    const char *errors[4];
} bad[] = {
    {"unknown key",
     "[test]\nbogus = 1\n",
     {"main.conf:2: unknown key \"bogus\" in section [test]"}},
    {"repeated key",
     "[test]\ncount = 2\n\ncount = 3\n",
     {"main.conf:4: key \"count\" already set at main.conf:2"}},
    {"repeated key across repeated section",
     "[test]\ncount = 2\n[other]\n[test]\ncount = 3\n",
     {"main.conf:5: key \"count\" already set at main.conf:2"}},
    {"unknown section",
     "[test]\ncount = 2\n[nope]\ncount = 1\nx = y\n",
     {"main.conf:3: unknown section [nope]"}},
    {"key outside any section",
     "count = 2\n",
     {"main.conf:1: key \"count\" outside of any section"}},
    {"missing bracket",
     "[test\n",
     {"main.conf:1: missing ']' in section header"}},
    {"text after bracket",
     "[test] x\n",
     {"main.conf:1: text after ']' in section header"}},
    {"bad section name",
     "[te st]\n",
     {"main.conf:1: bad section name \"te st\""}},
    {"line without equals",
     "[test]\ncount 2\n",
     {"main.conf:2: expected \"key = value\""}},
    {"bad key name",
     "[test]\nco:unt = 2\n",
     {"main.conf:2: bad key name \"co:unt\""}},
    {"int below minimum",
     "[test]\ncount = 0\n",
     {"main.conf:2: count: \"0\" is out of range (1 to 100)"}},
    {"int above maximum",
     "[test]\ncount = 101\n",
     {"main.conf:2: count: \"101\" is out of range (1 to 100)"}},
    {"int not a number",
     "[test]\ncount = 12abc\n",
     {"main.conf:2: count: \"12abc\": not an integer"}},
    {"empty int", "[test]\ncount =\n", {"main.conf:2: count: empty value"}},
    {"duration above maximum",
     "[test]\nwait = 2d\n",
     {"main.conf:2: wait: \"2d\" is out of range (0 to 86400 seconds)"}},
    {"bad duration unit",
     "[test]\nwait = 5x\n",
     {"main.conf:2: wait: \"5x\": not a duration (a number with s, m, h, "
      "d or w)"}},
    {"bad size",
     "[test]\nsize = 10Q\n",
     {"main.conf:2: size: \"10Q\": not a size (a number with k, M, G or "
      "T)"}},
    {"double above maximum",
     "[test]\nratio = 1.5\n",
     {"main.conf:2: ratio: \"1.5\" is out of range (0 to 1)"}},
    {"double not a number",
     "[test]\nratio = half\n",
     {"main.conf:2: ratio: \"half\": not a number"}},
    {"bad bool",
     "[test]\nflag = maybe\n",
     {"main.conf:2: flag: \"maybe\": not a boolean (yes, no, true, false, "
      "on, off, 1, 0)"}},
    {"bad enum",
     "[test]\nmode = warp\n",
     {"main.conf:2: mode: \"warp\" is not one of fast|slow|off"}},
    {"list too long",
     "[test]\nitems = a b c d\n",
     {"main.conf:2: items: 4 entries; 0 to 3 allowed"}},
    {"missing closing quote",
     "[test]\nname = \"abc\n",
     {"main.conf:2: name: missing closing quote"}},
    {"text after closing quote",
     "[test]\nname = \"abc\" d\n",
     {"main.conf:2: name: text after the closing quote"}},
    {"missing quote in list",
     "[test]\nitems = a, \"b\n",
     {"main.conf:2: items: missing closing quote"}},
    {"include of a missing file",
     "[test]\ninclude missing.conf\n",
     {"main.conf:2: include missing.conf: No such file or directory"}},
    {"include without a name",
     "[test]\ninclude \"\"\n",
     {"main.conf:2: include: missing file name"}},
    {"include = value is a key, not an include",
     "[test]\ninclude = x\n",
     {"main.conf:2: unknown key \"include\" in section [test]"}},
    {"every error is reported",
     "[test]\ncount = 0\nbogus = 1\n[nope]\n[other]\nlevel = x\n",
     {"main.conf:2: count: \"0\" is out of range (1 to 100)",
      "main.conf:3: unknown key \"bogus\" in section [test]",
      "main.conf:4: unknown section [nope]",
      "main.conf:6: level: \"x\": not an integer"}},
};

static void check_errors(const char *name, const struct cfg_errors *e,
                         const char *const *want, size_t nwant)
{
    size_t n = 0;

    while (n < nwant && want[n] != NULL)
        n++;
    if (!is_int((long long)e->n, (long long)n, name)) {
        for (size_t i = 0; i < e->n; i++)
            diag("error: %s", e->v[i]);
        return;
    }
    for (size_t i = 0; i < n; i++)
        is_str(e->v[i], want[i], name);
}

static void test_good(void)
{
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        struct cfg_errors e;
        struct cfg *c;
        char *d;

        setup_case(good[i].text, NULL);
        c = load(&e);
        if (!ok(c != NULL && e.n == 0, "good: %s: loads", good[i].name)) {
            for (size_t j = 0; j < e.n; j++)
                diag("error: %s", e.v[j]);
            cfg_errors_free(&e);
            clean_dir();
            continue;
        }
        d = dump(c);
        if (!ok(has_line(d, good[i].line), "good: %s: %s", good[i].name,
                good[i].line))
            diag("dump:\n%s", d);
        free(d);
        cfg_release(c);
        clean_dir();
    }
}

static void test_bad(void)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cfg_errors e;
        struct cfg *c;
        char name[200];

        setup_case(bad[i].text, NULL);
        c = load(&e);
        snprintf(name, sizeof(name), "bad: %s", bad[i].name);
        ok(c == NULL, "%s: refused", name);
        check_errors(name, &e, bad[i].errors, 4);
        cfg_release(c);
        cfg_errors_free(&e);
        clean_dir();
    }
}

/* The value parsers on their own. */
static const struct {
    const char *in;
    int rc;
    long long want;
} durations[] =
    {
        {"0", 0, 0},       {"30", 0, 30},   {"30s", 0, 30},
        {"5m", 0, 300},    {"2h", 0, 7200}, {"1d", 0, 86400},
        {"1w", 0, 604800}, {"", -1, 0},     {"m", -1, 0},
        {"-5s", -1, 0},    {"5 m", -1, 0},  {"5M", -1, 0},
        {"5ms", -1, 0},    {"1.5h", -1, 0}, {"99999999999999999w", -1, 0},
},
  msecs[] =
      {
          {"500ms", 0, 500},     {"0ms", 0, 0},  {"2", 0, 2000},
          {"2s", 0, 2000},       {"1m", 0, 60000}, {"1h", 0, 3600000},
          {"1d", -1, 0},         {"ms", -1, 0},  {"5 ms", -1, 0},
          {"1.5s", -1, 0},       {"-1ms", -1, 0}, {"5us", -1, 0},
},
  sizes[] =
      {
          {"512", 0, 512},
          {"64k", 0, 65536},
          {"64K", 0, 65536},
          {"10M", 0, 10485760},
          {"1G", 0, 1073741824LL},
          {"2t", 0, 2199023255552LL},
          {"", -1, 0},
          {"k", -1, 0},
          {"-1", -1, 0},
          {"10MB", -1, 0},
          {"1.5M", -1, 0},
          {"9999999999999T", -1, 0},
},
  bools[] = {
      {"yes", 0, 1},   {"no", 0, 0},  {"true", 0, 1}, {"false", 0, 0},
      {"on", 0, 1},    {"off", 0, 0}, {"1", 0, 1},    {"0", 0, 0},
      {"YES", 0, 1},   {"Off", 0, 0}, {"", -1, 0},    {"2", -1, 0},
      {"yess", -1, 0}, {"y", -1, 0},
};

#define N(a) (sizeof(a) / sizeof(a[0]))

static void test_parsers(void)
{
    const char *err = NULL;
    long long v;
    int b;

    for (size_t i = 0; i < N(durations); i++) {
        int rc = cfg_parse_duration(durations[i].in, &v, &err);

        ok(rc == durations[i].rc && (rc < 0 || v == durations[i].want),
           "duration \"%s\" -> %s %lld", durations[i].in,
           durations[i].rc ? "error" : "ok", durations[i].want);
    }
    for (size_t i = 0; i < N(msecs); i++) {
        int rc = cfg_parse_msec(msecs[i].in, &v, &err);

        ok(rc == msecs[i].rc && (rc < 0 || v == msecs[i].want),
           "milliseconds \"%s\" -> %s %lld", msecs[i].in,
           msecs[i].rc ? "error" : "ok", msecs[i].want);
    }
    for (size_t i = 0; i < N(sizes); i++) {
        int rc = cfg_parse_size(sizes[i].in, &v, &err);

        ok(rc == sizes[i].rc && (rc < 0 || v == sizes[i].want),
           "size \"%s\" -> %s %lld", sizes[i].in, sizes[i].rc ? "error" : "ok",
           sizes[i].want);
    }
    for (size_t i = 0; i < N(bools); i++) {
        int rc = cfg_parse_bool(bools[i].in, &b, &err);

        ok(rc == bools[i].rc && (rc < 0 || b == bools[i].want),
           "bool \"%s\" -> %s %lld", bools[i].in, bools[i].rc ? "error" : "ok",
           bools[i].want);
    }
}

/* Includes: relative names, sections across files, depth, loops. */
static const struct tfile inc_files[] = {
    {"sub/a.conf", "# a\ncount = 20\nfile = data/a.db\ninclude b.conf\n"},
    {"sub/b.conf", "[other]\n"},
    {"sub/bad.conf", "[test]\n\nbogus = 1\n"},
    {"loop.conf", "include loop.conf\n"},
    {NULL, NULL},
};

static void write_chain(int n)
{
    char name[32], text[64];

    for (int i = 1; i <= n; i++) {
        snprintf(name, sizeof(name), "d/d%d.conf", i);
        if (i < n)
            snprintf(text, sizeof(text), "include d%d.conf\n", i + 1);
        else
            snprintf(text, sizeof(text), "[other]\nlevel = %d\n", i);
        write_file(name, text);
    }
}

static void test_includes(void)
{
    const struct tconf *t;
    const struct oconf *o;
    struct cfg_errors e;
    struct cfg *c;

    setup_case("[test]\ninclude sub/a.conf\nlevel = 7\n", inc_files);
    c = load(&e);
    ok(c != NULL, "include: relative include chain loads");
    t = cfg_section(c, "test");
    o = cfg_section(c, "other");
    ok(t && t->count == 20, "include: included file continues the section");
    ok(o && o->level == 7,
       "include: section opened by a nested include (relative to its "
       "includer) stays current after it");
    is_str(t ? t->file : NULL, "sub/data/a.db",
           "include: path relative to the file that set it");
    cfg_release(c);
    cfg_errors_free(&e);
    clean_dir();

    setup_case("[test]\n\"include\" = 1\ninclude \"sub/bad.conf\"\n",
               inc_files);
    c = load(&e);
    ok(c == NULL && e.n == 2, "include: errors in included files reported");
    if (e.n == 2) {
        is_str(e.v[0], "main.conf:2: bad key name \"\"include\"\"",
               "include: error in the main file");
        is_str(e.v[1],
               "sub/bad.conf:3: unknown key \"bogus\" in section "
               "[test]",
               "include: error carries the included file and its line");
    }
    cfg_errors_free(&e);
    clean_dir();

    setup_case("include d/d1.conf\n", NULL);
    write_chain(8);
    c = load(&e);
    o = cfg_section(c, "other");
    ok(c != NULL && o && o->level == 8, "include: nesting 8 deep is allowed");
    cfg_release(c);
    cfg_errors_free(&e);
    clean_dir();

    setup_case("include d/d1.conf\n", NULL);
    write_chain(9);
    c = load(&e);
    ok(c == NULL && e.n == 1, "include: nesting 9 deep is refused");
    if (e.n == 1)
        is_str(e.v[0], "d/d8.conf:1: include d9.conf: nested more than 8 deep",
               "include: depth error names the 8th file and line");
    cfg_errors_free(&e);
    clean_dir();

    setup_case("include loop.conf\n", inc_files);
    c = load(&e);
    ok(c == NULL && e.n == 1, "include: a loop stops at the depth limit");
    cfg_errors_free(&e);
    clean_dir();
}

/* Values as stored in the section struct. */
static void test_values(void)
{
    const struct tconf *t;
    struct cfg_errors e;
    struct cfg *c;

    setup_case("[test]\nitems = \"x y\" Z\nmode = off\nwait = 1d\n"
               "size = 3k\n",
               NULL);
    c = load(&e);
    t = cfg_section(c, "test");
    ok(t != NULL, "values: loads");
    if (t == NULL) {
        cfg_errors_free(&e);
        clean_dir();
        return;
    }
    ok(t->items.n == 2 && strcmp(t->items.v[0], "x y") == 0 &&
           strcmp(t->items.v[1], "Z") == 0,
       "values: list items stored unquoted");
    ok(cfg_list_contains_ci(&t->items, "z"), "values: list contains, any case");
    ok(!cfg_list_contains_ci(&t->items, "x"), "values: list contains, whole");
    is_int(t->mode, 2, "values: enum stores the index");
    is_int(t->wait, 86400, "values: duration stored in seconds");
    is_int(t->size, 3072, "values: size stored in bytes");
    is_int(t->count, 10, "values: int default");
    ok(t->ratio == 0.5, "values: double default");
    is_str(t->name, "default name", "values: string default");
    ok(t->unset == NULL, "values: NULL default string stays NULL");
    ok(t->nopath == NULL, "values: NULL default path stays NULL");
    ok(t->map == NULL, "values: NULL default map stays NULL");
    ok(cfg_section(c, "policy") == NULL,
       "values: known-only section has no struct");
    is_str(cfg_path(c), "main.conf", "values: cfg_path is the main file");
    is_str(cfg_type_name(CFG_DURATION), "duration", "values: type name");

    /* Refcount: the struct lives until the last release. */
    ok(cfg_acquire(c) == c, "refcount: acquire returns the cfg");
    cfg_release(c);
    is_int(((const struct tconf *)cfg_section(c, "test"))->wait, 86400,
           "refcount: still valid after one of two releases");
    cfg_release(c);
    cfg_errors_free(&e);
    clean_dir();
}

static void test_maps(void)
{
    static const struct tfile files[] = {
        {"maps/lang", "example.org sv\n"},
        {NULL, NULL},
    };
    const struct tconf *t;
    struct cfg_errors e;
    const char *val = NULL, *err = NULL;
    struct cfg *c;
    char *d;

    setup_case("[test]\nmap = domain:maps/lang\n", files);
    c = load(&e);
    t = cfg_section(c, "test");
    ok(t && t->map, "map: opened relative to the config file");
    ok(t && t->map &&
           map_lookup(t->map, "a.example.org", &val, &err) == MAP_FOUND &&
           strcmp(val, "sv") == 0,
       "map: lookup answers from the file");
    d = c ? dump(c) : NULL;
    ok(d && has_line(d, "map = domain:maps/lang"), "map: dump shows spec");
    free(d);
    cfg_release(c);
    cfg_errors_free(&e);
    clean_dir();

    setup_case("[test]\n\nmap = domain:maps/missing\n", files);
    c = load(&e);
    ok(c == NULL && e.n == 1 &&
           strncmp(e.v[0], "main.conf:3: map: map domain:maps/missing: ", 42) ==
               0,
       "map: missing map file is an error at its line");
    for (size_t i = 0; i < e.n; i++)
        diag("%s", e.v[i]);
    cfg_errors_free(&e);
    clean_dir();
}

static void test_misc(void)
{
    struct cfg_errors e = {0, NULL};
    struct cfg *c;
    char *d;

    setup_case(NULL, NULL);
    c = load(&e);
    ok(c == NULL && e.n == 1 &&
           strcmp(e.v[0], "main.conf: No such file or directory") == 0,
       "missing main file is an error");
    cfg_errors_free(&e);
    c = cfg_load("main.conf", secs, 2, NULL, NULL);
    ok(c == NULL, "errs may be NULL");
    clean_dir();

    setup_case("[policy]\nx = 1\n", NULL);
    c = cfg_load("main.conf", secs, 2, NULL, &e);
    ok(c == NULL && e.n == 1 &&
           strcmp(e.v[0], "main.conf:1: unknown section [policy]") == 0,
       "section unknown without known_sections");
    cfg_errors_free(&e);
    clean_dir();

    setup_case("[test]\ncount = 1\n", NULL);
    cfg_errors_add(&e, "earlier %d", 1);
    c = cfg_load("main.conf", secs, 2, known, &e);
    ok(c != NULL && e.n == 1, "errors already in the list do not fail load");
    cfg_errors_free(&e);
    d = dump(c);
    ok(strncmp(d, "[test]\nflag = no\ncount = 1\n", 26) == 0,
       "dump: sections and keys in table order");
    ok(strstr(d, "\n\n[other]\nlevel = 3\n") != NULL,
       "dump: every loaded section, with its defaults");
    free(d);
    cfg_release(c);
    clean_dir();
}

/* t/data/cfg/good.conf: a complete file with an include in a subdir. */
static void test_data_file(void)
{
    const char *top = getenv("top_srcdir");
    const struct tconf *t;
    const struct oconf *o;
    struct cfg_errors e = {0, NULL};
    char path[1024];
    struct cfg *c;

    if (top == NULL) {
        ok(1, "# SKIP data file: top_srcdir not set");
        return;
    }
    snprintf(path, sizeof(path), "%s/t/data/cfg/good.conf", top);
    c = cfg_load(path, secs, 2, known, &e);
    for (size_t i = 0; i < e.n; i++)
        diag("%s", e.v[i]);
    ok(c != NULL, "data: t/data/cfg/good.conf loads");
    t = cfg_section(c, "test");
    o = cfg_section(c, "other");
    ok(t && t->count == 33 && t->items.n == 3 && t->wait == 1800,
       "data: values from the main file");
    ok(o && o->level == 12, "data: values from the included file");
    snprintf(path, sizeof(path), "%s/t/data/cfg/conf.d/rules.db", top);
    is_str(t ? t->file : NULL, path, "data: path relative to included file");
    cfg_release(c);
    cfg_errors_free(&e);
}

int main(void)
{
    test_good();
    test_bad();
    test_parsers();
    test_includes();
    test_values();
    test_maps();
    test_misc();
    test_data_file();
    return done_testing();
}
