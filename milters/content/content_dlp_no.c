/*
 * content_dlp_no - Norwegian fødselsnummer and D-number.
 *
 * SYNOPSIS
 *	int dlp_no_fnr_check(const char *s, size_t n);
 *
 * DESCRIPTION
 *	DDMMYYIIIKK as written, blanks and dashes between the groups
 *	allowed ("151086-95088", "26 11 15 940 14"): eleven digits, two
 *	mod-11 check digits K1 (weights 3 7 6 1 8 9 4 5 2) and K2 (5 4 3 2
 *	7 6 5 4 3 2; a remainder of 1 makes a number invalid, 0 gives 0),
 *	and a real date whose century the individual number III gives
 *	(000-499: 1900s; 500-749 with YY >= 54: 1800s; 500-999 with
 *	YY < 40: 2000s; 900-999 with YY >= 40: 1900s).  A D-number has
 *	40 added to the day.  A date after now (seconds since the epoch) is
 *	not a birth date.  Returns 1 fødselsnummer, 2 D-number, 0 neither.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include "content.h"

static int no_check_digit(const int *d, const int *w, int n)
{
    int sum = 0, r;

    for (int i = 0; i < n; i++)
        sum += d[i] * w[i];
    r = 11 - sum % 11;
    return r == 11 ? 0 : r; /* 10: no valid digit */
}

static int no_year(int yy, int iii)
{
    if (iii < 500)
        return 1900 + yy;
    if (iii < 750 && yy >= 54)
        return 1800 + yy;
    if (yy < 40)
        return 2000 + yy;
    if (iii >= 900)
        return 1900 + yy;
    return -1;
}

int dlp_no_fnr_check(const char *s, size_t n, long long now)
{
    static const int w1[] = {3, 7, 6, 1, 8, 9, 4, 5, 2};
    static const int w2[] = {5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int d[11], nd = 0, dd, mm, yy, iii, year, dnum;
    time_t t = (time_t)now;
    struct tm tm;
    size_t i;

    for (i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            if (nd == 11)
                return 0;
            d[nd++] = s[i] - '0';
        } else if (s[i] != ' ' && s[i] != '-') {
            return 0;
        }
    }
    if (nd != 11 || no_check_digit(d, w1, 9) != d[9] ||
        no_check_digit(d, w2, 10) != d[10])
        return 0;
    dd = d[0] * 10 + d[1];
    mm = d[2] * 10 + d[3];
    yy = d[4] * 10 + d[5];
    iii = d[6] * 100 + d[7] * 10 + d[8];
    dnum = dd > 40;
    if (dnum)
        dd -= 40;
    if ((year = no_year(yy, iii)) < 0 || !dlp_date_valid(year, mm, dd))
        return 0;
    gmtime_r(&t, &tm);
    if (year * 10000 + mm * 100 + dd >
        (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday)
        return 0;
    return dnum ? 2 : 1;
}
