/*
 * reply - SMTP reply templates in English, Swedish and Finnish (reply.h).
 *
 * DESCRIPTION
 *	reply_templates[] holds libcommon's generic templates, one row per
 *	reason key: the SMTP code, the enhanced status code (RFC 3463) and
 *	the sentence in each language.  Modules register their own tables
 *	(reply_register()).  Reason keys of modules are the lower-case
 *	names of the symbols that may force a refusal ("attach_banned_ext"
 *	for ATTACH_BANNED_EXT), so that the enforcer can find the template
 *	for the symbol that forced its verdict when that module is in the
 *	same program; otherwise the generic "policy" reply is used.
 *	reply_known() and reply_build() fold the key to lower case.
 *
 *	The sentences are written in proper UTF-8 Swedish and Finnish here,
 *	but an SMTP reply must be ASCII (RFC 5321 section 4.2; SMTPUTF8 does
 *	not cover replies, and the MTAs in front of us rarely offer it), so
 *	reply_build() transliterates on the way out: å ä -> a, ö -> o, Å Ä
 *	-> A, Ö -> O, é -> e, ü -> u; any other non-ASCII character becomes
 *	'?'.  The texts are therefore written to stay right when folded: no
 *	word whose folded form is another word ("här" would become "har",
 *	"has"; "för" "for"; "är" "ar"; "på" "pa"; "sätt" "satt"; Finnish
 *	"kätkee" "katkee"), and no English inside them, not even in the
 *	info URL's "(see URL)", which is "(se URL)" and "(katso URL)".
 *	t/unit/reply_lang_test walks every table of every module and keeps
 *	it so.
 *
 *	Arguments (%{file}, %{limit}, %{value}, %{rule}) are untrusted: each
 *	is cut to REPLY_ARG_MAX bytes ("..." marks the cut), and control
 *	characters, '%' (libmilter's smfi_setreply() treats it as a format
 *	character) and each non-ASCII character become '?'.  A missing
 *	argument expands to "".  The info URL gets the same treatment.
 *	Symbol names are never inserted: no template contains one.
 */
#include "reply.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

#define REPLY_ARG_MAX 100

static const struct reply_template reply_templates[] = {
    {"sluice_forged_result",
     "550",
     "5.7.1",
     {"This message carries a forged filter header and was refused.",
      "Meddelandet innehåller en förfalskad filterrubrik och avvisades.",
      "Viestissä on väärennetty suodatusotsake, joten se hylättiin."}},
    {"policy",
     "550",
     "5.7.1",
     {"This message was refused by the content policy of this site.",
      "Meddelandet avvisades enligt mottagarserverns innehållspolicy.",
      "Viesti hylättiin tämän palvelimen sisältökäytännön perusteella."}},
    {"greylist",
     "451",
     "4.7.1",
     {"This message was delayed by greylisting; please try again in a few "
      "minutes.",
      "Meddelandet fördröjdes av grålistning; försök igen om några minuter.",
      "Viesti viivästettiin harmaalistauksen vuoksi; yritä uudelleen "
      "muutaman minuutin kuluttua."}},
    {"tempfail",
     "451",
     "4.3.0",
     {"Temporary problem checking this message; please try again later.",
      "Tillfälligt problem vid kontrollen av meddelandet; försök igen "
      "senare.",
      "Tilapäinen ongelma viestin tarkistuksessa; yritä myöhemmin "
      "uudelleen."}},
    {"error",
     "550",
     "5.7.1",
     {"This message could not be checked and was refused; please contact "
      "the postmaster.",
      "Meddelandet kunde inte kontrolleras och avvisades; kontakta "
      "postmastern.",
      "Viestiä ei voitu tarkistaa, joten se hylättiin; ota yhteyttä "
      "postmasteriin."}},
    {"too_many_header_lines",
     "552",
     "5.3.4",
     {"The message header is too big: at most %{limit} header lines are "
      "accepted here.",
      "Meddelandet avvisades: huvudet överskrider gränsen %{limit} rader.",
      "Viestin otsake on liian suuri: täällä hyväksytään enintään %{limit} "
      "otsakeriviä."}},
    {"too_many_header_bytes",
     "552",
     "5.3.4",
     {"The message header is too big: at most %{limit} bytes of header are "
      "accepted here.",
      "Meddelandet avvisades: huvudet överskrider gränsen %{limit} byte.",
      "Viestin otsake on liian suuri: täällä hyväksytään enintään %{limit} "
      "tavua otsaketta."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

/* Before the info URL: " (see URL)" in the reply's language. */
static const char *const reply_see[LANG_COUNT] = {"see", "se", "katso"};

#define REPLY_MAX_TABLES 16

static const struct reply_template *reply_tables[REPLY_MAX_TABLES] = {
    reply_templates};
static size_t reply_ntables = 1;

void reply_register(const struct reply_template *table)
{
    if (table == NULL)
        return;
    for (size_t i = 0; i < reply_ntables; i++)
        if (reply_tables[i] == table)
            return;
    if (reply_ntables < REPLY_MAX_TABLES)
        reply_tables[reply_ntables++] = table;
}

static const char *const reply_lang_names[LANG_COUNT] = {"en", "sv", "fi"};

int reply_lang_parse(const char *s, enum reply_lang *out)
{
    for (int i = 0; i < LANG_COUNT; i++) {
        if (str_casecmp(s, reply_lang_names[i]) == 0) {
            *out = (enum reply_lang)i;
            return 0;
        }
    }
    return -1;
}

const char *reply_lang_name(enum reply_lang l)
{
    return (unsigned)l < LANG_COUNT ? reply_lang_names[l] : "en";
}

enum reply_lang reply_lang_for(const char *rcpt, struct map *lang_map,
                               enum reply_lang def)
{
    char buf[512];
    const char *value, *err;
    size_t len;
    enum reply_lang l;

    if (rcpt == NULL || lang_map == NULL)
        return def;
    /* libmilter hands recipients over as "<user@example.org>". */
    len = strlen(rcpt);
    if (len >= 2 && rcpt[0] == '<' && rcpt[len - 1] == '>') {
        rcpt++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return def;
    memcpy(buf, rcpt, len);
    buf[len] = '\0';
    if (map_lookup(lang_map, buf, &value, &err) != MAP_FOUND)
        return def;
    if (reply_lang_parse(value, &l) < 0)
        return def;
    return l;
}

static const struct reply_template *reply_find(const char *reason)
{
    if (reason == NULL)
        return NULL;
    for (size_t t = 0; t < reply_ntables; t++)
        for (const struct reply_template *p = reply_tables[t]; p->reason; p++)
            if (str_casecmp(p->reason, reason) == 0)
                return p;
    return NULL;
}

const struct reply_template *reply_table_at(size_t i)
{
    return i < reply_ntables ? reply_tables[i] : NULL;
}

int reply_known(const char *reason)
{
    return reply_find(reason) != NULL;
}

/* Length of the UTF-8 sequence starting with lead byte c (1 if invalid). */
static size_t reply_u8len(unsigned char c)
{
    if (c >= 0xf0 && c < 0xf8)
        return 4;
    if (c >= 0xe0)
        return 3;
    if (c >= 0xc0)
        return 2;
    return 1;
}

/* The ASCII for the UTF-8 character at s, or 0 when there is none. */
static char reply_translit(const unsigned char *s)
{
    static const struct {
        unsigned char b1, b2;
        char ascii;
    } tr[] = {
        {0xc3, 0xa5, 'a'}, {0xc3, 0xa4, 'a'}, {0xc3, 0xb6, 'o'},
        {0xc3, 0x85, 'A'}, {0xc3, 0x84, 'A'}, {0xc3, 0x96, 'O'},
        {0xc3, 0xa9, 'e'}, {0xc3, 0x89, 'E'}, {0xc3, 0xbc, 'u'},
        {0xc3, 0x9c, 'U'},
    };

    for (size_t i = 0; i < sizeof(tr) / sizeof(*tr); i++)
        if (s[0] == tr[i].b1 && s[1] == tr[i].b2)
            return tr[i].ascii;
    return 0;
}

/*
 * Append s as ASCII: transliterate what we can, '?' for the rest.  With
 * untrusted set (arguments, the URL), every non-ASCII character, '%' and
 * control characters become '?'.  At
 * most max input bytes are read (0: all).
 */
static void reply_put_ascii(struct strbuf *b, const char *s, size_t max,
                            int untrusted)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + (max ? strnlen(s, max) : strlen(s));

    while (p < end) {
        char c = (char)*p;
        size_t n = 1;

        if (*p >= 0x80) {
            n = reply_u8len(*p);
            if (n > (size_t)(end - p))
                n = (size_t)(end - p);
            c = n == 2 && !untrusted ? reply_translit(p) : 0;
            if (c == 0)
                c = '?';
        } else if (*p < 0x20 || *p == 0x7f || (untrusted && *p == '%')) {
            c = '?';
        }
        strbuf_append(b, &c, 1);
        p += n;
    }
}

static void reply_put_arg(struct strbuf *b, const char *name, size_t len,
                          const struct reply_arg *args, size_t nargs)
{
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].name == NULL || args[i].value == NULL ||
            strlen(args[i].name) != len ||
            strncmp(args[i].name, name, len) != 0)
            continue;
        reply_put_ascii(b, args[i].value, REPLY_ARG_MAX, 1);
        if (strlen(args[i].value) > REPLY_ARG_MAX)
            strbuf_puts(b, "...");
        return;
    }
}

/* Expand %{name} placeholders of tpl into b. */
static void reply_expand(struct strbuf *b, const char *tpl,
                         const struct reply_arg *args, size_t nargs)
{
    const char *p = tpl;

    while (*p) {
        const char *open = strstr(p, "%{"), *close = NULL;
        struct strbuf lit;

        if (open == NULL || (close = strchr(open, '}')) == NULL)
            open = p + strlen(p);
        strbuf_init(&lit, 0);
        strbuf_append(&lit, p, (size_t)(open - p));
        if (lit.len)
            reply_put_ascii(b, lit.data, 0, 0);
        strbuf_free(&lit);
        if (*open == '\0')
            return;
        reply_put_arg(b, open + 2, (size_t)(close - open - 2), args, nargs);
        p = close + 1;
    }
}

int reply_build(struct reply *r, const char *reason, enum reply_lang lang,
                const char *info_url, const struct reply_arg *args,
                size_t nargs)
{
    const struct reply_template *t = reply_find(reason);
    struct strbuf b;
    int rc = 0;

    if (t == NULL) {
        t = reply_find("policy");
        rc = -1;
    }
    if ((unsigned)lang >= LANG_COUNT)
        lang = LANG_EN;
    snprintf(r->rcode, sizeof(r->rcode), "%s", t->rcode);
    snprintf(r->xcode, sizeof(r->xcode), "%s", t->xcode);
    strbuf_init(&b, 0);
    reply_expand(&b, t->text[lang], args, nargs);
    if (info_url != NULL && *info_url != '\0') {
        strbuf_printf(&b, " (%s ", reply_see[lang]);
        reply_put_ascii(&b, info_url, 200, 1);
        strbuf_puts(&b, ")");
    }
    snprintf(r->text, sizeof(r->text), "%s", b.data ? b.data : "");
    strbuf_free(&b);
    return rc;
}
