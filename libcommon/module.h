/*
 * module - what a Sluice check module is, and the state it sees.
 *
 * DESCRIPTION
 *	A module is a table (struct module): its name (also its config
 *	section, its reply-template prefix and the name in its
 *	X-Sluice-Result header), its config section table, its reply
 *	templates, the SMTP events it needs, and callbacks.  libcommon's
 *	milter glue (milter*.c) runs one module per process (the chained
 *	deployment) or several in chain order (sluice-milter); the module
 *	cannot tell the difference.  No libmilter type appears here, so
 *	every check can be unit tested with plain structs.
 *
 * LIFECYCLE
 *	setup(cfg, &state, errs) builds the module's per-configuration
 *	state (compiled rules, opened maps...) from its section.  It is
 *	pure: it runs for "-n", at start and on every reload, before the
 *	new configuration replaces the old, and must not open what cannot
 *	cross a fork or must not be owned by root.  It returns 0, or -1
 *	after adding its errors to errs.
 *
 *	start(state, env, &error) runs in the worker process after the
 *	privilege drop, once per configuration (at start and after each
 *	reload, before the swap): the place to open per-process resources
 *	(a clamd pool, a YARA scanner).  The shared services of env (the
 *	resolver, SPF, the store) are opened by the glue and live across
 *	reloads while their settings do not change.  It returns 0, or -1
 *	with *error_r: at start that is fatal (exit 78), on reload the
 *	running configuration is kept.
 *
 *	teardown(state) frees the state when the last connection using
 *	that configuration is done.
 *
 * STATE
 *	Two levels, freed by the glue (STYLE.md 4).  A module keeps what it
 *	learns about a connection in *x->conn_data (freed by conn_free() at
 *	close) and about a message in *x->msg_data (freed by msg_free() at
 *	the end of the message, on abort, at the next MAIL FROM of the same
 *	connection and at close).  Either hook may be NULL; the glue sets
 *	the slot back to NULL after calling it.
 *
 *	Findings go to x->res.  At connect and HELO it is the module's
 *	result of the connection; at MAIL FROM the message's result starts
 *	as a copy of it, so a score found at connect (a DNSBL hit) counts
 *	for every message of the connection; from MAIL FROM on x->res is
 *	the message's result, which reaches the verdict at end of message.
 *
 * CALLBACKS
 *	connect, helo, mail, rcpt and eom each take a struct mod_ctx and
 *	return an enum mod_rc:
 *	    MOD_CONTINUE  go on (the normal case; findings go in x->res)
 *	    MOD_REJECT    refuse with x->out.reply (5xx)
 *	    MOD_TEMPFAIL  refuse with x->out.reply (4xx)
 *	    MOD_DISCARD   accept and drop silently (from MAIL FROM on)
 *	    MOD_ERROR     the module could not decide (DNS, clamd, store
 *	                  down...): the glue calls mod_on_error(), at
 *	                  every stage
 *	and may set x->out.reason (for the log line).  A refusal at rcpt
 *	refuses that recipient only; the others go on.  A refusal at
 *	connect or HELO is given by the MTA as it sees fit: a temporary
 *	one at the next MAIL FROM (Sendmail with its own "4.3.2" text), a
 *	reject as the MTA's own 554 greeting, without our text (Postfix "not
 *	accepting connections", Sendmail "not accepting messages"); see
 *	sluice(7), Postfix and Sendmail.  A module may answer
 *	at the stages where it has a callback; at the others the MTA was
 *	told not to wait for an answer (SMFIP_NR_*).
 *
 *	eom() sees the whole message: x->msg->raw ("Name: value\r\n"
 *	header lines as received, an empty line, then the body), the
 *	header list (sl_msg_header(), x->msg->hdrs) and the parsed MIME
 *	tree (sl_msg_mime()).  It may queue edits in x->ed.  The glue
 *	applies them through libmilter; when any MTA call fails the whole
 *	message is temporarily refused (never delivered unedited).  In
 *	sluice-milter the modules after it see the edited header list, the
 *	edited body and a MIME tree parsed again; x->msg->raw keeps the
 *	header block as received.
 *
 * ON ERROR
 *	mod_on_error() is the one path from "could not decide" to an
 *	answer.  It logs why (with the queue ID), adds the symbol
 *	<MODULE>_TEMPFAIL (or x->out.tempfail_symbol when the module set
 *	one, e.g. CONTENT_AV_TEMPFAIL) with the reason as its detail, and
 *	applies the section's on_error: tempfail (4xx "tempfail" reply),
 *	reject (5xx "error" reply) or accept (the message goes on, the
 *	symbol in its result says that a check did not run).  A module
 *	may call it itself for one failed check and go on when it answers
 *	MOD_CONTINUE.
 *
 * EDITS
 *	sl_edits_add_header() appends a header; sl_edits_insert_header()
 *	inserts one at index (0: at the top, before every header the
 *	milter saw: Authentication-Results, Received-SPF);
 *	sl_edits_change_header() replaces the index-th (1-based) header of
 *	that name; sl_edits_delete_header() removes it.  Deleting several
 *	headers of one name: delete from the highest index down, so that
 *	the indexes of the ones still to delete do not move (libmilter
 *	counts among the headers of that name as the MTA has them).
 *	sl_edits_replace_body() replaces the body.
 *
 * OWNERSHIP
 *	struct sl_conn, struct sl_msg and the result belong to the glue;
 *	modules read them and never free or keep pointers into them past
 *	the callback.  Strings given to sl_edits_* are copied.  The data
 *	in the slots belongs to the module until its free hook runs.
 */
#ifndef SLUICE_MODULE_H
#define SLUICE_MODULE_H

#include <stddef.h>

#include "cfg.h"
#include "clock.h"
#include "reply.h"
#include "result.h"
#include "util.h"

struct mime_tree;
struct dns;
struct spf;
struct store;
struct inside;
struct common_conf;

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
#define MOD_EV_HEADER 0x10 /* the header list (and raw's header block) */
#define MOD_EV_BODY 0x20   /* the body: raw, and the MIME tree */
#define MOD_EV_EOM 0x40
#define MOD_EV_SIZE 0x80   /* msg->size at eom (the MTA sends the header
                              and body; nothing is buffered for it) */

/* Shared services a module needs (struct module.needs). */
#define MOD_NEED_DNS 0x01   /* env->dns (and env->spf) */
#define MOD_NEED_STORE 0x02 /* env->store */

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

/* What the worker shares with every module of one configuration. */
struct sl_env {
    const struct cfg *cfg;
    const struct common_conf *cc;
    const struct inside *inside; /* local_domains, internal_networks */
    struct dns *dns;             /* NULL unless a module needs DNS */
    struct spf *spf;             /* with dns */
    struct store *store;         /* NULL unless a module needs the store */
};

/* The SMTP connection, from the MTA's macros (sluice(7)). */
struct sl_conn {
    char *client_addr;  /* "192.0.2.7", "2001:db8::1"; "" when unknown */
    int client_port;    /* from the connect sockaddr; 0 when unknown */
    char *client_name;  /* verified reverse name, or "unknown" */
    char *client_ptr;   /* {client_ptr}: unverified PTR name, or NULL */
    char *helo;         /* NULL before HELO */
    char *mta_name;     /* {j}: the MTA's own name, or NULL */
    char *daemon_name;  /* {daemon_name}, or NULL */
    char *daemon_addr;  /* {daemon_addr} or {if_addr}, or NULL */
    char *tls_version;  /* {tls_version}; NULL: no TLS */
    char *cipher;       /* {cipher} */
    char *cert_subject; /* {cert_subject} */
    char *auth_type;    /* {auth_type} of the last MAIL FROM, or NULL */
    char *auth_user;    /* {auth_authen} of the last MAIL FROM, or NULL */
    struct deadline dns_budget; /* for checks before MAIL FROM */
    unsigned long id;           /* connection number, for debug logs */
};

/* One header as the MTA gave it; index counts headers of that name. */
struct sl_header {
    char *name;
    char *value; /* without the blank after the colon */
    int index;   /* 1-based among headers of this name */
};

struct sl_msg {
    const struct sl_conn *conn;
    char *qid;       /* the MTA's queue ID ({i}); "NOQUEUE" until known */
    char *from;      /* envelope sender without <>; "" for null sender */
    char **rcpts;    /* accepted envelope recipients without <> */
    size_t nrcpts;
    char *auth_user; /* {auth_authen}, or NULL */
    struct sl_header *hdrs; /* MOD_EV_HEADER */
    size_t nhdrs;
    size_t hdr_lines; /* header lines the MTA sent (even past the limit) */
    size_t hdr_bytes;
    int hdr_over;     /* more than max_header_lines/_bytes */
    struct strbuf raw; /* MOD_EV_BODY: "Name: value\r\n"... "\r\n" body */
    size_t body_off;   /* offset of the body in raw */
    size_t size;       /* bytes of the message as received */
    int truncated;     /* raw holds only the first raw.limit bytes */
    struct deadline dns_budget; /* from MAIL FROM */
    struct mime_tree *mime;     /* see sl_msg_mime() */
    int mime_tried;
};

struct mod_out {
    struct reply reply;
    const char *reason; /* static or module-owned until the next call */
    char reason_buf[256];
    const char *tempfail_symbol; /* for mod_on_error(); NULL: default */
};

struct sl_hdr_edit {
    int op; /* SL_HDR_ADD, SL_HDR_INSERT, SL_HDR_CHANGE */
    char *name;
    char *value; /* NULL with SL_HDR_CHANGE: delete */
    int index;   /* INSERT: position (0 = top); CHANGE: 1-based */
};

#define SL_HDR_ADD 0
#define SL_HDR_INSERT 1
#define SL_HDR_CHANGE 2

struct sl_edits {
    struct sl_hdr_edit *hdr;
    size_t nhdr;
    char *body; /* new body, or NULL */
    size_t body_len;
};

struct module;

/* What one callback of one module sees. */
struct mod_ctx {
    const struct module *mod;
    void *state;              /* from setup() */
    const struct sl_env *env; /* shared services */
    struct sl_conn *conn;
    struct sl_msg *msg;       /* NULL at connect and HELO */
    const char *rcpt;         /* rcpt(): the recipient, without <> */
    void **conn_data;         /* the module's per-connection slot */
    void **msg_data;          /* the module's per-message slot (NULL
                                 before MAIL FROM) */
    struct result *res;       /* where findings go */
    struct sl_edits *ed;      /* eom() only */
    struct mod_out out;
};

struct module {
    const char *name;
    const struct cfg_section *section;
    const struct reply_template *replies; /* ends with {NULL}; may be NULL */
    unsigned events;       /* MOD_EV_* it needs (its callbacks' stages
                              are added by the glue) */
    unsigned needs;        /* MOD_NEED_* */
    /* The services this configuration needs (e.g. the store only when
     * a feature that keeps state is on); NULL: .needs. */
    unsigned (*needs_of)(const void *state);
    int (*setup)(const struct cfg *cfg, void **state_r,
                 struct cfg_errors *errs);
    int (*start)(void *state, const struct sl_env *env, const char **error_r);
    void (*teardown)(void *state);
    void (*conn_free)(void *state, void *conn_data);
    void (*msg_free)(void *state, void *msg_data);
    enum mod_rc (*connect)(struct mod_ctx *x);
    enum mod_rc (*helo)(struct mod_ctx *x);
    enum mod_rc (*mail)(struct mod_ctx *x);
    enum mod_rc (*rcpt)(struct mod_ctx *x);
    enum mod_rc (*eom)(struct mod_ctx *x);
};

void sl_edits_add_header(struct sl_edits *e, const char *name,
                         const char *value);
void sl_edits_insert_header(struct sl_edits *e, int index, const char *name,
                            const char *value);
void sl_edits_change_header(struct sl_edits *e, const char *name, int index,
                            const char *value);
void sl_edits_delete_header(struct sl_edits *e, const char *name, int index);
void sl_edits_replace_body(struct sl_edits *e, const char *body, size_t len);
void sl_edits_free(struct sl_edits *e);

/*
 * The nth (1-based) header called name (case-insensitive), or NULL.
 * sl_msg_header_count() is how many there are.
 */
const struct sl_header *sl_msg_header(const struct sl_msg *m,
                                      const char *name, int nth);
int sl_msg_header_count(const struct sl_msg *m, const char *name);

/*
 * The message's MIME tree (mime.h), parsed from raw on the first call
 * of the message (with [common]'s mime_* bounds) and kept until the
 * message ends or a module edits the body; NULL with *error_r when the
 * message could not be parsed at all.
 */
const struct mime_tree *sl_msg_mime(struct sl_msg *m,
                                    const struct common_conf *cc,
                                    const char **error_r);

/* Set x->out.reply from a template for rcpt's language (see reply.h). */
void mod_reply(struct mod_out *out, const struct cfg *cfg, const char *rcpt,
               const char *reason, const struct reply_arg *args,
               size_t nargs);

/* The recipient whose language a reply uses: x->rcpt, else the first. */
const char *mod_reply_rcpt(const struct mod_ctx *x);

/* The on_error path; see ON ERROR.  reason: why (logged, symbol detail). */
enum mod_rc mod_on_error(struct mod_ctx *x, const char *reason);

/*
 * Running modules outside libmilter (unit tests, sluicectl):
 * sl_env_open() fills an env for a loaded configuration (who is inside;
 * no services: dns, spf and store are NULL unless the caller opens
 * them), 0 or -1 with errs; sl_env_close() frees what it made.
 * mod_ctx_init() makes the context of one callback.
 */
int sl_env_open(struct sl_env *env, const struct cfg *cfg,
                struct cfg_errors *errs);
void sl_env_close(struct sl_env *env);
void mod_ctx_init(struct mod_ctx *x, const struct module *mod, void *state,
                  const struct sl_env *env, struct sl_conn *conn,
                  struct sl_msg *msg, struct result *res,
                  struct sl_edits *ed);

/*
 * mod_request_reload() asks the running worker to reload its
 * configuration, as SIGUSR1 does (build, check, swap; a configuration
 * that fails keeps the running one): for a module that watches files of
 * its own (rules, indicator sets).  It returns 0, or -1 outside a milter
 * worker (tests, tools), where it does nothing.  The glue calls
 * mod_reload_enable() once its reload thread runs.
 */
int mod_request_reload(void);
void mod_reload_enable(void);

/*
 * For tools and tests that run modules on a message from a file:
 * sl_msg_from_raw() fills m as the milter glue would (raw in its form:
 * "Name: value\r\n" header lines, folded lines kept, an empty line, the
 * body with CRLF line ends; body_off; size; the header list with each
 * header's index).  sl_msg_clear() frees what it made and the MIME tree;
 * the envelope (conn, qid, from, rcpts, auth_user) stays the caller's.
 */
void sl_msg_from_raw(struct sl_msg *m, const char *raw, size_t len);
void sl_msg_clear(struct sl_msg *m);

/* The queue ID for log lines: the message's, or "NOQUEUE". */
const char *mod_qid(const struct mod_ctx *x);

#endif
