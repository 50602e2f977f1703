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
 *	/etc/resolv.conf.
 *
 *	spf_check() evaluates one identity: SPF_ID_MAILFROM checks the
 *	envelope sender (for the null sender, postmaster@helo, as RFC 7208
 *	2.4 says), SPF_ID_HELO the HELO name.  The result is one of the
 *	seven of RFC 7208 2.6.  Library traps handled here (TESTBED 4):
 *	a TXT lookup that timed out comes back from libspf2 1.2.10 as
 *	"(invalid)" with SPF_E_DNS_ERROR: that is temperror; a client in
 *	127.0.0.0/8 or ::1 always passes ("localhost is always allowed",
 *	libspf2's own rule).
 *
 *	struct spf_out gives: result; domain, the domain whose policy was
 *	evaluated (the sender's domain, or the HELO name); explanation (a
 *	fail's explanation text, or NULL); comment (libspf2's
 *	human-readable comment, or NULL); received_spf, the value of an
 *	RFC 7208 9.1 Received-SPF header naming the identity checked
 *	("pass (mx.example.org: domain of ... designates ...)
 *	client-ip=...; envelope-from=...; helo=...; identity=mailfrom;")
 *	without the header name.
 *
 *	spf_new() returns 0, or -1 with *error_r (static).  A struct spf is
 *	safe to use from many threads at once.
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
