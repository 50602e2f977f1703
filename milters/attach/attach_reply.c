/*
 * attach_reply - sluice-attach's SMTP reply templates (reply.h), one per
 * symbol that may refuse a message, keyed by the lower-case symbol name,
 * plus "attach_signed_strip", and for ATTACH_TOO_MANY_PARTS the bounds
 * that are not a count of parts ("attach_mime_too_deep",
 * "attach_mime_decoded_too_big").  Registered through
 * attach_module.replies.
 */
#include "attach.h"

const struct reply_template attach_replies[] = {
    {"attach_banned_ext",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: files of this type are not accepted "
      "here.",
      "Bilagan %{file} avvisades: filer av den här typen tas inte emot här.",
      "Liite %{file} hylättiin: tämäntyyppisiä tiedostoja ei oteta vastaan "
      "täällä."}},
    {"attach_double_ext",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: its name hides the real file type "
      "behind a second extension.",
      "Bilagan %{file} avvisades: namnet döljer den verkliga filtypen bakom "
      "en andra filändelse.",
      "Liite %{file} hylättiin: sen nimi kätkee todellisen tiedostotyypin "
      "toisen tiedostopäätteen taakse."}},
    {"attach_unicode_trick",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: its name uses special characters "
      "that disguise the file type.",
      "Bilagan %{file} avvisades: namnet innehåller specialtecken som döljer "
      "filtypen.",
      "Liite %{file} hylättiin: sen nimessä on erikoismerkkejä, jotka "
      "naamioivat tiedostotyypin."}},
    {"attach_disguised_exe",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: it is a program disguised as another "
      "type of file.",
      "Bilagan %{file} avvisades: den är ett program förklätt till en annan "
      "typ av fil.",
      "Liite %{file} hylättiin: se on ohjelma, joka on naamioitu "
      "toisenlaiseksi tiedostoksi."}},
    {"attach_archive_banned",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive contains files of a type "
      "that is not accepted here.",
      "Bilagan %{file} avvisades: arkivet innehåller filer av en typ som inte "
      "tas emot här.",
      "Liite %{file} hylättiin: arkisto sisältää tiedostoja, joiden tyyppiä "
      "ei oteta vastaan täällä."}},
    {"attach_encrypted",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: it is an encrypted archive that could "
      "not be checked.",
      "Bilagan %{file} avvisades: den är ett krypterat arkiv som inte kunde "
      "kontrolleras.",
      "Liite %{file} hylättiin: se on salattu arkisto, jota ei voitu "
      "tarkistaa."}},
    {"attach_archive_bomb",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive unpacks to more than this "
      "site accepts.",
      "Bilagan %{file} avvisades: arkivet packas upp till mer än vad som tas "
      "emot här.",
      "Liite %{file} hylättiin: arkisto purkautuu suuremmaksi kuin täällä "
      "hyväksytään."}},
    {"attach_macro",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: documents with macros are not "
      "accepted here.",
      "Bilagan %{file} avvisades: dokument med makron tas inte emot här.",
      "Liite %{file} hylättiin: makroja sisältäviä asiakirjoja ei oteta "
      "vastaan täällä."}},
    {"attach_too_big",
     "552",
     "5.3.4",
     {"The message is too big: the limit here is %{limit}.",
      "Meddelandet är för stort: gränsen här är %{limit}.",
      "Viesti on liian suuri: enimmäiskoko täällä on %{limit}."}},
    {"attach_too_many_parts",
     "550",
     "5.7.1",
     {"The message has too many parts: at most %{limit} are accepted here.",
      "Meddelandet har för många delar: högst %{limit} tas emot här.",
      "Viestissä on liian monta osaa: täällä hyväksytään enintään "
      "%{limit}."}},
    {"attach_too_many_attachments",
     "550",
     "5.7.1",
     {"The message has too many attachments: at most %{limit} are accepted "
      "here.",
      "Meddelandet har för många bilagor: högst %{limit} tas emot här.",
      "Viestissä on liian monta liitettä: täällä hyväksytään enintään "
      "%{limit}."}},
    {"attach_mime_unreadable",
     "550",
     "5.7.1",
     {"The message was refused: its MIME structure cannot be read reliably, "
      "so its attachments cannot be checked.",
      "Meddelandet avvisades: dess MIME-struktur kan inte läsas på ett "
      "tillförlitligt sätt, så bilagorna kan inte kontrolleras.",
      "Viesti hylättiin: sen MIME-rakennetta ei voida lukea luotettavasti, "
      "joten liitteitä ei voida tarkistaa."}},
    {"attach_mime_too_deep",
     "550",
     "5.7.1",
     {"The message is nested too deeply: at most %{limit} levels are "
      "accepted here.",
      "Meddelandet är nästlat i för många nivåer: högst %{limit} nivåer tas "
      "emot här.",
      "Viesti on sisäkkäistetty liian monelle tasolle: täällä hyväksytään "
      "enintään %{limit} tasoa."}},
    {"attach_mime_decoded_too_big",
     "552",
     "5.3.4",
     {"The message is too big once decoded: the limit here is %{limit}.",
      "Meddelandet är för stort när det avkodats: gränsen här är %{limit}.",
      "Viesti on purettuna liian suuri: enimmäiskoko täällä on %{limit}."}},
    {"attach_mime_ambiguous",
     "550",
     "5.7.1",
     {"The message was refused: a part of it has two different %{file} "
      "headers, so it can be read in two ways and cannot be checked.",
      "Meddelandet avvisades: en del av det har två olika %{file}-huvuden, "
      "så det kan läsas på två sätt och kan inte kontrolleras.",
      "Viesti hylättiin: sen osassa on kaksi erilaista %{file}-otsaketta, "
      "joten sen voi lukea kahdella tavalla eikä sitä voida tarkistaa."}},
    {"attach_tnef_unreadable",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: it is an Outlook (TNEF) attachment "
      "that could not be read, so the files in it cannot be checked.",
      "Bilagan %{file} avvisades: den är en Outlook-bilaga (TNEF) som inte "
      "kunde läsas, så filerna i den kan inte kontrolleras.",
      "Liite %{file} hylättiin: se on Outlook-liite (TNEF), jota ei voitu "
      "lukea, joten sen sisältämiä tiedostoja ei voida tarkistaa."}},
    {"attach_zip_name_mismatch",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive lists other file names "
      "than the files it holds.",
      "Bilagan %{file} avvisades: arkivet visar andra filnamn än de filer "
      "det innehåller.",
      "Liite %{file} hylättiin: arkisto näyttää eri tiedostonimet kuin sen "
      "sisältämillä tiedostoilla on."}},
    {"attach_signed_strip",
     "550",
     "5.7.1",
     {"Attachment %{file} is not accepted here, and this signed or encrypted "
      "message cannot be delivered without it.",
      "Bilagan %{file} tas inte emot här, och detta signerade eller "
      "krypterade meddelande kan inte levereras utan den.",
      "Liitettä %{file} ei oteta vastaan täällä, eikä tätä allekirjoitettua "
      "tai salattua viestiä voi toimittaa ilman sitä."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};
