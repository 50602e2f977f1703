/*
 * content_dlp_card - payment card numbers and IBANs.
 *
 * SYNOPSIS
 *	int dlp_card_check(const char *s, size_t n, char *canon, size_t size);
 *	int dlp_iban_check(const char *s, size_t n, char *canon, size_t size);
 *
 * DESCRIPTION
 *	dlp_card_check() takes 12 to 19 digits, blanks and dashes between
 *	them allowed, and accepts them when the Luhn check holds and the
 *	issuer prefix (IIN) and length belong to a card scheme in
 *	card_iins[] (Visa, Mastercard, American Express, Diners, JCB,
 *	Discover, UnionPay, Mir, RuPay, Maestro and the 5x/6x debit
 *	ranges, Dankort among them).  UnionPay and Elo numbers that fail
 *	Luhn are not found: without Luhn any 16 digits would be a card.
 *
 *	dlp_iban_check() takes an IBAN, blanks, dashes or dots allowed
 *	between the groups, letters in either case: a country of
 *	iban_lengths[] (the SWIFT IBAN registry), that country's length,
 *	for European countries its BBAN structure (iban_bban[]; the
 *	national check digits inside a BBAN are not checked), and the
 *	ISO 7064 mod 97-10 check (the number, with the first four
 *	characters moved to the end and letters as 10-35, is 1 modulo 97).
 *
 *	Both return 1 valid, 0 not; canon gets the compact form.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

static const struct card_iin {
    unsigned lo, hi; /* prefix range */
    int plen;        /* digits of the prefix */
    int min, max;    /* lengths */
} card_iins[] = {
    {4, 4, 1, 13, 19},       /* Visa, Visa Electron, Elo's 4 */
    {51, 55, 2, 16, 16},     /* Mastercard */
    {2221, 2720, 4, 16, 16}, /* Mastercard 2-series */
    {2200, 2204, 4, 16, 19}, /* Mir */
    {34, 34, 2, 15, 15},     /* American Express */
    {37, 37, 2, 15, 15},     {300, 305, 3, 14, 19}, /* Diners Club */
    {3095, 3095, 4, 14, 19}, {36, 36, 2, 14, 19},
    {38, 39, 2, 14, 19},     {3528, 3589, 4, 15, 19}, /* JCB */
    {1800, 1800, 4, 15, 15}, {2131, 2131, 4, 15, 15},
    {6011, 6011, 4, 16, 19}, /* Discover */
    {644, 649, 3, 16, 19},   {65, 65, 2, 16, 19},
    {62, 62, 2, 14, 19}, /* UnionPay */
    {81, 82, 2, 16, 16}, /* RuPay */
    {50, 50, 2, 12, 19}, /* Maestro, Dankort 5019, RuPay 508 */
    {56, 69, 2, 12, 19}, /* Maestro and other debit ranges */
};

static unsigned card_prefix(const char *d, int n)
{
    unsigned v = 0;

    for (int i = 0; i < n; i++)
        v = v * 10 + (unsigned)(d[i] - '0');
    return v;
}

int dlp_card_check(const char *s, size_t n, char *canon, size_t size)
{
    char d[20];
    size_t i, nd = 0, k;
    unsigned p;

    for (i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            if (nd >= 19)
                return 0;
            d[nd++] = s[i];
        } else if ((s[i] != ' ' && s[i] != '-') || nd == 0 ||
                   !isdigit((unsigned char)s[i - 1])) {
            return 0;
        }
    }
    d[nd] = '\0';
    if (nd < 12 || !dlp_luhn(d, nd))
        return 0;
    for (k = 0; k < sizeof(card_iins) / sizeof(*card_iins); k++) {
        const struct card_iin *c = &card_iins[k];

        p = card_prefix(d, c->plen);
        if (p >= c->lo && p <= c->hi && (int)nd >= c->min &&
            (int)nd <= c->max) {
            snprintf(canon, size, "%s", d);
            return 1;
        }
    }
    return 0;
}

/* IBAN lengths by country (SWIFT IBAN registry). */
static const char iban_lengths[] =
    "AD24AE23AL28AT20AZ28BA20BE16BG22BH22BI27BR29BY28CH21CR22CY28CZ24"
    "DE22DJ27DK18DO28EE20EG29ES24FI18FK18FO18FR27GB22GE22GI23GL18GR27"
    "GT28HR21HU28IE22IL23IQ23IS26IT27JO30KW30KZ20LB28LC32LI21LT20LU20"
    "LV21LY25MC27MD24ME22MK19MN20MR27MT31MU30NI28NL18NO15OM23PK24PL28"
    "PS29PT25QA29RO24RS22RU33SA24SC31SD18SE24SI19SK24SM27SO23ST25SV28"
    "TL23TN24TR26UA29VA22VG24XK20YE30";

/* BBAN structures of the SWIFT registry for Europe's countries: counts
 * of n (digits), a (capital letters) and c (either); the others are
 * checked for their length and mod 97 only. */
static const char *const iban_bban[] = {
    "AD4n4n12c",   "AT5n11n",       "BE3n7n2n",
    "BG4a4n2n8c",  "CH5n12c",       "CY3n5n16c",
    "CZ4n6n10n",   "DE8n10n",       "DK4n9n1n",
    "EE2n2n11n1n", "ES4n4n1n1n10n", "FI3n11n",
    "FO4n9n1n",    "FR5n5n11c2n",   "GB4a6n8n",
    "GI4a15c",     "GL4n9n1n",      "GR3n4n16c",
    "HR7n10n",     "HU3n4n1n15n1n", "IE4a6n8n",
    "IS4n2n6n10n", "IT1a5n5n12c",   "LI5n12c",
    "LT5n11n",     "LU3n13c",       "LV4a13c",
    "MC5n5n11c2n", "MT4a5n18c",     "NL4a10n",
    "NO4n6n1n",    "PL8n16n",       "PT4n4n11n2n",
    "RO4a16c",     "SE3n16n1n",     "SI5n8n2n",
    "SK4n6n10n",   "SM1a5n5n12c",   NULL,
};

static int iban_bban_ok(const char *c)
{
    const char *f = NULL, *p, *b = c + 4;
    int n;

    for (const char *const *e = iban_bban; *e; e++)
        if ((*e)[0] == c[0] && (*e)[1] == c[1])
            f = *e + 2;
    if (f == NULL)
        return 1;
    for (p = f; *p; p++) {
        for (n = 0; isdigit((unsigned char)*p); p++)
            n = n * 10 + *p - '0';
        for (; n > 0; n--, b++) {
            if (*b == '\0' || (*p == 'n' && !isdigit((unsigned char)*b)) ||
                (*p == 'a' && !isupper((unsigned char)*b)))
                return 0;
        }
    }
    return *b == '\0';
}

static int iban_length(const char *cc)
{
    for (const char *p = iban_lengths; *p; p += 4)
        if (p[0] == cc[0] && p[1] == cc[1])
            return (p[2] - '0') * 10 + p[3] - '0';
    return -1;
}

int dlp_iban_check(const char *s, size_t n, char *canon, size_t size)
{
    char c[40];
    size_t i, nc = 0;
    unsigned rem = 0;
    int len, ch;

    for (i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '-' || s[i] == '.')
            continue;
        if (!isalnum((unsigned char)s[i]) || nc >= 34)
            return 0;
        c[nc++] = (char)toupper((unsigned char)s[i]);
    }
    c[nc] = '\0';
    if (nc < 5 || !isalpha((unsigned char)c[0]) ||
        !isalpha((unsigned char)c[1]) || !isdigit((unsigned char)c[2]) ||
        !isdigit((unsigned char)c[3]) || (len = iban_length(c)) < 0 ||
        (size_t)len != nc || !iban_bban_ok(c))
        return 0;
    for (i = 0; i < nc; i++) {
        ch = c[(i + 4) % nc];
        if (isdigit(ch))
            rem = (rem * 10 + (unsigned)(ch - '0')) % 97;
        else
            rem = (rem * 100 + (unsigned)(ch - 'A' + 10)) % 97;
    }
    if (rem != 1)
        return 0;
    snprintf(canon, size, "%s", c);
    return 1;
}
