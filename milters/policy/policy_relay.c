/*
 * policy_relay - relaying denied.
 *
 * DESCRIPTION
 *	relay_denied() is true when the recipient's domain is not one of
 *	[common] local_domains and the client neither is in
 *	internal_networks nor authenticated (auth_user non-empty): the
 *	mail would be relayed for a stranger.  Postfix refuses this itself
 *	(smtpd_relay_restrictions); the milter does not depend on it,
 *	because Sendmail setups differ.
 *
 * OWNERSHIP
 *	Pure.
 */
#include "inside.h"
#include "policy.h"

int relay_denied(const struct inside *in, const char *client_ip,
                 const char *auth_user, const char *rcpt)
{
    if (auth_user != NULL && *auth_user != '\0')
        return 0;
    if (client_ip != NULL && *client_ip != '\0' && inside_network(in, client_ip))
        return 0;
    return !inside_domain(in, rcpt);
}
