/*
 * milter_int.h - private to milter*.c.
 *
 * A struct runtime is one loaded configuration with every module's
 * state and the shared services (struct sl_env): built and validated
 * completely, started in the worker, then published; pinned by each
 * milter connection with runtime_acquire() and dropped with
 * runtime_release(); the last release tears it down.
 *
 * struct conn_ctx is per milter connection (one SMTP session; freed in
 * close).  It holds the flags negotiated with the MTA for this
 * connection, the connection's macros (struct sl_conn), each module's
 * slots (its per-connection and per-message data and its results), and
 * the message (struct msg_ctx) reset by msg_reset() at MAIL FROM, at
 * end of message, on abort and at close.
 */
#ifndef SLUICE_MILTER_INT_H
#define SLUICE_MILTER_INT_H

#include <libmilter/mfapi.h>

#include "cfg.h"
#include "common.h"
#include "module.h"
#include "result.h"

#define MILTER_MAX_MODS 8

struct runtime {
    int refs; /* atomic */
    struct cfg *cfg;
    const struct common_conf *cc;
    struct secret cur, prev;
    void *state[MILTER_MAX_MODS];
    int enforce;
    struct sl_env env;
    struct inside *inside;
    struct milter_services *sv; /* NULL until runtime_start() */
};

struct milter_app {
    const char *progname;
    const struct module *const *mods;
    size_t nmods;
    int allinone;
    unsigned events;       /* union of the modules' MOD_EV_* and stages */
};

extern struct milter_app milter_app;

struct runtime *runtime_acquire(void);
void runtime_release(struct runtime *rt);

/* milter_env.c: the worker's shared services (resolver, SPF, store),
 * kept across reloads while their settings do not change. */
int milter_services_attach(struct runtime *rt, const char **error_r);
void milter_services_release(struct milter_services *sv);

struct mod_slot {
    void *conn_data;
    void *msg_data;
    struct result cres; /* findings at connect and HELO */
    struct result mres; /* this message's findings */
};

/* How many headers of each name were kept (for sl_header.index). */
#define HDR_BUCKETS 64
struct hdr_count {
    struct hdr_count *next;
    int n;
    char name[]; /* lower case */
};

struct msg_ctx {
    struct sl_msg m;
    struct hdr_count *hcount[HDR_BUCKETS];
    int active;  /* between MAIL FROM and the end of the message */
    int in_body;
};

struct conn_ctx {
    struct runtime *rt;
    struct sl_conn conn;
    struct msg_ctx msg;
    struct mod_slot slot[MILTER_MAX_MODS];
    unsigned nr_flags; /* SMFIP_NR_* agreed with the MTA */
    int leadspc;       /* SMFIP_HDR_LEADSPC agreed */
    int postfix;       /* the MTA is Postfix ({v}), else Sendmail: see
                        * eom_hdr_insert() and hdrs_apply() */
    unsigned events;   /* MOD_EV_* the MTA agreed to send */
    int broken;        /* the MTA refused an action we need */
};

/* One end of message (milter_eom.c, milter_enforce.c). */
struct eom_run {
    SMFICTX *ctx;
    struct conn_ctx *cc;
    struct sl_msg *m;
    struct result hres[MILTER_MAX_MODS]; /* verified from headers */
    size_t nhres;
    struct result core; /* SLUICE_* symbols of the enforcer itself */
    int failed;         /* an MTA call failed: tempfail */
};

sfsistat milter_enforce(struct eom_run *er);
struct verdict;
/* milter_quarantine.c: hold in quarantine_dir, then discard (or 4xx). */
sfsistat milter_quarantine(struct eom_run *er, const struct verdict *v,
                           const char *hdr, struct mod_out *out);
/* Header edits at the MTA, "Name: value" whatever was negotiated
 * (value NULL in eom_hdr_change: delete).  libmilter's status. */
int eom_hdr_add(struct eom_run *er, const char *name, const char *value);
int eom_hdr_insert(struct eom_run *er, int index, const char *name,
                   const char *value);
int eom_hdr_change(struct eom_run *er, const char *name, int index,
                   const char *value);
/* Add this milter's signed X-Sluice-Result; 0, or -1 (er->failed). */
int eom_add_result(struct eom_run *er);
const char *eom_first_rcpt(const struct sl_msg *m);
void eom_reply(struct eom_run *er, struct reply *r, const char *reason,
               const struct reply_arg *args, size_t nargs);
/* 1 when rc is MI_SUCCESS; else logs, marks the message failed, 0. */
int eom_mta_ok(struct eom_run *er, int rc, const char *what,
               const char *name);
sfsistat eom_mta_failed(struct eom_run *er, const char *milter);
void eom_summary(struct eom_run *er, const char *milter, const char *action,
                 double score, const char *symbols, const char *reason);

void msg_reset(struct conn_ctx *cc);
/* With debug = yes: log the macros the MTA has sent by this stage. */
void milter_macros_debug(SMFICTX *ctx, const char *qid, const char *stage);
unsigned milter_answer_events(void);
/* The events to ask the MTA for: the modules' and the answers' stages. */
unsigned milter_mods_events(const struct module *const *mods, size_t n);

/* milter_mods.c: sluice-milter's [common] modules. */
void milter_mods_init(const struct module *const *mods, size_t nmods);
int milter_mods_select(const struct cfg *c, struct cfg_errors *errs);
void milter_mods_note(const struct cfg *c);
void milter_mods_log(void);
struct mod_ctx milter_mod_ctx(struct conn_ctx *cc, size_t i, int in_msg);
extern struct smfiDesc milter_desc;
/* milter_neg.c: the xxfi_negotiate callback. */
sfsistat milter_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1,
                          unsigned long f2, unsigned long f3,
                          unsigned long *pf0, unsigned long *pf1,
                          unsigned long *pf2, unsigned long *pf3);
sfsistat milter_eom(SMFICTX *ctx);
/* 552 5.3.4 for a header over max_header_lines/_bytes (logged). */
sfsistat milter_refuse_headers(SMFICTX *ctx);
/* 0, or -1 (logged) when the MTA refused the reply. */
int milter_reply(SMFICTX *ctx, const char *qid, const struct reply *r);
/* Log one refusal before end of message (the summary line). */
void milter_log_refusal(struct conn_ctx *cc, const char *milter,
                        const char *action, const struct result *res,
                        const char *reason, const char *rcpt);

#endif
