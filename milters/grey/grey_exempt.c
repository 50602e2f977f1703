/*
 * grey_exempt - who is never greylisted, and whose triplets are keyed by
 * an SPF-validated domain.
 *
 * DESCRIPTION
 *	grey_exempt_client() answers for the client of the message, in
 *	this order: an authenticated client (SMTP AUTH, exempt_authenticated;
 *	asked per message, a session may authenticate late), an address
 *	in [common] internal_networks (exempt_internal), one in
 *	exempt_clients, a verified reverse name in exempt_client_names,
 *	and a DNSWL hit (dnswl, through libcommon's dnsxl within the
 *	connection's DNS budget).  Everything but AUTH is looked up once per
 *	connection.  A DNS allow list that cannot be asked is no exemption
 *	(logged): the client is greylisted as any other, which only delays.
 *
 *	grey_exempt_rcpt() answers for one recipient: the sender in
 *	exempt_senders, a recipient not in greylist_recipients (when that
 *	map is set), a recipient in exempt_recipients.
 *
 *	grey_triplet_net() is the client part of the message's triplets:
 *	the client network, or in SPF-domain mode (spf_domain) "spf:" and
 *	the domain whose SPF passed for the envelope sender (libcommon's
 *	spf, the same check as sluice-policy's): a provider sending from a
 *	large pool of addresses retries from another one and still finds
 *	its triplet.  Any other SPF result (temperror included) keys by the
 *	network.
 *
 *	A map that fails to answer (map.h MAP_ERROR) is no exemption, and
 *	logged.
 */
#include <stdio.h>
#include <string.h>

#include "dnsxl.h"
#include "grey.h"
#include "inside.h"
#include "log.h"
#include "spf.h"
#include "util.h"

/* A DNSWL lists the client: the reason (static), else NULL. */
static const char *ge_dnswl(struct mod_ctx *x, const struct grey_state *st)
{
    struct dnsxl_result r;
    const char *why = NULL;
    struct deadline budget = x->msg ? x->msg->dns_budget
                                    : x->conn->dns_budget;

    if (st->dnswl == NULL || x->env->dns == NULL)
        return NULL;
    dnsxl_query_ip(st->dnswl, x->env->dns, x->conn->client_addr, 0, budget,
                   &r);
    if (r.nhits > 0)
        why = "listed in a DNS allow list";
    else if (r.ntempfail > 0)
        log_info(mod_qid(x), "grey: DNS allow list %s could not be asked: "
                             "%s is greylisted as usual",
                 r.tempfail_zone ? r.tempfail_zone : "?",
                 x->conn->client_addr);
    dnsxl_result_free(&r);
    return why;
}

const char *grey_exempt_client(struct mod_ctx *x, struct grey_conn *gc)
{
    const struct grey_state *st = x->state;
    const struct grey_conf *c = st->conf;
    const char *ip = x->conn->client_addr, *qid = mod_qid(x);

    if (c->exempt_authenticated && x->msg && x->msg->auth_user &&
        *x->msg->auth_user)
        return "authenticated";
    if (gc->checked)
        return gc->exempt;
    gc->checked = 1;
    if (c->exempt_internal && inside_network(x->env->inside, ip))
        return gc->exempt = "internal network";
    if (map_has(c->exempt_clients, ip, qid, "grey"))
        return gc->exempt = "exempt client";
    if (x->conn->client_name && strcmp(x->conn->client_name, "unknown") &&
        map_has(c->exempt_client_names, x->conn->client_name, qid, "grey"))
        return gc->exempt = "exempt client name";
    return gc->exempt = ge_dnswl(x, st);
}

const char *grey_exempt_rcpt(struct mod_ctx *x, const char *rcpt)
{
    const struct grey_conf *c = ((const struct grey_state *)x->state)->conf;
    const char *qid = mod_qid(x);

    if (map_has(c->exempt_senders, x->msg->from, qid, "grey"))
        return "exempt sender";
    if (c->greylist_recipients != NULL &&
        !map_has(c->greylist_recipients, rcpt, qid, "grey"))
        return "not a greylisted recipient";
    if (map_has(c->exempt_recipients, rcpt, qid, "grey"))
        return "exempt recipient";
    return NULL;
}

void grey_triplet_net(struct mod_ctx *x, char *buf, size_t size)
{
    const struct grey_conf *c = ((const struct grey_state *)x->state)->conf;
    struct spf_out o;

    if (!c->spf_domain || x->env->spf == NULL) {
        grey_client_net(c, x->conn->client_addr, buf, size);
        return;
    }
    memset(&o, 0, sizeof(o));
    spf_check(x->env->spf, SPF_ID_MAILFROM, x->conn->client_addr,
              x->conn->helo ? x->conn->helo : "", x->msg->from,
              x->msg->dns_budget, &o);
    if (o.result == SPF_RES_PASS && o.domain != NULL && *o.domain) {
        snprintf(buf, size, "spf:%s", o.domain);
        str_lower(buf);
    } else {
        grey_client_net(c, x->conn->client_addr, buf, size);
    }
    log_debug(mod_qid(x), "grey: SPF %s for %s: triplets keyed by %s",
              spf_result_name(o.result), o.domain ? o.domain : "?", buf);
    spf_out_free(&o);
}
