/*
 * corpus_archive_test - every file of $SLUICE_TESTDATA/archives-libarchive
 *	(libarchive's own test archives: every format, broken ones,
 *	encrypted ones, a recursive gzip) through attach_check_content()
 *	and attach_archive_scan(): one case per file, each within the
 *	bounds (time, bytes) and without a sanitizer report; some files
 *	also have an expected finding.
 */
#include <dirent.h>
#include <locale.h>
#include <stdio.h>
#include <sys/stat.h>

#include "../tap.h"
#include "attach_fixture.h"

#define MAX_FILE (64 * 1024 * 1024)
#define MAX_SECONDS 5.0

/* Expected findings (file name, rule); others only must stay in bounds. */
static const struct {
    const char *file;
    enum attach_rule rule;
} expect[] = {
    {"read_filter_gzip_recursive.gz", RULE_BOMB},
    {"zip_encryption_data.zip", RULE_ENCRYPTED},
    {"zip_encryption_header.zip", RULE_ENCRYPTED},
    {"zip_traditional_encryption_data.zip", RULE_ENCRYPTED},
    {"zip_winzip_aes128.zip", RULE_ENCRYPTED},
    {"zip_winzip_aes256.zip", RULE_ENCRYPTED},
    {"7zip_encryption.7z", RULE_ENCRYPTED},
    {"7zip_encryption_header.7z", RULE_ENCRYPTED},
    {"7zip_encryption_partially.7z", RULE_ENCRYPTED},
    {"rar_encryption_data.rar", RULE_ENCRYPTED},
    {"rar_encryption_header.rar", RULE_ENCRYPTED},
    {"rar_encryption_partially.rar", RULE_ENCRYPTED},
    {"zip_encryption_partially.zip", RULE_ENCRYPTED},
};

static int read_all(const char *path, unsigned char **p, size_t *n)
{
    struct stat st;
    FILE *f;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MAX_FILE)
        return -1;
    f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    *p = xmalloc((size_t)st.st_size + 1);
    *n = fread(*p, 1, (size_t)st.st_size, f);
    fclose(f);
    return 0;
}

static int expected(const char *name, const struct attach_scan *s)
{
    size_t i;

    for (i = 0; i < sizeof(expect) / sizeof(*expect); i++)
        if (strcmp(expect[i].file, name) == 0 &&
            !fx_has(s, expect[i].rule, NULL)) {
            diag("%s: expected %s", name, attach_rule_symbol(expect[i].rule));
            return 0;
        }
    return 1;
}

static void one(const struct attach_conf *c, const char *dir, const char *name)
{
    char path[8192];
    unsigned char *p = NULL;
    struct attach_scan s;
    size_t n = 0, i;
    double t;
    int good;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (read_all(path, &p, &n) < 0) {
        ok(0, "%s: readable", name);
        return;
    }
    fx_scan_init(&s, c);
    s.arc.deadline = fx_now() + (double)c->archive_max_time;
    t = fx_now();
    attach_check_content(&s, name, NULL, p, n, 0, 0, NULL);
    attach_archive_scan(&s, name, p, n, 0, 0); /* also when magic says no */
    t = fx_now() - t;
    good =
        t < MAX_SECONDS && s.arc.bytes <= c->archive_max_total * 2 + 131072;
    for (i = 0; i < s.nf; i++)
        diag("%s: %s %s", name, attach_rule_symbol(s.f[i].rule),
             s.f[i].file ? s.f[i].file : "");
    ok(good && expected(name, &s), "%s: within bounds (%.3f s, %lld bytes)",
       name, t, s.arc.bytes);
    attach_scan_free(&s);
    free(p);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *td = getenv("SLUICE_TESTDATA");
    char dir[4096], **names = NULL;
    size_t n = 0, i;
    struct attach_conf c;
    struct dirent *d;
    DIR *dh;

    setlocale(LC_CTYPE, "C.UTF-8");
    if (td == NULL)
        skip_all("SLUICE_TESTDATA is not set");
    snprintf(dir, sizeof(dir), "%s/archives-libarchive", td);
    dh = opendir(dir);
    if (dh == NULL)
        skip_all("no archives-libarchive in SLUICE_TESTDATA");
    while ((d = readdir(dh)) != NULL) {
        if (d->d_name[0] == '.')
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(d->d_name);
    }
    closedir(dh);
    qsort(names, n, sizeof(*names), by_name);
    fx_conf_init(&c);
    for (i = 0; i < n; i++) {
        one(&c, dir, names[i]);
        free(names[i]);
    }
    free(names);
    return done_testing();
}
