/*
 * grey_reply - sluice-grey's SMTP reply templates (reply.h): a deferred
 * recipient (or, for the null sender, message) with the seconds to wait,
 * and the answers of the rate limits.  Registered through
 * grey_module.replies; %{value} is the number of seconds.
 */
#include "grey.h"

const struct reply_template grey_replies[] = {
    {"grey_greylisted",
     "451",
     "4.7.1",
     {"Greylisted: please try again in %{value} seconds.",
      "Grålistat: försök igen om %{value} sekunder.",
      "Harmaalistattu: yritä uudelleen %{value} sekunnin kuluttua."}},
    {"grey_ratelimit_tempfail",
     "451",
     "4.7.1",
     {"Too many messages in a short time; please try again later.",
      "Alltför många meddelanden inom kort tid; försök igen senare.",
      "Liian monta viestiä lyhyessä ajassa; yritä myöhemmin uudelleen."}},
    {"grey_ratelimit_reject",
     "550",
     "5.7.1",
     {"Too many messages in a short time; the message is refused.",
      "Alltför många meddelanden inom kort tid; meddelandet avvisas.",
      "Liian monta viestiä lyhyessä ajassa; viesti hylätään."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};
