/*
 * content_yara_test - YARA in sluice-content: the rule sets of
 * ../shared/testdata/yara-* (how many rules of each compile, and why the
 * others do not), a rule matching inside a docx member inside a zip (the
 * symbol names the member), sluice_action and sluice_score, tag scores,
 * external variables, yarac-compiled files, a broken file (file:line), a
 * file changed on disk, a pathological rule stopped by the time limit (the
 * message gets on_error), and the maldoc rules of the sets on a docm and a
 * .doc with VBA built here (libgsf).
 */
#include <dirent.h>
#include <gsf/gsf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yara.h>

#include "../tap.h"
#include "clock.h"
#include "content_msg.h"

static char *src(const char *rel)
{
    return xasprintf("%s/t/data/content/yara/%s",
                     getenv("top_srcdir") ? getenv("top_srcdir") : "..", rel);
}

/* Rule sets: compile each file, dropping the rule of each error until
 * the rest compiles; count what compiles and why the others did not. */
struct set_errs {
    int line;
    char msg[256];
};

static void set_cb(int level, const char *file, int line, const YR_RULE *r,
                   const char *msg, void *arg)
{
    struct set_errs *e = arg;

    (void)file;
    (void)r;
    if (level == YARA_ERROR_LEVEL_ERROR && e->line == 0) {
        e->line = line;
        snprintf(e->msg, sizeof(e->msg), "%s", msg);
    }
}

/* Blank the rule around line (1-based) of text: from its "rule" line to
 * the line before the next rule. */
static void drop_rule(char *text, int line)
{
    char *p = text, *start = NULL, *l;
    int n = 1;

    for (l = p; *l; n++) {
        char *eol = strchr(l, '\n'), *w = l;

        while (*w == ' ' || *w == '\t')
            w++;
        if (!strncmp(w, "rule ", 5) || !strncmp(w, "private rule", 12) ||
            !strncmp(w, "global rule", 11)) {
            if (n > line && start != NULL)
                break;
            if (n <= line)
                start = l;
        }
        if (eol == NULL) {
            l += strlen(l);
            break;
        }
        l = eol + 1;
    }
    if (start != NULL)
        for (char *q = start; q < l; q++)
            if (*q != '\n')
                *q = ' ';
}

static size_t count_rules(YR_RULES *rules)
{
    const YR_RULE *r;
    size_t n = 0;

    yr_rules_foreach(rules, r) n++;
    return n;
}

static int compile_text(const char *text, const char *name, int with_ext,
                        size_t *n_r, struct set_errs *e)
{
    static const char *const ext[] = {"filename", "filepath", "extension",
                                      "filetype", "owner", NULL};
    YR_COMPILER *c;
    YR_RULES *rules;
    int errors;

    memset(e, 0, sizeof(*e));
    yr_compiler_create(&c);
    yr_compiler_set_callback(c, set_cb, e);
    for (const char *const *x = ext; with_ext && *x; x++)
        yr_compiler_define_string_variable(c, *x, "");
    errors = yr_compiler_add_string(c, text, name);
    if (errors == 0 && yr_compiler_get_rules(c, &rules) == ERROR_SUCCESS) {
        *n_r = count_rules(rules);
        yr_rules_destroy(rules);
    }
    yr_compiler_destroy(c);
    return errors;
}

static size_t count_declared(const char *text)
{
    size_t n = 0;

    for (const char *p = text; (p = strstr(p, "rule ")) != NULL; p += 5)
        if (p == text || p[-1] == '\n' || p[-1] == ' ' || p[-1] == '\t')
            n++;
    return n;
}

static void one_set(const char *name, int with_ext)
{
    char *dir = xasprintf("%s/%s", cmsg_testdata(), name), *path, *text;
    size_t files = 0, ok_rules = 0, failed = 0, n;
    struct set_errs e;
    struct dirent *de;
    DIR *d = opendir(dir);
    FILE *fp;
    long len;

    if (!ok(d != NULL, "%s opens", dir)) {
        free(dir);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (!str_has_suffix_ci(de->d_name, ".yar") &&
            !str_has_suffix_ci(de->d_name, ".rule"))
            continue;
        path = xasprintf("%s/%s", dir, de->d_name);
        if ((fp = fopen(path, "rb")) == NULL) {
            free(path);
            continue;
        }
        fseek(fp, 0, SEEK_END);
        len = ftell(fp);
        rewind(fp);
        text = xcalloc(1, (size_t)len + 1);
        if (fread(text, 1, (size_t)len, fp) != (size_t)len)
            len = 0;
        fclose(fp);
        files++;
        n = 0;
        for (int tries = 0;
             tries < 200 && compile_text(text, path, with_ext, &n, &e) > 0;
             tries++) {
            failed++;
            diag("  %s:%d: not compiled: %s", de->d_name, e.line, e.msg);
            drop_rule(text, e.line);
        }
        ok_rules += n;
        free(text);
        free(path);
    }
    closedir(d);
    ok(files > 0, "%s (%s): %zu files, %zu rules compile, %zu do not", name,
       with_ext ? "with THOR's externals" : "no externals", files, ok_rules,
       failed);
    free(dir);
    (void)count_declared;
}

/* Documents with VBA. */
static const char vba_src[] =
    "Attribut\x00" "e VB_Name = \"ThisDocument\"\r\nSub AutoOpen()\r\n"
    "  Shell \"cmd /c calc\"\r\nEnd Sub\r\n";

static unsigned char *ole_doc(size_t *len_r)
{
    static const char *const path[] = {"Macros", "VBA", NULL};
    GsfOutput *mem = gsf_output_memory_new(), *dirs[4], *st;
    GsfOutfile *ole = gsf_outfile_msole_new(mem), *cur = ole;
    unsigned char *p;
    int n = 0;

    for (int i = 0; path[i] != NULL; i++) {
        dirs[n] = gsf_outfile_new_child(cur, path[i], TRUE);
        cur = GSF_OUTFILE(dirs[n++]);
    }
    st = gsf_outfile_new_child(cur, "ThisDocument", FALSE);
    gsf_output_write(st, sizeof(vba_src) - 1, (const guint8 *)vba_src);
    gsf_output_close(st);
    g_object_unref(st);
    while (n > 0) {
        gsf_output_close(dirs[--n]);
        g_object_unref(dirs[n]);
    }
    st = gsf_outfile_new_child(ole, "WordDocument", FALSE);
    gsf_output_write(st, 8, (const guint8 *)"document");
    gsf_output_close(st);
    g_object_unref(st);
    gsf_output_close(GSF_OUTPUT(ole));
    g_object_unref(ole);
    *len_r = (size_t)gsf_output_size(mem);
    p = xmalloc(*len_r);
    memcpy(p, gsf_output_memory_get_bytes(GSF_OUTPUT_MEMORY(mem)), *len_r);
    g_object_unref(mem);
    return p;
}

static unsigned char *docm(size_t *len_r)
{
    size_t olen;
    unsigned char *ole = ole_doc(&olen), *z;
    const char *ct = "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas."
                     "openxmlformats.org/package/2006/content-types\"/>";
    const char *doc = "<?xml version=\"1.0\"?><w:document xmlns:w=\"u\">"
                      "<w:body><w:p><w:r><w:t>Enable macros</w:t></w:r>"
                      "</w:p></w:body></w:document>";
    struct centry e[] = {
        {"[Content_Types].xml", (const unsigned char *)ct, strlen(ct)},
        {"word/document.xml", (const unsigned char *)doc, strlen(doc)},
        {"word/vbaProject.bin", ole, olen},
    };

    z = cmsg_zip(e, 3, len_r);
    free(ole);
    return z;
}

static const struct cenv inbound = {"198.51.100.7", NULL, NULL, NULL, 0};

static void maldocs(void)
{
    char *conf = xasprintf("[content]\nyara_rules = %s/yara-rules-maldocs "
                           "%s/yara-signature-base %s/yara-inquest\n",
                           cmsg_testdata(), cmsg_testdata(), cmsg_testdata());
    size_t ldoc, ldocm;
    unsigned char *doc = ole_doc(&ldoc), *dm = docm(&ldocm);
    struct catt a[2] = {
        {"application/msword", "invoice.doc", doc, ldoc},
        {"application/vnd.ms-word.document.macroEnabled.12", "invoice.docm", dm,
         ldocm},
    };
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (ok(c != NULL, "the three testdata sets load together (%zu rules)",
           c ? content_yara_count(((struct content_state *)st)->yara) : 0)) {
        raw = cmsg_build(NULL, "The invoice.", &a[0], 1);
        cmsg_run(st, raw, &inbound, &r);
        ok(cmsg_has(&r, "YARA_CONTAINS_VBA_MACRO_CODE", "invoice.doc"),
           "maldocs: Contains_VBA_macro_code on a .doc with VBA");
        ok(cmsg_has(&r, "YARA_OFFICE_AUTOOPEN_MACRO", "invoice.doc"),
           "signature-base: Office_AutoOpen_Macro on the .doc");
        cmsg_run_free(&r);
        free(raw);
        raw = cmsg_build(NULL, "The invoice.", &a[1], 1);
        cmsg_run(st, raw, &inbound, &r);
        ok(cmsg_has(&r, "YARA_CONTAINS_VBA_MACRO_CODE", "invoice.docm"),
           "maldocs: Contains_VBA_macro_code on a docm");
        ok(cmsg_has(&r, "YARA_CONTAINS_VBA_MACRO_CODE",
                    "word/vbaProject.bin_in_invoice.docm"),
           "  and on its vbaProject.bin member");
        cmsg_run_free(&r);
        free(raw);
        cmsg_unload(c, st);
    }
    free(doc);
    free(dm);
}

static void ours(void)
{
    char *f = src("sluice.yar"), *conf;
    const char *marker = "Quarterly report SLUICE-YARA-MARKER inside";
    size_t ldocx, lzip;
    unsigned char *docx = cmsg_docx(marker, &ldocx), *zip;
    struct centry ze[1] = {{"report.docx", docx, ldocx}};
    struct catt a;
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    zip = cmsg_zip(ze, 1, &lzip);
    conf = xasprintf("[content]\nyara_rules = %s\nyara_tag_scores = phishing=7\n",
                     f);
    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "our YARA file loads")) {
        free(f);
        return;
    }
    a = (struct catt){"application/zip", "files.zip", zip, lzip};
    raw = cmsg_build(NULL, "The files.", &a, 1);
    cmsg_run(st, raw, &inbound, &r);
    ok(cmsg_has(&r, "YARA_SLUICE_MARKER",
                "word/document.xml_in_report.docx_in_files.zip"),
       "a string in a docx member inside a zip: the symbol names the member");
    ok(cmsg_score(&r, "YARA_SLUICE_MARKER") == 5, "  default score yara_score");
    ok(r.rc == MOD_CONTINUE, "  yara_action tag: the message goes on");
    cmsg_run_free(&r);
    free(raw);
    raw = cmsg_build(NULL, "Body with SLUICE-REJECT-ME in it.", NULL, 0);
    cmsg_run(st, raw, &inbound, &r);
    ok(r.rc == MOD_REJECT && strcmp(r.out.reply.rcode, "550") == 0 &&
           strstr(r.out.reply.text, "Sluice_Reject"),
       "sluice_action = \"reject\" rejects: %s %s", r.out.reply.rcode,
       r.out.reply.text);
    ok(cmsg_score(&r, "YARA_SLUICE_REJECT") == 8.0, "sluice_score = \"8.0\"");
    cmsg_run_free(&r);
    free(raw);
    a = (struct catt){"application/octet-stream", "evil.bin",
                      (const unsigned char *)"SLUICE-TAGGED", 13};
    raw = cmsg_build(NULL, "Hello.", &a, 1);
    cmsg_run(st, raw, &inbound, &r);
    ok(cmsg_score(&r, "YARA_SLUICE_TAGGED") == 7, "a tag's score");
    ok(cmsg_has(&r, "YARA_SLUICE_NAMED", "evil.bin"),
       "the filename external is the attachment's name");
    cmsg_run_free(&r);
    free(raw);
    cmsg_unload(c, st);
    free(zip);
    free(docx);
    free(f);
}

static void compiled(void)
{
    char *f = src("sluice.yar"), *out = xasprintf("/tmp/content_yara.%d.yarc",
                                                  (int)getpid()),
         *cmd, *conf;
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    cmd = xasprintf("yarac -d filename= %s %s", f, out);
    if (!ok(system(cmd) == 0, "yarac compiles our rules")) {
        free(cmd);
        free(f);
        free(out);
        return;
    }
    conf = xasprintf("[content]\nyara_rules = %s\n", out);
    c = cmsg_load(conf, &st, NULL);
    if (ok(c != NULL, "a yarac-compiled file loads")) {
        raw = cmsg_build(NULL, "SLUICE-YARA-MARKER", NULL, 0);
        cmsg_run(st, raw, &inbound, &r);
        ok(cmsg_has(&r, "YARA_SLUICE_MARKER", NULL), "  and matches");
        cmsg_run_free(&r);
        free(raw);
        cmsg_unload(c, st);
    }
    unlink(out);
    free(conf);
    free(cmd);
    free(out);
    free(f);
}

static void broken_and_changed(void)
{
    struct cfg_errors errs;
    char *b = src("broken.yar"), *conf, path[] = "/tmp/content_yara.XXXXXX";
    struct content_watch *w;
    struct cfg *c;
    void *st;
    FILE *fp;
    int fd;

    conf = xasprintf("[content]\nyara_rules = %s\n", b);
    c = cmsg_load(conf, &st, &errs);
    ok(c == NULL && errs.n >= 1 && strstr(errs.v[0], "broken.yar:8:") &&
           strstr(errs.v[0], "undefined_identifier"),
       "a broken file: file:line (%s)", errs.n ? errs.v[0] : "");
    cfg_errors_free(&errs);
    free(conf);
    free(b);
    /* a file changed on disk: the watch sees it once */
    fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    clock_fake_set(1796601600, 5000.0);
    w = content_watch_new(5);
    content_watch_add(w, path);
    ok(content_watch_poll(w) == 0, "the watch: no change yet");
    fp = fopen(path, "w");
    fprintf(fp, "rule Changed { condition: false }\n");
    fclose(fp);
    ok(content_watch_poll(w) == 0, "  not looked at before the interval");
    clock_fake_advance(6);
    ok(content_watch_poll(w) == 1, "  a change is seen after the interval");
    clock_fake_advance(6);
    ok(content_watch_poll(w) == 0, "  and asked for once");
    content_watch_free(w);
    clock_fake_off();
    unlink(path);
}

static void slow(void)
{
    char *f = src("slow.yar"), *conf;
    unsigned char *blob = xcalloc(1, 200000);
    struct catt a = {"application/octet-stream", "big.bin", blob, 200000};
    double t0;
    struct cfg *c;
    struct crun r;
    void *st;
    char *raw;

    conf = xasprintf("[content]\nyara_rules = %s\nyara_scan_timeout = 1s\n"
                     "yara_max_time = 1500ms\n",
                     f);
    c = cmsg_load(conf, &st, NULL);
    free(conf);
    if (!ok(c != NULL, "a pathological rule loads")) {
        free(f);
        free(blob);
        return;
    }
    raw = cmsg_build(NULL, "Big.", &a, 1);
    t0 = clock_mono();
    cmsg_run(st, raw, &inbound, &r);
    ok(cmsg_has(&r, "CONTENT_YARA_TIMEOUT", "big.bin"),
       "stopped by the time limit: CONTENT_YARA_TIMEOUT");
    ok(r.rc == MOD_TEMPFAIL && r.out.reply.rcode[0] == '4',
       "the message gets on_error (tempfail): %s", r.out.reply.rcode);
    ok(clock_mono() - t0 < 4.0, "within the per-message bound (%.2f s)",
       clock_mono() - t0);
    cmsg_run_free(&r);
    free(raw);
    cmsg_unload(c, st);
    free(blob);
    free(f);
}

int main(void)
{
    yr_initialize();
    for (int x = 0; x < 2; x++) {
        one_set("yara-inquest", x);
        one_set("yara-rules-maldocs", x);
        one_set("yara-signature-base", x);
    }
    ours();
    compiled();
    broken_and_changed();
    slow();
    maldocs();
    yr_finalize();
    return done_testing();
}
