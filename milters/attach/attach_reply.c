/*
 * attach_reply - sluice-attach's SMTP reply templates (reply.h), one per
 * symbol that may refuse a message, keyed by the lower-case symbol name,
 * plus "attach_signed_strip", and for ATTACH_TOO_MANY_PARTS the bounds
 * that are not a count of parts ("attach_mime_too_deep",
 * "attach_mime_decoded_too_big").  Registered through
 * attach_module.replies.
 */
#include "attach.h"

#include <string.h>

#include "util.h"

const struct reply_template attach_replies[] = {
    {"attach_banned_ext",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: files of this type are not accepted "
      "here.",
      "Bilagan %{file} avvisades: filer av denna typ tas inte emot av "
      "mottagarservern.",
      "Liite %{file} hylättiin: tämäntyyppisiä tiedostoja ei oteta vastaan "
      "täällä."}},
    {"attach_double_ext",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: its name hides the real file type "
      "behind a second extension.",
      "Bilagan %{file} avvisades: namnet döljer den verkliga filtypen bakom "
      "en andra filändelse.",
      "Liite %{file} hylättiin: sen nimi piilottaa todellisen "
      "tiedostotyypin toisen tiedostopäätteen taakse."}},
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
      "Bilagan %{file} avvisades: den innehåller ett förklätt program.",
      "Liite %{file} hylättiin: se on ohjelma, joka on naamioitu "
      "toisenlaiseksi tiedostoksi."}},
    {"attach_archive_banned",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive contains files of a type "
      "that is not accepted here.",
      "Bilagan %{file} avvisades: arkivet innehåller filer av en typ som "
      "inte tas emot av mottagarservern.",
      "Liite %{file} hylättiin: arkisto sisältää tiedostoja, joiden tyyppiä "
      "ei oteta vastaan täällä."}},
    {"attach_encrypted",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: it is an encrypted archive that could "
      "not be checked.",
      "Bilagan %{file} avvisades: ett krypterat arkiv som inte kunde "
      "kontrolleras.",
      "Liite %{file} hylättiin: se on salattu arkisto, jota ei voitu "
      "tarkistaa."}},
    {"attach_archive_bomb",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive unpacks to more than this "
      "site accepts.",
      "Bilagan %{file} avvisades: uppackat överskrider arkivet "
      "mottagarserverns gränser.",
      "Liite %{file} hylättiin: arkisto purkautuu suuremmaksi kuin täällä "
      "hyväksytään."}},
    {"attach_macro",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: documents with macros are not "
      "accepted here.",
      "Bilagan %{file} avvisades: dokument med makron tas inte emot av "
      "mottagarservern.",
      "Liite %{file} hylättiin: makroja sisältäviä asiakirjoja ei oteta "
      "vastaan täällä."}},
    {"attach_too_big",
     "552",
     "5.3.4",
     {"The message is too big: the limit here is %{limit}.",
      "Meddelandet avvisades: storleken överskrider gränsen %{limit}.",
      "Viesti on liian suuri: enimmäiskoko täällä on %{limit}."}},
    {"attach_too_many_parts",
     "550",
     "5.7.1",
     {"The message has too many parts: at most %{limit} are accepted here.",
      "Meddelandet avvisades: antalet delar överskrider gränsen %{limit}.",
      "Viestissä on liian monta osaa: täällä hyväksytään enintään "
      "%{limit}."}},
    {"attach_too_many_attachments",
     "550",
     "5.7.1",
     {"The message has too many attachments: at most %{limit} are accepted "
      "here.",
      "Meddelandet avvisades: antalet bilagor överskrider gränsen %{limit}.",
      "Viestissä on liian monta liitettä: täällä hyväksytään enintään "
      "%{limit}."}},
    {"attach_mime_unreadable",
     "550",
     "5.7.1",
     {"The message was refused: its MIME structure cannot be read reliably, "
      "so its attachments cannot be checked.",
      "Meddelandet avvisades: MIME-strukturen kan inte tolkas entydigt, och "
      "bilagorna kan inte kontrolleras.",
      "Viesti hylättiin: sen MIME-rakennetta ei voida lukea luotettavasti, "
      "joten liitteitä ei voida tarkistaa."}},
    {"attach_mime_too_deep",
     "550",
     "5.7.1",
     {"The message is nested too deeply: at most %{limit} levels are "
      "accepted here.",
      "Meddelandet avvisades: högst %{limit} nivåer av inbäddade delar tas "
      "emot av mottagarservern.",
      "Viesti on sisäkkäistetty liian monelle tasolle: täällä hyväksytään "
      "enintään %{limit} tasoa."}},
    {"attach_mime_decoded_too_big",
     "552",
     "5.3.4",
     {"The message is too big once decoded: the limit here is %{limit}.",
      "Meddelandet avvisades: avkodat överskrider det gränsen %{limit}.",
      "Viesti on purettuna liian suuri: enimmäiskoko täällä on %{limit}."}},
    {"attach_mime_ambiguous",
     "550",
     "5.7.1",
     {"The message was refused: a part of it has two different %{file} "
      "headers, so it can be read in two ways and cannot be checked.",
      "Meddelandet avvisades: en del av det har två olika %{file}-huvuden, "
      "vilket ger två tolkningar, och det kan därför inte kontrolleras.",
      "Viesti hylättiin: sen osassa on kaksi erilaista %{file}-otsaketta, "
      "joten sen voi lukea kahdella tavalla eikä sitä voida tarkistaa."}},
    {"attach_tnef_unreadable",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: it is an Outlook (TNEF) attachment "
      "that could not be read, so the files in it cannot be checked.",
      "Bilagan %{file} avvisades: en Outlook-bilaga (TNEF) som inte kunde "
      "läsas, och filerna i den kan inte kontrolleras.",
      "Liite %{file} hylättiin: se on Outlook-liite (TNEF), jota ei voitu "
      "lukea, joten sen sisältämiä tiedostoja ei voida tarkistaa."}},
    {"attach_zip_name_mismatch",
     "550",
     "5.7.1",
     {"Attachment %{file} was refused: the archive lists other file names "
      "than the files it holds.",
      "Bilagan %{file} avvisades: arkivets filnamn stämmer inte med filerna "
      "i det.",
      "Liite %{file} hylättiin: arkisto näyttää eri tiedostonimet kuin sen "
      "sisältämillä tiedostoilla on."}},
    {"attach_signed_strip",
     "550",
     "5.7.1",
     {"Attachment %{file} is not accepted here, and this signed or encrypted "
      "message cannot be delivered without it.",
      "Bilagan %{file} tas inte emot av mottagarservern, och detta "
      "signerade eller krypterade meddelande kan inte levereras utan den.",
      "Liitettä %{file} ei oteta vastaan täällä, eikä tätä allekirjoitettua "
      "tai salattua viestiä voi toimittaa ilman sitä."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

/* A part without a name, in each language (ASCII: it is an argument). */
static const char *const attach_unnamed[LANG_COUNT] = {
    "(unnamed)", "(utan namn)", "(nimeton)"};

/*
 * The %{file} of a reply: a file inside an archive, which findings and
 * logs name "inner.exe in outer.zip", is written as a path from the
 * attachment down, "outer.zip/inner.exe", the same in every language
 * (an English "in" has no place in a Swedish sentence), and "(unnamed)"
 * in the reply's language.  Caller frees.
 */
char *attach_reply_file(const char *file, enum reply_lang lang)
{
    struct strbuf b;
    const char *end = file + strlen(file), *in;

    if ((unsigned)lang >= LANG_COUNT)
        lang = LANG_EN;
    strbuf_init(&b, 0);
    /* Paragraph: the components, outermost (the last) first. */
    while (end > file) {
        const char *start = file;
        size_t n;

        for (in = file; (in = strstr(in, " in ")) != NULL && in + 4 <= end;
             in++)
            start = in + 4;
        n = (size_t)(end - start);
        if (b.len > 0)
            strbuf_puts(&b, "/");
        if (n == 9 && strncmp(start, "(unnamed)", 9) == 0)
            strbuf_puts(&b, attach_unnamed[lang]);
        else
            strbuf_append(&b, start, n);
        end = start > file ? start - 4 : file;
    }
    return b.data ? strbuf_detach(&b) : xstrdup("");
}
