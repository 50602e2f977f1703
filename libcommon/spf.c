/*
 * spf - SPF checks with libspf2 1.2.10 through dns.h (see spf.h).
 *
 * The DNS layer.  libspf2 asks its resolver through an SPF_dns_server_t;
 * ours (spf_dns_lookup) answers every lookup with one dns_lookup() bound
 * by the calling thread's budget (dns_thread_budget(), set by
 * spf_check()) and copies the records into an SPF_dns_rr_t the way
 * libspf2's own resolv layer does: A/AAAA as addresses, MX/PTR names,
 * TXT strings concatenated.  The outcomes map to h_errno values:
 * NXDOMAIN HOST_NOT_FOUND, NODATA NO_DATA, TEMPFAIL TRY_AGAIN.
 * libspf2 1.2.10 asks for the SPF RR type (99) before TXT; RFC 7208 3.1
 * retired that type, so the layer answers it NO_DATA without asking the
 * DNS, which also saves one round trip per record.
 *
 * Results.  libspf2 1.2.10 returns SPF_RESULT_INVALID when the lookup
 * of the record itself failed (TRY_AGAIN gives SPF_E_DNS_ERROR without
 * a result); that is temperror (RFC 7208 4.4), and so is any other
 * INVALID.  A domain that is not a multi-label domain name, or is
 * malformed (RFC 7208 4.3), is "none" before any lookup.
 *
 * The Received-SPF value is ours (libspf2's lacks receiver= and
 * identity=, and has no comment when the result was mapped):
 * "RESULT (COMMENT) client-ip=IP; envelope-from=SENDER; helo=HELO;
 * receiver=RECEIVER; identity=mailfrom|helo;", values that are not
 * dot-atoms quoted, the comment made safe for a header (no CR/LF, no
 * unbalanced parentheses).
 */
#include "spf.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <spf2/spf.h>
#include <spf2/spf_dns.h>
#include <spf2/spf_log.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"

struct spf {
    SPF_server_t *server;
    SPF_dns_server_t layer;
    struct dns *dns;
    char *receiver;
};

/* ---- libspf2's messages ---------------------------------------------------- */

static void spf_log_error(const char *file, int line, const char *msg)
    __attribute__((noreturn));

static void spf_log_error(const char *file, int line, const char *msg)
{
    log_err(NULL, "libspf2: %s (%s:%d)", msg, file ? file : "?", line);
    abort();
}

static void spf_log_warning(const char *file, int line, const char *msg)
{
    (void)file;
    (void)line;
    log_warn(NULL, "libspf2: %s", msg);
}

static void spf_log_info(const char *file, int line, const char *msg)
{
    (void)file;
    (void)line;
    log_debug(NULL, "libspf2: %s", msg);
}

/* ---- the DNS layer ------------------------------------------------------------ */

static SPF_dns_stat_t spf_herrno(enum dns_status st)
{
    switch (st) {
    case DNS_OK:
        return NETDB_SUCCESS;
    case DNS_NXDOMAIN:
        return HOST_NOT_FOUND;
    case DNS_NODATA:
        return NO_DATA;
    default:
        return TRY_AGAIN;
    }
}

/* Is this TXT an SPF record ("v=spf1" then a space or the end)? */
static int spf_is_record(const char *t)
{
    return strncasecmp(t, "v=spf1", 6) == 0 && (t[6] == ' ' || t[6] == '\0');
}

/* A TXT record that is not an SPF record can only be an explanation
 * (exp=) to libspf2, and 1.2.10 compiles every space of one as "%" and
 * stops expanding macros after it ("a %{d}" comes out "a%%{d}").  In a
 * macro-string "%_" is a space (RFC 7208 7.1), so giving libspf2 "%_"
 * for each space means the same and survives its parser. */
static char *spf_exp_text(const char *t)
{
    struct strbuf sb;

    strbuf_init(&sb, 0);
    for (; *t; t++) {
        if (*t == ' ')
            strbuf_puts(&sb, "%_");
        else
            strbuf_append(&sb, t, 1);
    }
    strbuf_puts(&sb, "");
    return strbuf_detach(&sb);
}

/* One record into slot i of rr; -1 when out of memory. */
static int spf_rr_copy(SPF_dns_rr_t *rr, int i, ns_type type,
                       const struct dns_rr *r)
{
    const char *text = r->text;
    char *exp = NULL;
    size_t len;

    switch (type) {
    case ns_t_a:
        if (SPF_dns_rr_buf_realloc(rr, i, sizeof rr->rr[i]->a) != SPF_E_SUCCESS)
            return -1;
        memcpy(&rr->rr[i]->a, r->addr, 4);
        return 0;
    case ns_t_aaaa:
        if (SPF_dns_rr_buf_realloc(rr, i, sizeof rr->rr[i]->aaaa) !=
            SPF_E_SUCCESS)
            return -1;
        memcpy(&rr->rr[i]->aaaa, r->addr, 16);
        return 0;
    default:
        /* MX, PTR: a name (the root as "." as libspf2's resolver has
         * it); TXT: the text up to a NUL byte, as libspf2 reads it. */
        if ((type == ns_t_mx || type == ns_t_ptr) && text[0] == '\0')
            text = ".";
        if (type == ns_t_txt && !spf_is_record(text))
            text = exp = spf_exp_text(text);
        len = strlen(text);
        if (SPF_dns_rr_buf_realloc(rr, i, len + 1) != SPF_E_SUCCESS) {
            free(exp);
            return -1;
        }
        memcpy(rr->rr[i]->txt, text, len + 1);
        free(exp);
        return 0;
    }
}

/* RFC 7208 7.3: a name made by macro expansion that is longer than
 * 253 bytes loses labels on the left until it fits (libspf2 1.2.10
 * asks for the whole name, which cannot exist). */
static const char *spf_truncate(const char *domain)
{
    size_t n = strlen(domain);

    if (n > 0 && domain[n - 1] == '.')
        n--;
    while (n > 253) {
        const char *dot = strchr(domain, '.');

        if (dot == NULL)
            break;
        n -= (size_t)(dot + 1 - domain);
        domain = dot + 1;
    }
    return domain;
}

static SPF_dns_rr_t *spf_dns_lookup(SPF_dns_server_t *layer,
                                    const char *domain, ns_type type,
                                    int should_cache)
{
    struct spf *s = layer->hook;
    struct dns_answer a;
    SPF_dns_rr_t *rr;
    size_t i;

    (void)should_cache;
    if (type == ns_t_spf) /* RFC 7208 3.1: TXT only */
        return SPF_dns_rr_new_init(layer, domain, type, 0, NO_DATA);
    dns_lookup(s->dns, spf_truncate(domain), type, dns_thread_budget(), &a);
    rr = SPF_dns_rr_new_init(layer, domain, type, (int)a.ttl,
                             spf_herrno(a.status));
    if (rr == NULL) {
        dns_answer_free(&a);
        return NULL;
    }
    if (a.status == DNS_TEMPFAIL)
        log_debug(NULL, "SPF lookup %s type %d: %s", domain, (int)type,
                  a.error);
    for (i = 0; i < a.n && a.status == DNS_OK; i++) {
        if (spf_rr_copy(rr, (int)i, type, &a.rr[i]) < 0) {
            rr->herrno = TRY_AGAIN;
            break;
        }
        rr->num_rr = (int)i + 1;
    }
    dns_answer_free(&a);
    return rr;
}

/* ---- the resolver ------------------------------------------------------------ */

int spf_new(struct dns *d, const char *receiver, struct spf **spf_r,
            const char **error_r)
{
    struct spf *s;
    SPF_response_t *resp = NULL;
    SPF_errcode_t err;

    if (d == NULL || receiver == NULL || receiver[0] == '\0') {
        *error_r = "SPF needs a resolver and the receiver's host name";
        return -1;
    }
    SPF_error_handler = spf_log_error;
    SPF_warning_handler = spf_log_warning;
    SPF_info_handler = spf_log_info;
    SPF_debug_handler = NULL;
    s = xcalloc(1, sizeof *s);
    s->dns = d;
    s->receiver = xstrdup(receiver);
    s->layer.destroy = NULL; /* ours: freed by spf_free() */
    s->layer.lookup = spf_dns_lookup;
    s->layer.name = "sluice";
    s->layer.hook = s;
    s->server = SPF_server_new_dns(&s->layer, 0);
    if (s->server == NULL) {
        *error_r = "libspf2 could not make a server";
        spf_free(s);
        return -1;
    }
    err = SPF_server_set_rec_dom(s->server, receiver);
    if (err == SPF_E_SUCCESS)
        err = SPF_server_set_explanation(
            s->server,
            "%{c}%_is%_not%_one%_of%_%{d}'s%_designated%_mail%_servers.",
            &resp);
    if (resp != NULL)
        SPF_response_free(resp);
    if (err != SPF_E_SUCCESS) {
        *error_r = SPF_strerror(err);
        spf_free(s);
        return -1;
    }
    *spf_r = s;
    return 0;
}

void spf_free(struct spf *s)
{
    if (s == NULL)
        return;
    if (s->server != NULL)
        SPF_server_free(s->server);
    free(s->receiver);
    free(s);
}

/* ---- one check --------------------------------------------------------------- */

/* libspf2's result; INVALID (no result) is temperror when a lookup or
 * the library failed, permerror when the record did not compile
 * (1.2.10 returns SPF_E_NOT_SPF then, with no result). */
static enum spf_result spf_map(SPF_result_t r, SPF_errcode_t err)
{
    if (r == SPF_RESULT_INVALID)
        return err == SPF_E_DNS_ERROR || err == SPF_E_NO_MEMORY ||
                       err == SPF_E_INTERNAL_ERROR || err == SPF_E_SUCCESS
                   ? SPF_RES_TEMPERROR
                   : SPF_RES_PERMERROR;
    switch (r) {
    case SPF_RESULT_NEUTRAL:
        return SPF_RES_NEUTRAL;
    case SPF_RESULT_PASS:
        return SPF_RES_PASS;
    case SPF_RESULT_FAIL:
        return SPF_RES_FAIL;
    case SPF_RESULT_SOFTFAIL:
        return SPF_RES_SOFTFAIL;
    case SPF_RESULT_NONE:
        return SPF_RES_NONE;
    case SPF_RESULT_PERMERROR:
        return SPF_RES_PERMERROR;
    default:
        return SPF_RES_TEMPERROR;
    }
}

/* RFC 7208 4.3: a domain check_host() can ask about at all (multi-label,
 * labels of 1 to 63 bytes, at most 253 in all, no address literal). */
static int spf_domain_ok(const char *d)
{
    size_t n = strlen(d), label = 0, labels = 1;
    const char *p;

    if (n > 0 && d[n - 1] == '.')
        n--;
    if (n == 0 || n > 253 || d[0] == '.' || d[0] == '[')
        return 0;
    for (p = d; p < d + n; p++) {
        if (*p == '.') {
            if (label == 0)
                return 0;
            label = 0;
            labels++;
        } else if (++label > 63 || (unsigned char)*p <= ' ') {
            return 0;
        }
    }
    return labels >= 2;
}

/* RFC 5322 atext, for the dot-atom test. */
static int spf_atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int spf_dot_atom(const char *v)
{
    const char *p;

    if (v[0] == '\0' || v[0] == '.' || v[strlen(v) - 1] == '.' ||
        strstr(v, "..") != NULL)
        return 0;
    for (p = v; *p; p++)
        if (*p != '.' && !spf_atext((unsigned char)*p))
            return 0;
    return 1;
}

/* " key=value;" with value a dot-atom or a quoted-string (RFC 7208 9.1);
 * bytes that cannot be in a header become "?". */
static void spf_kv(struct strbuf *sb, const char *key, const char *v)
{
    const unsigned char *p;

    strbuf_printf(sb, " %s=", key);
    if (spf_dot_atom(v)) {
        strbuf_printf(sb, "%s;", v);
        return;
    }
    strbuf_puts(sb, "\"");
    for (p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            strbuf_printf(sb, "\\%c", *p);
        else
            strbuf_append(sb, *p >= 0x20 && *p < 0x7f ? (const char *)p : "?",
                          1);
    }
    strbuf_puts(sb, "\";");
}

/* A comment as a header can carry it: printable ASCII, no parentheses
 * or backslashes of its own. */
static void spf_comment(struct strbuf *sb, const char *c)
{
    const unsigned char *p;

    strbuf_puts(sb, " (");
    for (p = (const unsigned char *)c; *p; p++) {
        char ch = (char)*p;

        if (*p < 0x20 || *p >= 0x7f)
            ch = '?';
        else if (ch == '(')
            ch = '[';
        else if (ch == ')')
            ch = ']';
        else if (ch == '\\')
            ch = '/';
        strbuf_append(sb, &ch, 1);
    }
    strbuf_puts(sb, ")");
}

static char *spf_received(const struct spf *s, enum spf_identity id,
                          const struct spf_out *o, const char *ip,
                          const char *envfrom, const char *helo)
{
    struct strbuf sb;

    strbuf_init(&sb, 4096);
    strbuf_puts(&sb, spf_result_name(o->result));
    if (o->comment != NULL)
        spf_comment(&sb, o->comment);
    spf_kv(&sb, "client-ip", ip);
    if (envfrom != NULL)
        spf_kv(&sb, "envelope-from", envfrom);
    if (helo != NULL && helo[0] != '\0')
        spf_kv(&sb, "helo", helo);
    spf_kv(&sb, "receiver", s->receiver);
    spf_kv(&sb, "identity", id == SPF_ID_HELO ? "helo" : "mailfrom");
    return strbuf_detach(&sb);
}

/* Set up the request; 0, or -1 with why the check cannot run. */
static int spf_request_fill(SPF_request_t *req, enum spf_identity id,
                            const char *ip, const char *helo,
                            const char *sender, const char **why)
{
    SPF_errcode_t e;

    e = strchr(ip, ':') != NULL ? SPF_request_set_ipv6_str(req, ip)
                                : SPF_request_set_ipv4_str(req, ip);
    if (e != SPF_E_SUCCESS) {
        *why = "the client address is not an IP address";
        return -1;
    }
    if (helo[0] != '\0' && SPF_request_set_helo_dom(req, helo) != SPF_E_SUCCESS) {
        *why = "out of memory";
        return -1;
    }
    if (SPF_request_set_env_from(req, id == SPF_ID_HELO ? "" : sender) != 0) {
        *why = "out of memory";
        return -1;
    }
    return 0;
}

/* Run libspf2 on a request for a valid domain; the result into o. */
static void spf_run(struct spf *s, enum spf_identity id, const char *ip,
                    const char *helo, const char *sender,
                    struct deadline budget, struct spf_out *o)
{
    SPF_request_t *req = SPF_request_new(s->server);
    SPF_response_t *resp = NULL;
    struct deadline saved = dns_thread_budget();
    const char *why = NULL, *c;
    SPF_errcode_t err;

    if (req == NULL || spf_request_fill(req, id, ip, helo, sender, &why) < 0) {
        o->result = SPF_RES_TEMPERROR;
        o->comment = xasprintf("%s: %s", s->receiver,
                               why != NULL ? why : "out of memory");
        if (req != NULL)
            SPF_request_free(req);
        return;
    }
    dns_thread_budget_set(budget);
    err = SPF_request_query_mailfrom(req, &resp);
    dns_thread_budget_set(saved);
    o->result = resp != NULL ? spf_map(SPF_response_result(resp), err)
                             : SPF_RES_TEMPERROR;
    c = resp != NULL ? SPF_response_get_header_comment(resp) : NULL;
    if (c != NULL && c[0] != '\0' && resp->result != SPF_RESULT_INVALID)
        o->comment = xstrdup(c);
    else if (o->result == SPF_RES_TEMPERROR)
        o->comment = xasprintf("%s: temporary error looking up the SPF "
                               "policy of %s",
                               s->receiver, o->domain);
    else
        o->comment = xasprintf("%s: the SPF policy of %s cannot be read (%s)",
                               s->receiver, o->domain, SPF_strerror(err));
    c = resp != NULL ? SPF_response_get_explanation(resp) : NULL;
    if (o->result == SPF_RES_FAIL && c != NULL && c[0] != '\0')
        o->explanation = xstrdup(c);
    if (resp != NULL)
        SPF_response_free(resp);
    SPF_request_free(req);
}

void spf_check(struct spf *s, enum spf_identity id, const char *client_ip,
               const char *helo, const char *sender, struct deadline budget,
               struct spf_out *out)
{
    const char *at, *envfrom;
    char *pm = NULL, v4[INET_ADDRSTRLEN];
    struct in6_addr a6;
    int null_sender = sender == NULL || sender[0] == '\0' ||
                      strcmp(sender, "<>") == 0;

    memset(out, 0, sizeof *out);
    if (helo == NULL)
        helo = "";
    if (client_ip == NULL)
        client_ip = "";
    /* An IPv4 client seen through an IPv6 socket (::ffff:192.0.2.1) is
     * an IPv4 client (RFC 7208 5: ip4 and a/mx match it, ip6 does not);
     * libspf2 1.2.10 would check it as IPv6. */
    if (inet_pton(AF_INET6, client_ip, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6) &&
        inet_ntop(AF_INET, &a6.s6_addr[12], v4, sizeof v4) != NULL)
        client_ip = v4;
    /* RFC 7208 2.3 and 2.4: the HELO identity, and the null sender,
     * are checked as postmaster@HELO. */
    if (id == SPF_ID_HELO || null_sender) {
        out->domain = xstrdup(helo);
        envfrom = pm = xasprintf("postmaster@%s", helo);
        if (!null_sender && id == SPF_ID_HELO)
            envfrom = sender;
    } else {
        at = strrchr(sender, '@');
        out->domain = xstrdup(at != NULL ? at + 1 : sender);
        envfrom = sender;
    }
    if (!spf_domain_ok(out->domain)) {
        out->result = SPF_RES_NONE;
        out->comment = xasprintf("%s: \"%s\" is not a domain name SPF can "
                                 "check", s->receiver, out->domain);
    } else {
        spf_run(s, id, client_ip, helo, null_sender ? "" : sender, budget,
                out);
    }
    out->received_spf = spf_received(s, id, out, client_ip, envfrom, helo);
    free(pm);
}

void spf_out_free(struct spf_out *o)
{
    if (o == NULL)
        return;
    free(o->domain);
    free(o->explanation);
    free(o->comment);
    free(o->received_spf);
    memset(o, 0, sizeof *o);
}

static const char *const spf_names[] = {
    [SPF_RES_NONE] = "none",           [SPF_RES_NEUTRAL] = "neutral",
    [SPF_RES_PASS] = "pass",           [SPF_RES_FAIL] = "fail",
    [SPF_RES_SOFTFAIL] = "softfail",   [SPF_RES_TEMPERROR] = "temperror",
    [SPF_RES_PERMERROR] = "permerror",
};

const char *spf_result_name(enum spf_result r)
{
    if ((unsigned)r >= sizeof spf_names / sizeof spf_names[0])
        return "unknown";
    return spf_names[r];
}

int spf_result_parse(const char *str, enum spf_result *r)
{
    size_t i;

    for (i = 0; i < sizeof spf_names / sizeof spf_names[0]; i++) {
        if (str_casecmp(str, spf_names[i]) == 0) {
            *r = (enum spf_result)i;
            return 0;
        }
    }
    return -1;
}
