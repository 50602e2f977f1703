/*
 * dns_dkim - libopendkim's DNS through dns.h.
 *
 * DESCRIPTION
 *	dns_dkim_attach() installs query hooks in a DKIM_LIB
 *	(dkim_dns_set_query_service/start/cancel/waitreply, and no
 *	resolver of its own: dkim_dns_set_init/close NULL) so that every
 *	key lookup of libopendkim goes through d, bounded by the calling
 *	thread's budget (dns_thread_budget_set()).  A lookup that times out
 *	or fails gives libopendkim DKIM_DNS_EXPIRED or an error, which it
 *	reports as "key retrieval failed" (DKIM_SIGERROR_KEYFAIL): a
 *	temperror, never a fail.  Returns 0, or -1 with *error_r (static).
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
