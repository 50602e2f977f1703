/*
 * milter_int.h - private to milter.c, milter_cb.c and milter_eom.c.
 *
 * A struct runtime is one loaded configuration with every module's
 * state: built and validated completely before it is published, then
 * pinned by each message with runtime_acquire() and dropped with
 * runtime_release(); the last release tears it down.
 *
 * struct conn_ctx is per SMTP connection (freed in close); its
 * struct msg_ctx is per message (reset by msg_reset() from both eom and
 * abort, and at the next MAIL FROM).
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
};

struct milter_app {
    const char *progname;
    const struct module *const *mods;
    size_t nmods;
    int allinone;
    unsigned events;       /* union of the modules' MOD_EV_* */
    unsigned reply_events; /* union of the modules' reply_events */
};

extern struct milter_app milter_app;

struct runtime *runtime_acquire(void);
void runtime_release(struct runtime *rt);

struct msg_ctx {
    struct sl_msg m;
    char **results; /* values of X-Sluice-Result headers, in order */
    size_t nresults;
    int nverdict;   /* X-Sluice-Verdict headers seen */
    int nspamflag, nspamstatus;
    char *subject;
    int in_body;
};

struct conn_ctx {
    struct runtime *rt;
    struct sl_conn conn;
    struct msg_ctx msg;
};

void msg_reset(struct msg_ctx *mc);
extern struct smfiDesc milter_desc;
sfsistat milter_eom(SMFICTX *ctx);
void milter_reply(SMFICTX *ctx, const struct reply *r);

#endif
