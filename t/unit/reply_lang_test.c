/*
 * reply_lang_test - every SMTP reply template of every module, in Swedish
 *	and Finnish, as it is sent: ASCII, folded (å ä -> a, ö -> o).
 *
 *	The test is sluice-milter's own main() (milters/all/main.c, the
 *	program that links every module) with milter_main_all() wrapped
 *	(-Wl,--wrap): the wrapper below receives the program's module list,
 *	registers each module's table and walks them all, libcommon's
 *	generic one first.  A module added to sluice-milter is walked
 *	without touching this file.
 *
 *	For each template in sv and fi (with the info URL appended):
 *	  - every language has a text; the reply is printable ASCII with no
 *	    '?' (a character the fold does not know);
 *	  - no English word from a short list ("in", "the", "see", ...);
 *	  - no word whose folded form is another word (här -> har "has",
 *	    för -> for, är -> ar, på -> pa, så -> sa, sätt -> satt, ...;
 *	    Finnish kätkee -> katkee, väärä -> vaara, ...).  A probe table
 *	    checks that reply_build() folds these words as the list says.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "module.h"
#include "reply.h"
#include "util.h"

int __wrap_milter_main_all(int argc, char **argv, const char *progname,
                           const struct module *const *mods, size_t nmods);

static const char *const english[] = {
    "in",   "the",  "of",      "and",     "is",         "was",  "are",
    "not",  "file", "files",   "this",    "that",       "here", "see",
    "for",  "to",   "with",    "please",  "message",    "been", "has",
    "by",   "too",  "your",    "refused", "attachment", "try",  "again",
    "later"};

struct fold {
    enum reply_lang lang;
    const char *word;   /* as written, UTF-8 */
    const char *folded; /* as sent: another word */
};

static const struct fold folds[] = {
    {LANG_SV, "här", "har"},      {LANG_SV, "för", "for"},
    {LANG_SV, "är", "ar"},        {LANG_SV, "år", "ar"},
    {LANG_SV, "på", "pa"},        {LANG_SV, "så", "sa"},
    {LANG_SV, "än", "an"},        {LANG_SV, "då", "da"},
    {LANG_SV, "sätt", "satt"},    {LANG_SV, "mål", "mal"},
    {LANG_SV, "bär", "bar"},      {LANG_SV, "kör", "kor"},
    {LANG_SV, "få", "fa"},        {LANG_SV, "ände", "ande"},
    {LANG_SV, "väg", "vag"},      {LANG_SV, "för", "for"},
    {LANG_FI, "kätkee", "katkee"}, {LANG_FI, "väärä", "vaara"},
    {LANG_FI, "sää", "saa"},      {LANG_FI, "jää", "jaa"},
    {LANG_FI, "älä", "ala"},      {LANG_FI, "tälle", "talle"},
    {LANG_FI, "käsi", "kasi"},    {LANG_FI, "pää", "paa"},
};

/* The probe: these words, folded as the list says. */
static const struct reply_template probe[] = {
    {"probe_folds",
     "550",
     "5.7.1",
     {"x", "här för är år på så än då sätt mål bär kör få ände väg",
      "kätkee väärä sää jää älä tälle käsi pää"}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

static int is_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Does text contain word as a whole word (case-insensitive)? */
static int has_word(const char *text, const char *word)
{
    size_t n = strlen(word);

    for (const char *p = text; *p; p++) {
        if (p > text && is_letter((unsigned char)p[-1]))
            continue;
        if (str_ncasecmp(p, word, n) == 0 && !is_letter((unsigned char)p[n]))
            return 1;
    }
    return 0;
}

static const char *lang_name(enum reply_lang l)
{
    return l == LANG_SV ? "sv" : l == LANG_FI ? "fi" : "en";
}

/* The reply as sent, placeholders shown as {name}, the info URL on. */
static void build(const char *key, enum reply_lang l, struct reply *r)
{
    static const struct reply_arg args[] = {
        {"file", "{x}"}, {"limit", "{x}"}, {"value", "{x}"}, {"rule", "{x}"}};

    reply_build(r, key, l, "https://example.org/mail", args, 4);
}

static int check_ascii(const char *key, enum reply_lang l, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '?')
            return ok(0, "%s %s: printable ASCII, nothing lost in the fold: "
                         "\"%s\"",
                      key, lang_name(l), text);
    return ok(1, "%s %s: printable ASCII, nothing lost in the fold", key,
              lang_name(l));
}

static void check_template(const struct reply_template *t, enum reply_lang l)
{
    struct reply r;
    const char *bad = NULL, *fold = NULL;

    build(t->reason, l, &r);
    check_ascii(t->reason, l, r.text);
    for (size_t i = 0; i < sizeof(english) / sizeof(*english); i++)
        if (has_word(r.text, english[i]))
            bad = english[i];
    ok(bad == NULL, "%s %s: no English word%s%s", t->reason, lang_name(l),
       bad ? ": " : "", bad ? bad : "");
    for (size_t i = 0; i < sizeof(folds) / sizeof(*folds); i++)
        if (folds[i].lang == l && has_word(t->text[l], folds[i].word))
            fold = folds[i].word;
    ok(fold == NULL, "%s %s: no word that folds into another%s%s", t->reason,
       lang_name(l), fold ? ": " : "", fold ? fold : "");
    if (bad || fold)
        diag("sent: %s %s %s", r.rcode, r.xcode, r.text);
}

/* The fold list is true: reply_build() makes these words of them. */
static void check_probe(void)
{
    struct reply r;
    int good = 1;

    reply_register(probe);
    for (enum reply_lang l = LANG_SV; l <= LANG_FI; l++) {
        reply_build(&r, "probe_folds", l, NULL, NULL, 0);
        for (size_t i = 0; i < sizeof(folds) / sizeof(*folds); i++)
            if (folds[i].lang == l && !has_word(r.text, folds[i].folded)) {
                diag("%s does not fold to %s: %s", folds[i].word,
                     folds[i].folded, r.text);
                good = 0;
            }
    }
    ok(good, "probe: reply_build() folds every listed word as listed");
}

int __wrap_milter_main_all(int argc, char **argv, const char *progname,
                           const struct module *const *mods, size_t nmods)
{
    const struct reply_template *tab;
    size_t ntemplates = 0, ntables = 0;

    (void)argc;
    (void)argv;
    for (size_t i = 0; i < nmods; i++)
        reply_register(mods[i]->replies);
    for (size_t i = 0; (tab = reply_table_at(i)) != NULL; i++) {
        ntables++;
        for (const struct reply_template *t = tab; t->reason; t++) {
            ok(t->text[LANG_EN] && *t->text[LANG_EN] && t->text[LANG_SV] &&
                   *t->text[LANG_SV] && t->text[LANG_FI] && *t->text[LANG_FI],
               "%s: a text in en, sv and fi", t->reason);
            check_template(t, LANG_SV);
            check_template(t, LANG_FI);
            ntemplates++;
        }
    }
    ok(ntables == nmods + 1 && ntemplates > 10,
       "%s: walked %zu tables (libcommon's and %zu modules'), %zu templates",
       progname, ntables, nmods, ntemplates);
    check_probe();
    return done_testing();
}
