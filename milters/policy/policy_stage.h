/*
 * policy_stage - the stage callbacks of sluice-policy (private to
 * milters/policy).  policy_stage_conn.c: connect, HELO, RCPT and the
 * access-map helpers; policy_stage_msg.c: MAIL FROM and end of message.
 * See policy_module.c for the order of the checks.
 */
#ifndef SLUICE_POLICY_STAGE_H
#define SLUICE_POLICY_STAGE_H

#include "policy.h"

enum mod_rc policy_connect(struct mod_ctx *x);
enum mod_rc policy_helo(struct mod_ctx *x);
enum mod_rc policy_mail(struct mod_ctx *x);
enum mod_rc policy_rcpt(struct mod_ctx *x);
enum mod_rc policy_eom(struct mod_ctx *x);

struct policy_conn *policy_conn_get(struct mod_ctx *x);
/* Look key up in access map m: symbols for OK/SCORE/REJECT/TEMPFAIL;
 * ACCESS_ERROR with x->out.reason set. */
enum access_kind policy_access(struct mod_ctx *x, struct map *m,
                               const char *key, const char *what,
                               struct access_value *v);
/* Refuse with an access value (REJECT or TEMPFAIL). */
enum mod_rc policy_access_refuse(struct mod_ctx *x,
                                 const struct access_value *v,
                                 const char *what);
/* MOD_ERROR with a reason (for a missing resolver and the like). */
enum mod_rc policy_fail(struct mod_ctx *x, const char *why);

#endif
