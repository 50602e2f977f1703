/*
 * policy_harness - runs sluice-policy's callbacks as the milter glue
 * would (per-connection and per-message slots, the message result copied
 * from the connection's at MAIL FROM), against the resolver of
 * $SLUICE_DNS_SERVER (t/lib/dnstest.sh), for policy_dns_test and
 * policy_dkim_test.
 *
 *	ph_open(h, extra)      [common] + [policy] with the extra lines
 *	ph_connect(s, h, ip, helo)
 *	ph_message(s, from, rcpts, text, &r)   MAIL, every RCPT, end of message
 *	ph_close...
 *
 * A message text is "Name: value\n" header lines (continuations start
 * with a blank), an empty line, the body; it becomes raw with CRLF and
 * the header list.
 */
#ifndef POLICY_HARNESS_H
#define POLICY_HARNESS_H

#include "policy.h"

struct ph {
    struct cfg *cfg;
    struct sl_env env;
    void *state;
    char dir[64];
};

struct ph_sess {
    struct ph *h;
    struct sl_conn conn;
    void *conn_data;
    struct result res; /* the connection's */
    enum mod_rc rc;    /* of connect/HELO */
};

struct ph_msg {
    enum mod_rc rc;      /* the first refusal, or MOD_CONTINUE */
    const char *stage;   /* "mail", "rcpt", "eom", or "" */
    struct reply reply;  /* of that refusal */
    int rcpt_refused[8]; /* per recipient: the rc */
    size_t naccepted;
    struct result res;
    struct sl_edits ed;
    char *ar;            /* our Authentication-Results value, or NULL */
    int deleted_ar;      /* forged A-R headers deleted */
};

void ph_init(void);
struct dns *ph_dns(const char *server_env);
int ph_open(struct ph *h, const char *extra);
void ph_close(struct ph *h);
/* A file in the tests' directory (maps; kept until exit): its path. */
const char *ph_file(struct ph *h, const char *name, const char *text);
const char *ph_dir(void);

void ph_connect(struct ph_sess *s, struct ph *h, const char *ip,
                const char *helo);
void ph_message(struct ph_sess *s, const char *from,
                const char *const *rcpts, const char *text,
                struct ph_msg *r);
void ph_msg_free(struct ph_msg *r);
void ph_disconnect(struct ph_sess *s);

void ph_build(struct sl_msg *m, const char *text);
void ph_free_msg(struct sl_msg *m);

int ph_has(const struct result *r, const char *sym);

#endif
