/*
 * spf - SPF (RFC 7208) checks with libspf2 1.2.10, through dns.h.
 *
 * SYNOPSIS
 *	struct spf *s;
 *	spf_new(dns, "mx.example.org", &s, &error);   (at start())
 *	struct spf_out o;
 *	spf_check(s, SPF_ID_MAILFROM, "192.0.2.10", "mail.example.net",
 *	          "alice@example.net", budget, &o);
 *	... o.result, o.domain, o.received_spf ...
 *	spf_out_free(&o);
 *
 * DESCRIPTION
 *	The one SPF check of the suite: the policy milter's SPF check and
 *	the grey milter's SPF-domain mode both call it.  libspf2 runs with
 *	a DNS layer of our own (a custom SPF_dns_server_t) whose lookups go
 *	through dns.h with the budget given to spf_check(); nothing reads
 *	/etc/resolv.conf.  The layer asks for TXT only: libspf2 1.2.10
 *	first asks for the SPF RR type (99), which RFC 7208 3.1 retired,
 *	and the layer answers that "no data" without a query.
 *
 *	spf_check() evaluates one identity: SPF_ID_MAILFROM checks the
 *	envelope sender (for the null sender, "" or "<>", postmaster@helo,
 *	as RFC 7208 2.4 says), SPF_ID_HELO the HELO name.  The result is
 *	one of the seven of RFC 7208 2.6.  A domain that is not a
 *	multi-label domain name (or is malformed, or an address literal
 *	such as "[192.0.2.1]") is "none" without a lookup (RFC 7208 4.3).
 *	An IPv4-mapped client (::ffff:192.0.2.1) is checked as IPv4; a
 *	client_ip that is not an address is temperror.  Library traps
 *	handled here (TESTBED 4, and the openspf suite,
 *	t/unit/spf_suite.sh): libspf2 1.2.10 gives no result ("(invalid)")
 *	when the record's own lookup failed (SPF_E_DNS_ERROR): that is
 *	temperror; and when the record did not compile: permerror; a
 *	macro-expanded name over 253 bytes loses labels on the left
 *	(RFC 7208 7.3) before it is asked; the spaces of an explanation
 *	TXT record reach libspf2 as "%_", which its macro parser keeps (it
 *	mangles a plain space).  A client in 127.0.0.0/8 or ::1 always
 *	passes ("localhost is always allowed", libspf2's own rule).  The
 *	syntax checks and limits libspf2 1.2.10 does not make are listed
 *	in t/data/spf/suite-todo.txt.
 *
 *	struct spf_out gives: result; domain, the domain whose policy was
 *	evaluated (the sender's domain, or the HELO name); explanation (a
 *	fail's explanation: the domain's exp= text, macros expanded, or
 *	ours, "192.0.2.1 is not one of example.org's designated mail
 *	servers."; NULL for other results); comment (libspf2's
 *	human-readable comment, or ours when libspf2 gave none); received_spf,
 *	the value of an RFC 7208 9.1 Received-SPF header naming the
 *	identity checked, without the header name:
 *	    pass (mx.example.org: domain of example.net designates
 *	    192.0.2.10 as permitted sender) client-ip=192.0.2.10;
 *	    envelope-from="alice@example.net"; helo=mail.example.net;
 *	    receiver=mx.example.org; identity=mailfrom;
 *	(one line; values that are not dot-atoms quoted, bytes that cannot
 *	be in a header as "?", no parentheses inside the comment).
 *
 *	spf_new() returns 0, or -1 with *error_r (static); it also routes
 *	libspf2's messages (process-wide) to log.h.  A struct spf is safe
 *	to use from many threads at once.
 *
 * OWNERSHIP
 *	struct spf_out holds copies; spf_out_free() frees them.
 */
#ifndef SLUICE_SPF_H
#define SLUICE_SPF_H

#include "clock.h"
#include "dns.h"

enum spf_result {
    SPF_RES_NONE = 0,
    SPF_RES_NEUTRAL,
    SPF_RES_PASS,
    SPF_RES_FAIL,
    SPF_RES_SOFTFAIL,
    SPF_RES_TEMPERROR,
    SPF_RES_PERMERROR,
};

enum spf_identity {
    SPF_ID_MAILFROM = 0,
    SPF_ID_HELO,
};

struct spf_out {
    enum spf_result result;
    char *domain;
    char *explanation;
    char *comment;
    char *received_spf;
};

struct spf;

int spf_new(struct dns *d, const char *receiver, struct spf **spf_r,
            const char **error_r);
void spf_free(struct spf *s);
void spf_check(struct spf *s, enum spf_identity id, const char *client_ip,
               const char *helo, const char *sender, struct deadline budget,
               struct spf_out *out);
void spf_out_free(struct spf_out *o);

/* "pass", "fail", ... as in Authentication-Results (RFC 8601). */
const char *spf_result_name(enum spf_result r);
/* The inverse; 0 ok, -1 unknown. */
int spf_result_parse(const char *s, enum spf_result *r);

#endif
