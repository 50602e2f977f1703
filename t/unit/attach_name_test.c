/*
 * attach_name_test - attach_name.c and attach_type.c's pure parts: banned
 *	and double extensions, Unicode tricks, extensions, executables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach.h"

static char *hanken[] = {"exe", "vbs", "pif", "scr", "bat", "cmd", "com",
                         "dll", "js",  "jse", "lnk", "hta", ".wsf"};
static char *modern[] = {"iso", "img", "one", "ps1", "library-ms"};

static struct attach_conf conf;

static void conf_init(int modern_on)
{
    memset(&conf, 0, sizeof(conf));
    conf.banned_extensions.n = sizeof(hanken) / sizeof(hanken[0]);
    conf.banned_extensions.v = hanken;
    conf.banned_extensions_modern.n = sizeof(modern) / sizeof(modern[0]);
    conf.banned_extensions_modern.v = modern;
    conf.use_modern_list = modern_on;
}

#define B (1u << RULE_BANNED)
#define D (1u << RULE_DOUBLE)
#define U (1u << RULE_UNICODE)
#define A (1u << RULE_ARCHIVE)

static unsigned rules_of(const struct attach_scan *s)
{
    unsigned m = 0;
    size_t i;

    for (i = 0; i < s->nf; i++)
        m |= 1u << s->f[i].rule;
    return m;
}

static void test_names(void)
{
    static const struct {
        const char *name;
        unsigned want;
        const char *why;
    } cases[] = {
        {"invoice.exe", B, "banned extension"},
        {"INVOICE.EXE", B, "upper case"},
        {"Invoice.ExE", B, "mixed case"},
        {"report.pdf", 0, "a document"},
        {"report", 0, "no extension"},
        {"exe", 0, "the word only"},
        {".exe", B, "only an extension"},
        {"setup.exe.", B, "trailing dot"},
        {"setup.exe . . ", B, "trailing dots and spaces"},
        {"invoice.pdf.exe", B | D, "double extension"},
        {"scan.jpg   .scr", B | D, "double extension with spaces"},
        {"archive.tar.gz", 0, "two harmless extensions"},
        {"backup.exe.zip", 0, "banned before harmless is fine"},
        {"foo.bar.exe", B, "banned after an unknown extension"},
        {"C:\\Temp\\evil.js", B, "final path component"},
        {"dir.exe/readme.txt", 0, "banned directory, harmless file"},
        {"x.wsf", B, "list entry with a leading dot"},
        {"disk.iso", B, "modern list"},
        {"notes.one", B, "modern list: OneNote"},
        {"x.library-ms", B, "modern list: dashed extension"},
        {"invoice\xe2\x80\xae"
         "fdp.exe",
         B | U, "RLO bidi control"},
        {"photo\xe2\x81\xa6.jpg", U, "isolate bidi control U+2066"},
        {"invoice\xef\xbc\x8e"
         "exe",
         B | U, "fullwidth full stop U+FF0E before a banned extension"},
        {"invoice.pdf\xe2\x80\xa4"
         "exe",
         B | D | U, "one dot leader U+2024 as double extension"},
        {"a\xef\xb9\x92"
         "scr",
         B | U, "small full stop U+FE52"},
        {"a\xe3\x80\x82"
         "bat",
         B | U, "ideographic full stop U+3002"},
        {"\xc3\xbc"
         "bersicht.pdf",
         0, "plain UTF-8 is fine"},
        {"bad\xff\xfe.exe", B, "invalid UTF-8 still checked"},
        {"\xe2\x82", 0, "truncated UTF-8 sequence"},
        {"", 0, "empty name"},
    };
    struct attach_scan s;
    unsigned got;
    size_t i;

    conf_init(1);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&s, 0, sizeof(s));
        s.conf = &conf;
        attach_check_name(&s, cases[i].name, 0, NULL);
        got = rules_of(&s);
        if (!ok(got == cases[i].want, "name: %s", cases[i].why))
            diag("rules 0x%x, want 0x%x", got, cases[i].want);
        attach_scan_free(&s);
    }
}

static void test_modern_off(void)
{
    struct attach_scan s;

    conf_init(0);
    memset(&s, 0, sizeof(s));
    s.conf = &conf;
    attach_check_name(&s, "disk.iso", 0, NULL);
    is_int((long long)s.nf, 0, "modern list off: .iso passes");
    attach_check_name(&s, "disk.exe", 0, NULL);
    is_int((long long)s.nf, 1, "modern list off: .exe still banned");
    attach_scan_free(&s);
}

static void test_container(void)
{
    struct attach_scan s;

    conf_init(1);
    memset(&s, 0, sizeof(s));
    s.conf = &conf;
    attach_check_name(&s, "dir/fake.pdf.exe", 3, "outer.zip");
    ok(rules_of(&s) == A, "archive: banned entry is ATTACH_ARCHIVE_BANNED");
    ok(s.nf == 1 && strcmp(s.f[0].file, "dir/fake.pdf.exe in outer.zip") == 0,
       "archive: file names the entry and its archive, once");
    is_int((long long)s.f[0].part_index, 3, "archive: part index kept");
    attach_check_name(&s, "dir/fake.pdf.exe", 3, "outer.zip");
    is_int((long long)s.nf, 1, "archive: the same finding is not repeated");
    attach_scan_free(&s);
}

static void test_ext(void)
{
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"a.PDF", "pdf"},          {"a.tar.gz", "gz"}, {"noext", ""},
        {"x.exe. ", "exe"},        {"p/q.r/s", ""},    {"a.jpg  .scr", "scr"},
        {"a\xef\xbc\x8eJS", "js"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_str(attach_name_ext(cases[i].name), cases[i].want, cases[i].name);
}

static void test_exec(void)
{
    unsigned char pe[128], elf[64], macho[64], fat[64], jclass[64];
    static const unsigned char sh[] = "#!/bin/sh\necho hi\n";
    static const unsigned char txt[] = "MZ is a company name in this text "
                                       "that is long enough to be a header";

    memset(pe, 0, sizeof(pe));
    memcpy(pe, "MZ", 2);
    memset(elf, 0, sizeof(elf));
    memcpy(elf,
           "\x7f"
           "ELF\x02\x01\x01",
           7);
    memset(macho, 0, sizeof(macho));
    memcpy(macho, "\xcf\xfa\xed\xfe", 4);
    memset(fat, 0, sizeof(fat));
    memcpy(fat, "\xca\xfe\xba\xbe\0\0\0\x02", 8);
    memset(jclass, 0, sizeof(jclass));
    memcpy(jclass, "\xca\xfe\xba\xbe\0\0\0\x34", 8);

    is_int(attach_type_is_executable(
               "application/vnd.microsoft.portable-executable", pe, 2),
           1, "exec: PE by libmagic type");
    is_int(attach_type_is_executable("application/x-dosexec", pe, 2), 1,
           "exec: old libmagic PE type");
    is_int(
        attach_type_is_executable("application/octet-stream", pe, sizeof(pe)),
        1, "exec: MZ header");
    is_int(attach_type_is_executable("text/plain", txt, sizeof(txt)), 0,
           "exec: text starting with MZ is not");
    is_int(
        attach_type_is_executable("application/octet-stream", elf, sizeof(elf)),
        1, "exec: ELF");
    is_int(attach_type_is_executable("application/octet-stream", macho,
                                     sizeof(macho)),
           1, "exec: Mach-O 64");
    is_int(
        attach_type_is_executable("application/octet-stream", fat, sizeof(fat)),
        1, "exec: fat Mach-O");
    is_int(attach_type_is_executable("application/x-java-applet", jclass,
                                     sizeof(jclass)),
           0, "exec: Java class is not Mach-O");
    is_int(attach_type_is_executable("text/x-shellscript", sh, sizeof(sh)), 2,
           "exec: shebang script");
    is_int(attach_type_is_executable("application/pdf",
                                     (const unsigned char *)"%PDF-1.4", 8),
           0, "exec: PDF is not");
}

static void test_archive_types(void)
{
    static const struct {
        const char *type;
        int want;
    } cases[] = {
        {"application/zip", 1},
        {"application/x-7z-compressed", 1},
        {"application/x-rar", 1},
        {"application/vnd.rar", 1},
        {"application/x-tar", 1},
        {"application/gzip", 1},
        {"application/x-bzip2", 1},
        {"application/x-xz", 1},
        {"application/vnd.ms-cab-compressed", 1},
        {"application/x-iso9660-image", 1},
        {"application/pdf", 0},
        {"text/plain", 0},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        is_int(attach_type_is_archive(cases[i].type), cases[i].want,
               cases[i].type);
}

int main(void)
{
    test_names();
    test_modern_off();
    test_container();
    test_ext();
    test_exec();
    test_archive_types();
    return done_testing();
}
