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
    {"blanks around key and value", "[test]\n   count\t=\t7   \n",
     "count = 7"},
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
    {"list mixed separators", "[test]\nitems = x , y,, z\n",
     "items = x, y, z"},
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
    {"repeated section continues", "[test]\ncount = 5\n[other]\n[test]\n"
                                   "flag = yes\n",
     "count = 5"},
    {"second section", "[other]\nlevel = 9\n", "level = 9"},
    {"blank inside brackets", "[ other ]\nlevel = 4\n", "level = 4"},
    {"known section keys skipped", "[policy]\nanything = 1\nfoo = bar\n"
                                   "[test]\ncount = 2\n",
     "count = 2"},
    {"CRLF line ends", "[test]\r\ncount = 6\r\n", "count = 6"},
    {"key named include", "[test]\n", "count = 10"},
    {"relative path from main file", "[test]\nfile = db/y\n",
     "file = db/y"},
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
    {"empty int",
     "[test]\ncount =\n",
     {"main.conf:2: count: empty value"}},
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

#include "cfg_test_more.c"
