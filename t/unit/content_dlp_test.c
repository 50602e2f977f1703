/*
 * content_dlp_test - the DLP detectors of sluice-content: case tables of
 * the validators, the python-stdnum and personnummer.dev vectors, every
 * Skatteverket test personnummer and samordningsnummer in generated
 * sentences (each accepted format), and random numbers of the same shapes
 * that fail the checksums (none may be found).
 *
 * The clock is frozen at 2026-12-06 so that the century of 10-digit
 * Swedish numbers ('-' under 100 years, '+' from 100) is fixed.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tap.h"
#include "clock.h"
#include "content.h"

#define NOW 1796601600 /* 2026-12-06 00:00:00 UTC */

static const char *testdata(void)
{
    const char *d = getenv("SLUICE_TESTDATA");

    return d ? d : "../shared/testdata";
}

/* Validators. */
static void case_tables(void)
{
    static const struct {
        const char *s;
        int want;
        const char *canon;
    } se[] = {
        {"811228-9874", 1, "198112289874"},
        {"8112289874", 1, "198112289874"},
        {"19811228-9874", 1, "198112289874"},
        {"198112289874", 1, "198112289874"},
        {"8803-20-0016", 1, "198803200016"},
        {"811228-9873", 0, NULL}, /* Luhn */
        {"811328-9874", 0, NULL}, /* month 13 */
        {"190905271474", 1, "190905271474"},
        {"090527+1474", 1, "190905271474"}, /* 100 years or more */
        {"090527-1474", 1, "200905271474"}, /* under 100: 2009 */
        {"000229-2399", 1, "200002292399"},
        {"19000229-2399", 0, NULL},         /* 1900 was no leap year */
        {"730288-9931", 2, "197302889931"}, /* samordningsnummer */
        {"202107919967", 2, "202107919967"},
        {"19730288 9931", 0, NULL}, /* a blank is no separator */
        {"20300101-0008", 0, NULL}, /* in the future */
        {"811228--9874", 0, NULL},
        {"-811228-9874", 0, NULL},
    };
    static const struct {
        const char *s;
        int want;
    } fi[] =
        {
            {"131052-308T", 1}, {"131052+308T", 1}, {"131052A308T", 1},
            {"131052a308t", 1}, {"131052B308T", 1}, {"131052X308T", 1},
            {"131052-308U", 0}, {"131052/308T", 0}, {"131052T308T", 0},
            {"310252-308Y", 0}, {"130052-308R", 0}, {"131052-000V", 0},
            {"131052-9993", 0},
        },
      no[] =
          {
              {"15108695088", 1}, {"151086-95088", 1}, {"26 11 15 940 14", 1},
              {"15108695089", 0}, {"19575770838", 0},  {"18103970861", 0},
              {"55108695089", 0}, {"41018036736", 2},
          },
      dk[] =
          {
              {"010203-1234", 1}, {"0102031234", 1},  {"310203-1234", 0},
              {"290200-4000", 1}, {"290201-4000", 0}, {"01020-31234", 0},
          },
      card[] =
          {
              {"4111 1111 1111 1111", 1}, {"4111-1111-1111-1111", 1},
              {"4111111111111112", 0},    {"5555555555554444", 1},
              {"378282246310005", 1},     {"1111111111111117", 0},
              {"0000000000000000", 0},    {"2720170000000006", 1},
          },
      iban[] = {
          {"SE45 5000 0000 0583 9825 7466", 1},
          {"SE4550000000058398257466", 1},
          {"GB82 WEST 1234 5698 7654 32", 1},
          {"GB82 WEST 1234 5698 7654 33", 0},
          {"FI21 1234 5600 0007 85", 1},
          {"XX82 WEST 1234 5698 7654 32", 0},
          {"SE45 5000 0000 0583 9825 746", 0},
          {"NO93 8601 1117 947", 1},
      };
    char canon[40];
    size_t i;
    int r;

    for (i = 0; i < sizeof(se) / sizeof(*se); i++) {
        r = dlp_se_check(se[i].s, strlen(se[i].s), NOW, canon);
        ok(r == se[i].want && (r == 0 || strcmp(canon, se[i].canon) == 0),
           "se %s -> %d %s", se[i].s, r, r ? canon : "");
    }
    for (i = 0; i < sizeof(fi) / sizeof(*fi); i++)
        ok(dlp_fi_hetu_check(fi[i].s, strlen(fi[i].s)) == fi[i].want,
           "fi %s -> %d", fi[i].s, fi[i].want);
    for (i = 0; i < sizeof(no) / sizeof(*no); i++)
        ok(dlp_no_fnr_check(no[i].s, strlen(no[i].s), NOW) == no[i].want,
           "no %s -> %d", no[i].s, no[i].want);
    for (i = 0; i < sizeof(dk) / sizeof(*dk); i++)
        ok(dlp_dk_cpr_check(dk[i].s, strlen(dk[i].s)) == dk[i].want,
           "dk %s -> %d", dk[i].s, dk[i].want);
    for (i = 0; i < sizeof(card) / sizeof(*card); i++)
        ok(dlp_card_check(card[i].s, strlen(card[i].s), canon, sizeof(canon)) ==
               card[i].want,
           "card %s -> %d", card[i].s, card[i].want);
    for (i = 0; i < sizeof(iban) / sizeof(*iban); i++)
        ok(dlp_iban_check(iban[i].s, strlen(iban[i].s), canon, sizeof(canon)) ==
               iban[i].want,
           "iban %s -> %d", iban[i].s, iban[i].want);
    ok(dlp_luhn("49927398716", 11) && !dlp_luhn("4992739871", 10) &&
           dlp_luhn("1428572", 7),
       "Luhn vectors");
}

/* Scanning text: kinds and canonical forms found. */
static size_t found_kind(const struct dlp_found *f, enum dlp_kind k,
                         const char *canon)
{
    size_t n = 0;

    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].kind == k &&
            (canon == NULL || strcmp(f->v[i].canon, canon) == 0))
            n++;
    return n;
}

static int scan_has(unsigned mask, const char *text, enum dlp_kind k,
                    const char *canon)
{
    struct dlp_found f = {0};
    int r;

    dlp_scan_text(mask, text, strlen(text), 0, &f);
    r = found_kind(&f, k, canon) > 0;
    dlp_found_free(&f);
    return r;
}

static void text_cases(void)
{
    unsigned all = (1u << DLP_N) - 1;
    struct dlp_found f = {0};
    const char *t;

    ok(scan_has(all, "Mitt personnummer är 811228-9874.", DLP_SE_PNR,
                "198112289874"),
       "a personnummer in a sentence");
    t = "Kort: 4111 1111 1111 1111 12/25, tack.";
    ok(scan_has(all, t, DLP_CARD, "4111111111111111"),
       "a card followed by its expiry date");
    ok(scan_has(all, "IBAN SE45 5000 0000 0583 9825 7466 and more", DLP_IBAN,
                "SE4550000000058398257466"),
       "an IBAN followed by words");
    ok(scan_has(all, "Henkilötunnus 131052-308T.", DLP_FI_HETU, NULL),
       "a HETU in a sentence");
    ok(!scan_has(all, "order 1234567811228987456", DLP_SE_PNR, NULL),
       "no personnummer inside a longer number");
    dlp_scan_text(all, "personnummer 811228-9874", 24, 0, &f);
    ok(f.context[DLP_SE_PNR], "context word personnummer");
    dlp_found_free(&f);
    dlp_scan_text(all, "numret 811228-9874", 18, 0, &f);
    ok(!f.context[DLP_SE_PNR], "no context word");
    dlp_found_free(&f);
    dlp_scan_text(all, "HENKILÖTUNNUKSET: 131052-308T", 31, 0, &f);
    ok(f.context[DLP_FI_HETU], "context words are caseless, inflected");
    dlp_found_free(&f);
    {
        char m[40];

        dlp_mask(DLP_SE_PNR, "198112289874", m, sizeof(m));
        is_str(m, "19**********", "an identity number is masked");
        dlp_mask(DLP_CARD, "4111111111111111", m, sizeof(m));
        is_str(m, "************1111", "a card keeps its last four");
    }
}

/* python-stdnum and personnummer.dev vectors. */
static json_t *load_json(const char *rel)
{
    char path[4096];
    json_error_t e;
    json_t *j;

    snprintf(path, sizeof(path), "%s/%s", testdata(), rel);
    if ((j = json_load_file(path, 0, &e)) == NULL)
        diag("%s: %s", path, e.text);
    return j;
}

typedef int (*validator)(const char *s, size_t n);

static int v_se(const char *s, size_t n)
{
    char c[13];

    return dlp_se_check(s, n, NOW, c) != 0;
}

static int v_fi(const char *s, size_t n)
{
    return dlp_fi_hetu_check(s, n);
}

static int v_no(const char *s, size_t n)
{
    return dlp_no_fnr_check(s, n, NOW) != 0;
}

static int v_luhn(const char *s, size_t n)
{
    return dlp_luhn(s, n);
}

static int v_iban(const char *s, size_t n)
{
    char c[40];

    return dlp_iban_check(s, n, c, sizeof(c));
}

static void stdnum(const char *file, validator v)
{
    json_t *j = load_json(file), *l, *c, *num;
    size_t i, k, good = 0, bad = 0, nwant = 0;
    int want, got;

    if (!ok(j != NULL, "%s loads", file))
        return;
    json_array_foreach(json_object_get(j, "lists"), i, l)
    {
        want = json_is_true(json_object_get(l, "expect_valid"));
        /* numbers that pass mod 97 but fail a country's own rule: we
         * check mod 97 only, as documented */
        if (json_is_true(
                json_object_get(l, "valid_without_country_specific_check")))
            want = 1;
        json_array_foreach(json_object_get(l, "numbers"), k, num)
        {
            const char *s = json_string_value(num);

            nwant++;
            got = v(s, strlen(s)) != 0;
            got == want ? good++ : bad++;
            if (got != want)
                diag("%s: %s: got %d, want %d", file, s, got, want);
        }
    }
    json_array_foreach(json_object_get(j, "single_cases"), i, c)
    {
        const char *s = json_string_value(json_object_get(c, "input"));
        const char *args = json_string_value(json_object_get(c, "args"));

        if (args && *args) /* allow_temporary=True, alphabet=...: options */
            continue;
        want = json_is_true(json_object_get(c, "valid"));
        nwant++;
        got = v(s, strlen(s)) != 0;
        got == want ? good++ : bad++;
        if (got != want)
            diag("%s: %s: got %d, want %d", file, s, got, want);
    }
    ok(bad == 0 && nwant > 0, "%s: %zu of %zu vectors as expected", file, good,
       nwant);
    json_decref(j);
}

static void personnummer_meta(void)
{
    json_t *j = load_json("personnummer-meta/list.json"), *e;
    static const char *const forms[] = {"long_format", "short_format",
                                        "separated_format", "separated_long"};
    size_t i, good = 0, total = 0;
    char c[13];
    int want, r;

    if (!ok(j != NULL, "personnummer-meta list.json loads"))
        return;
    json_array_foreach(j, i, e)
    {
        want = json_is_true(json_object_get(e, "valid"));
        if (want)
            want = strcmp(json_string_value(json_object_get(e, "type")),
                          "con") == 0
                       ? 2
                       : 1;
        for (size_t f = 0; f < 4; f++) {
            const char *s = json_string_value(json_object_get(e, forms[f]));

            total++;
            r = dlp_se_check(s, strlen(s), NOW, c);
            if (r == want)
                good++;
            else
                diag("personnummer-meta %s: got %d, want %d", s, r, want);
        }
    }
    ok(good == total, "personnummer-meta: %zu of %zu forms as expected", good,
       total);
    json_decref(j);
}

static void personnummer_structured(void)
{
    json_t *j = load_json("personnummer-meta/structured.json"), *v;
    static const char *const kinds[] = {"ssn", "con"};
    size_t i, good = 0, total = 0;
    char c[13];
    int want;

    if (!ok(j != NULL, "personnummer-meta structured.json loads"))
        return;
    for (int k = 0; k < 2; k++)
        for (int valid = 0; valid < 2; valid++) {
            json_t *l = json_object_get(
                json_object_get(json_object_get(j, kinds[k]), "string"),
                valid ? "valid" : "invalid");

            json_array_foreach(l, i, v)
            {
                const char *s = json_string_value(v);

                want = valid ? k + 1 : 0;
                total++;
                if (dlp_se_check(s, strlen(s), NOW, c) == want)
                    good++;
                else
                    diag("structured %s: want %d", s, want);
            }
        }
    ok(good == total, "personnummer-meta structured: %zu of %zu as expected",
       good, total);
    json_decref(j);
}

/* Skatteverket: every number, every accepted format, in sentences. */
static void sentence(char *out, size_t size, size_t i, const char *num)
{
    switch (i % 5) {
    case 0:
        snprintf(out, size, "Personnummer: %s.", num);
        break;
    case 1:
        snprintf(out, size, "Hej! Mitt nummer är %s och jag bor i Umeå.", num);
        break;
    case 2:
        snprintf(out, size, "Patient %s skrevs in på avdelning 4.", num);
        break;
    case 3:
        snprintf(out, size, "Se bifogad lista (%s) inför mötet.", num);
        break;
    default:
        snprintf(out, size, "%s", num);
    }
}

/* The four written forms of a 12-digit number; sign by age at NOW. */
static void se_forms(const char *n12, char forms[4][80])
{
    int year = (n12[0] - '0') * 1000 + (n12[1] - '0') * 100 +
               (n12[2] - '0') * 10 + n12[3] - '0';
    int md = atoi(n12 + 4) / 10000; /* MMDD */
    int dd = md % 100, mm = md / 100, centenarian;

    if (dd >= 60)
        dd -= 60;
    centenarian = year < 1926 || (year == 1926 && mm * 100 + dd <= 1206);
    snprintf(forms[0], 80, "%.8s-%.4s", n12, n12 + 8);
    snprintf(forms[1], 80, "%s", n12);
    snprintf(forms[2], 80, "%.6s%c%.4s", n12 + 2, centenarian ? '+' : '-',
             n12 + 8);
    snprintf(forms[3], 80, "%.10s", n12 + 2);
}

static void skatteverket(const char *file, enum dlp_kind kind, size_t expect)
{
    unsigned mask = 1u << DLP_SE_PNR | 1u << DLP_SE_SAMO;
    char path[4096], line[64], forms[4][80], text[256];
    size_t n = 0, found[4] = {0}, exact = 0, s = 0;
    struct dlp_found f;
    FILE *fp;

    snprintf(path, sizeof(path), "%s/skatteverket-testpersonnummer/%s",
             testdata(), file);
    if (!ok((fp = fopen(path, "r")) != NULL, "%s opens", file))
        return;
    while (fgets(line, sizeof(line), fp)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) != 12)
            continue;
        n++;
        se_forms(line, forms);
        for (int k = 0; k < 4; k++) {
            sentence(text, sizeof(text), s++, forms[k]);
            memset(&f, 0, sizeof(f));
            dlp_scan_text(mask, text, strlen(text), 0, &f);
            if (found_kind(&f, kind, NULL) > 0)
                found[k]++;
            else
                diag("%s: %s not found as %s in \"%s\"", file, line,
                     dlp_name(kind), text);
            exact += found_kind(&f, kind, line) > 0;
            dlp_found_free(&f);
        }
    }
    fclose(fp);
    is_int((long long)n, (long long)expect, file);
    for (int k = 0; k < 4; k++)
        ok(found[k] == n, "%s: %zu of %zu found as %s in form %s", file,
           found[k], n, dlp_name(kind),
           k == 0   ? "YYYYMMDD-NNNN"
           : k == 1 ? "YYYYMMDDNNNN"
           : k == 2 ? "YYMMDD-NNNN/+NNNN"
                    : "YYMMDDNNNN");
    /* without a sign the century is the one under 100 years, so the
     * 10-digit form of a centenarian reads as a younger person's */
    ok(exact >= 3 * n, "%s: %zu of %zu forms give the number itself", file,
       exact, 4 * n);
}

/* Random numbers of the same shapes whose check digits fail. */
static unsigned long long rnd_state = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(unsigned n)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return (unsigned)(rnd_state % n);
}

static void rnd_digits(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)('0' + rnd(10));
    s[n] = '\0';
}

/* Make the last digit wrong for the Luhn check over s[from..). */
static void luhn_break(char *s, size_t from)
{
    size_t n = strlen(s);

    while (dlp_luhn(s + from, n - from))
        s[n - 1] = (char)('0' + (s[n - 1] - '0' + 1) % 10);
}

static void random_negatives(void)
{
    unsigned all = (1u << DLP_N) - 1, se = 1u << DLP_SE_PNR | 1u << DLP_SE_SAMO;
    char d[32], text[96];
    size_t hits_se = 0, hits_fi = 0, hits_card = 0, hits_iban = 0, hits_no = 0;
    struct dlp_found f;
    static const char fi_chars[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

    for (int i = 0; i < 10000; i++) {
        /* Swedish: a real date, the serial and a wrong check digit */
        snprintf(d, sizeof(d), "19%02u%02u%02u", 30 + rnd(70), 1 + rnd(12),
                 1 + rnd(28));
        rnd_digits(d + 8, 4);
        luhn_break(d, 2);
        switch (i % 4) {
        case 0:
            snprintf(text, sizeof(text), "nr %.8s-%s", d, d + 8);
            break;
        case 1:
            snprintf(text, sizeof(text), "nr %s", d);
            break;
        case 2:
            snprintf(text, sizeof(text), "nr %.6s-%s", d + 2, d + 8);
            break;
        default:
            snprintf(text, sizeof(text), "nr %s", d + 2);
        }
        memset(&f, 0, sizeof(f));
        dlp_scan_text(se, text, strlen(text), 0, &f);
        hits_se += f.n;
        dlp_found_free(&f);
        /* HETU with a wrong check character */
        snprintf(d, sizeof(d), "%02u%02u%02u-%03u", 1 + rnd(28), 1 + rnd(12),
                 rnd(100), 2 + rnd(800));
        {
            unsigned long v =
                strtoul(d, NULL, 10) * 1000 + strtoul(d + 7, NULL, 10);
            char good = fi_chars[v % 31];

            d[10] = fi_chars[(strchr(fi_chars, good) - fi_chars + 1 + rnd(30)) %
                             31];
            d[11] = '\0';
        }
        memset(&f, 0, sizeof(f));
        dlp_scan_text(1u << DLP_FI_HETU, d, strlen(d), 0, &f);
        hits_fi += f.n;
        dlp_found_free(&f);
        /* Norwegian: 11 digits whose check digits are wrong */
        snprintf(d, sizeof(d), "%02u%02u%02u", 1 + rnd(28), 1 + rnd(12),
                 rnd(100));
        rnd_digits(d + 6, 5);
        memset(&f, 0, sizeof(f));
        if (!dlp_no_fnr_check(d, 11, NOW))
            dlp_scan_text(1u << DLP_NO_FNR, d, 11, 0, &f);
        hits_no += f.n;
        dlp_found_free(&f);
        /* a Visa number with a wrong Luhn digit */
        d[0] = '4';
        rnd_digits(d + 1, 15);
        luhn_break(d, 0);
        memset(&f, 0, sizeof(f));
        dlp_scan_text(1u << DLP_CARD, d, 16, 0, &f);
        hits_card += f.n;
        dlp_found_free(&f);
        /* a Swedish IBAN with wrong check digits */
        snprintf(d, sizeof(d), "SE%02u", rnd(100));
        rnd_digits(d + 4, 20);
        memset(&f, 0, sizeof(f));
        if (!dlp_iban_check(d, 24, text, sizeof(text)))
            dlp_scan_text(1u << DLP_IBAN, d, 24, 0, &f);
        hits_iban += f.n;
        dlp_found_free(&f);
    }
    is_int((long long)hits_se, 0,
           "10000 Swedish-shaped numbers failing Luhn: 0 hits");
    is_int((long long)hits_fi, 0,
           "10000 HETU with a wrong check character: 0 hits");
    is_int((long long)hits_no, 0,
           "10000 Norwegian-shaped failing mod 11: 0 hits");
    is_int((long long)hits_card, 0, "10000 Visa-shaped failing Luhn: 0 hits");
    is_int((long long)hits_iban, 0, "10000 IBAN-shaped failing mod 97: 0 hits");
    (void)all;
}

int main(void)
{
    clock_fake_set(NOW, 1000.0);
    case_tables();
    text_cases();
    stdnum("python-stdnum-vectors/se_personnummer.json", v_se);
    stdnum("python-stdnum-vectors/fi_hetu.json", v_fi);
    stdnum("python-stdnum-vectors/no_fodselsnummer.json", v_no);
    stdnum("python-stdnum-vectors/luhn.json", v_luhn);
    stdnum("python-stdnum-vectors/iban.json", v_iban);
    personnummer_meta();
    personnummer_structured();
    skatteverket("testpersonnummer.txt", DLP_SE_PNR, 41493);
    skatteverket("testsamordningsnummer.txt", DLP_SE_SAMO, 2264);
    random_negatives();
    return done_testing();
}
