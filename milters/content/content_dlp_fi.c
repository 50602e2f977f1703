/*
 * content_dlp_fi - Finnish personal identity code (henkilötunnus, HETU).
 *
 * SYNOPSIS
 *	int dlp_fi_hetu_check(const char *s, size_t n);
 *
 * DESCRIPTION
 *	DDMMYYCZZZQ: a real date whose century the sign C gives ('+'
 *	1800s; '-' and, since 2023, 'U' to 'Y' the 1900s; 'A' and, since
 *	2023, 'B' to 'F' the 2000s; letters in either case), the
 *	individual number ZZZ 002-899 (900-999 are temporary numbers, 000
 *	and 001 are not used: python-stdnum's default), and the check
 *	character Q: DDMMYYZZZ as a number modulo 31, an index into
 *	"0123456789ABCDEFHJKLMNPRSTUVWXY".  Returns 1 valid, 0 not.
 */
#include <ctype.h>
#include <string.h>

#include "content.h"

static const char fi_check_chars[] = "0123456789ABCDEFHJKLMNPRSTUVWXY";

static int fi_century(int c)
{
    c = toupper(c);
    if (c == '+')
        return 1800;
    if (c == '-' || (c >= 'U' && c <= 'Y'))
        return 1900;
    if (c >= 'A' && c <= 'F')
        return 2000;
    return -1;
}

int dlp_fi_hetu_check(const char *s, size_t n)
{
    unsigned long v = 0;
    int century, dd, mm, yy, zzz, i;

    if (n != 11 || (century = fi_century((unsigned char)s[6])) < 0)
        return 0;
    for (i = 0; i < 10; i++) {
        if (i == 6)
            continue;
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    dd = (s[0] - '0') * 10 + s[1] - '0';
    mm = (s[2] - '0') * 10 + s[3] - '0';
    yy = (s[4] - '0') * 10 + s[5] - '0';
    zzz = (s[7] - '0') * 100 + (s[8] - '0') * 10 + s[9] - '0';
    if (!dlp_date_valid(century + yy, mm, dd) || zzz < 2 || zzz > 899)
        return 0;
    return fi_check_chars[v % 31] == toupper((unsigned char)s[10]);
}
