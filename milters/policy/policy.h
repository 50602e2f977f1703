/*
 * policy - sluice-policy: who may send, and is the mail who it says it is.
 *
 * FILES (one check per file, STYLE.md 25)
 *	policy_keys.c       the key table and the symbol table
 *	policy_module.c     setup, state, the module table
 *	policy_stage.h      the stage callbacks: policy_stage_conn.c
 *	                    (connect, HELO, RCPT, access maps) and
 *	                    policy_stage_msg.c (MAIL FROM, end of message)
 *	                    that run the checks, per-connection/-message
 *	                    state
 *	policy_access.c     access maps with Postfix access(5) values
 *	policy_relay.c      relaying denied
 *	policy_helo.c       HELO syntax, HELO that claims to be us
 *	policy_sender.c     sender domain must resolve; iprev; dynamic PTR
 *	policy_dnsbl.c      DNSBL/DNSWL through libcommon's dnsxl
 *	policy_spf.c        SPF actions and per-domain overrides over spf.h
 *	policy_dkim.c       DKIM verification (libopendkim through dns.h)
 *	policy_dmarc.c      DMARC record parsing, alignment, the verdict,
 *	                    the history file
 *	policy_dmarc_walk.c RFC 9989 DNS tree walk (policy and
 *	                    organizational domain) over an injected lookup
 *	policy_cbv.c        call-back verification (SMTP client, MX, cache)
 *	policy_authres.c    the Authentication-Results header, forged ones
 *	policy_reply.c      the reply templates
 *	main.c              sluice-policy
 *
 * DESCRIPTION
 *	Each check's decision is a plain function over plain structs (the
 *	configuration, strings, DNS answers), testable without libmilter;
 *	policy_module.c is the only file that knows the stages.  A check
 *	that finds something adds a symbol (policy_sym()) with the score of
 *	the symbol table or of [policy] scores.  An early refusal happens
 *	only where an action key says so.
 *
 * OWNERSHIP
 *	struct policy_state is per configuration, read-only after setup().
 *	struct policy_conn lives in *x->conn_data, struct policy_msg in
 *	*x->msg_data (policy_module.c frees them).
 */
#ifndef SLUICE_POLICY_H
#define SLUICE_POLICY_H

#include <stddef.h>

#include "dns.h"
#include "dnsxl.h"
#include "maps.h"
#include "module.h"
#include "spf.h"

/* Actions of a finding (spf_*_action, dmarc_*_action). */
enum policy_act {
    POLICY_TAG = 0,  /* score only */
    POLICY_REJECT,   /* 5xx now */
    POLICY_TEMPFAIL, /* 4xx now */
    POLICY_ACCEPT,   /* nothing: no score either */
    POLICY_QUARANTINE, /* DMARC: the quarantine score */
};

#define POLICY_ACT_ENUM "tag|reject|tempfail|accept"

/* Symbols: index into policy_symbols[] (policy_module.c). */
enum policy_symbol {
    SYM_ACCESS_REJECT = 0,
    SYM_ACCESS_TEMPFAIL,
    SYM_ACCESS_OK,
    SYM_ACCESS_SCORE,
    SYM_RELAY_DENIED,
    SYM_SENDER_NXDOMAIN,
    SYM_SENDER_NULLMX,
    SYM_SENDER_TEMPFAIL,
    SYM_SENDER_NOT_FQDN,
    SYM_HELO_NOT_FQDN,
    SYM_HELO_IS_US,
    SYM_HELO_BAD_IP,
    SYM_IPREV_NONE,
    SYM_IPREV_MISMATCH,
    SYM_IPREV_TEMPERROR,
    SYM_DYNAMIC_PTR,
    SYM_DNSBL,
    SYM_DNSWL,
    SYM_DNSBL_TEMPFAIL,
    SYM_SPF_PASS,
    SYM_SPF_FAIL,
    SYM_SPF_SOFTFAIL,
    SYM_SPF_NEUTRAL,
    SYM_SPF_NONE,
    SYM_SPF_PERMERROR,
    SYM_SPF_TEMPERROR,
    SYM_SPF_HELO_FAIL,
    SYM_DKIM_PASS,
    SYM_DKIM_FAIL,
    SYM_DKIM_TEMPERROR,
    SYM_DKIM_PERMERROR,
    SYM_DMARC_PASS,
    SYM_DMARC_FAIL,
    SYM_DMARC_QUARANTINE,
    SYM_DMARC_REJECT,
    SYM_DMARC_TEMPERROR,
    SYM_CBV_FAIL,
    SYM_CBV_TEMPFAIL,
    SYM_N
};

struct policy_conf {
    struct mod_conf mc;
    char *authserv_id;
    /* access maps */
    struct map *access_client;
    struct map *access_client_name;
    struct map *access_helo;
    struct map *access_sender;
    struct map *access_recipient;
    /* relay, HELO, sender, iprev */
    int relay_check;
    int helo_check;
    int sender_domain_check;
    int sender_nxdomain_code; /* 0: 550, 1: 450 */
    int iprev_check;
    struct map *dynamic_ptr;
    /* DNSBL/DNSWL */
    struct cfg_list dnsbl_sites;
    double dnsbl_threshold; /* 0: never refuse early */
    struct cfg_list dnsbl_urls; /* zone=URL */
    /* SPF */
    int spf_check;
    int spf_helo_check;
    int spf_outbound;
    int spf_received_spf;
    int spf_action[7]; /* by enum spf_result */
    struct map *spf_overrides;
    /* DKIM */
    int dkim_check;
    long long dkim_min_key_bits;
    /* DMARC */
    int dmarc_check;
    int dmarc_reject_action;     /* reject|quarantine|tag */
    int dmarc_quarantine_action; /* quarantine|tag */
    char *dmarc_history;
    /* call-back verification */
    struct map *cbv_domains;
    struct cfg_list cbv_spf_results;
    long long cbv_port;
    long long cbv_timeout; /* ms */
    struct cfg_list cbv_exclude;
    long long cbv_ttl_pass;
    long long cbv_ttl_fail;
    char *cbv_helo;
    struct map *rcpt_cbv;
    struct cfg_list scores;
};

struct policy_state {
    const struct cfg *cfg;
    const struct policy_conf *conf;
    struct dnsxl *dnsbl;
    double score[SYM_N];
    char authserv_id[256];
    struct policy_dkim *dkim; /* opened at start() */
};

/* An access map value (policy_access.c). */
enum access_kind {
    ACCESS_NONE = 0, /* not listed, or DUNNO */
    ACCESS_OK,
    ACCESS_REJECT,
    ACCESS_TEMPFAIL,
    ACCESS_SCORE,
    ACCESS_ERROR, /* the map could not be read */
};
struct access_value {
    enum access_kind kind;
    double score;
    char text[400]; /* REJECT/TEMPFAIL text, "" for the default */
    char code[4], xcode[8]; /* "550", "5.7.1" when the value gave them */
};
/* What the connection's checks found (*x->conn_data). */
struct policy_conn {
    int done;          /* connect checks ran */
    int inside;        /* client in internal_networks */
    int access_ok;     /* access map said OK for the client */
    int iprev;         /* enum policy_iprev */
    char *ptr;         /* the verified PTR name, or NULL */
    struct dnsxl_result bl;
    int bl_done;
    int helo_done;
    struct access_value deny; /* a client refusal, given at MAIL FROM */
};

enum policy_iprev {
    IPREV_SKIPPED = 0,
    IPREV_PASS,
    IPREV_FAIL,      /* no PTR, or no name pointing back */
    IPREV_PERMERROR, /* PTR names that do not point back */
    IPREV_TEMPERROR,
};

struct policy_dkim_sig {
    char *d, *s, *b; /* domain, selector, signature prefix */
    int result;      /* enum policy_auth */
    char *why;
};

/* Results as Authentication-Results names them. */
enum policy_auth {
    AUTH_NONE = 0,
    AUTH_PASS,
    AUTH_FAIL,
    AUTH_TEMPERROR,
    AUTH_PERMERROR,
    AUTH_NEUTRAL,
    AUTH_SOFTFAIL,
    AUTH_POLICY,
};

struct policy_dmarc_out {
    int result;          /* enum policy_auth: none/pass/fail/temperror/
                            permerror */
    char *from_domain;
    char *policy_domain;
    char *org_domain;
    char policy;         /* 'n', 'q', 'r' (applied: p, sp or np) */
    int testing;         /* t=y */
    int spf_aligned, dkim_aligned;
    char *why;
};

/* What one message's checks found (*x->msg_data). */
struct policy_msg {
    int skip_inbound;    /* internal or authenticated client */
    int authenticated;
    int access_ok;
    struct spf_out spf;
    int spf_done;
    struct spf_out spf_helo;
    int spf_helo_done;
    struct policy_dkim_sig *sigs;
    size_t nsigs;
    int dkim_done;
    struct policy_dmarc_out dmarc;
    int dmarc_done;
    int cbv; /* enum policy_auth of the sender CBV, AUTH_NONE: not run */
};

/* policy_keys.c */
struct policy_symbol_info {
    const char *name;
    double score;
};
extern const struct policy_symbol_info policy_symbols[SYM_N];

/* policy_module.c */
extern const struct module policy_module;
extern const struct cfg_section policy_section;
const char *policy_symbol_name(enum policy_symbol s);
void policy_sym(const struct policy_state *st, struct result *res,
                enum policy_symbol s, const char *detail);
void policy_sym_score(struct result *res, enum policy_symbol s, double score,
                      const char *detail);
const char *policy_auth_name(int a);

/* policy_reply.c */
extern const struct reply_template policy_replies[];
enum mod_rc policy_refuse(struct mod_ctx *x, const char *tpl, enum mod_rc rc,
                          const struct reply_arg *args, size_t nargs,
                          const char *reason);
/* An explicit "550 5.7.1 text" (access maps, SPF overrides); 0 or -1. */
int policy_reply_explicit(struct mod_out *out, const char *text,
                          int default_permanent);

/* policy_access.c */
int access_parse(const char *value, struct access_value *v);
enum access_kind access_check(struct map *m, const char *key,
                              struct access_value *v, const char **error_r);

/* policy_relay.c */
int relay_denied(const struct inside *in, const char *client_ip,
                 const char *auth_user, const char *rcpt);

/* policy_helo.c */
struct helo_findings {
    int not_fqdn, is_us, bad_ip;
};
void helo_examine(const char *helo, const char *client_ip,
                  const char *our_name, const char *our_addr,
                  struct helo_findings *f);
int domain_is_fqdn(const char *d);

/* policy_sender.c */
enum sender_verdict {
    SENDER_OK = 0,
    SENDER_NXDOMAIN, /* no A, AAAA or MX (NXDOMAIN or no records) */
    SENDER_NULLMX,
    SENDER_TEMPFAIL,
};
enum sender_verdict sender_domain_judge(const struct dns_answer *mx,
                                        const struct dns_answer *a,
                                        const struct dns_answer *aaaa,
                                        const char **why_r);
enum sender_verdict sender_domain_check(struct dns *d, const char *domain,
                                        struct deadline budget,
                                        const char **why_r);
int iprev_check(struct dns *d, const char *ip, struct deadline budget,
                char **name_r);

/* policy_dnsbl.c */
const char *dnsbl_url_for(const struct cfg_list *urls, const char *zone);
int dnsbl_refuses(const struct dnsxl_result *r, double threshold,
                  const char **zone_r);
void dnsbl_report(const struct policy_state *st, const struct dnsxl_result *r,
                  struct result *res);

/* policy_spf.c */
struct spf_decision {
    int act;              /* enum policy_act */
    char text[400];       /* explicit reply ("550 AOL mail ..."), or "" */
};
int spf_decide(const struct policy_conf *c, enum spf_result r,
               const char *domain, struct spf_decision *d,
               const char **error_r);
int spf_override_parse(const char *value, enum spf_result r,
                       struct spf_decision *d);
enum policy_symbol spf_symbol(enum spf_result r);
int spf_auth(enum spf_result r);

/* policy_dkim.c */
struct policy_dkim;
int policy_dkim_open(struct dns *d, long long min_bits,
                     struct policy_dkim **k_r, const char **error_r);
void policy_dkim_close(struct policy_dkim *k);
int policy_dkim_verify(struct policy_dkim *k, const struct sl_msg *m,
                       struct deadline budget, struct policy_dkim_sig **sigs_r,
                       size_t *n_r, const char **error_r);
void policy_dkim_sigs_free(struct policy_dkim_sig *v, size_t n);

/* policy_dmarc_walk.c: the lookup is injected. */
enum walk_rc {
    WALK_FOUND = 0, /* a valid DMARC record (text in *rec_r) */
    WALK_NONE,      /* no record (NXDOMAIN, NODATA, no v=DMARC1) */
    WALK_TEMPFAIL,
};
typedef enum walk_rc (*walk_lookup_fn)(void *arg, const char *name,
                                       char **rec_r);
struct dmarc_rec {
    char p, sp, np;   /* 'n', 'q', 'r'; sp/np 0: not given */
    char adkim, aspf; /* 'r', 's' */
    char psd;         /* 'y', 'n', 'u' */
    int t;            /* t=y */
    int pct;          /* read, ignored (RFC 9989) */
    int has_p;
};
int dmarc_rec_parse(const char *text, struct dmarc_rec *r,
                    const char **why_r);
struct walk_out {
    enum walk_rc rc;
    char *policy_domain; /* where the record was found */
    char *record;
    char *org_domain;
    int queries;
};
void dmarc_walk_policy(walk_lookup_fn fn, void *arg, const char *domain,
                       struct walk_out *o);
enum walk_rc dmarc_org_domain(walk_lookup_fn fn, void *arg,
                              const char *domain, char **org_r,
                              int *queries_r);
void walk_out_free(struct walk_out *o);
size_t dmarc_labels(const char *d);

/* policy_dmarc.c */
struct dmarc_input {
    const char *from_domain;
    int from_exists;        /* -1 unknown, 0 NXDOMAIN, 1 exists */
    const char *spf_domain; /* MAIL FROM domain SPF checked, or NULL */
    int spf;                /* enum policy_auth */
    const struct policy_dkim_sig *sigs;
    size_t nsigs;
    /* does the From domain exist (for np)?  1, 0, or -1: lookup failed;
       NULL: assume it exists */
    int (*exists)(void *arg, const char *domain);
};
int dmarc_aligned(walk_lookup_fn fn, void *arg, const char *a,
                  const char *b, char mode, int *aligned_r);
void dmarc_evaluate(walk_lookup_fn fn, void *arg, const struct dmarc_input *in,
                    struct policy_dmarc_out *o);
void dmarc_out_free(struct policy_dmarc_out *o);
enum walk_rc dmarc_dns_lookup(void *arg, const char *name, char **rec_r);
struct dmarc_dns_arg {
    struct dns *dns;
    struct deadline budget;
};
char *dmarc_from_domain(const struct sl_msg *m, const char **why_r);
char *dmarc_from_value_domain(const char *v);
int dmarc_history_write(const char *path, const char *qid,
                        const char *client_ip, const struct policy_msg *pm,
                        const char **error_r);

/* policy_cbv.c */
struct cbv_target {
    const char *host; /* name for logs */
    const char *ip;
    int port;
};
struct cbv_out {
    int result;        /* AUTH_PASS, AUTH_FAIL, AUTH_TEMPERROR */
    char answer[256];  /* the server's reply line */
};
void cbv_probe(const struct cbv_target *t, const char *helo,
               const char *address, long long timeout_ms,
               struct cbv_out *o);
int cbv_excluded(const char *mx_name, const char *mx_ip,
                 const struct sl_conn *conn, const struct inside *in,
                 const struct cfg_list *exclude, int port);
struct store;
int cbv_cache_get(struct store *s, char kind, const char *address,
                  struct cbv_out *o, const char **error_r);
int cbv_cache_put(struct store *s, char kind, const char *address,
                  const struct cbv_out *o, long long ttl_pass,
                  long long ttl_fail, const char **error_r);
void cbv_verify(struct dns *d, const struct policy_conf *c,
                const struct sl_conn *conn, const struct inside *in,
                const char *address, struct deadline budget,
                struct cbv_out *o);

/* policy_authres.c */
char *authres_format(const char *authserv_id, const struct sl_conn *conn,
                     const struct sl_msg *m, const struct policy_conn *pc,
                     const struct policy_msg *pm);
int authres_is_ours(const char *value, const char *authserv_id);
void authres_remove_forged(const struct sl_msg *m, const char *authserv_id,
                           struct sl_edits *ed);

#endif
