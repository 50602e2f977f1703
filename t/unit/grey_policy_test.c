/*
 * grey_policy_test - sluice-grey's decision over a real sqlite store, with
 * the fake clock (clock.h): postgrey's defaults (delay 5 min, retry window
 * 2 days, pass lifetime 36 days, auto-whitelist after 5), the renewal of a
 * triplet in use, delay 0, an unreadable entry, and a store locked by
 * another connection past its timeout (an error, never a pass).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "grey.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

#define DAY 86400

static struct store *st;
static struct grey_params P = {300, 2 * DAY, 36 * DAY, 5};

static enum grey_verdict check(const char *net, const char *from,
                               const char *rcpt, struct grey_result *r)
{
    struct grey_key k;

    grey_key_make(&k, net, from, rcpt);
    return grey_policy_check(st, &P, &k, clock_wall(), r);
}

static void expect(const char *net, const char *from, const char *rcpt,
                   enum grey_verdict want, const char *name)
{
    struct grey_result r;
    enum grey_verdict v = check(net, from, rcpt, &r);

    ok(v == want, "%s: %s (got %s%s%s)", name, grey_verdict_name(want),
       grey_verdict_name(v), r.error ? ": " : "", r.error ? r.error : "");
}

static void test_defaults(void)
{
    struct grey_result r;

    is_int(check("192.0.2.0/24", "a@x.org", "b@y.net", &r), GREY_V_NEW,
           "first try: new");
    is_int(r.retry_in, 300, "retry in 300 s (the 5-minute default)");
    clock_fake_advance(60);
    is_int(check("192.0.2.0/24", "a@x.org", "b@y.net", &r), GREY_V_EARLY,
           "retry after 60 s: too early");
    is_int(r.retry_in, 240, "240 s still to wait");
    clock_fake_advance(239);
    is_int(check("192.0.2.0/24", "a@x.org", "b@y.net", &r), GREY_V_EARLY,
           "retry after 299 s: still too early");
    clock_fake_advance(1);
    is_int(check("192.0.2.0/24", "a@x.org", "b@y.net", &r), GREY_V_PASSED,
           "retry after 300 s: passes");
    is_int(r.delayed, 300, "delayed 300 s");
    is_int(check("192.0.2.0/24", "a@x.org", "b@y.net", &r), GREY_V_KNOWN,
           "the next message: known");
    expect("192.0.2.0/24", "a+tag@x.org", "b@y.net", GREY_V_KNOWN,
           "the same sender with a +tag: the same triplet");
    expect("192.0.2.0/24", "a@x.org", "c@y.net", GREY_V_NEW,
           "another recipient: a new triplet");
    expect("198.51.100.0/24", "a@x.org", "b@y.net", GREY_V_NEW,
           "another network: a new triplet");
}

static void test_windows(void)
{
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_NEW, "window: new");
    clock_fake_advance(2 * DAY);
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_NEW,
           "retried after the 2-day retry window: new again");
    clock_fake_advance(300);
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_PASSED,
           "then passes after the delay");
    clock_fake_advance(35 * DAY);
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_KNOWN,
           "35 days later: still known (and renewed)");
    clock_fake_advance(35 * DAY);
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_KNOWN,
           "70 days after the pass: known, since it was renewed at use");
    clock_fake_advance(36 * DAY);
    expect("203.0.113.0/24", "w@x.org", "b@y.net", GREY_V_NEW,
           "36 days unused: forgotten, new");
}

static void test_renew(void)
{
    char key[GREY_KEY_MAX];
    struct grey_key k;
    time_t exp = 0, t0;

    grey_key_make(&k, "192.0.2.0/24", "r@x.org", "b@y.net");
    grey_key_triplet(&k, key, sizeof(key));
    expect(k.net, "r@x.org", "b@y.net", GREY_V_NEW, "renew: new");
    clock_fake_advance(300);
    expect(k.net, "r@x.org", "b@y.net", GREY_V_PASSED, "renew: passed");
    t0 = clock_wall();
    clock_fake_advance(3600);
    expect(k.net, "r@x.org", "b@y.net", GREY_V_KNOWN, "renew: known 1 h later");
    store_get(st, key, NULL, NULL, &exp, NULL);
    is_int(exp, t0 + 36 * DAY, "within the first day: no write, expiry kept");
    clock_fake_advance(2 * DAY);
    expect(k.net, "r@x.org", "b@y.net", GREY_V_KNOWN, "renew: known 2 d later");
    store_get(st, key, NULL, NULL, &exp, NULL);
    is_int(exp, clock_wall() + 36 * DAY, "after a day: renewed to 36 days");
}

static void test_awl(void)
{
    struct grey_result r;
    char rcpt[64];
    long long n = 0;

    for (int i = 1; i <= 5; i++) {
        snprintf(rcpt, sizeof(rcpt), "u%d@y.net", i);
        expect("198.18.0.0/24", "awl@x.org", rcpt, GREY_V_NEW, "awl: new");
    }
    clock_fake_advance(300);
    for (int i = 1; i <= 4; i++) {
        snprintf(rcpt, sizeof(rcpt), "u%d@y.net", i);
        expect("198.18.0.0/24", "awl@x.org", rcpt, GREY_V_PASSED,
               "awl: passed");
    }
    expect("198.18.0.0/24", "other@x.org", "z@y.net", GREY_V_NEW,
           "after 4 delivered triplets: not yet whitelisted");
    expect("198.18.0.0/24", "awl@x.org", "u1@y.net", GREY_V_KNOWN,
           "a known triplet passing again is not counted twice");
    is_int(check("198.18.0.0/24", "awl@x.org", "u5@y.net", &r), GREY_V_PASSED,
           "the 5th triplet passes");
    is_int(r.awl, 5, "5 delivered triplets counted");
    expect("198.18.0.0/24", "new@x.org", "new@y.net", GREY_V_AWL,
           "then every message of the network passes (auto-whitelisted)");
    ok(grey_policy_awl(st, &P, "198.18.0.0/24", &n, NULL) == 1 && n == 5,
       "grey_policy_awl says so (%lld)", n);
    expect("198.18.1.0/24", "new@x.org", "new@y.net", GREY_V_NEW,
           "the next network is not");
}

static void test_delay0(void)
{
    struct grey_params save = P;
    struct grey_result r;

    P.delay = 0;
    is_int(check("192.0.2.0/24", "zero@x.org", "b@y.net", &r), GREY_V_PASSED,
           "delay 0: a new triplet passes at once");
    is_int(r.delayed, 0, "delay 0: delayed 0 s");
    expect("192.0.2.0/24", "zero@x.org", "b@y.net", GREY_V_KNOWN,
           "delay 0: then known");
    P = save;
}

static void test_garbage(void)
{
    struct grey_key k;
    char key[GREY_KEY_MAX];

    grey_key_make(&k, "192.0.2.0/24", "g@x.org", "b@y.net");
    grey_key_triplet(&k, key, sizeof(key));
    store_put(st, key, "garbage", 7, 100, NULL);
    expect(k.net, "g@x.org", "b@y.net", GREY_V_NEW,
           "an entry that cannot be read: new");
}

static void test_locked(const char *path)
{
    struct store_conf c;
    struct store *s2;
    struct grey_result r;
    struct grey_key k;
    sqlite3 *db;
    const char *err;
    double t0;

    fx_sqlite_conf(&c, path);
    c.timeout_ms = 200;
    if (store_open(&c, &s2, &err) != STORE_OK) {
        ok(0, "second store: %s", err);
        return;
    }
    sqlite3_open(path, &db);
    sqlite3_exec(db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
    grey_key_make(&k, "192.0.2.0/24", "lock@x.org", "b@y.net");
    t0 = fx_now();
    is_int(grey_policy_check(s2, &P, &k, clock_wall(), &r), GREY_V_ERROR,
           "a store locked past its timeout: an error, not a pass");
    ok(r.error && strstr(r.error, "locked"), "the reason says so: %s",
       r.error ? r.error : "(none)");
    ok(fx_now() - t0 < 2, "within the timeout (%.2f s)", fx_now() - t0);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    is_int(grey_policy_check(s2, &P, &k, clock_wall(), &r), GREY_V_NEW,
           "the lock gone: the store answers again");
    store_close(s2);
}

int main(void)
{
    struct store_conf c;
    const char *dir = fx_tmpdir("greypol"), *err;
    char path[512];

    snprintf(path, sizeof(path), "%s/grey.db", dir);
    fx_sqlite_conf(&c, path);
    if (store_open(&c, &st, &err) != STORE_OK) {
        ok(0, "store_open: %s", err);
        return done_testing();
    }
    clock_fake_set(1800000000, 1000);
    test_defaults();
    test_windows();
    test_renew();
    test_awl();
    test_delay0();
    test_garbage();
    clock_fake_off();
    test_locked(path);
    store_close(st);
    fx_cleanup();
    return done_testing();
}
