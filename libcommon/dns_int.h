/*
 * dns_int - what dns.c and dns_parse.c share (not for other modules).
 *
 * DESCRIPTION
 *	dns_parse_answer() turns one DNS message (wire format, as c-ares
 *	hands it to the callback of ares_send()) into a struct dns_answer
 *	for the query type qtype: the three outcomes of dns.h from the
 *	RCODE and the answer section, records of type qtype only (the
 *	CNAMEs of a chain are skipped, except when qtype is CNAME), TTLs,
 *	and the negative TTL from the SOA of the authority section.  A
 *	message that cannot be parsed is DNS_TEMPFAIL "malformed answer".
 *	The answer's previous contents are not freed.
 *
 *	dns_answer_set_fail() makes a an answer of status st (no records)
 *	with the static error text.
 *
 *	dns_raw_error() is the error text of the calling thread's last
 *	dns_query_raw() (NULL when it had an answer): dns_dkim.c tells a
 *	timeout from other failures with it.
 *
 * OWNERSHIP
 *	The records and their text are allocated for the answer; they are
 *	freed by dns_answer_free().
 */
#ifndef SLUICE_DNS_INT_H
#define SLUICE_DNS_INT_H

#include "dns.h"

/* The error of a lookup whose name cannot be put in a query (then
 * DNS_NXDOMAIN: such a name cannot exist). */
#define DNS_INVALID_NAME "invalid domain name"

void dns_parse_answer(const unsigned char *msg, size_t len, int qtype,
                      struct dns_answer *a);
void dns_answer_set_fail(struct dns_answer *a, enum dns_status st,
                         const char *error);
const char *dns_raw_error(void);

#endif
