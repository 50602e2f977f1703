/*
 * content_reply - sluice-content's SMTP reply templates (reply.h): the
 * module's own refusals.  One DLP template per detector, so that the
 * sender reads what was found in their own language; the virus replies
 * name the malware (and the attachment when it is known), as admins and
 * senders expect from a virus scanner.  Registered through
 * content_module.replies.
 */
#include "content.h"

#define DLP_REPLY(key, en, sv, fi)                                             \
    {                                                                          \
        key, "550", "5.7.1",                                                   \
        {                                                                      \
            "The message was not sent: it contains " en " (%{value} found), "  \
            "which may not be sent outside the organisation by e-mail.",       \
                "Meddelandet skickades inte: det innehåller " sv " (%{value} " \
                "hittade), som inte tillåts skickas med e-post utanför "     \
                "organisationen.",                                             \
                "Viestiä ei lähetetty: se sisältää " fi                        \
                " (%{value} kpl), joita ei "                                   \
                "saa lähettää sähköpostilla organisaation ulkopuolelle."  \
        }                                                                      \
    }

const struct reply_template content_replies[] = {
    DLP_REPLY("content_dlp_se_pnr", "Swedish personal identity numbers",
              "svenska personnummer", "ruotsalaisia henkilötunnuksia"),
    DLP_REPLY("content_dlp_se_samo", "Swedish coordination numbers",
              "svenska samordningsnummer",
              "ruotsalaisia yhteensovitusnumeroita"),
    DLP_REPLY("content_dlp_fi_hetu", "Finnish personal identity codes",
              "finska personbeteckningar", "suomalaisia henkilötunnuksia"),
    DLP_REPLY("content_dlp_no_fnr", "Norwegian national identity numbers",
              "norska födelsenummer", "norjalaisia henkilötunnuksia"),
    DLP_REPLY("content_dlp_dk_cpr", "Danish CPR numbers", "danska CPR-nummer",
              "tanskalaisia CPR-numeroita"),
    DLP_REPLY("content_dlp_card", "payment card numbers", "kortnummer",
              "maksukorttien numeroita"),
    DLP_REPLY("content_dlp_iban", "bank account numbers (IBAN)",
              "bankkontonummer (IBAN)", "pankkitilien numeroita (IBAN)"),
    {"content_virus",
     "550",
     "5.7.0",
     {"The message was refused: it contains malware (%{rule}).",
      "Meddelandet avvisades: det innehåller skadlig kod (%{rule}).",
      "Viesti hylättiin: se sisältää haittaohjelman (%{rule})."}},
    {"content_virus_file",
     "550",
     "5.7.0",
     {"The message was refused: attachment %{file} contains malware "
      "(%{rule}).",
      "Meddelandet avvisades: bilagan %{file} innehåller skadlig kod "
      "(%{rule}).",
      "Viesti hylättiin: liite %{file} sisältää haittaohjelman (%{rule})."}},
    {"content_yara",
     "550",
     "5.7.1",
     {"The message was refused: %{file} matches a rule for malicious "
      "content (%{rule}).",
      "Meddelandet avvisades: %{file} matchar en regel om skadligt "
      "innehåll (%{rule}).",
      "Viesti hylättiin: %{file} vastaa haitallisen sisällön sääntöä "
      "(%{rule})."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};
