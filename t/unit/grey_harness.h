/*
 * grey_harness - sluice-grey's module run outside libmilter, for the unit
 * tests: a configuration written to a file, a store of either backend,
 * and SMTP sessions driven stage by stage (connect, MAIL, RCPT, end of
 * message) through the module's callbacks with the glue's rules (the
 * on_error path, the slots and their free hooks).
 *
 *	gh_open(h, dir, store, common, grey)  load "[common]\n<common>\n
 *	        [grey]\n<grey>" (dir/N.conf), set grey up, open the env with
 *	        the given store; 0 or -1 (diagnosed)
 *	gh_close(h)
 *	gh_conn(h, s, ip)                     connect; the answer
 *	gh_mail(s, from, auth_user)           MAIL FROM
 *	gh_rcpt(s, rcpt)                      RCPT TO: an accepted recipient
 *	                                      joins the message
 *	gh_eom(s, size)                       end of message; s->ed holds
 *	                                      the edits, s->res the result
 *	gh_end(s)                             the message's state freed
 *	gh_close_conn(s)                      close the session
 *	s->out holds the last answer's reply and reason; gh_reply(s) is
 *	"CODE XCODE TEXT".
 *	gh_write(dir, name, text)             a file (a map) in dir; its path
 */
#ifndef SLUICE_GREY_HARNESS_H
#define SLUICE_GREY_HARNESS_H

#include "cfg.h"
#include "grey.h"
#include "module.h"
#include "result.h"

struct gh {
    struct cfg *cfg;
    void *state;
    struct sl_env env;
};

struct gh_sess {
    struct gh *h;
    struct sl_conn conn;
    struct sl_msg msg;
    void *conn_data, *msg_data;
    struct result cres, mres;
    struct sl_edits ed;
    struct mod_out out;
    int in_msg;
    char reply[600];
};

int gh_open(struct gh *h, const char *dir, struct store *s, const char *common,
            const char *grey);
void gh_close(struct gh *h);
const char *gh_write(const char *dir, const char *name, const char *text);

enum mod_rc gh_conn(struct gh *h, struct gh_sess *s, const char *ip);
enum mod_rc gh_mail(struct gh_sess *s, const char *from, const char *auth);
enum mod_rc gh_rcpt(struct gh_sess *s, const char *rcpt);
enum mod_rc gh_eom(struct gh_sess *s, size_t size);
void gh_end(struct gh_sess *s);
void gh_close_conn(struct gh_sess *s);
const char *gh_reply(struct gh_sess *s);
/* The value of header name in the edits, or NULL. */
const char *gh_added(const struct gh_sess *s, const char *name);

#endif
