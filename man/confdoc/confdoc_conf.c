/*
 * confdoc_conf - etc/sluice.conf from the key tables.  See confdoc.h.
 *
 * The file is a header comment, then per section "[name]", a short
 * description and every key as its doc line (with its allowed values
 * and bounds) wrapped at 76 columns as "# " comments, then
 * "#key = default", commented out so that a changed default in a table
 * reaches every installation that did not set the key.  The few keys
 * the shipped file must set (confdoc_conf_sets[]) follow their
 * commented default as an active line, with a comment saying why.
 * The header, the section descriptions and those keys are the only
 * hand-written text; t/unit/conf_sync.sh checks that the file in the
 * tree is this program's output.
 */
#include <stdlib.h>
#include <string.h>

#include "confdoc.h"

#define CONFDOC_CONF_WIDTH 76

/* The header comment, one line each. */
static const char *const confdoc_conf_header[] = {
    "# /etc/sluice/sluice.conf - configuration of the Sluice mail filters.",
    "#",
    "# Every key is listed with its default value, commented out: uncomment a",
    "# line to change it.  See sluice.conf(5) for the syntax, the maps",
    "# (cidr:, domain:, addr:, pcre:) and what each key does.",
    "#",
    "# Check this file after every edit, then reload:",
    "#\tsluice-attach -n            (or sluice-milter -n)",
    "#\tsystemctl reload sluice-attach",
    "#",
    "# Syntax: \"key = value\"; comments on their own line only; lists "
    "separated",
    "# by commas or blanks; durations like 30s, 5m, 2h; sizes like 64k, 10M;",
    "# \"include FILE\" reads another file; relative paths are relative to the",
    "# directory of this file.  Unknown keys and repeated keys are errors.",
    "#",
    "# This file is generated from the key tables of the programs (the same",
    "# tables that drive \"-n\", \"-d\" and sluice.conf(5)) by sluice-confdoc.",
};

/* What each section is for, printed under "[name]". */
static const struct {
    const char *section, *text;
} confdoc_conf_about[] = {
    {"common",
     "Settings every Sluice program shares: the secret that signs the "
     "X-Sluice-Result headers, logging, and the verdict of the enforcer."},
    {"policy",
     "sluice-policy(8): access maps, relaying, HELO, sender domain, "
     "reverse DNS, DNSBL/DNSWL, SPF, DKIM, DMARC, call-back verification, "
     "and one Authentication-Results header.  Every check is off until "
     "its key turns it on; the resolver is [common] dns_servers."},
    {"grey",
     "sluice-grey(8): greylisting of new triplets (client network, sender, "
     "recipient) and rate limits, with their state in the store of "
     "[common] (sqlite, or Redis shared by a cluster); sluicectl(8) shows "
     "and changes it."},
    {"content",
     "sluice-content(8): DLP on outbound mail, rules (SpamAssassin's "
     "syntax), URLs, MISP indicators, clamd and YARA.  It runs before "
     "sluice-attach in the chain."},
    {"attach",
     "sluice-attach(8): banned files, disguised programs, archives, "
     "macros, limits.  Every rule has an action key: reject (550, naming "
     "the file and the rule), strip (deliver without the part, with a "
     "notice; this breaks DKIM signatures over the body, and signed or "
     "encrypted messages are rejected instead) or tag (score only)."},
};

/* The keys the shipped file sets, after their commented default. */
static const struct {
    const char *section, *key, *value, *why;
} confdoc_conf_sets[] = {
    {"common", "secret_file", "secret",
     "Here: the file \"secret\" next to this one (make install and the "
     "Debian package generate it)."},
    {"common", "user", "sluice",
     "Here: the user the milters run as once their sockets are open (the "
     "Debian package creates it; by hand: adduser --system --group "
     "--no-create-home sluice).  Postfix, in its group, can use the "
     "sockets."},
    {"attach", "enforce", "yes",
     "Here: sluice-attach is the last (only) milter of the chain."},
};

#define CONFDOC_CONF_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The doc line and its limit sentences as one paragraph. */
static void confdoc_conf_doc(const struct cfg_key *k, FILE *out)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);

    if (mem == NULL) {
        confdoc_text_wrap(out, "# ", k->doc ? k->doc : "Undocumented.",
                          CONFDOC_CONF_WIDTH, NULL, 0);
        return;
    }
    fputs(k->doc ? k->doc : "Undocumented.", mem);
    fputc(' ', mem);
    confdoc_text_limits(k, mem);
    fclose(mem);
    /* Sentences end in newlines: one paragraph, no trailing blank. */
    for (char *p = buf; *p; p++)
        if (*p == '\n')
            *p = ' ';
    while (len > 0 && buf[len - 1] == ' ')
        buf[--len] = '\0';
    confdoc_text_wrap(out, "# ", buf, CONFDOC_CONF_WIDTH, NULL, 0);
    free(buf);
}

static void confdoc_conf_key(const struct cfg_section *s,
                             const struct cfg_key *k, FILE *out)
{
    fputc('\n', out);
    confdoc_conf_doc(k, out);
    if (k->def == NULL) {
        fprintf(out, "# Default: %s.\n#%s =\n",
                k->type == CFG_LIST ? "empty" : "unset", k->name);
    } else if (*k->def == '\0') {
        fprintf(out, "#%s = \"\"\n", k->name);
    } else {
        fprintf(out, "#%s = %s\n", k->name, k->def);
    }
    for (size_t i = 0; i < CONFDOC_CONF_COUNT(confdoc_conf_sets); i++) {
        if (strcmp(confdoc_conf_sets[i].section, s->name) != 0 ||
            strcmp(confdoc_conf_sets[i].key, k->name) != 0)
            continue;
        confdoc_text_wrap(out, "# ", confdoc_conf_sets[i].why,
                          CONFDOC_CONF_WIDTH, NULL, 0);
        fprintf(out, "%s = %s\n", k->name, confdoc_conf_sets[i].value);
    }
}

static void confdoc_conf_section(const struct cfg_section *s, FILE *out)
{
    fprintf(out, "\n[%s]\n", s->name);
    for (size_t i = 0; i < CONFDOC_CONF_COUNT(confdoc_conf_about); i++)
        if (strcmp(confdoc_conf_about[i].section, s->name) == 0)
            confdoc_text_wrap(out, "# ", confdoc_conf_about[i].text,
                              CONFDOC_CONF_WIDTH, NULL, 0);
    for (const struct cfg_key *k = s->keys; k->name != NULL; k++)
        confdoc_conf_key(s, k, out);
}

void confdoc_conf_write(const struct cfg_section *const *secs, size_t n,
                        FILE *out)
{
    for (size_t i = 0; i < CONFDOC_CONF_COUNT(confdoc_conf_header); i++)
        fprintf(out, "%s\n", confdoc_conf_header[i]);
    for (size_t i = 0; i < n; i++)
        confdoc_conf_section(secs[i], out);
}
