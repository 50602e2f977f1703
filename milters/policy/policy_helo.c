/*
 * policy_helo - what the HELO name gives away.
 *
 * DESCRIPTION
 *	helo_examine() sets, for a HELO/EHLO argument:
 *	    not_fqdn  not a fully-qualified domain name (no dot, a bad
 *	              label) and not an address literal "[a.b.c.d]"
 *	    is_us     our own name ({j}) or our own address (the daemon
 *	              address, as a literal or a bare address)
 *	    bad_ip    an address (bare or literal) that is not the client's
 *	domain_is_fqdn() is the syntax test: at least two labels of letters,
 *	digits, '-' and '_', none empty, none starting or ending with '-',
 *	a top label that is not all digits, at most 253 bytes.
 *
 * OWNERSHIP
 *	Pure.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy.h"

int domain_is_fqdn(const char *d)
{
    size_t len, label = 0, labels = 0, digits = 0;
    const char *p;

    if (d == NULL || (len = strlen(d)) == 0 || len > 254)
        return 0;
    if (d[len - 1] == '.')
        len--;
    for (p = d; p < d + len; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-')
                return 0;
            labels++;
            label = digits = 0;
            continue;
        }
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return 0;
        if (label == 0 && *p == '-')
            return 0;
        digits += isdigit((unsigned char)*p) != 0;
        label++;
    }
    if (label == 0 || p[-1] == '-' || digits == label)
        return 0;
    return labels >= 1;
}

/* The address in a HELO ("1.2.3.4", "[1.2.3.4]", "[IPv6:...]"), or 0. */
static int helo_address(const char *helo, char *buf, size_t size)
{
    unsigned char tmp[16];
    size_t len = strlen(helo);
    const char *s = helo;

    if (len >= 2 && helo[0] == '[' && helo[len - 1] == ']') {
        s = helo + 1;
        len -= 2;
        if (len > 5 && strncasecmp(s, "IPv6:", 5) == 0) {
            s += 5;
            len -= 5;
        }
    }
    if (len == 0 || len >= size)
        return 0;
    memcpy(buf, s, len);
    buf[len] = '\0';
    return inet_pton(AF_INET, buf, tmp) == 1 || inet_pton(AF_INET6, buf, tmp) == 1;
}

/* Same address, whatever its spelling. */
static int helo_same_addr(const char *a, const char *b)
{
    unsigned char x[16], y[16];

    if (a == NULL || b == NULL)
        return 0;
    if (inet_pton(AF_INET, a, x) == 1)
        return inet_pton(AF_INET, b, y) == 1 && memcmp(x, y, 4) == 0;
    if (inet_pton(AF_INET6, a, x) == 1)
        return inet_pton(AF_INET6, b, y) == 1 && memcmp(x, y, 16) == 0;
    return 0;
}

void helo_examine(const char *helo, const char *client_ip,
                  const char *our_name, const char *our_addr,
                  struct helo_findings *f)
{
    char addr[64];
    int is_addr;

    memset(f, 0, sizeof(*f));
    if (helo == NULL)
        return;
    is_addr = helo_address(helo, addr, sizeof(addr));
    if (is_addr) {
        f->is_us = helo_same_addr(addr, our_addr) &&
                   !helo_same_addr(addr, client_ip);
        f->bad_ip = !helo_same_addr(addr, client_ip) && !f->is_us;
        f->not_fqdn = helo[0] != '[';
        return;
    }
    f->not_fqdn = !domain_is_fqdn(helo);
    f->is_us = our_name != NULL && *our_name != '\0' &&
               strcasecmp(helo, our_name) == 0;
}
