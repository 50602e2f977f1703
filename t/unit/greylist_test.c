/*
 * greylist_test - libcommon's greylist.c: client networks, and the
 * enforcer's greylist action remembered in a real sqlite store with the
 * fake clock (the first time deferred, a retry before greylist_delay
 * deferred again, after it passed; another body, sender, recipient set
 * or network is another message; the recipients' order does not matter;
 * a store that fails is GREYLIST_ERROR), and when an enforcer needs the
 * store.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "common.h"
#include "greylist.h"
#include "module.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static struct common_conf cc;

struct m {
    struct sl_conn conn;
    struct sl_msg msg;
    char *rcpts[3];
};

static void mk(struct m *x, const char *ip, const char *from,
               const char *r1, const char *r2, const char *body)
{
    memset(x, 0, sizeof(*x));
    x->conn.client_addr = (char *)ip;
    x->msg.conn = &x->conn;
    x->msg.from = (char *)from;
    x->rcpts[0] = (char *)r1;
    x->rcpts[1] = (char *)r2;
    x->msg.rcpts = x->rcpts;
    x->msg.nrcpts = r2 ? 2 : 1;
    strbuf_init(&x->msg.raw, 0);
    strbuf_puts(&x->msg.raw, "Subject: x\r\n\r\n");
    x->msg.body_off = x->msg.raw.len;
    strbuf_puts(&x->msg.raw, body);
}

static enum greylist_rc gl(struct store *s, const char *ip, const char *from,
                           const char *r1, const char *r2, const char *body,
                           struct greylist_out *o)
{
    struct m x;
    const char *err = NULL;
    enum greylist_rc rc;

    mk(&x, ip, from, r1, r2, body);
    rc = greylist_message(s, &cc, &x.msg, clock_wall(), o, &err);
    if (rc == GREYLIST_ERROR)
        diag("error: %s", err ? err : "(none)");
    strbuf_free(&x.msg.raw);
    return rc;
}

static void memory(struct store *s)
{
    struct greylist_out o;

    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_DEFER, "the greylist action: deferred the first time");
    is_int(o.retry_in, 300, "retry in 300 s (greylist_delay)");
    ok(strncmp(o.key, "grey/m/", 7) == 0 && strlen(o.key) == 7 + 64,
       "key grey/m/ and 64 hex digits: %s", o.key);
    clock_fake_advance(120);
    is_int(gl(s, "192.0.2.99", "a@x.org", "c@y.net", "b@y.net", "body\r\n", &o),
           GREYLIST_DEFER,
           "its retry after 120 s (another address of the /24, recipients in "
           "another order): deferred again");
    is_int(o.retry_in, 180, "180 s left");
    clock_fake_advance(180);
    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_PASS, "after greylist_delay: the same message passes");
    is_int(o.delayed, 300, "delayed 300 s");
    clock_fake_advance(3600);
    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_PASS, "sent again an hour later: still passes");
    is_int(o.delayed, 300, "still delayed 300 s (the time of the first pass)");
    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", "c@y.net", "other\r\n", &o),
           GREYLIST_DEFER, "another body: another message");
    is_int(gl(s, "192.0.2.7", "z@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_DEFER, "another sender: another message");
    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", NULL, "body\r\n", &o),
           GREYLIST_DEFER, "other recipients: another message");
    is_int(gl(s, "198.51.100.7", "a@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_DEFER, "another network: another message");
    clock_fake_advance(2 * 86400);
    is_int(gl(s, "192.0.2.7", "a@x.org", "b@y.net", "c@y.net", "body\r\n", &o),
           GREYLIST_DEFER, "after greylist_retry_window: forgotten");
}

static void failing(const char *path)
{
    struct store_conf c;
    struct store *s;
    struct greylist_out o;
    const char *err;
    sqlite3 *db;

    fx_sqlite_conf(&c, path);
    c.timeout_ms = 100;
    if (store_open(&c, &s, &err) != STORE_OK) {
        ok(0, "store: %s", err);
        return;
    }
    sqlite3_open(path, &db);
    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
    is_int(gl(s, "192.0.2.7", "new@x.org", "b@y.net", NULL, "b\r\n", &o),
           GREYLIST_ERROR, "a locked store: GREYLIST_ERROR, never a pass");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    store_close(s);
}

int main(void)
{
    const char *dir = fx_tmpdir("greylist"), *err;
    struct store_conf c;
    struct store *s;
    char path[512];
    char *force[] = {"VIRUS=reject", "SUSPECT=greylist"};

    cc.greylist_delay = 300;
    cc.greylist_retry_window = 2 * 86400;
    snprintf(path, sizeof(path), "%s/gl.db", dir);
    fx_sqlite_conf(&c, path);
    if (store_open(&c, &s, &err) != STORE_OK)
        return ok(0, "store: %s", err), done_testing();
    clock_fake_set(1800000000, 1000);
    memory(s);
    clock_fake_off();
    store_close(s);
    failing(path);
    ok(!greylist_needs_store(&cc), "no greylist action: no store needed");
    cc.force_actions.v = force;
    cc.force_actions.n = 1;
    ok(!greylist_needs_store(&cc), "force_actions without greylist: none");
    cc.force_actions.n = 2;
    ok(greylist_needs_store(&cc), "a forced greylist: the store is needed");
    cc.force_actions.n = 0;
    cc.score_greylist = 6;
    ok(greylist_needs_store(&cc), "score_greylist > 0: the store is needed");
    fx_cleanup();
    return done_testing();
}
