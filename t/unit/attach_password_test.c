/*
 * attach_password_test - attach_passwords_find(): candidate passwords
 *	from message text, in several languages, and its bounds.
 */
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "attach.h"

#define MAXC 8

static const struct {
    const char *name;
    const char *text;
    const char *want[4]; /* must be among the candidates; NULL ends */
    int none;            /* expect no candidate at all */
} cases[] = {
    {"English colon", "Hi,\nPassword: x7Tq9!\nBye", {"x7Tq9!"}, 0},
    {"English 'is' and full stop",
     "The password is infected.",
     {"infected"},
     0},
    {"password for the zip file: X",
     "The password for the zip file: S3cr3t, thanks",
     {"S3cr3t"},
     0},
    {"upper case keyword", "PASSWORD=abc123", {"abc123"}, 0},
    {"keyword with colon and no space", "pw:qwerty", {"qwerty"}, 0},
    {"pwd", "pwd - 4711;", {"4711"}, 0},
    {"Swedish lösenord", "Lösenord: hemligt99", {"hemligt99"}, 0},
    {"Swedish LÖSENORDET är", "LÖSENORDET är Kanelbulle.", {"Kanelbulle"}, 0},
    {"Swedish without diaeresis", "losenordet ar 1234", {"1234"}, 0},
    {"Finnish salasana on", "Salasana on kissa2024!", {"kissa2024"}, 0},
    {"Norwegian passordet er", "Passordet er fjord-88", {"fjord-88"}, 0},
    {"German Passwort lautet",
     "Das Passwort lautet: Geheim#1",
     {"Geheim#1"},
     0},
    {"German Kennwort", "Kennwort: Tor", {"Tor"}, 0},
    {"quoted with spaces",
     "password is \"open sesame\" ok",
     {"open sesame"},
     0},
    {"single-quoted", "the password: 'ab cd'", {"ab cd"}, 0},
    {"typographic quotes",
     "Password: \xe2\x80\x9c"
     "f\xc3\xb6\xc3\xb6 bar"
     "\xe2\x80\x9d",
     {"f\xc3\xb6\xc3\xb6 bar"},
     0},
    {"guillemets",
     "Kennwort \xc2\xab"
     "a b\xc2\xbb",
     {"a b"},
     0},
    {"next line", "Password:\n  nextline42\n", {"nextline42"}, 0},
    {"trailing punctuation stripped", "password: abc!?).", {"abc"}, 0},
    {"... and kept as a second try", "password: abc!", {"abc", "abc!"}, 0},
    {"two keywords, two passwords",
     "password: one\npasswort: two",
     {"one", "two"},
     0},
    {"no keyword", "Hello, here is the invoice.", {NULL}, 1},
    {"keyword inside a word does not count", "mypassword: x", {NULL}, 1},
    {"pwned is not pw", "you got pwned again", {NULL}, 1},
    {"keyword at the very end", "the password", {NULL}, 1},
    {"apostrophe in a word is no quote", "password isn't here", {"isn't"}, 0},
};

static int has(char **c, size_t n, const char *w)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(c[i], w) == 0)
            return 1;
    return 0;
}

static void free_all(char **c, size_t n)
{
    while (n > 0)
        free(c[--n]);
}

static void test_table(void)
{
    size_t i, j, n;
    char *c[MAXC];

    for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int good = 1;

        n = attach_passwords_find(cases[i].text, strlen(cases[i].text), c,
                                  MAXC);
        if (cases[i].none)
            good = n == 0;
        for (j = 0; j < 4 && cases[i].want[j] != NULL; j++)
            good &= has(c, n, cases[i].want[j]);
        ok(good, "%s", cases[i].name);
        if (!good)
            for (j = 0; j < n; j++)
                diag("candidate %zu: '%s'", j, c[j]);
        free_all(c, n);
    }
}

static void test_bounds(void)
{
    char *c[MAXC];
    size_t n, i, len;
    char *big;

    n = attach_passwords_find("password: a password: a pw: a", 29, c, MAXC);
    is_int((long long)n, 1, "duplicates are dropped");
    free_all(c, n);

    n = attach_passwords_find("password: a\npassword: b\npassword: c", 36, c,
                              2);
    is_int((long long)n, 2, "at most max candidates");
    free_all(c, n);

    n = attach_passwords_find("password: secretXYZ", 12, c, MAXC);
    ok(n == 0 || (n == 1 && strlen(c[0]) <= 2),
       "len bounds the text (no read past it)");
    free_all(c, n);

    len = 9 * 466000; /* whole words only */
    big = malloc(len);
    for (i = 0; i < len; i++)
        big[i] = "password "[i % 9];
    n = attach_passwords_find(big, len, c, MAXC);
    ok(n == 0, "4 MB of keywords without a token: linear, no candidate");
    free_all(c, n);
    memset(big, 'a', len);
    memcpy(big, "password: \"", 11);
    n = attach_passwords_find(big, len, c, MAXC);
    ok(n == 0, "an unclosed quote and a giant token are dropped");
    free_all(c, n);
    free(big);
    is_int((long long)attach_passwords_find(NULL, 5, c, MAXC), 0, "NULL text");
}

int main(void)
{
    test_table();
    test_bounds();
    return done_testing();
}
