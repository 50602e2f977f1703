/*
 * greylist - what greylisting shares across the suite: the client network
 * of a triplet, and the enforcer's greylist action remembered in the store
 * (score-based greylisting).
 *
 * SYNOPSIS
 *	char net[GREYLIST_NET_MAX];
 *	greylist_net("192.0.2.77", 24, 64, net, sizeof(net));  "192.0.2.0/24"
 *
 *	struct greylist_out o;
 *	switch (greylist_message(store, cc, msg, clock_wall(), &o, &error))
 *
 * DESCRIPTION
 *	greylist_net() writes the network of an address with the given
 *	prefix lengths, in its canonical text form: "192.0.2.0/24",
 *	"2001:db8:1:2::/64".  An IPv4-mapped IPv6 address
 *	(::ffff:192.0.2.1) is taken as IPv4.  It returns 0, or -1 when ip
 *	is not an address (buf then holds "unknown").  Both sluice-grey's
 *	triplets and the message memory below use it, so that one client
 *	is one network everywhere.
 *
 *	greylist_message() is the enforcer's greylist action (a verdict of
 *	"greylist", reached by score_greylist or forced) with a memory: the
 *	message is keyed by a SHA-256 of the client network (/24, /64),
 *	the envelope sender, the recipients (sorted) and the body as
 *	buffered, under "grey/m/HEX" in the store.  The first time it is
 *	seen it is remembered (value "FIRST 0", TTL greylist_retry_window)
 *	and deferred: GREYLIST_DEFER, o->retry_in the seconds still to
 *	wait.  A retry before greylist_delay is deferred again; a retry
 *	after it passes (GREYLIST_PASS, o->delayed the seconds since the
 *	first try; the entry becomes "FIRST PASSED" and stays until the
 *	window ends, so a copy sent again passes too).  GREYLIST_ERROR: the
 *	store failed (*error_r); the caller defers the message as a
 *	temporary failure, never lets it through.  The sender's MTA retries
 *	the same message with the same envelope and body, so the retry
 *	finds its entry; anything that changes the body (a new Date in a
 *	re-generated message) is a new message.
 *
 *	greylist_needs_store() tells whether a configuration can reach the
 *	greylist action ([common] score_greylist above 0, or a
 *	force_actions entry "=greylist"), so that milter_env.c opens the
 *	store for an enforcer that needs it.
 *
 * OWNERSHIP
 *	Plain values; *error_r is the store's per-thread buffer.
 */
#ifndef SLUICE_GREYLIST_H
#define SLUICE_GREYLIST_H

#include <stddef.h>
#include <time.h>

#define GREYLIST_NET_MAX 64 /* "ffff:...:ffff/128" fits */

struct store;
struct common_conf;
struct sl_msg;

enum greylist_rc {
    GREYLIST_ERROR = -1,
    GREYLIST_DEFER = 0,
    GREYLIST_PASS = 1,
};

struct greylist_out {
    long long delayed;  /* PASS: seconds since the first try */
    long long retry_in; /* DEFER: seconds until a retry passes */
    char key[80];       /* "grey/m/<64 hex>" */
};

int greylist_net(const char *ip, int v4bits, int v6bits, char *buf,
                 size_t size);

enum greylist_rc greylist_message(struct store *s, const struct common_conf *cc,
                                  const struct sl_msg *m, time_t now,
                                  struct greylist_out *o, const char **error_r);

int greylist_needs_store(const struct common_conf *cc);

#endif
