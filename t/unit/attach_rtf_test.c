/*
 * attach_rtf_test - attach_rtf_has_object(): embedded objects in RTF,
 *	the lexical traps around them, and bounded work on hostile input.
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach.h"

static const struct {
    const char *name;
    const char *rtf;
    int want;
} cases[] = {
    {"plain RTF has no object",
     "{\\rtf1\\ansi{\\fonttbl\\f0 Arial;}\\f0 Hi\\par}", 0},
    {"\\object is found", "{\\rtf1{\\object\\objemb{\\*\\objclass Package}}}",
     1},
    {"\\objdata is found", "{\\rtf1{\\*\\objdata 0105000002000000}}", 1},
    {"\\objemb alone is found", "{\\rtf1 \\objemb x}", 1},
    {"\\objlink is found", "{\\rtf1\\objlink\\objupdate x}", 1},
    {"\\objocx is found", "{\\rtf1\\objocx x}", 1},
    {"\\objautlink is found", "{\\rtf1\\objautlink x}", 1},
    {"object word with a parameter", "{\\rtf1\\objdata123 x}", 1},
    {"object word at the very end (truncated)", "{\\rtf1\\objdata", 1},
    {"\\objdatax is another word", "{\\rtf1\\objdatax 1}", 0},
    {"\\objects is another word", "{\\rtf1\\objects}", 0},
    {"\\objclass alone is no object", "{\\rtf1\\objclass Word}", 0},
    {"escaped backslash: \\\\object is text", "{\\rtf1 C:\\\\object}", 0},
    {"escaped backslash twice, then a word", "{\\rtf1 \\\\\\object}", 1},
    {"escaped braces do not hide a word", "{\\rtf1 \\{\\}\\object}", 1},
    {"object in plain text is no word", "{\\rtf1 object objdata}", 0},
    {"upper case is another word", "{\\rtf1\\OBJECT}", 0},
    {"hex escape then word", "{\\rtf1 \\'5c\\object}", 1},
    {"hex escape of a backslash is text", "{\\rtf1 \\'5cobject}", 0},
    {"\\bin skips raw bytes", "{\\rtf1\\bin8 \\object}", 0},
    {"\\bin skips only its bytes", "{\\rtf1\\bin2 ab\\object}", 1},
    {"\\bin past the end is bounded", "{\\rtf1\\bin999999999999 x", 0},
    {"negative \\bin skips nothing", "{\\rtf1\\bin-5 \\object}", 1},
    {"lone backslash at the end", "{\\rtf1 x\\", 0},
    {"unbalanced closing braces", "}}}}{\\rtf1 x}}}}", 0},
    {"over-long control word is ignored",
     "{\\rtf1\\objectobjectobjectobjectobjectobjectx}", 0},
    {"empty input", "", 0},
};

static void test_table(void)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++)
        is_int(attach_rtf_has_object((const unsigned char *)cases[i].rtf,
                                     strlen(cases[i].rtf)),
               cases[i].want, cases[i].name);
}

/* Nesting beyond the bound is treated as an object; below it is not. */
static void test_nesting(void)
{
    size_t n = 20000;
    unsigned char *b = malloc(2 * n + 16);

    memset(b, '{', n);
    memset(b + n, '}', n);
    is_int(attach_rtf_has_object(b, 2 * n), 1,
           "20000 nested groups count as hidden object");
    is_int(attach_rtf_has_object(b + n / 2 + 5001, 2 * n - n / 2 - 5001), 0,
           "4999 nested groups are fine");
    free(b);
    is_int(attach_rtf_has_object(NULL, 10), 0, "NULL input is no object");
}

/* Every prefix of an object RTF: no crash, and found once complete. */
static void test_prefixes(void)
{
    const char *r = "{\\rtf1{\\*\\objdata 01050000}}";
    size_t i, n = strlen(r), bad = 0;

    for (i = 0; i <= n; i++) {
        int got = attach_rtf_has_object((const unsigned char *)r, i);

        if (got != (i >= strlen("{\\rtf1{\\*\\objdata")))
            bad++;
    }
    is_int((long long)bad, 0, "every truncation answers as expected");
}

int main(void)
{
    test_table();
    test_nesting();
    test_prefixes();
    return done_testing();
}
