/*
 * module - what a Sluice check module is, and the message state it sees.
 *
 * DESCRIPTION
 *	A module is a table: its name (also its config section and the name
 *	in its X-Sluice-Result header), its config section table, the SMTP
 *	events it needs, and callbacks.  libcommon's milter glue (milter.c)
 *	runs one module per process (the chained deployment) or several in
 *	chain order (sluice-milter); the module cannot tell the difference.
 *
 *	Callbacks are plain functions of plain structs: no libmilter type
 *	appears here, so every check can be unit tested.  Each returns a
 *	enum mod_rc:
 *	    MOD_CONTINUE  go on (the normal case; findings go in the result)
 *	    MOD_REJECT    refuse now with out->reply (5xx)
 *	    MOD_TEMPFAIL  refuse now with out->reply (4xx)
 *	    MOD_DISCARD   accept and drop silently
 *	    MOD_ERROR     the module could not decide (DNS, clamd, store...):
 *	                  the glue applies the section's on_error action and
 *	                  logs out->reason
 *	and may fill out->reason (for the log line) and out->reply.
 *
 *	setup() builds the module's per-configuration state (compiled
 *	rules, opened maps, libmagic handles...) from its section; it runs
 *	at start, for "-n", and on every reload, before the new
 *	configuration replaces the old.  It returns 0, or -1 and adds its
 *	errors to errs.  The state must be safe to use from many threads
 *	at once (one per SMTP connection); teardown() frees it when the
 *	last connection using that configuration is done.
 *
 *	eom() sees the whole message (struct sl_msg.raw: header lines as
 *	"Name: value\r\n", an empty line, then the body as received).  It
 *	adds its findings to res, and may queue edits (headers, a new body)
 *	in ed; the glue applies them through libmilter and, in sluice-milter,
 *	shows the edited message to the modules after it.
 *
 *	Every module section embeds struct mod_conf as its FIRST member and
 *	lists MOD_CONF_KEYS(type) in its key table, so that every module has
 *	the same "socket", "pidfile", "enforce" and "on_error" keys.
 *
 * OWNERSHIP
 *	struct sl_conn and struct sl_msg belong to the glue; modules read
 *	them and never free or keep pointers into them past the callback.
 *	Strings given to sl_edits_* are copied.
 */
#ifndef SLUICE_MODULE_H
#define SLUICE_MODULE_H

#include <stddef.h>

#include "cfg.h"
#include "reply.h"
#include "result.h"
#include "util.h"

enum mod_rc {
    MOD_CONTINUE = 0,
    MOD_REJECT,
    MOD_TEMPFAIL,
    MOD_DISCARD,
    MOD_ERROR,
};

/* Events a module needs (struct module.events). */
#define MOD_EV_CONNECT 0x01
#define MOD_EV_HELO 0x02
#define MOD_EV_MAIL 0x04
#define MOD_EV_RCPT 0x08
#define MOD_EV_HEADER 0x10 /* header lines, in sl_msg.raw */
#define MOD_EV_BODY 0x20   /* the body, in sl_msg.raw */
#define MOD_EV_EOM 0x40

/* on_error values (index into "tempfail|accept|reject"). */
enum on_error {
    ON_ERROR_TEMPFAIL = 0,
    ON_ERROR_ACCEPT,
    ON_ERROR_REJECT,
};

struct mod_conf {
    char *socket;
    char *pidfile;
    int enforce;
    int on_error; /* enum on_error */
};

#define MOD_CONF_KEYS(type, name)                                              \
    {"socket", CFG_STRING, "unix:/var/spool/postfix/sluice/" name ".sock", 0,  \
     0, offsetof(type, mc.socket), NULL,                                       \
     "Socket the chained milter listens on: unix:PATH, inet:PORT@HOST or "     \
     "inet6:PORT@HOST."},                                                      \
        {"pidfile", CFG_PATH, "/run/sluice/" name ".pid", 0, 0,                \
         offsetof(type, mc.pidfile), NULL,                                     \
         "PID file of the chained milter's supervisor."},                      \
        {"enforce", CFG_BOOL, "no", 0, 0, offsetof(type, mc.enforce), NULL,    \
         "This milter enforces the final verdict (set on the last milter of "  \
         "the chain)."},                                                       \
        {"on_error", CFG_ENUM, "tempfail", 0, 0, offsetof(type, mc.on_error),  \
         "tempfail|accept|reject",                                             \
         "What to answer when a check cannot run (resource down, timeout)."}

struct sl_conn {
    char *client_addr; /* "192.0.2.7", "2001:db8::1", or "" when unknown */
    char *client_name; /* reverse name or "unknown" */
    char *helo;        /* NULL before HELO */
};

struct sl_msg {
    const struct sl_conn *conn;
    char *qid;         /* the MTA's queue ID ({i}); "NOQUEUE" until known */
    char *from;        /* envelope sender without <>; "" for null sender */
    char **rcpts;      /* envelope recipients without <> */
    size_t nrcpts;
    char *auth_user;   /* {auth_authen}, or NULL */
    struct strbuf raw; /* "Name: value\r\n"... "\r\n" body */
    size_t body_off;   /* offset of the body in raw (after the empty line) */
    size_t size;       /* bytes of the message as received, even past
                          the buffer limit */
    int truncated;     /* raw holds only the first raw.limit bytes */
};

struct mod_out {
    struct reply reply;
    const char *reason; /* static or module-owned until the next call */
    char reason_buf[256];
};

struct sl_hdr_edit {
    char *name;
    char *value; /* NULL: delete */
    int index;   /* 0: add; >0: change the index-th header of that name */
};

struct sl_edits {
    struct sl_hdr_edit *hdr;
    size_t nhdr;
    char *body; /* new body, or NULL */
    size_t body_len;
};

void sl_edits_add_header(struct sl_edits *e, const char *name,
                         const char *value);
void sl_edits_change_header(struct sl_edits *e, const char *name, int index,
                            const char *value);
void sl_edits_replace_body(struct sl_edits *e, const char *body, size_t len);
void sl_edits_free(struct sl_edits *e);

struct module {
    const char *name;
    const struct cfg_section *section;
    unsigned events;       /* MOD_EV_* it needs */
    unsigned reply_events; /* MOD_EV_* at which it may refuse */
    int (*setup)(const struct cfg *cfg, void **state_r,
                 struct cfg_errors *errs);
    void (*teardown)(void *state);
    enum mod_rc (*connect)(void *state, const struct sl_conn *c,
                           struct mod_out *out);
    enum mod_rc (*helo)(void *state, const struct sl_conn *c,
                        struct mod_out *out);
    enum mod_rc (*mail)(void *state, struct sl_msg *m, struct mod_out *out);
    enum mod_rc (*rcpt)(void *state, struct sl_msg *m, const char *rcpt,
                        struct mod_out *out);
    enum mod_rc (*eom)(void *state, struct sl_msg *m, struct result *res,
                       struct sl_edits *ed, struct mod_out *out);
};

/* Set out->reply from a template for rcpt's language (see reply.h). */
void mod_reply(struct mod_out *out, const struct cfg *cfg, const char *rcpt,
               const char *reason, const struct reply_arg *args,
               size_t nargs);

#endif
