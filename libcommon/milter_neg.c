/*
 * milter_neg - option negotiation with the MTA, per milter connection.
 *
 * DESCRIPTION
 *	milter_negotiate() is the xxfi_negotiate callback.  It pins the
 *	configuration snapshot of the connection (the MTA opens the milter
 *	connection and waits here; events it was told not to wait for may
 *	reach us much later, bundled with the next one that needs a reply),
 *	and agrees with the MTA on:
 *
 *	- the actions: add and change headers, replace the body,
 *	  quarantine, and ask for macros (SMFIF_SETSYMLIST);
 *	- the events: only those the modules need (SMFIP_NOHELO,
 *	  SMFIP_NOHDRS, SMFIP_NOBODY when nobody needs them, nor the size
 *	  of the message; the enforcer always needs headers and body);
 *	  DATA is always taken and
 *	  answered (see below);
 *	- no reply at the events where no module has a callback
 *	  (SMFIP_NR_*), except the headers: each is answered, so that the
 *	  one past [common] max_header_lines or max_header_bytes is
 *	  refused (552 5.3.4) and the MTA stops sending (Postfix sends
 *	  no more events of that message to this milter).  Unanswered,
 *	  a million header lines cost the worker ~7 s of CPU in
 *	  libmilter's poll() and read() alone;
 *	- the macros every module may read (sluice(7)), requested with
 *	  smfi_setsymlist() so that admins need not edit
 *	  milter_*_macros.
 *
 *	What was agreed is kept in the connection's struct conn_ctx (no
 *	process-wide state).  With "debug = yes", milter_macros_debug()
 *	logs at each stage which macros the MTA has sent so far (the
 *	Postfix/Sendmail table of sluice(7) was made from these lines).  An MTA that does not offer an action or a
 *	step we asked for is logged once per process: a missing action is
 *	an error (a change that needs it will fail and the message be
 *	temporarily refused), a missing step a warning.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "milter_int.h"
#include "util.h"

/* The macros each stage asks for (smfi_setsymlist). */
static const struct {
    int stage;
    const char *list;
} neg_macros[] = {
    {SMFIM_CONNECT, "j {daemon_name} {daemon_addr} {if_addr} {client_addr} "
                    "{client_name} {client_ptr} {client_port} _ v"},
    {SMFIM_HELO, "{tls_version} {cipher} {cipher_bits} {cert_subject} "
                 "{cert_issuer}"},
    {SMFIM_ENVFROM, "i {auth_type} {auth_authen} {mail_addr}"},
    {SMFIM_ENVRCPT, "i {rcpt_addr}"},
    {SMFIM_DATA, "i"},
    {SMFIM_EOM, "i"},
};

/* Every macro of neg_macros, in the order the debug line shows them. */
static const char *const neg_all_macros[] = {
    "i", "j", "_", "v", "{daemon_name}", "{daemon_addr}", "{if_addr}",
    "{client_addr}", "{client_name}", "{client_ptr}", "{client_port}",
    "{tls_version}", "{cipher}", "{auth_type}", "{auth_authen}",
    "{mail_addr}", "{rcpt_addr}",
};

static const struct {
    unsigned long bit;
    const char *name;
} neg_steps[] = {
    {SMFIP_NOHELO, "SMFIP_NOHELO"},     {SMFIP_NOHDRS, "SMFIP_NOHDRS"},
    {SMFIP_NOBODY, "SMFIP_NOBODY"},     {SMFIP_NOUNKNOWN, "SMFIP_NOUNKNOWN"},
    {SMFIP_NOEOH, "SMFIP_NOEOH"},       {SMFIP_NR_CONN, "SMFIP_NR_CONN"},
    {SMFIP_NR_HELO, "SMFIP_NR_HELO"},   {SMFIP_NR_MAIL, "SMFIP_NR_MAIL"},
    {SMFIP_NR_RCPT, "SMFIP_NR_RCPT"},   {SMFIP_NR_HDR, "SMFIP_NR_HDR"},
    {SMFIP_NR_BODY, "SMFIP_NR_BODY"},   {SMFIP_HDR_LEADSPC, "SMFIP_HDR_LEADSPC"},
}, neg_actions[] = {
    {SMFIF_ADDHDRS, "SMFIF_ADDHDRS (add headers)"},
    {SMFIF_CHGHDRS, "SMFIF_CHGHDRS (change and delete headers)"},
    {SMFIF_CHGBODY, "SMFIF_CHGBODY (replace the body)"},
    {SMFIF_QUARANTINE, "SMFIF_QUARANTINE (hold the message)"},
    {SMFIF_SETSYMLIST, "SMFIF_SETSYMLIST (ask for macros)"},
};

static unsigned long neg_logged_steps, neg_logged_actions; /* atomic */

/* Log, once per process, what the MTA did not offer. */
static void neg_log_missing(unsigned long want, unsigned long got, int actions)
{
    unsigned long missing = want & ~got, *seen = actions ? &neg_logged_actions
                                                         : &neg_logged_steps;
    size_t n = actions ? sizeof(neg_actions) / sizeof(*neg_actions)
                       : sizeof(neg_steps) / sizeof(*neg_steps);

    for (size_t i = 0; i < n; i++) {
        unsigned long bit = actions ? neg_actions[i].bit : neg_steps[i].bit;
        const char *name = actions ? neg_actions[i].name : neg_steps[i].name;

        if (!(missing & bit) ||
            (__atomic_fetch_or(seen, bit, __ATOMIC_SEQ_CST) & bit))
            continue;
        if (actions)
            log_err(NULL, "the MTA does not allow %s: a message that needs it "
                          "will be temporarily refused", name);
        else
            log_warn(NULL, "the MTA does not offer %s: going on without it",
                     name);
    }
}

/* The events this connection needs from the MTA. */
static unsigned neg_events(const struct runtime *rt)
{
    unsigned ev = milter_app.events | MOD_EV_CONNECT | MOD_EV_MAIL |
                  MOD_EV_RCPT | MOD_EV_EOM;

    if (rt->enforce)
        ev |= MOD_EV_HEADER | MOD_EV_BODY;
    if (ev & MOD_EV_BODY)
        ev |= MOD_EV_HEADER; /* raw holds the headers too */
    return ev;
}

static unsigned long neg_steps_wanted(unsigned ev, unsigned answer)
{
    unsigned long want = SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NR_BODY |
                         SMFIP_HDR_LEADSPC;

    if (!(ev & MOD_EV_HELO))
        want |= SMFIP_NOHELO;
    if (!(ev & (MOD_EV_HEADER | MOD_EV_SIZE)))
        want |= SMFIP_NOHDRS;
    if (!(ev & (MOD_EV_BODY | MOD_EV_SIZE)))
        want |= SMFIP_NOBODY;
    /* DATA is taken and answered on purpose: with connect..rcpt
     * unanswered (SMFIP_NR_*), Postfix's last write before it hands the
     * connection to cleanup would otherwise wait ~40 ms for our delayed
     * ACK over TCP.  One small answer at DATA costs less. */
    if (!(answer & MOD_EV_CONNECT))
        want |= SMFIP_NR_CONN;
    if (!(answer & MOD_EV_HELO))
        want |= SMFIP_NR_HELO;
    if (!(answer & MOD_EV_MAIL))
        want |= SMFIP_NR_MAIL;
    if (!(answer & MOD_EV_RCPT))
        want |= SMFIP_NR_RCPT;
    return want;
}

static void neg_macros_ask(SMFICTX *ctx)
{
    for (size_t i = 0; i < sizeof(neg_macros) / sizeof(*neg_macros); i++)
        if (smfi_setsymlist(ctx, neg_macros[i].stage,
                            (char *)neg_macros[i].list) != MI_SUCCESS)
            log_warn(NULL, "cannot ask the MTA for macros: %s",
                     neg_macros[i].list);
}

void milter_macros_debug(SMFICTX *ctx, const char *qid, const char *stage)
{
    struct strbuf got, none;
    size_t n = sizeof(neg_all_macros) / sizeof(*neg_all_macros);

    if (!log_debug_enabled())
        return;
    strbuf_init(&got, 0);
    strbuf_init(&none, 0);
    for (size_t i = 0; i < n; i++) {
        const char *v = smfi_getsymval(ctx, (char *)neg_all_macros[i]);

        if (v != NULL)
            strbuf_printf(&got, " %s=%.80s", neg_all_macros[i], v);
        else
            strbuf_printf(&none, " %s", neg_all_macros[i]);
    }
    log_debug(qid, "macros at %s:%s; not sent:%s", stage,
              got.len ? got.data : "", none.len ? none.data : " -");
    strbuf_free(&got);
    strbuf_free(&none);
}

sfsistat milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                          unsigned long f2, unsigned long f3,
                          unsigned long *pf0, unsigned long *pf1,
                          unsigned long *pf2, unsigned long *pf3)
{
    const unsigned long actions = SMFIF_ADDHDRS | SMFIF_CHGHDRS |
                                  SMFIF_CHGBODY | SMFIF_QUARANTINE |
                                  SMFIF_SETSYMLIST;
    struct conn_ctx *cc = smfi_getpriv(ctx);
    unsigned long want;

    if (cc == NULL) {
        cc = xcalloc(1, sizeof(*cc));
        cc->rt = runtime_acquire();
        for (size_t i = 0; i < milter_app.nmods; i++)
            result_init(&cc->slot[i].cres, milter_app.mods[i]->name,
                        "NOQUEUE");
        if (smfi_setpriv(ctx, cc) != MI_SUCCESS) {
            /* Without its context no callback can work: the MTA treats
             * the refused negotiation as a failed milter (its
             * milter_default_action, tempfail in our snippets). */
            log_err(NULL, "cannot keep the connection's context "
                          "(smfi_setpriv failed): refusing the connection");
            for (size_t i = 0; i < milter_app.nmods; i++)
                result_free(&cc->slot[i].cres);
            runtime_release(cc->rt);
            free(cc);
            return SMFIS_REJECT;
        }
    }
    cc->events = neg_events(cc->rt);
    want = neg_steps_wanted(cc->events, milter_answer_events());
    log_debug(NULL, "negotiate: MTA offers actions %#lx steps %#lx", f0, f1);
    neg_log_missing(actions, f0, 1);
    neg_log_missing(want & ~(unsigned long)SMFIP_HDR_LEADSPC, f1, 0);
    *pf0 = actions & f0;
    *pf1 = want & f1;
    *pf2 = 0;
    *pf3 = 0;
    cc->nr_flags = (unsigned)(*pf1 & (SMFIP_NR_CONN | SMFIP_NR_HELO |
                                      SMFIP_NR_MAIL | SMFIP_NR_RCPT |
                                      SMFIP_NR_HDR | SMFIP_NR_BODY));
    cc->leadspc = (*pf1 & SMFIP_HDR_LEADSPC) != 0;
    if (*pf0 & SMFIF_SETSYMLIST)
        neg_macros_ask(ctx);
    return SMFIS_CONTINUE;
}
