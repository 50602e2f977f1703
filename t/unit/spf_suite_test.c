/*
 * spf_suite_test - one scenario of the openspf RFC 7208 suite through
 * libcommon/spf.c (libspf2 + dns.c + a real unbound).  Run by
 * t/unit/spf_suite.sh, which generates the scenarios (t/lib/spfsuite.py)
 * and starts the server for each.
 *
 * usage: spf_suite_test TESTS TODO
 *	TESTS: the scenario's "tests" file (percent-encoded fields: name
 *	scenario spec host helo mailfrom results explanation).  TODO: the
 *	table of tests that fail because of documented libspf2 1.2.10
 *	limits ("NAME REASON" lines, "#" comments).  Prints one TAP line
 *	per test without a number or a plan (the script numbers them):
 *	a failing test listed in TODO is "not ok ... # TODO REASON", a
 *	passing one listed there "ok ... # TODO" (an unexpected pass,
 *	which the harness counts against us so that the table stays true).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "spf.h"
#include "util.h"

#define RECEIVER "receiver.example"
#define NFIELDS 8

/* Percent-decoding in place ("%" alone is the empty string). */
static void unquote(char *s)
{
    char *o = s;

    if (strcmp(s, "%") == 0) {
        s[0] = '\0';
        return;
    }
    while (*s) {
        if (s[0] == '%' && isxdigit((unsigned char)s[1]) &&
            isxdigit((unsigned char)s[2])) {
            char h[3] = {s[1], s[2], 0};

            *o++ = (char)strtol(h, NULL, 16);
            s += 3;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
}

/* The reason a test is in the TODO table, or NULL. */
static char *todo_reason(const char *todo_file, const char *name)
{
    FILE *f = fopen(todo_file, "r");
    char line[1024], *r = NULL;
    size_t n = strlen(name);

    if (f == NULL)
        return NULL;
    while (r == NULL && fgets(line, sizeof line, f) != NULL) {
        if (line[0] == '#' || strncmp(line, name, n) != 0 ||
            (line[n] != ' ' && line[n] != '\t'))
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        r = xstrdup(str_trim(line + n));
    }
    fclose(f);
    return r;
}

/* Is got one of the comma-separated results? */
static int result_in(enum spf_result got, const char *results)
{
    char *s = xstrdup(results), *p, *save = NULL;
    enum spf_result r;
    int found = 0;

    for (p = strtok_r(s, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save))
        found |= spf_result_parse(p, &r) == 0 && r == got;
    free(s);
    return found;
}

/* Printable text for a TAP line: no newlines, no "#". */
static const char *clean(char *s)
{
    char *p;

    for (p = s; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '#' ||
            (unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            *p = '?';
    return s;
}

static void run(struct spf *spf, char **f, const char *todo_file)
{
    const char *name = f[0], *scen = f[1], *spec = f[2], *host = f[3];
    const char *helo = f[4], *from = f[5], *want = f[6], *exp = f[7];
    struct spf_out o;
    int good;
    char *todo, *got_exp;

    spf_check(spf, SPF_ID_MAILFROM, host, helo, from, deadline_in(10000), &o);
    good = result_in(o.result, want);
    /* "DEFAULT": the implementation's own explanation, whatever it is */
    if (good && strcmp(exp, "-") != 0 && strcmp(exp, "DEFAULT") != 0)
        good = o.explanation != NULL && strcmp(o.explanation, exp) == 0;
    todo = todo_reason(todo_file, name);
    got_exp = xstrdup(o.explanation ? o.explanation : "-");
    printf("%s - %s: %s (RFC 7208 %s): %s, want %s%s%s%s%s\n",
           good ? "ok" : "not ok", clean((char *)scen), name, spec,
           spf_result_name(o.result), want, strcmp(exp, "-") ? ", exp " : "",
           strcmp(exp, "-") ? clean(got_exp) : "", todo ? " # TODO " : "",
           todo ? clean(todo) : "");
    if (!good && !todo)
        printf("#   host=%s helo=%s mailfrom=%s want exp=%s; %s\n", host,
               clean((char *)helo), clean((char *)from), clean((char *)exp),
               o.comment ? clean(o.comment) : "no comment");
    free(todo);
    free(got_exp);
    spf_out_free(&o);
}

int main(int argc, char **argv)
{
    const char *srv = getenv("SLUICE_DNS_SERVER"), *err = NULL;
    char *v[1] = {(char *)srv}, line[8192];
    struct cfg_list l = {1, v};
    struct dns_conf c = {&l, 300, 1};
    struct dns *d = NULL;
    struct spf *spf = NULL;
    FILE *f;

    if (argc != 3 || srv == NULL || (f = fopen(argv[1], "r")) == NULL) {
        printf("Bail out! usage: spf_suite_test TESTS TODO (with "
               "SLUICE_DNS_SERVER; run by t/unit/spf_suite.sh)\n");
        return 1;
    }
    if (dns_new(&c, &d, &err) < 0 || spf_new(d, RECEIVER, &spf, &err) < 0) {
        printf("Bail out! %s\n", err);
        return 1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *fld[NFIELDS], *save = NULL, *p = line;
        int n = 0;

        line[strcspn(line, "\n")] = '\0';
        while (n < NFIELDS && (fld[n] = strtok_r(p, " ", &save)) != NULL) {
            unquote(fld[n++]);
            p = NULL;
        }
        if (n != NFIELDS) {
            printf("not ok - a malformed line in %s\n", argv[1]);
            continue;
        }
        run(spf, fld, argv[2]);
    }
    fclose(f);
    spf_free(spf);
    dns_free(d);
    return 0;
}
