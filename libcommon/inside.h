/*
 * inside - who is inside: [common] local_domains and internal_networks.
 *
 * DESCRIPTION
 *	The policy, grey and content milters all ask the same two
 *	questions, answered here from one place:
 *
 *	inside_network(in, ip): is the client address in
 *	internal_networks (a list of IPv4/IPv6 addresses and CIDR
 *	networks; default the loopback networks)?
 *
 *	inside_domain(in, domain): is the domain (or the domain of an
 *	address, after its last '@') one of local_domains?  An entry
 *	"example.org" matches the domain and its subdomains, ".example.org"
 *	subdomains only (the domain: map rules, maps.h); comparison is
 *	case-insensitive.
 *
 *	inside_outbound(in, ip, auth_user, rcpts, n): the message goes out
 *	of the organisation: it comes from inside (an internal network or
 *	an authenticated client, auth_user non-NULL and non-empty) and at
 *	least one recipient is outside local_domains.
 *
 *	inside_new() builds the tables from a loaded configuration; it
 *	returns 0, or -1 after adding "file: local_domains: ..." errors
 *	for bad entries (so that -n reports them).
 *
 * OWNERSHIP
 *	Read-only after inside_new(); safe across threads; inside_free().
 */
#ifndef SLUICE_INSIDE_H
#define SLUICE_INSIDE_H

#include <stddef.h>

#include "cfg.h"

struct inside;

int inside_new(const struct cfg *c, struct inside **in_r,
               struct cfg_errors *errs);
void inside_free(struct inside *in);

int inside_network(const struct inside *in, const char *ip);
int inside_domain(const struct inside *in, const char *domain);
int inside_outbound(const struct inside *in, const char *ip,
                    const char *auth_user, char *const *rcpts, size_t n);

#endif
