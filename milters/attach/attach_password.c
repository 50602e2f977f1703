/*
 * attach_password - candidate passwords for encrypted archives, taken
 *	from the text of the message itself.
 *
 * SYNOPSIS
 *	size_t attach_passwords_find(const char *text, size_t len,
 *	                             char **out, size_t max);
 *
 * DESCRIPTION
 *	Senders of encrypted archives (malware and honest ones) put the
 *	password in the body: "Password: x7Tq", "Lösenordet är hemligt",
 *	"salasana on 'abc 123'".  attach_passwords_find() looks for the
 *	keywords password, passwd, pwd, pw, passwort, kennwort, lösenord,
 *	losenord, salasana, passord (ASCII case-insensitive, and Ö/ö in
 *	UTF-8), as whole words with an optional short inflection (s, et,
 *	n, e, es, en), and for each keyword collects, in this order:
 *	  - the token after the first ':' or '=' in the next
 *	    PW_WINDOW bytes, when the line has one;
 *	  - the first token after the keyword that is not a filler word
 *	    ("is", "är", "on", "er", "ist", "lautet", "for", "the", ...);
 *	  - every quoted string ("..", '..', “..”, „..“, «..», ‘..’) that
 *	    starts in the next PW_WINDOW bytes.
 *	Text at most one line break after the keyword is considered.  A
 *	token ends at white space; leading quotes and brackets and trailing
 *	punctuation (.,;:!?)]}>"') are stripped.  Candidates of 1 to
 *	PW_MAX_LEN bytes are kept, duplicates dropped, at most max stored.
 *
 *	text is UTF-8 (any bytes are tolerated) and need not be NUL
 *	terminated.  The scan is linear in len.
 *
 * OWNERSHIP
 *	Each stored out[i] is newly allocated (xmalloc); the caller frees
 *	them.  The return value is the number stored.
 */
#include <stddef.h>
#include <string.h>

#include "attach.h"
#include "util.h"

#define PW_WINDOW 100
#define PW_MAX_LEN 128

static const char *const pw_keywords[] = {
    "password", "passwd",          "pwd",      "pw",       "passwort",
    "kennwort", "l\xc3\xb6senord", "losenord", "salasana", "passord",
};

static const char *const pw_suffixes[] = {"", "s", "et", "n", "e", "es", "en"};

static const char *const pw_fillers[] = {
    "is",      "\xc3\xa4r",  "ar",         "on",         "er",  "ist", "lautet",
    "was",     "for",        "the",        "to",         "of",  "zip", "file",
    "archive", "attachment", "f\xc3\xb6r", "till",       "-",   ":",   "=",
    "will",    "be",         "lyder",      "f\xc3\xbcr", "die", "das", "den",
    "datei",   "tiedoston",  "on:",        "er:",        "is:",
};

struct pw_out {
    char **out;
    size_t n, max;
};

static unsigned char pw_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int pw_is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c >= 0x80;
}

static int pw_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' ||
           c == '\v';
}

/* Case-insensitive prefix match of kw at t; handles Ö (c3 96) = ö. */
static size_t pw_match(const char *t, size_t len, const char *kw)
{
    size_t i, n = strlen(kw);

    if (n > len)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char a = pw_lower((unsigned char)t[i]);
        unsigned char b = (unsigned char)kw[i];

        if (i > 0 && (unsigned char)kw[i - 1] == 0xc3 && a == 0x96)
            a = 0xb6;
        if (a != b)
            return 0;
    }
    return n;
}

/* Length of a keyword (with inflection) at t, 0 when none. */
static size_t pw_keyword_at(const char *t, size_t len)
{
    size_t k, s, n, m;

    for (k = 0; k < sizeof(pw_keywords) / sizeof(*pw_keywords); k++) {
        n = pw_match(t, len, pw_keywords[k]);
        if (n == 0)
            continue;
        for (s = 0; s < sizeof(pw_suffixes) / sizeof(*pw_suffixes); s++) {
            m = strlen(pw_suffixes[s]);
            if (n + m > len || pw_match(t + n, len - n, pw_suffixes[s]) != m)
                continue;
            if (n + m == len || !pw_is_word_byte((unsigned char)t[n + m]))
                return n + m;
        }
    }
    return 0;
}

static int pw_is_filler(const char *w, size_t n)
{
    size_t i;

    for (i = 0; i < sizeof(pw_fillers) / sizeof(*pw_fillers); i++)
        if (strlen(pw_fillers[i]) == n && pw_match(w, n, pw_fillers[i]))
            return 1;
    return pw_keyword_at(w, n) == n;
}

static void pw_add(struct pw_out *o, const char *w, size_t n)
{
    size_t i;

    if (n == 0 || n > PW_MAX_LEN || o->n >= o->max)
        return;
    for (i = 0; i < o->n; i++)
        if (strlen(o->out[i]) == n && memcmp(o->out[i], w, n) == 0)
            return;
    o->out[o->n++] = xstrndup(w, n);
}

/* Strip leading quotes/brackets and trailing punctuation of [*w, *w+*n). */
static void pw_trim(const char **w, size_t *n)
{
    static const char lead[] = "\"'([{<";
    static const char trail[] = ".,;:!?)]}>\"'";

    while (*n > 0 && strchr(lead, (*w)[0]) != NULL) {
        (*w)++;
        (*n)--;
    }
    while (*n > 0 && strchr(trail, (*w)[*n - 1]) != NULL)
        (*n)--;
    /* Typographic closing quotes: ” ’ » (UTF-8). */
    while (*n >= 2) {
        const unsigned char *e = (const unsigned char *)*w + *n;

        if (*n >= 3 && e[-3] == 0xe2 && e[-2] == 0x80 &&
            (e[-1] == 0x9d || e[-1] == 0x99))
            *n -= 3;
        else if (e[-2] == 0xc2 && e[-1] == 0xbb)
            *n -= 2;
        else
            break;
    }
}

/* Add the token trimmed, then as written (a password may end in '!'). */
static void pw_add_token(struct pw_out *o, const char *w, size_t n)
{
    const char *tw = w;
    size_t tn = n;

    pw_trim(&tw, &tn);
    if (tn == 0 || pw_is_filler(tw, tn))
        return;
    pw_add(o, tw, tn);
    while (n > 0 && (w[0] == '"' || w[0] == '\'' || w[0] == '(')) {
        w++;
        n--;
    }
    pw_add(o, w, n);
}

/* The window after a keyword: to PW_WINDOW bytes, at most 1 newline. */
static size_t pw_window(const char *t, size_t len)
{
    size_t i, nl = 0;

    for (i = 0; i < len && i < PW_WINDOW; i++)
        if (t[i] == '\n' && ++nl == 2)
            break;
    return i;
}

/*
 * Next token from *pos that starts before win (it may run on to len, but
 * is cut at PW_MAX_LEN + 1 bytes, which pw_add() drops); 0 at the end.
 */
static size_t pw_token(const char *t, size_t win, size_t len, size_t *pos,
                       const char **w)
{
    size_t p = *pos, s;

    while (p < win && pw_is_space((unsigned char)t[p]))
        p++;
    if (p >= win) {
        *pos = p;
        return 0;
    }
    s = p;
    while (p < len && p - s <= PW_MAX_LEN && !pw_is_space((unsigned char)t[p]))
        p++;
    *pos = p;
    *w = t + s;
    return p - s;
}

/* The token after the first ':' or '=' on the keyword's own line. */
static void pw_after_colon(struct pw_out *o, const char *t, size_t win,
                           size_t len)
{
    size_t p, n;
    const char *w;

    for (p = 0; p < win && t[p] != '\n'; p++)
        if (t[p] == ':' || t[p] == '=')
            break;
    if (p >= win || t[p] == '\n')
        return;
    p++;
    n = pw_token(t, win, len, &p, &w);
    if (n == 0 || n > PW_MAX_LEN)
        return;
    pw_add_token(o, w, n);
}

/* The first token after the keyword that is not a filler word. */
static void pw_first_token(struct pw_out *o, const char *t, size_t win,
                           size_t len)
{
    size_t p = 0, n, tn;
    const char *w, *tw;

    while ((n = pw_token(t, win, len, &p, &w)) > 0) {
        if (n > PW_MAX_LEN)
            return; /* too long to be one */
        while (n > 0 && (w[0] == ':' || w[0] == '=')) {
            w++;
            n--;
        }
        tw = w;
        tn = n;
        pw_trim(&tw, &tn);
        if (tn == 0 || pw_is_filler(tw, tn))
            continue;
        pw_add_token(o, w, n);
        return;
    }
}

/* Opening quote at t[p]: its length, and the closers (NUL separated). */
static size_t pw_quote_open(const char *t, size_t len, size_t p,
                            const char **close1, const char **close2)
{
    static const struct {
        const char *open, *c1, *c2;
    } q[] = {
        {"\"", "\"", "\xe2\x80\x9d"},
        {"'", "'", "\xe2\x80\x99"},
        {"\xe2\x80\x9c", "\xe2\x80\x9d", "\""},
        {"\xe2\x80\x9e", "\xe2\x80\x9c", "\xe2\x80\x9d"},
        {"\xc2\xab", "\xc2\xbb", "\xc2\xbb"},
        {"\xe2\x80\x98", "\xe2\x80\x99", "'"},
    };
    size_t i, n;

    if (p > 0 && pw_is_word_byte((unsigned char)t[p - 1]) &&
        (unsigned char)t[p - 1] < 0x80)
        return 0; /* an apostrophe inside a word */
    for (i = 0; i < sizeof(q) / sizeof(*q); i++) {
        n = strlen(q[i].open);
        if (p + n <= len && memcmp(t + p, q[i].open, n) == 0) {
            *close1 = q[i].c1;
            *close2 = q[i].c2;
            return n;
        }
    }
    return 0;
}

/* Every quoted string that opens within the window (closing by len). */
static void pw_quoted(struct pw_out *o, const char *t, size_t win, size_t len)
{
    size_t p, e, n;
    const char *c1, *c2;

    for (p = 0; p < win; p++) {
        n = pw_quote_open(t, len, p, &c1, &c2);
        if (n == 0)
            continue;
        for (e = p + n; e < len && e - p <= PW_MAX_LEN + n; e++) {
            if (t[e] == '\n')
                break;
            if (pw_match(t + e, len - e, c1) || pw_match(t + e, len - e, c2))
                break;
        }
        if (e >= len || t[e] == '\n' || e - p > PW_MAX_LEN + n)
            continue;
        pw_add(o, t + p + n, e - p - n);
        p = e;
    }
}

size_t attach_passwords_find(const char *text, size_t len, char **out,
                             size_t max)
{
    struct pw_out o = {out, 0, max};
    size_t p, k, win;

    if (text == NULL || out == NULL)
        return 0;
    for (p = 0; p < len && o.n < max; p++) {
        if (p > 0 && pw_is_word_byte((unsigned char)text[p - 1]))
            continue;
        k = pw_keyword_at(text + p, len - p);
        if (k == 0)
            continue;
        p += k;
        win = pw_window(text + p, len - p);
        pw_after_colon(&o, text + p, win, len - p);
        pw_first_token(&o, text + p, win, len - p);
        pw_quoted(&o, text + p, win, len - p);
        p--; /* the loop's p++ */
    }
    return o.n;
}
