/*
 * grey_keys - the [grey] section: every key of sluice-grey, declared once
 * (type, default, bounds, doc; sluice.conf(5) and etc/sluice.conf are
 * generated from this table).
 */
#include <stddef.h>

#include "grey.h"

#define G(field) offsetof(struct grey_conf, field)

static const struct cfg_key grey_keys[] = {
    MOD_CONF_KEYS(struct grey_conf, "grey"),
    {"greylist", CFG_BOOL, "yes", 0, 0, G(greylist), NULL,
     "Greylist new triplets (client network, sender, recipient); no: "
     "rate limits only."},
    {"delay", CFG_DURATION, "5m", 0, 86400, G(delay), NULL,
     "How long a new triplet is deferred: its retry passes from then on."},
    {"retry_window", CFG_DURATION, "2d", 1, 2592000, G(retry_window), NULL,
     "How long a deferred triplet waits for its retry; after that it is "
     "new again."},
    {"pass_lifetime", CFG_DURATION, "36d", 1, 31622400, G(pass_lifetime),
     NULL,
     "How long a triplet that passed (and an auto-whitelist count) is "
     "kept since it was last renewed."},
    {"auto_whitelist", CFG_INT, "5", 0, 1000000, G(auto_whitelist), NULL,
     "Pass every message of a client network once this many of its "
     "triplets were delivered (postgrey's --auto-whitelist-clients); 0: "
     "off."},
    {"ipv4_netmask", CFG_INT, "24", 8, 32, G(ipv4_netmask), NULL,
     "Prefix length of the client network of an IPv4 client in a "
     "triplet."},
    {"ipv6_netmask", CFG_INT, "64", 16, 128, G(ipv6_netmask), NULL,
     "Prefix length of the client network of an IPv6 client in a "
     "triplet."},
    {"spf_domain", CFG_BOOL, "no", 0, 0, G(spf_domain), NULL,
     "When the sender's SPF passes, the triplet's client is the "
     "SPF-validated domain, so a retry from another address of the "
     "same provider passes."},
    {"add_header", CFG_BOOL, "yes", 0, 0, G(add_header), NULL,
     "Add X-Greylist (milter-greylist's format) to a message that passed "
     "after a delay."},
    {"greylist_recipients", CFG_MAP, NULL, 0, 0, G(greylist_recipients), NULL,
     "When set, only the recipients found in this map are greylisted."},
    {"exempt_clients", CFG_MAP, NULL, 0, 0, G(exempt_clients), NULL,
     "Client addresses (cidr: map) that are never greylisted."},
    {"exempt_client_names", CFG_MAP, NULL, 0, 0, G(exempt_client_names),
     NULL,
     "Verified reverse names of clients (domain: or pcre: map) that are "
     "never greylisted: large providers."},
    {"exempt_senders", CFG_MAP, NULL, 0, 0, G(exempt_senders), NULL,
     "Envelope senders (addr: or domain: map) that are never greylisted."},
    {"exempt_recipients", CFG_MAP, NULL, 0, 0, G(exempt_recipients), NULL,
     "Recipients (addr: or domain: map) that are never greylisted "
     "(postmaster, abuse)."},
    {"exempt_authenticated", CFG_BOOL, "yes", 0, 0, G(exempt_authenticated),
     NULL, "Never greylist clients that authenticated (SMTP AUTH)."},
    {"exempt_internal", CFG_BOOL, "yes", 0, 0, G(exempt_internal), NULL,
     "Never greylist clients in [common] internal_networks."},
    {"dnswl", CFG_LIST, NULL, 0, 0, G(dnswl), NULL,
     "DNS allow lists (dnsbl_sites syntax: zone[=filter][*weight]); a "
     "client listed in one is never greylisted."},
    {"ratelimits", CFG_LIST, NULL, 0, 64, G(ratelimits), NULL,
     "Rate-limit rules, each a quoted \"NAME key=K[+K] count=C "
     "limit=N/DURATION [action=A] [block_for=DURATION] [allow=MAP] "
     "[score=S]\" (sluice-grey(8))."},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL},
};

const struct cfg_section grey_section = {"grey", grey_keys,
                                         sizeof(struct grey_conf)};
