/*
 * content_dlp_se - Swedish personnummer and samordningsnummer.
 *
 * SYNOPSIS
 *	int dlp_se_check(const char *s, size_t n, long long now, char
 *canon[13]); int dlp_luhn(const char *digits, size_t n); int dlp_date_valid(int
 *year, int month, int day);
 *
 * DESCRIPTION
 *	dlp_se_check() judges one candidate as written: YYYYMMDDNNNC or
 *	YYMMDDNNNC, with or without the sign between the date and the
 *	serial ('-', or '+' for a person of 100 years or more), dashes
 *	between the parts of the date allowed ("8803-20-0016", as
 *	python-stdnum reads it).  The check digit is Luhn over the ten
 *	digits YYMMDDNNNC; the birth number NNN is never 000.
 *
 *	The century of a 10-digit form is the one that makes the person
 *	younger than 100 at now (seconds since the epoch; '-' or no sign),
 *	or 100 or older ('+').  A 12-digit form keeps its century; its
 *	year must lie between 1800 and now's year.
 *
 *	Personnummer (1): a real calendar date not after now.
 *	Samordningsnummer (2): the day plus 60.  Its date is not checked
 *	against the calendar: Skatteverket issues samordningsnummer with
 *	month 00 or day 00 (day field 60) when the date of birth is
 *	unknown, and with dates no calendar has (April 31, February 30;
 *	24 of its 2,264 published test numbers), so the month may be
 *	00-12 and the day field 60-91.  Luhn is the guard.
 *
 *	canon gets the 12-digit form YYYYMMDDNNNC.  Returns 0 for
 *	neither.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "content.h"

int dlp_luhn(const char *digits, size_t n)
{
    int sum = 0, dbl = 0, d;
    size_t i;

    if (n == 0)
        return 0;
    for (i = n; i-- > 0;) {
        if (digits[i] < '0' || digits[i] > '9')
            return 0;
        d = digits[i] - '0';
        if (dbl && (d *= 2) > 9)
            d -= 9;
        sum += d;
        dbl = !dbl;
    }
    return sum % 10 == 0;
}

int dlp_date_valid(int year, int month, int day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    if (month < 1 || month > 12 || day < 1)
        return 0;
    return day <= mdays[month - 1] + (month == 2 && leap);
}

static int se_num(const char *d, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++)
        v = v * 10 + d[i] - '0';
    return v;
}

/* The digits (10 or 12) and the sign ('-', '+' or 0); -1 when the
 * shape is not one of ours. */
static int se_compact(const char *s, size_t n, char *digits, char *sign)
{
    size_t i, nd = 0, sign_at = (size_t)-1;

    *sign = 0;
    for (i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (nd >= 12)
                return -1;
            digits[nd++] = s[i];
        } else if (s[i] == '-' || s[i] == '+') {
            /* the sign stands before the last four digits; other
             * dashes only between the parts of the date */
            if (s[i] == '+' || n - i == 5) {
                if (n - i != 5 || sign_at != (size_t)-1)
                    return -1;
                sign_at = i;
                *sign = s[i];
            } else if (i == 0 || i + 1 >= n || s[i - 1] < '0' ||
                       s[i - 1] > '9' || s[i + 1] < '0' || s[i + 1] > '9') {
                return -1;
            }
        } else {
            return -1;
        }
    }
    digits[nd] = '\0';
    return nd == 10 || nd == 12 ? (int)nd : -1;
}

/* The full year of a 10-digit form, from the sign and now. */
static int se_century(int yy, int mm, int dd, char sign, const struct tm *now)
{
    int cur = now->tm_year + 1900, year = cur - (cur - yy) % 100;
    int born_later =
        mm > now->tm_mon + 1 || (mm == now->tm_mon + 1 && dd > now->tm_mday);

    /* the most recent year ending in yy that is not in the future */
    if (year == cur && born_later)
        year -= 100;
    if (sign == '+')
        year -= 100;
    return year;
}

int dlp_se_check(const char *s, size_t n, long long now, char canon[13])
{
    char d[13], sign;
    int nd = se_compact(s, n, d, &sign), year, mm, dd, samo, cur;
    const char *ten;
    struct tm tm;
    time_t t = (time_t)now;

    if (nd < 0)
        return 0;
    gmtime_r(&t, &tm);
    cur = tm.tm_year + 1900;
    ten = nd == 12 ? d + 2 : d;
    if (!dlp_luhn(ten, 10) || memcmp(ten + 6, "000", 3) == 0)
        return 0;
    mm = se_num(ten + 2, 2);
    dd = se_num(ten + 4, 2);
    samo = dd >= 60;
    if (samo)
        dd -= 60;
    if (nd == 12)
        year = se_num(d, 4);
    else
        year = se_century(se_num(ten, 2), mm, dd, sign, &tm);
    if (year < 1800 || year > cur)
        return 0;
    if (samo ? (mm > 12 || dd > 31)
             : !dlp_date_valid(year, mm, dd) ||
                   (year == cur && (mm > tm.tm_mon + 1 ||
                                    (mm == tm.tm_mon + 1 && dd > tm.tm_mday))))
        return 0;
    canon[0] = (char)('0' + year / 1000);
    canon[1] = (char)('0' + year / 100 % 10);
    canon[2] = (char)('0' + year / 10 % 10);
    canon[3] = (char)('0' + year % 10);
    memcpy(canon + 4, ten + 2, 8);
    canon[12] = '\0';
    return samo ? 2 : 1;
}
