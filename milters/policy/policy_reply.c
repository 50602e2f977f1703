/*
 * policy_reply - sluice-policy's SMTP reply templates (reply.h) and the
 * helper that refuses with one.
 *
 * DESCRIPTION
 *	Arguments: %{value} the address, domain or client IP the refusal is
 *	about; %{rule} the list, domain or the remote server's answer;
 *	%{file} a " (see URL)" lookup hint.  Every text names the rule in
 *	plain words.
 *
 *	policy_refuse() fills x->out from a template and returns rc.
 *	policy_reply_explicit() fills x->out.reply from an admin's own
 *	"CODE [X.Y.Z] text" (an access map or an SPF override): a code
 *	that is not 4xx/5xx, or whose class does not match the action, is
 *	replaced by 550 5.7.1 / 451 4.7.1; the text is made printable ASCII.
 *
 * OWNERSHIP
 *	Static tables.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "policy.h"

const struct reply_template policy_replies[] = {
    {"policy_access_denied", "550", "5.7.1",
     {"Access denied.", "Åtkomst nekad.", "Pääsy estetty."}},
    {"policy_access_tempfail", "451", "4.7.1",
     {"Access temporarily denied, please try again later.",
      "Åtkomst tillfälligt nekad, försök igen senare.",
      "Pääsy tilapäisesti estetty, yritä myöhemmin uudelleen."}},
    {"policy_relay_denied", "550", "5.7.1",
     {"Relaying denied: %{value} is not a local address.",
      "Vidarebefordran nekad: %{value} saknas bland de lokala adresserna.",
      "Välitys estetty: %{value} ei ole paikallinen osoite."}},
    {"policy_sender_nxdomain", "550", "5.1.8",
     {"Sender address rejected: domain %{value} does not exist.",
      "Avsändaradressen avvisad: domänen %{value} finns inte.",
      "Lähettäjän osoite hylätty: verkkotunnusta %{value} ei ole."}},
    {"policy_sender_nxdomain_temp", "450", "4.1.8",
     {"Sender address rejected: domain %{value} not found.",
      "Avsändaradressen avvisad: domänen %{value} hittades inte.",
      "Lähettäjän osoite hylätty: verkkotunnusta %{value} ei löytynyt."}},
    {"policy_sender_nullmx", "550", "5.7.27",
     {"Sender address rejected: domain %{value} accepts no mail (null MX).",
      "Avsändaradressen avvisad: domänen %{value} tar inte emot e-post.",
      "Lähettäjän osoite hylätty: %{value} ei vastaanota sähköpostia."}},
    {"policy_sender_tempfail", "451", "4.4.3",
     {"Sender domain %{value} could not be checked (DNS lookup failed), "
      "please try again later.",
      "Avsändardomänen %{value} kunde inte kontrolleras (DNS-uppslagningen "
      "misslyckades), försök igen senare.",
      "Lähettäjän verkkotunnusta %{value} ei voitu tarkistaa "
      "(DNS-haku epäonnistui), yritä myöhemmin uudelleen."}},
    {"policy_dnsbl", "554", "5.7.1",
     {"Service unavailable: client [%{value}] is listed by %{rule}%{file}.",
      "Tjänsten otillgänglig: spärrlistan %{rule} listar klienten "
      "[%{value}]%{file}.",
      "Palvelu ei käytettävissä: asiakas [%{value}] on listalla "
      "%{rule}%{file}."}},
    {"policy_spf_fail", "550", "5.7.23",
     {"SPF: %{value} is not allowed to send mail for %{rule}.",
      "SPF: %{value} saknar tillstånd att skicka e-post från domänen "
      "%{rule}.",
      "SPF: %{value} ei saa lähettää postia verkkotunnuksen %{rule} "
      "puolesta."}},
    {"policy_spf_tempfail", "451", "4.7.24",
     {"SPF check of %{rule} could not be completed, please try again later.",
      "SPF-kontrollen av %{rule} kunde inte slutföras, försök igen senare.",
      "Verkkotunnuksen %{rule} SPF-tarkistus ei onnistunut, yritä "
      "myöhemmin uudelleen."}},
    {"policy_dmarc_reject", "550", "5.7.1",
     {"Rejected by the DMARC policy of %{rule}: the sender could not be "
      "authenticated.",
      "Avvisat enligt domänens DMARC-policy (%{rule}): avsändaren kunde "
      "inte autentiseras.",
      "Hylätty verkkotunnuksen %{rule} DMARC-käytännön perusteella: "
      "lähettäjää ei voitu todentaa."}},
    {"policy_cbv_fail", "550", "5.1.0",
     {"Sender address <%{value}> rejected: its mail server said: %{rule}",
      "Avsändaradressen <%{value}> avvisad: dess e-postserver svarade: "
      "%{rule}",
      "Lähettäjän osoite <%{value}> hylätty: sen postipalvelin vastasi: "
      "%{rule}"}},
    {"policy_rcpt_cbv_fail", "550", "5.1.1",
     {"Recipient <%{value}> unknown: %{rule}",
      "Mottagaren <%{value}> okänd: %{rule}",
      "Vastaanottaja <%{value}> tuntematon: %{rule}"}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

enum mod_rc policy_refuse(struct mod_ctx *x, const char *tpl, enum mod_rc rc,
                          const struct reply_arg *args, size_t nargs,
                          const char *reason)
{
    mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x), tpl, args, nargs);
    snprintf(x->out.reason_buf, sizeof(x->out.reason_buf), "%s", reason);
    x->out.reason = x->out.reason_buf;
    return rc;
}

int policy_reply_explicit(struct mod_out *out, const char *text,
                          int permanent)
{
    struct reply *r = &out->reply;
    const char *p = text;
    size_t i = 0;

    if ((p[0] == '4' || p[0] == '5') && isdigit((unsigned char)p[1]) &&
        isdigit((unsigned char)p[2]) && (p[3] == ' ' || p[3] == '\0') &&
        (p[0] == '5') == permanent) {
        memcpy(r->rcode, p, 3);
        r->rcode[3] = '\0';
        p += 3;
        while (*p == ' ')
            p++;
        snprintf(r->xcode, sizeof(r->xcode), "%s", permanent ? "5.7.1" : "4.7.1");
        if (p[0] == r->rcode[0] && p[1] == '.') {
            size_t n = strcspn(p, " ");

            if (n < sizeof(r->xcode)) {
                memcpy(r->xcode, p, n);
                r->xcode[n] = '\0';
                p += n;
                while (*p == ' ')
                    p++;
            }
        }
    } else {
        snprintf(r->rcode, sizeof(r->rcode), "%s", permanent ? "550" : "451");
        snprintf(r->xcode, sizeof(r->xcode), "%s", permanent ? "5.7.1" : "4.7.1");
    }
    for (; *p && i + 1 < sizeof(r->text); p++)
        r->text[i++] = (*p >= 0x20 && *p < 0x7f && *p != '%') ? *p : '?';
    r->text[i] = '\0';
    return 0;
}
