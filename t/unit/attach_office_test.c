/*
 * attach_office_test - attach_office_has_macro(): OOXML with and without
 *	vbaProject.bin, OLE2 documents with and without VBA storages (built
 *	here with libgsf's writer), and hostile input; then the same files
 *	through attach_check_content() (RULE_MACRO).
 */
#include <gsf/gsf.h>
#include <locale.h>
#include <stdio.h>

#include "../tap.h"
#include "attach_fixture.h"

static const char ctypes[] =
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org"
    "/package/2006/content-types\"><Default Extension=\"xml\" ContentType="
    "\"application/xml\"/><Override PartName=\"/word/document.xml\" "
    "ContentType=\"application/vnd.openxmlformats-officedocument."
    "wordprocessingml.document.main+xml\"/></Types>";
static const char ctypes_vba[] =
    "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org"
    "/package/2006/content-types\"><Default Extension=\"bin\" ContentType="
    "\"application/vnd.ms-office.vbaProject\"/><Override PartName=\"/word/"
    "document.xml\" ContentType=\"application/vnd.ms-word.document."
    "macroEnabled.main+xml\"/></Types>";
static const char doc[] = "<w:document><w:body><w:p>Hi</w:p></w:body>"
                          "</w:document>";
static const char vba[] = "\x01\x02\x03 fake VBA project";

/* An OOXML package: content types, the document, optional extra part. */
static void ooxml(struct fx_blob *b, const char *types, const char *extra)
{
    struct fx_ent e[3] = {
        {"[Content_Types].xml", types, strlen(types)},
        {"word/document.xml", doc, sizeof(doc) - 1},
        {extra, vba, sizeof(vba) - 1},
    };

    fx_build(ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE, NULL, e, extra ? 3 : 2,
             b);
}

/* An OLE2 file with the storage path (NULL-ended) and a stream in it. */
static void ole2(struct fx_blob *b, const char *const *path)
{
    GsfOutput *mem = gsf_output_memory_new(), *dirs[16], *st;
    GsfOutfile *ole = gsf_outfile_msole_new(mem), *cur = ole;
    int i, n = 0;

    for (i = 0; path[i] != NULL && i < 16; i++) {
        dirs[n] = gsf_outfile_new_child(cur, path[i], TRUE);
        cur = GSF_OUTFILE(dirs[n++]);
    }
    st = gsf_outfile_new_child(cur, "WordDocument", FALSE);
    gsf_output_write(st, sizeof(doc) - 1, (const guint8 *)doc);
    gsf_output_close(st);
    g_object_unref(st);
    while (n > 0) {
        gsf_output_close(dirs[--n]);
        g_object_unref(dirs[n]);
    }
    gsf_output_close(GSF_OUTPUT(ole));
    g_object_unref(ole);
    b->n = (size_t)gsf_output_size(mem);
    b->p = xmalloc(b->n);
    memcpy(b->p, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), b->n);
    g_object_unref(mem); /* closed with ole */
}

static const char *const p_none[] = {NULL};
static const char *const p_macros[] = {"Macros", "VBA", NULL};
static const char *const p_xls[] = {"_VBA_PROJECT_CUR", "VBA", NULL};
static const char *const p_lower[] = {"macros", NULL};
static const char *const p_deep3[] = {"ObjectPool", "_1234", "VBA", NULL};
static const char *const p_other[] = {"ObjectPool", "_1234", NULL};
static const char *const p_toodeep[] = {"a", "b", "c", "d",   "e", "f",
                                        "g", "h", "i", "VBA", NULL};

static const struct {
    const char *name;
    const char *const *path;
    int want;
} oles[] = {
    {"OLE2 .doc without macros", p_none, 0},
    {"OLE2 .doc with Macros/VBA", p_macros, 1},
    {"OLE2 .xls with _VBA_PROJECT_CUR", p_xls, 1},
    {"storage names in any case", p_lower, 1},
    {"VBA in an embedded object (depth 3)", p_deep3, 1},
    {"embedded object without VBA", p_other, 0},
    {"VBA below the depth bound is not looked for", p_toodeep, 0},
};

static void test_ole(void)
{
    struct fx_blob b;
    size_t i;

    for (i = 0; i < sizeof(oles) / sizeof(*oles); i++) {
        ole2(&b, oles[i].path);
        is_int(attach_office_has_macro(b.p, b.n, "application/msword"),
               oles[i].want, oles[i].name);
        free(b.p);
    }
}

static void test_ooxml(void)
{
    struct fx_blob b;

    ooxml(&b, ctypes_vba, "word/vbaProject.bin");
    is_int(attach_office_has_macro(b.p, b.n, NULL), 1,
           "docm with word/vbaProject.bin");
    free(b.p);
    ooxml(&b, ctypes, "xl/VBAPROJECT.BIN");
    is_int(attach_office_has_macro(b.p, b.n, NULL), 1,
           "xlsm: the name in any case");
    free(b.p);
    ooxml(&b, ctypes_vba, "word/renamed.bin");
    is_int(attach_office_has_macro(b.p, b.n, NULL), 1,
           "renamed project found by its content type");
    free(b.p);
    ooxml(&b, ctypes, NULL);
    is_int(attach_office_has_macro(b.p, b.n, NULL), 0, "docx without macro");
    free(b.p);
    ooxml(&b, ctypes, "word/media/image1.png");
    is_int(attach_office_has_macro(b.p, b.n, NULL), 0,
           "docx with an image: no macro");
    free(b.p);
}

static void test_hostile(void)
{
    static const unsigned char ole_magic[] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1,
                                              0xb1, 0x1a, 0xe1, 0,    0};
    unsigned char junk[4096];
    struct fx_blob b;
    size_t n, bad = 0;

    memset(junk, 0xff, sizeof(junk));
    memcpy(junk, ole_magic, 8);
    is_int(attach_office_has_macro(junk, sizeof(junk), NULL), 0,
           "OLE2 magic then junk: no macro, no crash");
    is_int(attach_office_has_macro(ole_magic, 10, NULL), 0, "bare OLE2 magic");
    is_int(attach_office_has_macro((const unsigned char *)"PK\3\4", 4, NULL), 0,
           "four bytes of zip");
    is_int(attach_office_has_macro(NULL, 0, NULL), 0, "NULL data");
    ole2(&b, p_macros);
    for (n = 0; n < b.n; n += 61)
        bad += attach_office_has_macro(b.p, n, NULL) < 0;
    ok(bad == 0, "every truncation of an OLE2 file is handled");
    free(b.p);
    ooxml(&b, ctypes_vba, "word/vbaProject.bin");
    for (n = 0; n < b.n; n += 13)
        bad += attach_office_has_macro(b.p, n, NULL) < 0;
    ok(bad == 0, "every truncation of a docm is handled");
    free(b.p);
}

/* The same documents through the dispatcher (attach_type.c). */
static void test_dispatch(const struct attach_conf *c)
{
    struct attach_scan s;
    struct fx_blob b;

    ooxml(&b, ctypes_vba, "word/vbaProject.bin");
    fx_scan_init(&s, c);
    attach_check_content(&s, "invoice.docm", NULL, b.p, b.n, 0, 0, NULL);
    ok(fx_has(&s, RULE_MACRO, "invoice.docm"), "docm: RULE_MACRO");
    attach_scan_free(&s);
    free(b.p);

    ooxml(&b, ctypes, NULL);
    fx_scan_init(&s, c);
    attach_check_content(&s, "letter.docx", NULL, b.p, b.n, 0, 0, NULL);
    is_int((long long)s.nf, 0, "clean docx: no finding");
    attach_scan_free(&s);
    free(b.p);

    ole2(&b, p_macros);
    fx_scan_init(&s, c);
    attach_check_content(&s, "old.doc", NULL, b.p, b.n, 0, 0, NULL);
    ok(fx_has(&s, RULE_MACRO, "old.doc"), "OLE2 doc with VBA: RULE_MACRO");
    attach_scan_free(&s);
    free(b.p);
}

int main(void)
{
    struct attach_conf c;

    setlocale(LC_CTYPE, "C.UTF-8");
    fx_conf_init(&c);
    test_ooxml();
    test_ole();
    test_hostile();
    test_dispatch(&c);
    return done_testing();
}
