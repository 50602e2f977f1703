/*
 * grey_module_test - sluice-grey's greylisting through its callbacks, on
 * sqlite and on Redis (t/unit/store_run.sh starts the servers), with the
 * fake clock: per-recipient 451 with the seconds to wait (localised), a
 * retry too early, the pass after the delay with X-Greylist, known
 * triplets, auto-whitelisting, exemptions (authenticated, internal, maps),
 * the null sender deferred after DATA, greylist_recipients, and a store
 * that fails (sqlite locked, Redis killed and restarted): on_error, never a
 * silent pass.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "grey_harness.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static const char *dir;
static char conf_common[1024], conf_grey[1024];

static int has_sym(const struct result *r, const char *sym, const char *detail)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->sym[i].name, sym) == 0 &&
            (detail == NULL ||
             (r->sym[i].detail && strcmp(r->sym[i].detail, detail) == 0)))
            return 1;
    return 0;
}

static void per_recipient(struct gh *h, const char *b)
{
    struct gh_sess s;
    const char *x;

    gh_conn(h, &s, "192.0.2.10");
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_TEMPFAIL,
           "first try: the recipient is deferred");
    ok(strcmp(gh_reply(&s), "451 4.7.1 Greylisted: please try again in 300 "
                            "seconds.") == 0,
       "%s: reply %s", b, gh_reply(&s));
    is_int(gh_rcpt(&s, "postmaster@rcpt.test"), MOD_CONTINUE,
           "an exempt recipient of the same message goes on");
    is_int(gh_rcpt(&s, "carl@sv.example"), MOD_TEMPFAIL,
           "a Swedish recipient is deferred");
    ok(strstr(gh_reply(&s), "451 4.7.1 Gralistat: forsok igen om 300") != NULL,
       "%s: in Swedish: %s", b, gh_reply(&s));
    is_int(gh_eom(&s, 100), MOD_CONTINUE, "the message goes on for the others");
    ok(gh_added(&s, "X-Greylist") == NULL, "no X-Greylist without a delay");
    clock_fake_advance(100);
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_TEMPFAIL,
           "a retry after 100 s is deferred again");
    ok(strstr(gh_reply(&s), "in 200 seconds") != NULL, "%s: %s", b,
       gh_reply(&s));
    clock_fake_advance(200);
    gh_mail(&s, "prvs=1234abcdef=alice@SENDER.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_CONTINUE,
           "after the delay (BATV-tagged, upper case): passes");
    is_int(gh_eom(&s, 100), MOD_CONTINUE, "the message is accepted");
    x = gh_added(&s, "X-Greylist");
    ok(x && strncmp(x, "Delayed for 00:05:00 by sluice-grey-", 36) == 0 &&
           strstr(x, "(mx.test.example [192.0.2.1]); "),
       "%s: X-Greylist: %s", b, x ? x : "(none)");
    ok(has_sym(&s.mres, "GREY_DELAYED", "300s"), "GREY_DELAYED[300s]");
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_CONTINUE, "the next one: known");
    gh_eom(&s, 100);
    ok(gh_added(&s, "X-Greylist") == NULL, "known: no X-Greylist");
    gh_close_conn(&s);
}

static void pass_triplet(struct gh *h, const char *ip, const char *from,
                         const char *rcpt)
{
    struct gh_sess s;

    gh_conn(h, &s, ip);
    gh_mail(&s, from, NULL);
    gh_rcpt(&s, rcpt);
    clock_fake_advance(300);
    gh_mail(&s, from, NULL);
    ok(gh_rcpt(&s, rcpt) == MOD_CONTINUE, "%s %s %s passes after 5 min", ip,
       from, rcpt);
    gh_close_conn(&s);
}

static void auto_whitelist(struct gh *h)
{
    struct gh_sess s;

    pass_triplet(h, "192.0.2.11", "alice@sender.test", "dora@rcpt.test");
    gh_conn(h, &s, "192.0.2.12");
    gh_mail(&s, "new@sender.test", NULL);
    is_int(gh_rcpt(&s, "new@rcpt.test"), MOD_TEMPFAIL,
           "after 2 delivered triplets of 192.0.2.0/24: still greylisted");
    gh_close_conn(&s);
    pass_triplet(h, "192.0.2.13", "alice@sender.test", "emil@rcpt.test");
    gh_conn(h, &s, "192.0.2.14");
    gh_mail(&s, "other@sender.test", NULL);
    is_int(gh_rcpt(&s, "other@rcpt.test"), MOD_CONTINUE,
           "after 3: the network is auto-whitelisted");
    gh_eom(&s, 10);
    ok(has_sym(&s.mres, "GREY_AWL", "192.0.2.0/24"), "GREY_AWL[192.0.2.0/24]");
    gh_close_conn(&s);
}

static void exemptions(struct gh *h)
{
    struct gh_sess s;

    gh_conn(h, &s, "203.0.113.5");
    gh_mail(&s, "alice@sender.test", "alice");
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_CONTINUE,
           "an authenticated client passes at once");
    gh_eom(&s, 10);
    ok(has_sym(&s.mres, "GREY_EXEMPT", "authenticated"),
       "GREY_EXEMPT[authenticated]");
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_TEMPFAIL,
           "the same session without AUTH: greylisted");
    gh_close_conn(&s);
    gh_conn(h, &s, "127.0.0.1");
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_CONTINUE,
           "an internal network passes at once");
    gh_close_conn(&s);
    gh_conn(h, &s, "198.51.100.77");
    gh_mail(&s, "alice@sender.test", NULL);
    is_int(gh_rcpt(&s, "bob@rcpt.test"), MOD_CONTINUE,
           "a client in exempt_clients passes at once");
    gh_close_conn(&s);
}

static void null_sender(struct gh *h)
{
    struct gh_sess s;

    gh_conn(h, &s, "198.18.5.1");
    gh_mail(&s, "", NULL);
    is_int(gh_rcpt(&s, "zed@rcpt.test"), MOD_CONTINUE,
           "null sender: RCPT is not refused (bounces, call-backs)");
    is_int(gh_rcpt(&s, "ylva@rcpt.test"), MOD_CONTINUE,
           "null sender: nor a second recipient");
    is_int(gh_eom(&s, 100), MOD_TEMPFAIL,
           "null sender: the whole message is deferred after DATA");
    ok(strstr(gh_reply(&s), "451 4.7.1 Greylisted: please try again in 300") ==
           gh_reply(&s),
       "null sender: %s", gh_reply(&s));
    clock_fake_advance(300);
    gh_mail(&s, "", NULL);
    gh_rcpt(&s, "zed@rcpt.test");
    gh_rcpt(&s, "ylva@rcpt.test");
    is_int(gh_eom(&s, 100), MOD_CONTINUE, "null sender: the retry passes");
    ok(gh_added(&s, "X-Greylist") != NULL, "null sender: with X-Greylist");
    gh_close_conn(&s);
}

static void only_some(struct store *st, const char *b)
{
    struct gh h;
    struct gh_sess s;
    char grey[1200];

    snprintf(grey, sizeof(grey), "%s\ngreylist_recipients = domain:%s",
             conf_grey, gh_write(dir, "only.domain", "grey.rcpt.test x\n"));
    if (gh_open(&h, dir, st, conf_common, grey) < 0) {
        ok(0, "%s: greylist_recipients config", b);
        return;
    }
    gh_conn(&h, &s, "198.18.6.1");
    gh_mail(&s, "a@sender.test", NULL);
    is_int(gh_rcpt(&s, "a@other.test"), MOD_CONTINUE,
           "greylist_recipients: another domain is not greylisted");
    is_int(gh_rcpt(&s, "a@grey.rcpt.test"), MOD_TEMPFAIL,
           "greylist_recipients: a listed domain is");
    gh_close_conn(&s);
    gh_close(&h);
    snprintf(grey, sizeof(grey), "%s\ngreylist = no", conf_grey);
    if (gh_open(&h, dir, st, conf_common, grey) < 0)
        return;
    gh_conn(&h, &s, "198.18.7.1");
    gh_mail(&s, "a@sender.test", NULL);
    is_int(gh_rcpt(&s, "a@grey.rcpt.test"), MOD_CONTINUE,
           "greylist = no: nobody is greylisted");
    gh_close_conn(&s);
    gh_close(&h);
}

/* The store fails: the on_error answer, the symbol, the reason. */
static void failing(struct store *bad, const char *b, const char *why,
                    const char *on_error)
{
    struct gh h;
    struct gh_sess s;
    char grey[1200];
    enum mod_rc rc;

    snprintf(grey, sizeof(grey), "%s\non_error = %s", conf_grey, on_error);
    if (gh_open(&h, dir, bad, conf_common, grey) < 0) {
        ok(0, "%s: failing config", b);
        return;
    }
    gh_conn(&h, &s, "198.18.8.1");
    gh_mail(&s, "fail@sender.test", NULL);
    rc = gh_rcpt(&s, "bob@rcpt.test");
    if (strcmp(on_error, "accept") == 0) {
        is_int(rc, MOD_CONTINUE, "on_error = accept: the recipient goes on");
    } else {
        is_int(rc, MOD_TEMPFAIL, "the store fails: on_error tempfail (4xx)");
        ok(strncmp(gh_reply(&s), "451 4.3.0 ", 10) == 0, "%s: %s", b,
           gh_reply(&s));
    }
    ok(has_sym(&s.mres, "GREY_TEMPFAIL", NULL),
       "%s, %s: GREY_TEMPFAIL in the result", b, why);
    ok(s.out.reason && strstr(s.out.reason, why), "%s: the reason: %s", b,
       s.out.reason ? s.out.reason : "(none)");
    gh_close_conn(&s);
    gh_close(&h);
}

static void sqlite_locked(const char *path)
{
    struct store_conf c;
    struct store *s2;
    const char *err;
    sqlite3 *db;

    fx_sqlite_conf(&c, path);
    c.timeout_ms = 200;
    if (store_open(&c, &s2, &err) != STORE_OK) {
        ok(0, "sqlite second store: %s", err);
        return;
    }
    sqlite3_open(path, &db);
    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
    failing(s2, "sqlite locked", "database is locked", "tempfail");
    failing(s2, "sqlite locked", "database is locked", "accept");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    store_close(s2);
}

static void redis_killed(struct store *st, const char *rdir)
{
    struct gh h;
    struct gh_sess s;
    enum mod_rc rc = MOD_ERROR;
    double t0;

    ok(fx_helper("kill", rdir, NULL) == 0, "redis: killed");
    failing(st, "redis down", "redis", "tempfail");
    ok(fx_helper("restart", rdir, NULL) == 0, "redis: started again");
    if (gh_open(&h, dir, st, conf_common, conf_grey) < 0)
        return;
    t0 = fx_now();
    while (fx_now() - t0 < 8) {
        gh_conn(&h, &s, "198.18.9.1");
        gh_mail(&s, "back@sender.test", NULL);
        rc = gh_rcpt(&s, "bob@rcpt.test");
        if (rc == MOD_TEMPFAIL && strstr(gh_reply(&s), "Greylisted"))
            break;
        gh_close_conn(&s);
        usleep(50000);
    }
    ok(rc == MOD_TEMPFAIL && strstr(gh_reply(&s), "Greylisted"),
       "redis back: greylisting works again without a restart (%.1f s)",
       fx_now() - t0);
    gh_close_conn(&s);
    gh_close(&h);
}

static void run(struct store *st, const char *b)
{
    struct gh h;

    diag("backend %s", b);
    clock_fake_set(1800000000 + (strcmp(b, "sqlite") ? 100000 : 0), 1000);
    if (gh_open(&h, dir, st, conf_common, conf_grey) < 0) {
        ok(0, "%s: the configuration loads", b);
        return;
    }
    per_recipient(&h, b);
    auto_whitelist(&h);
    exemptions(&h);
    null_sender(&h);
    gh_close(&h);
    only_some(st, b);
    clock_fake_off();
}

int main(void)
{
    const char *rdir = fx_env("STORE_TEST_REDIS"), *err;
    struct store_conf c;
    struct store *sq, *rd;
    char path[512], addr[64];

    dir = fx_tmpdir("greymod");
    snprintf(conf_common, sizeof(conf_common),
             "reply_language_map = domain:%s\n",
             gh_write(dir, "lang.domain", "sv.example sv\n"));
    snprintf(conf_grey, sizeof(conf_grey),
             "auto_whitelist = 3\nexempt_recipients = addr:%s\n"
             "exempt_clients = cidr:%s\n",
             gh_write(dir, "exr.addr", "postmaster@ x\n"),
             gh_write(dir, "exc.cidr", "198.51.100.0/24 x\n"));
    snprintf(path, sizeof(path), "%s/grey.db", dir);
    fx_sqlite_conf(&c, path);
    if (store_open(&c, &sq, &err) != STORE_OK)
        return ok(0, "sqlite: %s", err), done_testing();
    run(sq, "sqlite");
    sqlite_locked(path);
    store_close(sq);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(rdir));
    fx_redis_conf(&c, addr);
    c.timeout_ms = 300;
    if (store_open(&c, &rd, &err) != STORE_OK)
        return ok(0, "redis: %s", err), done_testing();
    run(rd, "redis");
    redis_killed(rd, rdir);
    store_close(rd);
    fx_cleanup();
    return done_testing();
}
