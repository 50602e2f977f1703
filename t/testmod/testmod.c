/*
 * testmod - a test-only module (never installed) that exercises every
 * stage and both state levels of the module interface (module.h).
 *
 * Behaviour, keyed on what the test sends:
 *   connect  keeps per-connection state (the client, a message counter);
 *            a client 192.0.2.66 is refused (550); 192.0.2.67 fails
 *            (MOD_ERROR: the on_error path at connect)
 *   helo     "error.test" fails (on_error at HELO)
 *   mail     allocates per-message state; sender "fail@..." fails
 *            (on_error at MAIL); "refuse@..." is refused (550)
 *   rcpt     a recipient whose local part starts with "refuse" is refused
 *            (550 5.1.1, that recipient only), "defer" deferred (451
 *            4.2.1), "fail" fails (on_error at RCPT); the others counted
 *   eom      TEST_MODULE (1.0) always; TEST_SCORE (N) for a header
 *            "X-Testmod-Score: N"; TEST_STATE (0) with detail
 *            "msg<K>-rcpts<N>" where K counts the messages of this
 *            connection and N the recipients this message's state saw;
 *            a header "X-Testmod-Fail: yes" fails (on_error at EOM);
 *            TEST_CONN (0) names macros the MTA gave: {j}, whether a
 *            client port is known, {auth_authen}, {tls_version}.
 *            TEST_STATE_LEAK (100) when the per-message state is not the
 *            one made for this message's sender: state carried over.
 *            With [testmod] store_counter = yes it counts the messages of
 *            each sender in the store (TEST_STORE (0) with the count as
 *            detail); a store that fails is the on_error path.
 * With attach loaded beside it, the chained and the all-in-one
 * deployments must agree on sums, forced actions and header trust.  Its
 * section [testmod] has only the keys every module has; only the test
 * programs know it (the lab gives them their own configuration file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store.h"
#include "testmod.h"

struct testmod_conf {
    struct mod_conf mc;
    int store_counter;
};

struct tm_conn {
    char *client;
    int nmsgs;
};

struct tm_msg {
    char *from;
    int nrcpts;
};

static const struct cfg_key testmod_keys[] = {
    MOD_CONF_KEYS(struct testmod_conf, "testmod"),
    {"store_counter", CFG_BOOL, "no", 0, 0,
     offsetof(struct testmod_conf, store_counter), NULL,
     "Count each sender's messages in the store (TEST_STORE)."},
    {NULL},
};

static const struct cfg_section testmod_section = {
    "testmod", testmod_keys, sizeof(struct testmod_conf)};

static const struct reply_template testmod_replies[] = {
    {"testmod_refuse",
     "550",
     "5.1.1",
     {"Recipient refused by a test rule.", "Mottagaren avvisad av en testregel.",
      "Vastaanottaja hylätty testisäännön perusteella."}},
    {"testmod_defer",
     "451",
     "4.2.1",
     {"Recipient deferred by a test rule.",
      "Mottagaren fördröjd av en testregel.",
      "Vastaanottaja viivästetty testisäännön perusteella."}},
    {"test_module",
     "550",
     "5.7.1",
     {"Refused by a test rule.", "Avvisat av en testregel.",
      "Hylätty testisäännön perusteella."}},
    {"test_score",
     "550",
     "5.7.1",
     {"Refused by a test rule.", "Avvisat av en testregel.",
      "Hylätty testisäännön perusteella."}},
    {NULL, NULL, NULL, {NULL, NULL, NULL}},
};

static int testmod_setup(const struct cfg *cfg, void **state_r,
                         struct cfg_errors *errs)
{
    *state_r = (void *)cfg_section(cfg, "testmod");
    return 0;
}

static unsigned testmod_needs(const void *state)
{
    const struct testmod_conf *c = state;

    return c && c->store_counter ? MOD_NEED_STORE : 0;
}

static enum mod_rc testmod_fail(struct mod_ctx *x, const char *why)
{
    x->out.reason = why;
    return MOD_ERROR;
}

static enum mod_rc testmod_refuse(struct mod_ctx *x, const char *tpl,
                                  enum mod_rc rc, const char *why)
{
    mod_reply(&x->out, x->env->cfg, mod_reply_rcpt(x), tpl, NULL, 0);
    x->out.reason = why;
    return rc;
}

static void testmod_conn_free(void *state, void *data)
{
    struct tm_conn *c = data;

    free(c->client);
    free(c);
}

static void testmod_msg_free(void *state, void *data)
{
    struct tm_msg *m = data;

    free(m->from);
    free(m);
}

static enum mod_rc testmod_connect(struct mod_ctx *x)
{
    struct tm_conn *c = xcalloc(1, sizeof(*c));

    if (*x->conn_data != NULL)
        testmod_conn_free(x->state, *x->conn_data);
    c->client = xstrdup(x->conn->client_addr);
    *x->conn_data = c;
    if (strcmp(c->client, "192.0.2.66") == 0)
        return testmod_refuse(x, "test_module", MOD_REJECT, "client refused");
    if (strcmp(c->client, "192.0.2.67") == 0)
        return testmod_fail(x, "test failure at connect");
    return MOD_CONTINUE;
}

static enum mod_rc testmod_helo(struct mod_ctx *x)
{
    if (x->conn->helo && strcmp(x->conn->helo, "error.test") == 0)
        return testmod_fail(x, "test failure at HELO");
    return MOD_CONTINUE;
}

static enum mod_rc testmod_mail(struct mod_ctx *x)
{
    struct tm_conn *c = *x->conn_data;
    struct tm_msg *m;

    if (*x->msg_data != NULL) /* the glue must have freed the last one */
        return testmod_fail(x, "message state carried over");
    m = xcalloc(1, sizeof(*m));
    m->from = xstrdup(x->msg->from);
    *x->msg_data = m;
    if (c != NULL)
        c->nmsgs++;
    if (strncasecmp(x->msg->from, "fail@", 5) == 0)
        return testmod_fail(x, "test failure at MAIL FROM");
    if (strncasecmp(x->msg->from, "refuse@", 7) == 0)
        return testmod_refuse(x, "test_module", MOD_REJECT, "sender refused");
    return MOD_CONTINUE;
}

static enum mod_rc testmod_rcpt(struct mod_ctx *x)
{
    struct tm_msg *m = *x->msg_data;

    if (strncasecmp(x->rcpt, "refuse", 6) == 0)
        return testmod_refuse(x, "testmod_refuse", MOD_REJECT,
                              "recipient refused");
    if (strncasecmp(x->rcpt, "defer", 5) == 0)
        return testmod_refuse(x, "testmod_defer", MOD_TEMPFAIL,
                              "recipient deferred");
    if (strncasecmp(x->rcpt, "fail", 4) == 0)
        return testmod_fail(x, "test failure at RCPT TO");
    if (m != NULL)
        m->nrcpts++;
    return MOD_CONTINUE;
}

/* What the MTA told us about the connection (the macros the glue asks
 * for): TEST_CONN with detail "j=NAME/port=SET/auth=USER/tls=VERSION". */
static void testmod_macros(struct mod_ctx *x)
{
    const struct sl_conn *c = x->conn;
    char d[256];

    snprintf(d, sizeof(d), "j=%s/port=%s/auth=%s/tls=%s",
             c->mta_name ? c->mta_name : "-", c->client_port > 0 ? "set" : "-",
             x->msg->auth_user ? x->msg->auth_user : "-",
             c->tls_version ? c->tls_version : "-");
    result_add(x->res, "TEST_CONN", 0, d);
}

static enum mod_rc testmod_eom(struct mod_ctx *x)
{
    const struct sl_header *h = sl_msg_header(x->msg, "X-Testmod-Score", 1);
    const struct sl_header *f = sl_msg_header(x->msg, "X-Testmod-Fail", 1);
    struct tm_conn *c = *x->conn_data;
    struct tm_msg *m = *x->msg_data;
    char detail[64];

    result_add(x->res, "TEST_MODULE", 1.0, NULL);
    if (h != NULL)
        result_add(x->res, "TEST_SCORE", strtod(h->value, NULL), "header");
    if (m == NULL || strcmp(m->from, x->msg->from) != 0)
        result_add(x->res, "TEST_STATE_LEAK", 100, m ? m->from : "none");
    snprintf(detail, sizeof(detail), "msg%d-rcpts%d", c ? c->nmsgs : 0,
             m ? m->nrcpts : -1);
    result_add(x->res, "TEST_STATE", 0, detail);
    testmod_macros(x);
    if (f != NULL && strcasecmp(f->value, "yes") == 0)
        return testmod_fail(x, "test failure at end of message");
    if (testmod_needs(x->state) & MOD_NEED_STORE) {
        char key[600], count[32];
        const char *err;
        long long n;

        snprintf(key, sizeof(key), "testmod/%s", x->msg->from);
        if (store_incr(x->env->store, key, 1, 3600, &n, &err) != STORE_OK)
            return testmod_fail(x, err);
        snprintf(count, sizeof(count), "%lld", n);
        result_add(x->res, "TEST_STORE", 0, count);
    }
    return MOD_CONTINUE;
}

const struct module testmod_module = {
    .name = "testmod",
    .section = &testmod_section,
    .replies = testmod_replies,
    .events = MOD_EV_HEADER | MOD_EV_EOM,
    .needs_of = testmod_needs,
    .setup = testmod_setup,
    .conn_free = testmod_conn_free,
    .msg_free = testmod_msg_free,
    .connect = testmod_connect,
    .helo = testmod_helo,
    .mail = testmod_mail,
    .rcpt = testmod_rcpt,
    .eom = testmod_eom,
};
