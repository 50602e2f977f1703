/*
 * attach.h - sluice-attach: the attachment and file-type blocker.
 *
 * This header is the index of the module's files (one prefix each):
 *	attach_module.c   the module table, config keys, setup, eom: walks the
 *	                  message (libcommon mime), runs the checks, applies
 *	                  the action of the strongest finding
 *	attach_name.c     file names: banned and double extensions, Unicode
 *	                  tricks (bidi controls, dot look-alikes)
 *	attach_type.c     true type with libmagic; executables disguised as
 *	                  documents; attach_check_content() dispatches a
 *	                  part's bytes to the archive, office and RTF scanners
 *	attach_archive.c  the rules for files inside archives and TNEF, over
 *	                  libcommon's reader (arc.h): nested, encrypted,
 *	                  bombs, unreadable TNEF, zip name mismatch
 *	attach_office.c   Office macros: OOXML vbaProject.bin, OLE2 VBA (libgsf)
 *	attach_rtf.c      RTF embedded objects (\object, \objdata): bounded scan
 *	attach_password.c passwords for encrypted archives, from message text
 *	attach_strip.c    strip mode: cut a part out, keep every other byte
 *
 * OWNERSHIP
 *	struct attach_scan lives for one message scan (attach_module.c owns
 *	it); findings copy their strings; everything is freed by
 *	attach_scan_free().  struct attach_state is per configuration,
 *	shared read-only by all threads (its libmagic handles are per thread).
 */
#ifndef SLUICE_ATTACH_H
#define SLUICE_ATTACH_H

#include <stddef.h>
#include <sys/types.h>

#include "arc.h"
#include "cfg.h"
#include "maps.h"
#include "module.h"
#include "reply.h"

enum attach_action {
    ATTACH_REJECT = 0,
    ATTACH_STRIP,
    ATTACH_TAG,
};

/* The rules: each finding is one of these, with its own action. */
enum attach_rule {
    RULE_BANNED = 0, /* ATTACH_BANNED_EXT */
    RULE_DOUBLE,     /* ATTACH_DOUBLE_EXT */
    RULE_UNICODE,    /* ATTACH_UNICODE_TRICK */
    RULE_DISGUISED,  /* ATTACH_DISGUISED_EXE */
    RULE_ARCHIVE,    /* ATTACH_ARCHIVE_BANNED: banned name or exe inside */
    RULE_ENCRYPTED,  /* ATTACH_ENCRYPTED: could not be opened */
    RULE_BOMB,       /* ATTACH_ARCHIVE_BOMB: a bound was hit */
    RULE_MACRO,      /* ATTACH_MACRO: VBA in OOXML/OLE2, RTF object */
    RULE_SIZE,       /* ATTACH_TOO_BIG */
    RULE_PARTS,      /* ATTACH_TOO_MANY_PARTS (also MIME depth/decoded) */
    RULE_COUNT_ATT,  /* ATTACH_TOO_MANY_ATTACHMENTS */
    RULE_UNREADABLE, /* ATTACH_MIME_UNREADABLE: parts GMime did not see;
                        its action is parts_action */
    RULE_TNEF,       /* ATTACH_TNEF_UNREADABLE: a TNEF libytnef refuses */
    RULE_ZIPNAMES,   /* ATTACH_ZIP_NAME_MISMATCH: local header and central
                        directory name different files */
    RULE_AMBIGUOUS,  /* ATTACH_MIME_AMBIGUOUS: a content header twice with
                        different values; its action is parts_action */
    RULE_N
};

struct attach_conf {
    struct mod_conf mc; /* must be first */
    struct cfg_list banned_extensions;
    struct cfg_list banned_extensions_modern;
    int use_modern_list;
    int action[RULE_N]; /* enum attach_action, one key per rule */
    struct cfg_list scores; /* "SYMBOL=score" overrides */
    long long max_message_size;
    long long max_parts;
    long long max_attachments;
    long long archive_max_depth;
    long long archive_max_entries;
    long long archive_max_total;
    long long archive_max_ratio;
    long long archive_max_layers; /* compression filters stacked */
    long long archive_max_time;   /* seconds per message for archives */
    long long password_max_tries;
    struct map *allow_senders;
    struct map *allow_recipients;
    struct map *allow_clients;
};

struct attach_state; /* per configuration; attach_module.c */

struct attach_finding {
    enum attach_rule rule;
    char *file;        /* UTF-8 name (or "inner.exe in outer.zip") */
    size_t part_index; /* leaf index of the message part it is in */
    double score;
    long long limit, value; /* limit rules: the bound and what was seen */
    const char *reply; /* reply template (static); NULL: the symbol's */
};

struct attach_scan {
    const struct attach_conf *conf;
    struct attach_state *st;
    const char *qid;
    struct attach_finding *f;
    size_t nf;
    char **passwords; /* candidates found in the text parts */
    size_t npasswords;
    struct arc_limits lim; /* from conf, for the archive reader */
    struct arc_scan arc;   /* bytes and deadline (arc_now()) of this
                              message's archives */
    size_t part;           /* the part whose archive is being read */
};

/* attach_module.c */
extern const struct cfg_section attach_section;
extern const struct module attach_module;
extern const struct reply_template attach_replies[]; /* attach_reply.c */
/* attach_reply.c: a finding's file as a reply names it (caller frees). */
char *attach_reply_file(const char *file, enum reply_lang lang);
const char *attach_rule_symbol(enum attach_rule r);
void attach_found(struct attach_scan *s, enum attach_rule r, const char *file,
                  size_t part_index);
void attach_scan_free(struct attach_scan *s);

/* attach_name.c: attach_found_in() is attach_found() for a file inside
 * container ("NAME in CONTAINER"; banned, double and disguised names
 * count as RULE_ARCHIVE there); NULL container: a message part. */
void attach_found_in(struct attach_scan *s, enum attach_rule r,
                     const char *name, size_t part_index,
                     const char *container);
/* attach_check_name() returns the number of findings added. */
int attach_check_name(struct attach_scan *s, const char *name,
                      size_t part_index, const char *container);
/* Lower-case final extension without the dot ("" when none); static
 * buffer per thread. */
const char *attach_name_ext(const char *name);
int attach_name_is_banned(const struct attach_conf *c, const char *ext);
/* A document, image or text extension ("pdf", "jpg", "txt"...). */
int attach_name_is_document(const char *ext);

/* attach_type.c: attach_check_bytes() adds the findings of the bytes
 * and returns 1 when they are an archive (or TNEF) to read;
 * attach_check_content() also reads it (attach_archive_scan()). */
const char *attach_magic(struct attach_scan *s, const unsigned char *data,
                         size_t len); /* MIME type, per-thread storage */
int attach_type_is_executable(const char *magic_type,
                              const unsigned char *data, size_t len);
int attach_type_is_archive(const char *magic_type);
int attach_check_bytes(struct attach_scan *s, const char *name,
                       const char *declared_ctype, const unsigned char *data,
                       size_t len, size_t part_index, const char *container);
void attach_check_content(struct attach_scan *s, const char *name,
                          const char *declared_ctype,
                          const unsigned char *data, size_t len,
                          size_t part_index, int depth,
                          const char *container);

/* attach_archive.c: scan an archive's entries (names, contents, nested),
 * depth archives around it (0 for a message part). */
void attach_archive_scan(struct attach_scan *s, const char *name,
                         const unsigned char *data, size_t len,
                         size_t part_index, int depth);

/* attach_office.c: OOXML with vbaProject.bin, OLE2 with VBA storages. */
int attach_office_has_macro(const unsigned char *data, size_t len,
                            const char *magic_type);

/* attach_rtf.c: 1 when the RTF embeds an object, 0 when not; bounded. */
int attach_rtf_has_object(const unsigned char *data, size_t len);

/* attach_password.c: candidates near "password"/"lösenord"/"salasana"/
 * "passord"; returns how many were stored (newly allocated) in out. */
size_t attach_passwords_find(const char *text, size_t len, char **out,
                             size_t max);

/* attach_strip.c: one part to cut out of the raw message. */
struct attach_cut {
    ssize_t start, end; /* mime part_start, part_end in raw */
    const char *name;   /* file name for the notice, or NULL */
    const char *reason; /* plain words: "a banned file type" */
};
/* The new body with each cut replaced by a text/plain notice (or the
 * notice alone, *whole_r = 1, when a cut is the whole body); 0 ok
 * (caller frees *body_r), -1 when a part could not be cut. */
int attach_strip(const char *raw, size_t raw_len, size_t body_off,
                 const struct attach_cut *cuts, size_t ncuts, char **body_r,
                 size_t *len_r, int *whole_r, const char **error_r);
/* The notice text for one removed part (caller frees). */
char *attach_strip_notice(const char *name, const char *reason);

#endif
