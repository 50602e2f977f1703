/*
 * content_dlp_dk - Danish CPR number.
 *
 * SYNOPSIS
 *	int dlp_dk_cpr_check(const char *s, size_t n);
 *
 * DESCRIPTION
 *	DDMMYY-SSSS or DDMMYYSSSS with a real date, the century from the
 *	seventh digit (0-3: 1900s; 4 and 9: 2000s when YY <= 36, else
 *	1900s; 5-8: 2000s when YY <= 57, else 1800s).  There is no check
 *	digit: the modulus 11 test has not held since 2007, when numbers
 *	ran out for some dates.  So a CPR number alone is any date with
 *	four digits; the DLP check counts it only with context words
 *	("CPR", "personnummer"...).  Returns 1 valid, 0 not.
 */
#include <ctype.h>
#include <string.h>

#include "content.h"

int dlp_dk_cpr_check(const char *s, size_t n)
{
    int d[10], nd = 0, dd, mm, yy, year;
    size_t i;

    for (i = 0; i < n; i++) {
        if (isdigit((unsigned char)s[i])) {
            if (nd == 10)
                return 0;
            d[nd++] = s[i] - '0';
        } else if (s[i] != '-' || nd != 6) {
            return 0;
        }
    }
    if (nd != 10)
        return 0;
    dd = d[0] * 10 + d[1];
    mm = d[2] * 10 + d[3];
    yy = d[4] * 10 + d[5];
    if (d[6] <= 3)
        year = 1900 + yy;
    else if (d[6] == 4 || d[6] == 9)
        year = yy <= 36 ? 2000 + yy : 1900 + yy;
    else
        year = yy <= 57 ? 2000 + yy : 1800 + yy;
    return dlp_date_valid(year, mm, dd);
}
