/*
 * policy_keys - the [policy] key table and the symbol table of
 * sluice-policy (defaults, bounds, documentation, default scores).
 *
 * DESCRIPTION
 *	Every check is off by default: a null configuration writes only the
 *	Authentication-Results header, and an admin switches checks on one
 *	at a time.  policy_symbols[] gives each symbol's default score;
 *	[policy] scores overrides them (SYMBOL=score).  The DNSBL and DNSWL
 *	symbols are multiplied by the weight of the matching list entry.
 *
 * OWNERSHIP
 *	Static tables.
 */
#include <stddef.h>

#include "policy.h"

#define P(f) offsetof(struct policy_conf, f)
#define SPF_ACT(key, res, def, doc)                                            \
    {                                                                          \
        key, CFG_ENUM, def, 0, 0, P(spf_action) + (res) * sizeof(int),          \
            POLICY_ACT_ENUM, doc                                               \
    }

static const struct cfg_key policy_keys[] = {
    MOD_CONF_KEYS(struct policy_conf, "policy"),
    {"authserv_id", CFG_STRING, NULL, 0, 0, P(authserv_id), NULL,
     "Our authserv-id in Authentication-Results (default: the host name); "
     "inbound headers claiming it are removed."},
    {"access_client", CFG_MAP, NULL, 0, 0, P(access_client), NULL,
     "Access map (cidr:) of client addresses: OK, REJECT [text], TEMPFAIL "
     "[text], DUNNO, SCORE n."},
    {"access_client_name", CFG_MAP, NULL, 0, 0, P(access_client_name), NULL,
     "Access map (domain: or pcre:) of verified client host names."},
    {"access_helo", CFG_MAP, NULL, 0, 0, P(access_helo), NULL,
     "Access map (domain: or pcre:) of HELO names."},
    {"access_sender", CFG_MAP, NULL, 0, 0, P(access_sender), NULL,
     "Access map (addr:, domain: or pcre:) of envelope senders; addr: keys "
     "may be patterns (robot-*@example.org) and exceptions (!key)."},
    {"access_recipient", CFG_MAP, NULL, 0, 0, P(access_recipient), NULL,
     "Access map of envelope recipients (refuses that recipient only)."},
    {"relay_check", CFG_BOOL, "no", 0, 0, P(relay_check), NULL,
     "Refuse recipients outside local_domains from clients that are neither "
     "internal nor authenticated."},
    {"helo_check", CFG_BOOL, "no", 0, 0, P(helo_check), NULL,
     "Score a HELO that is not a FQDN, claims to be us, or is an address "
     "that is not the client's."},
    {"sender_domain_check", CFG_BOOL, "no", 0, 0, P(sender_domain_check),
     NULL,
     "Refuse senders whose domain has no MX, A or AAAA (or a null MX); a "
     "DNS failure is 451 4.4.3."},
    {"sender_nxdomain_code", CFG_ENUM, "550", 0, 0, P(sender_nxdomain_code),
     "550|450", "Reply code for a sender domain that does not exist."},
    {"iprev_check", CFG_BOOL, "no", 0, 0, P(iprev_check), NULL,
     "Check the client's reverse DNS (a score, reported as iprev)."},
    {"dynamic_ptr", CFG_MAP, NULL, 0, 0, P(dynamic_ptr), NULL,
     "Map (pcre:) of PTR names of dynamic addresses; a match scores "
     "POLICY_DYNAMIC_PTR."},
    {"dnsbl_sites", CFG_LIST, NULL, 0, 0, P(dnsbl_sites), NULL,
     "DNSBL/DNSWL zones in postscreen syntax: "
     "zone[=127.0.0.[2..11]][*weight]; negative weights allow."},
    {"dnsbl_threshold", CFG_DOUBLE, "0", 0, 1000, P(dnsbl_threshold), NULL,
     "Refuse (554) at MAIL FROM when the DNSBL weights reach this sum (0: "
     "never, only score)."},
    {"dnsbl_urls", CFG_LIST, NULL, 0, 0, P(dnsbl_urls), NULL,
     "Lookup URLs named in a DNSBL refusal, as zone=URL."},
    {"spf_check", CFG_BOOL, "no", 0, 0, P(spf_check), NULL,
     "Check SPF for the envelope sender (once per transaction)."},
    {"spf_helo_check", CFG_BOOL, "no", 0, 0, P(spf_helo_check), NULL,
     "Also check SPF for the HELO identity (a fail scores "
     "POLICY_SPF_HELO_FAIL)."},
    {"spf_outbound", CFG_BOOL, "no", 0, 0, P(spf_outbound), NULL,
     "Also check SPF for authenticated and internal clients."},
    {"spf_received_spf", CFG_BOOL, "no", 0, 0, P(spf_received_spf), NULL,
     "Add a Received-SPF header (RFC 7208 9.1)."},
    SPF_ACT("spf_fail_action", SPF_RES_FAIL, "reject",
            "Action for SPF fail: tag (score), reject, tempfail or accept."),
    SPF_ACT("spf_softfail_action", SPF_RES_SOFTFAIL, "tag",
            "Action for SPF softfail."),
    SPF_ACT("spf_neutral_action", SPF_RES_NEUTRAL, "tag",
            "Action for SPF neutral."),
    SPF_ACT("spf_none_action", SPF_RES_NONE, "tag", "Action for SPF none."),
    SPF_ACT("spf_permerror_action", SPF_RES_PERMERROR, "tag",
            "Action for SPF permerror."),
    SPF_ACT("spf_temperror_action", SPF_RES_TEMPERROR, "tempfail",
            "Action for SPF temperror (DNS failure)."),
    {"spf_overrides", CFG_MAP, NULL, 0, 0, P(spf_overrides), NULL,
     "Per-domain SPF actions (domain: map): RESULT=ACTION items, ACTION "
     "also ERROR:\"550 text\"."},
    {"dkim_check", CFG_BOOL, "no", 0, 0, P(dkim_check), NULL,
     "Verify DKIM signatures (rsa-sha256, ed25519-sha256)."},
    {"dkim_min_key_bits", CFG_INT, "1024", 512, 16384, P(dkim_min_key_bits),
     NULL, "Smallest RSA key accepted (a smaller one is permerror)."},
    {"dmarc_check", CFG_BOOL, "no", 0, 0, P(dmarc_check), NULL,
     "Evaluate DMARC (RFC 9989; implies the SPF and DKIM checks' results)."},
    {"dmarc_reject_action", CFG_ENUM, "reject", 0, 0, P(dmarc_reject_action),
     "reject|quarantine|tag",
     "Action for a DMARC failure under p=reject."},
    {"dmarc_quarantine_action", CFG_ENUM, "quarantine", 0, 0,
     P(dmarc_quarantine_action), "quarantine|tag",
     "Action for a DMARC failure under p=quarantine (quarantine: the "
     "POLICY_DMARC_QUARANTINE score)."},
    {"dmarc_history", CFG_PATH, NULL, 0, 0, P(dmarc_history), NULL,
     "Append one JSON line per DMARC-checked message here (for RFC 9990 "
     "reports)."},
    {"cbv_domains", CFG_MAP, NULL, 0, 0, P(cbv_domains), NULL,
     "Sender domains (domain: map) whose addresses are call-back verified."},
    {"cbv_spf_results", CFG_LIST, NULL, 0, 0, P(cbv_spf_results), NULL,
     "SPF results (e.g. softfail neutral) whose senders are call-back "
     "verified."},
    {"cbv_port", CFG_INT, "25", 1, 65535, P(cbv_port), NULL,
     "Port of the sender's mail server for call-backs."},
    {"cbv_timeout", CFG_MSEC, "20s", 100, 300000, P(cbv_timeout), NULL,
     "Longest call-back SMTP dialogue."},
    {"cbv_exclude", CFG_LIST, NULL, 0, 0, P(cbv_exclude), NULL,
     "Mail servers never called back (names, .suffixes, addresses)."},
    {"cbv_ttl_pass", CFG_DURATION, "7d", 60, 31536000, P(cbv_ttl_pass), NULL,
     "How long a positive call-back result is cached."},
    {"cbv_ttl_fail", CFG_DURATION, "2h", 60, 31536000, P(cbv_ttl_fail), NULL,
     "How long a negative call-back result is cached."},
    {"cbv_helo", CFG_STRING, NULL, 0, 0, P(cbv_helo), NULL,
     "EHLO name of call-backs (default: the MTA's {j})."},
    {"rcpt_cbv", CFG_MAP, NULL, 0, 0, P(rcpt_cbv), NULL,
     "Local domains (domain: map) behind this gateway: the value is the "
     "back-end host[:port] asked whether a recipient exists."},
    {"scores", CFG_LIST, NULL, 0, 0, P(scores), NULL,
     "Score overrides as SYMBOL=score."},
    {NULL},
};

const struct cfg_section policy_section = {"policy", policy_keys,
                                           sizeof(struct policy_conf)};

const struct policy_symbol_info policy_symbols[SYM_N] = {
    [SYM_ACCESS_REJECT] = {"POLICY_ACCESS_REJECT", 0},
    [SYM_ACCESS_TEMPFAIL] = {"POLICY_ACCESS_TEMPFAIL", 0},
    [SYM_ACCESS_OK] = {"POLICY_ACCESS_OK", 0},
    [SYM_ACCESS_SCORE] = {"POLICY_ACCESS_SCORE", 1},
    [SYM_RELAY_DENIED] = {"POLICY_RELAY_DENIED", 0},
    [SYM_SENDER_NXDOMAIN] = {"POLICY_SENDER_NXDOMAIN", 10},
    [SYM_SENDER_NULLMX] = {"POLICY_SENDER_NULLMX", 10},
    [SYM_SENDER_TEMPFAIL] = {"POLICY_SENDER_TEMPFAIL", 0},
    [SYM_SENDER_NOT_FQDN] = {"POLICY_SENDER_NOT_FQDN", 3},
    [SYM_HELO_NOT_FQDN] = {"POLICY_HELO_NOT_FQDN", 1},
    [SYM_HELO_IS_US] = {"POLICY_HELO_IS_US", 5},
    [SYM_HELO_BAD_IP] = {"POLICY_HELO_BAD_IP", 2},
    [SYM_IPREV_NONE] = {"POLICY_IPREV_NONE", 1},
    [SYM_IPREV_MISMATCH] = {"POLICY_IPREV_MISMATCH", 1},
    [SYM_IPREV_TEMPERROR] = {"POLICY_IPREV_TEMPERROR", 0},
    [SYM_DYNAMIC_PTR] = {"POLICY_DYNAMIC_PTR", 1.5},
    [SYM_DNSBL] = {"POLICY_DNSBL", 1},
    [SYM_DNSWL] = {"POLICY_DNSWL", 1},
    [SYM_DNSBL_TEMPFAIL] = {"POLICY_DNSBL_TEMPFAIL", 0},
    [SYM_SPF_PASS] = {"POLICY_SPF_PASS", 0},
    [SYM_SPF_FAIL] = {"POLICY_SPF_FAIL", 5},
    [SYM_SPF_SOFTFAIL] = {"POLICY_SPF_SOFTFAIL", 2},
    [SYM_SPF_NEUTRAL] = {"POLICY_SPF_NEUTRAL", 0.5},
    [SYM_SPF_NONE] = {"POLICY_SPF_NONE", 0.5},
    [SYM_SPF_PERMERROR] = {"POLICY_SPF_PERMERROR", 1},
    [SYM_SPF_TEMPERROR] = {"POLICY_SPF_TEMPERROR", 0},
    [SYM_SPF_HELO_FAIL] = {"POLICY_SPF_HELO_FAIL", 2},
    [SYM_DKIM_PASS] = {"POLICY_DKIM_PASS", 0},
    [SYM_DKIM_FAIL] = {"POLICY_DKIM_FAIL", 2},
    [SYM_DKIM_TEMPERROR] = {"POLICY_DKIM_TEMPERROR", 0},
    [SYM_DKIM_PERMERROR] = {"POLICY_DKIM_PERMERROR", 1},
    [SYM_DMARC_PASS] = {"POLICY_DMARC_PASS", 0},
    [SYM_DMARC_FAIL] = {"POLICY_DMARC_FAIL", 2},
    [SYM_DMARC_QUARANTINE] = {"POLICY_DMARC_QUARANTINE", 8},
    [SYM_DMARC_REJECT] = {"POLICY_DMARC_REJECT", 15},
    [SYM_DMARC_TEMPERROR] = {"POLICY_DMARC_TEMPERROR", 0},
    [SYM_CBV_FAIL] = {"POLICY_CBV_FAIL", 10},
    [SYM_CBV_TEMPFAIL] = {"POLICY_CBV_TEMPFAIL", 0},
};
