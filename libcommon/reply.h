/*
 * reply - SMTP replies with enhanced status codes, from templates.
 *
 * DESCRIPTION
 *	Each reason a Sluice milter may refuse a message has one template:
 *	an SMTP code, an RFC 3463 enhanced status code, and a short friendly
 *	sentence in English, Swedish and Finnish.  Templates take named
 *	arguments "%{file}", "%{limit}", "%{value}", "%{rule}"; a missing
 *	argument expands to "".  reply_build() fills a struct reply; when an
 *	info URL is configured it is appended as " (see URL)", in the
 *	reply's language (" (se URL)", " (katso URL)").  Internal
 *	symbol names never appear in the text: templates name the rule in
 *	plain words.  The text is printable ASCII: templates are
 *	transliterated, and in arguments and the URL every non-ASCII
 *	character, control character and '%' becomes '?', so the text can
 *	go to smfi_setreply() as it is.  It is cut to fit one SMTP reply
 *	line (< 512 bytes).
 *
 *	reply_lang_for() chooses the language: the value found for the
 *	recipient's domain in lang_map (a domain: map whose values are
 *	"en", "sv" or "fi"), else the default language.
 *
 *	Templates come from tables of struct reply_template: libcommon's
 *	own generic ones ("policy", "error", "tempfail", "greylist",
 *	"sluice_forged_result", "too_many_headers") and those each module
 *	registers (struct module.replies; a module's keys start with its
 *	name: "attach_banned_ext").  reply_register() adds a table; it is
 *	called at program start, before any thread, by the milter glue for
 *	every module of the program (and by tests).  Registering the same
 *	table twice is harmless.  reply_known() tells whether a key exists.
 *	reply_table_at() returns the i-th table registered (libcommon's own
 *	is the first), NULL past the last: for tests that walk them all.
 *	A key no table has gives the generic "policy" reply.
 *
 * OWNERSHIP
 *	struct reply is a plain value; nothing to free.
 */
#ifndef SLUICE_REPLY_H
#define SLUICE_REPLY_H

#include <stddef.h>

#include "maps.h"

enum reply_lang {
    LANG_EN = 0,
    LANG_SV,
    LANG_FI,
    LANG_COUNT
};

struct reply {
    char rcode[4]; /* "550" */
    char xcode[8]; /* "5.7.1" */
    char text[480];
};

struct reply_template {
    const char *reason; /* key, lower case; NULL ends a table */
    const char *rcode;  /* "550" */
    const char *xcode;  /* "5.7.1" */
    const char *text[LANG_COUNT]; /* UTF-8; %{name} placeholders */
};

struct reply_arg {
    const char *name;
    const char *value;
};

int reply_lang_parse(const char *s, enum reply_lang *out);
const char *reply_lang_name(enum reply_lang l);
enum reply_lang reply_lang_for(const char *rcpt, struct map *lang_map,
                               enum reply_lang def);
void reply_register(const struct reply_template *table);
int reply_known(const char *reason);
const struct reply_template *reply_table_at(size_t i);
/* 0 ok; -1 unknown reason (then a generic 550 5.7.1 is filled in). */
int reply_build(struct reply *r, const char *reason, enum reply_lang lang,
                const char *info_url, const struct reply_arg *args,
                size_t nargs);

#endif
