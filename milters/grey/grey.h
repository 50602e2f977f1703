/*
 * grey.h - sluice-grey: greylisting and rate limits over the store.
 *
 * This header is the index of the module's files (one prefix each):
 *	grey_module.c   the module table, setup/start/teardown, the stage
 *	                callbacks: rate limits, then greylisting per
 *	                recipient at RCPT (the null sender's at end of
 *	                message), X-Greylist at end of message
 *	grey_keys.c     the [grey] key table
 *	grey_triplet.c  normalisation and store keys of triplets (pure:
 *	                client network, sender with BATV, SRS, VERP and
 *	                +ext removed, recipient)
 *	grey_policy.c   the decision over the store: new, too early, passed
 *	                after the delay, known, auto-whitelisted
 *	grey_exempt.c   exemptions: maps, authenticated and internal
 *	                clients, reverse names, DNSWL; SPF-domain mode
 *	grey_rate.c     rate-limit rules: parsing, GCRA over store_cas(),
 *	                timed blocks, and what sluicectl does with them
 *	grey_reply.c    the reply templates
 *
 * STORE KEYS (store.h; sluicectl(8) reads and changes them)
 *	grey/t/NET/SENDER/RCPT  a triplet: "FIRST PASSED" epoch seconds
 *	                        (PASSED 0 while waiting); TTL retry_window,
 *	                        then pass_lifetime once passed
 *	grey/a/NET              auto-whitelist: delivered triplets of NET
 *	                        (a counter over pass_lifetime)
 *	rl/c/RULE/KEY           a rate-limit rule's GCRA state: the
 *	                        theoretical arrival time, epoch seconds
 *	                        with milliseconds
 *	rl/b/RULE/KEY           a timed block: "SINCE COUNT" (COUNT the
 *	                        events counted when it started, -1 for a
 *	                        block set by hand); TTL block_for
 *	NET is "192.0.2.0/24", "2001:db8:1:2::/64", or "spf:DOMAIN" in
 *	SPF-domain mode.  (grey/m/HASH is libcommon's message memory of
 *	the greylist action, greylist.h.)
 *
 * OWNERSHIP
 *	struct grey_state is per configuration, read-only after setup()
 *	(its rules and maps are freed by teardown()).  Per-connection and
 *	per-message data (struct grey_conn, struct grey_msg) belong to the
 *	module's slots and are freed by its hooks.
 */
#ifndef SLUICE_GREY_H
#define SLUICE_GREY_H

#include <stddef.h>
#include <time.h>

#include "cfg.h"
#include "greylist.h"
#include "maps.h"
#include "module.h"

#define GREY_ADDR_MAX 320 /* bytes of a normalised address kept in a key */
#define GREY_KEY_MAX 900  /* a store key (< STORE_KEY_MAX) */

struct grey_conf {
    struct mod_conf mc; /* must be first */
    int greylist;
    long long delay, retry_window, pass_lifetime;
    long long auto_whitelist;
    long long ipv4_netmask, ipv6_netmask;
    int spf_domain;
    int add_header;
    struct map *greylist_recipients;
    struct map *exempt_clients;
    struct map *exempt_client_names;
    struct map *exempt_senders;
    struct map *exempt_recipients;
    int exempt_authenticated;
    int exempt_internal;
    struct cfg_list dnswl;
    struct cfg_list ratelimits;
};

struct grey_rule;
struct dnsxl;

struct grey_state {
    const struct cfg *cfg;
    const struct grey_conf *conf;
    struct dnsxl *dnswl; /* NULL when no list */
    struct grey_rule *rules;
    size_t nrules;
};

/* grey_keys.c */
extern const struct cfg_section grey_section;

/* grey_module.c */
extern const struct module grey_module;
extern const struct reply_template grey_replies[]; /* grey_reply.c */

/* grey_triplet.c: a triplet's parts, normalised. */
struct grey_key {
    char net[GREYLIST_NET_MAX + 8]; /* or "spf:" + domain (cut) */
    char sender[GREY_ADDR_MAX];
    char rcpt[GREY_ADDR_MAX];
};

void grey_sender_norm(const char *from, char *out, size_t size);
void grey_rcpt_norm(const char *rcpt, char *out, size_t size);
void grey_key_make(struct grey_key *k, const char *net, const char *from,
                   const char *rcpt);
void grey_key_triplet(const struct grey_key *k, char *buf, size_t size);
void grey_key_awl(const char *net, char *buf, size_t size);
/* Split a "grey/t/..." store key back into its parts; 0 or -1. */
int grey_key_parse(const char *key, struct grey_key *k);
/* The client network of ip with the section's prefix lengths. */
void grey_client_net(const struct grey_conf *c, const char *ip, char *buf,
                     size_t size);

/* grey_policy.c: the decision for one triplet. */
enum grey_verdict {
    GREY_V_ERROR = -1, /* the store failed: error says why */
    GREY_V_NEW,        /* first seen: deferred */
    GREY_V_EARLY,      /* seen, retried before the delay: deferred */
    GREY_V_PASSED,     /* retried after the delay: passes now */
    GREY_V_KNOWN,      /* passed before: passes */
    GREY_V_AWL,        /* its network is auto-whitelisted: passes */
};

struct grey_params {
    long long delay, retry_window, pass_lifetime, auto_whitelist;
};

struct grey_result {
    long long delayed;  /* PASSED: seconds since the first try */
    long long retry_in; /* NEW, EARLY: seconds until a retry passes */
    long long awl;      /* the network's delivered triplets (when read) */
    const char *error;  /* ERROR: the store's reason */
};

void grey_params_of(const struct grey_conf *c, struct grey_params *p);
enum grey_verdict grey_policy_check(struct store *s, const struct grey_params *p,
                                    const struct grey_key *k, time_t now,
                                    struct grey_result *r);
/* Is net auto-whitelisted?  1 yes, 0 no (*count_r the count), -1 error. */
int grey_policy_awl(struct store *s, const struct grey_params *p,
                    const char *net, long long *count_r, const char **error_r);
const char *grey_verdict_name(enum grey_verdict v);
/* Parse a triplet's value "FIRST PASSED"; 0 or -1. */
int grey_value_parse(const char *val, long long *first_r, long long *passed_r);

/* Per connection (x->conn_data) and per message (x->msg_data). */
struct grey_conn {
    int checked;        /* the client's exemptions were looked up */
    const char *exempt; /* static reason, or NULL */
};

struct grey_msg {
    char net[GREYLIST_NET_MAX + 8]; /* the triplets' NET ("" until known) */
    int awl;                        /* -1 unknown, 0 no, 1 whitelisted */
    long long delayed;              /* most seconds a recipient waited */
    int any_delayed;                /* a recipient passed after a delay */
    const char *exempt;             /* the client's exemption (static) */
};

/* grey_exempt.c */
/* Why the client is exempt from greylisting (a static reason), or NULL;
 * looked up once per connection (and DNSWL once). */
const char *grey_exempt_client(struct mod_ctx *x, struct grey_conn *gc);
/* Why this sender/recipient pair is exempt, or NULL. */
const char *grey_exempt_rcpt(struct mod_ctx *x, const char *rcpt);
/* The "NET" of the triplets of this message: the client network, or in
 * SPF-domain mode "spf:DOMAIN" when the sender's SPF passes. */
void grey_triplet_net(struct mod_ctx *x, char *buf, size_t size);

/* grey_rate.c */
enum grey_stage { GREY_ST_CONNECT = 0, GREY_ST_MAIL, GREY_ST_RCPT, GREY_ST_EOM };

int grey_rules_parse(struct grey_state *st, const struct cfg_list *l,
                     struct cfg_errors *errs);
void grey_rules_free(struct grey_state *st);
/* Count this stage's events and check blocks: MOD_CONTINUE, or the
 * refusal (x->out set), or MOD_ERROR (x->out.reason). */
enum mod_rc grey_rate_stage(struct mod_ctx *x, enum grey_stage stage);

/* For sluicectl: the rules, and their counters and blocks. */
const struct grey_rule *grey_rule_find(const struct grey_state *st,
                                       const char *name);
const char *grey_rule_name(const struct grey_rule *r);
/* "100 messages/600s by sasl_user", "tempfail, block_for 3600s" */
void grey_rule_limit_text(const struct grey_rule *r, char *buf, size_t size);
void grey_rule_action_text(const struct grey_rule *r, char *buf, size_t size);
long long grey_rule_block_for(const struct grey_rule *r);
/* Estimated events in the window from a counter's value. */
double grey_rule_count(const struct grey_rule *r, const char *val,
                       double now);
double grey_rule_limit(const struct grey_rule *r);
int grey_rate_block(struct store *s, const struct grey_rule *r,
                    const char *key, long long seconds, const char **error_r);
int grey_rate_unblock(struct store *s, const struct grey_rule *r,
                      const char *key, const char **error_r);
int grey_rate_reset(struct store *s, const struct grey_rule *r,
                    const char *key, const char **error_r);

#endif
