/*
 * dns_dkim - libopendkim's DNS through dns.h.
 *
 * DESCRIPTION
 *	dns_dkim_attach() installs query hooks in a DKIM_LIB
 *	(dkim_dns_set_query_service/start/cancel/waitreply, and no
 *	resolver of its own: dkim_dns_set_init/close NULL) so that every
 *	key lookup of libopendkim goes through d, bounded by the calling
 *	thread's budget (dns_thread_budget_set()) and by libopendkim's own
 *	timeout (DKIM_OPTS_TIMEOUT), whichever ends first.  A lookup that
 *	times out or runs out of budget gives libopendkim DKIM_DNS_EXPIRED
 *	("query timed out"), any other failure DKIM_DNS_ERROR: both are
 *	"key retrieval failed" (DKIM_SIGERROR_KEYFAIL), a temperror, never
 *	a fail.  NXDOMAIN and an empty answer reach libopendkim as they
 *	are ("no key", permanent); so does a selector or domain that
 *	cannot be put in a query (an NXDOMAIN reply made here), so that a
 *	forged signature cannot turn a fail into a temperror.  Returns 0,
 *	or -1 with *error_r (static).
 *
 * OWNERSHIP
 *	d must outlive lib.
 */
#ifndef SLUICE_DNS_DKIM_H
#define SLUICE_DNS_DKIM_H

#include <opendkim/dkim.h>

#include "dns.h"

int dns_dkim_attach(DKIM_LIB *lib, struct dns *d, const char **error_r);

#endif
