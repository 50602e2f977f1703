/*
 * grey_rate_test - sluice-grey's rate limits through its callbacks, on
 * sqlite and on Redis (store_run.sh), with the fake clock: a burst over
 * the limit answered from the first event over it, the timed block (kept
 * under the limit, released by itself, or at once by
 * grey_rate_unblock()), the sliding window (no burst at a window
 * boundary), per-recipient refusals, tag, allow-lists, bytes, SASL users
 * (the stolen account), connections, rules that do not apply, and two
 * store handles (two processes, or two MX hosts on one Redis) counting
 * the sum of their events, also from threads at once.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "grey_harness.h"
#include "store.h"
#include "store_fixture.h"
#include "tap.h"

static const char *dir;

static const char *rules =
    "greylist = no\n"
    "ratelimits = \"burst key=client_ip count=messages limit=3/1m "
    "action=tempfail block_for=2m allow=cidr:@ALLOW@\", "
    "\"rc key=recipient count=recipients limit=2/1h action=reject\", "
    "\"tg key=sender_domain count=messages limit=1/1h action=tag score=3\", "
    "\"stolen key=sasl_user count=messages limit=5/10m block_for=1h\", "
    "\"by key=sasl_user+client_ip count=bytes limit=1k/1h\", "
    "\"many key=sender count=messages limit=1000/1h\"\n";

static const char *conn_rule =
    "greylist = no\n"
    "ratelimits = \"cn key=client_net count=connections limit=2/1m\"\n";

static int has_sym(const struct result *r, const char *sym, const char *detail)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->sym[i].name, sym) == 0 &&
            (detail == NULL ||
             (r->sym[i].detail && strcmp(r->sym[i].detail, detail) == 0)))
            return 1;
    return 0;
}

static enum mod_rc message(struct gh *h, const char *ip, const char *from,
                           const char *auth, struct gh_sess *s)
{
    enum mod_rc rc;

    if (gh_conn(h, s, ip) != MOD_CONTINUE)
        return MOD_TEMPFAIL;
    rc = gh_mail(s, from, auth);
    return rc;
}

static void burst(struct gh *h, const char *b)
{
    struct gh_sess s;
    enum mod_rc rc;
    int i;

    for (i = 1; i <= 3; i++) {
        rc = message(h, "192.0.2.30", "a@burst.test", NULL, &s);
        gh_close_conn(&s);
        if (rc != MOD_CONTINUE)
            break;
    }
    is_int(i, 4, "burst: 3 messages within the limit");
    is_int(message(h, "192.0.2.30", "a@burst.test", NULL, &s), MOD_TEMPFAIL,
           "burst: the 4th is over the limit: tempfail");
    ok(strcmp(gh_reply(&s), "451 4.7.1 Too many messages in a short time; "
                            "please try again later.") == 0,
       "%s: %s", b, gh_reply(&s));
    ok(s.out.reason && strstr(s.out.reason, "ratelimit burst: 192.0.2.30: 4 "
                                            "messages in 60s over the limit "
                                            "of 3"),
       "%s: reason %s", b, s.out.reason ? s.out.reason : "(none)");
    ok(has_sym(&s.mres, "GREY_RATELIMIT", "burst"), "GREY_RATELIMIT[burst]");
    gh_close_conn(&s);
    clock_fake_advance(61);
    is_int(message(h, "192.0.2.30", "a@burst.test", NULL, &s), MOD_TEMPFAIL,
           "61 s later, under the limit: still blocked");
    ok(s.out.reason && strstr(s.out.reason, "blocked for 59 more seconds"),
       "%s: %s", b, s.out.reason ? s.out.reason : "(none)");
    gh_close_conn(&s);
    is_int(message(h, "192.0.2.31", "a@burst.test", NULL, &s), MOD_CONTINUE,
           "another address is not blocked");
    gh_close_conn(&s);
    clock_fake_advance(59);
    is_int(message(h, "192.0.2.30", "a@burst.test", NULL, &s), MOD_CONTINUE,
           "after block_for (2 min): released by itself");
    gh_close_conn(&s);
    for (i = 0; i < 3; i++) {
        message(h, "192.0.2.30", "a@burst.test", NULL, &s);
        gh_close_conn(&s);
    }
    is_int(message(h, "192.0.2.30", "a@burst.test", NULL, &s), MOD_TEMPFAIL,
           "over the limit again: blocked again");
    gh_close_conn(&s);
    ok(grey_rate_unblock(h->env.store, grey_rule_find(h->state, "burst"),
                         "192.0.2.30", NULL) == STORE_OK,
       "grey_rate_unblock (sluicectl ratelimit unblock)");
    is_int(message(h, "192.0.2.30", "a@burst.test", NULL, &s), MOD_CONTINUE,
           "unblocked: released at once");
    gh_close_conn(&s);
    for (i = 0; i < 10; i++) {
        is_int(message(h, "192.0.2.99", "a@burst.test", NULL, &s),
               MOD_CONTINUE, "an allow-listed address is never counted");
        gh_close_conn(&s);
    }
}

/* limit 3/1m: after the burst, one event every 20 s. */
static void sliding(struct gh *h)
{
    struct gh_sess s;
    int passed = 0;

    clock_fake_advance(3600);
    for (int i = 0; i < 3; i++) {
        passed += message(h, "192.0.2.40", "x@slide.test", NULL, &s) ==
                  MOD_CONTINUE;
        gh_close_conn(&s);
    }
    is_int(passed, 3, "sliding: a burst of 3");
    clock_fake_advance(19);
    is_int(message(h, "192.0.2.40", "x@slide.test", NULL, &s), MOD_TEMPFAIL,
           "sliding: 19 s later, no room yet");
    gh_close_conn(&s);
    grey_rate_unblock(h->env.store, grey_rule_find(h->state, "burst"),
                      "192.0.2.40", NULL);
    for (int i = 0; i < 3; i++) {
        message(h, "192.0.2.40", "x@slide.test", NULL, &s);
        gh_close_conn(&s);
    }
    clock_fake_advance(20);
    is_int(message(h, "192.0.2.40", "x@slide.test", NULL, &s), MOD_CONTINUE,
           "sliding: 20 s after a full window, room for one");
    gh_close_conn(&s);
    is_int(message(h, "192.0.2.40", "x@slide.test", NULL, &s), MOD_TEMPFAIL,
           "sliding: and only one (no new burst at a window boundary)");
    gh_close_conn(&s);
    grey_rate_unblock(h->env.store, grey_rule_find(h->state, "burst"),
                      "192.0.2.40", NULL);
}

static void recipients_tag(struct gh *h, const char *b)
{
    struct gh_sess s;

    message(h, "192.0.2.50", "a@one.test", NULL, &s);
    is_int(gh_rcpt(&s, "r@rcpt.test"), MOD_CONTINUE, "rc: 1st recipient");
    is_int(gh_rcpt(&s, "r@RCPT.test"), MOD_CONTINUE,
           "rc: 2nd (the same, domain case-folded)");
    is_int(gh_rcpt(&s, "r@rcpt.test"), MOD_REJECT,
           "rc: 3rd: reject, that recipient");
    ok(strncmp(gh_reply(&s), "550 5.7.1 Too many messages", 27) == 0, "%s: %s",
       b, gh_reply(&s));
    is_int(gh_rcpt(&s, "other@rcpt.test"), MOD_CONTINUE,
           "rc: another recipient of the message goes on");
    gh_eom(&s, 10);
    ok(!has_sym(&s.mres, "GREY_RATELIMIT", "tg"), "tg: the first message "
                                                  "of one.test is not tagged");
    gh_mail(&s, "b@ONE.test", NULL);
    ok(has_sym(&s.mres, "GREY_RATELIMIT", "tg"),
       "tg: the second of the domain is tagged");
    for (size_t i = 0; i < s.mres.n; i++)
        if (strcmp(s.mres.sym[i].name, "GREY_RATELIMIT") == 0)
            ok(s.mres.sym[i].score == 3, "tg: score 3");
    gh_close_conn(&s);
}

static void stolen(struct gh *h)
{
    struct gh_sess s;
    int sent = 0;

    for (int i = 0; i < 20; i++) {
        if (message(h, "192.0.2.99", "alice@uni.test", "alice", &s) ==
            MOD_CONTINUE)
            sent++;
        gh_close_conn(&s);
        clock_fake_advance(10);
    }
    is_int(sent, 5, "stolen account: 5 of 20 messages in 200 s get through");
    clock_fake_advance(1200);
    is_int(message(h, "192.0.2.61", "alice@uni.test", "alice", &s),
           MOD_TEMPFAIL, "20 min later, from another address: still blocked");
    gh_close_conn(&s);
    is_int(message(h, "192.0.2.61", "bob@uni.test", "bob", &s), MOD_CONTINUE,
           "another user is not");
    gh_close_conn(&s);
    is_int(message(h, "192.0.2.62", "alice@uni.test", NULL, &s), MOD_CONTINUE,
           "a rule on sasl_user does not apply without AUTH");
    gh_close_conn(&s);
    clock_fake_advance(2400);
    is_int(message(h, "192.0.2.61", "alice@uni.test", "alice", &s),
           MOD_CONTINUE, "after block_for (1 h): released");
    gh_close_conn(&s);
}

static void bytes_conns(struct gh *h, struct gh *hc)
{
    struct gh_sess s, t, u;

    message(h, "192.0.2.70", "c@bytes.test", "carol", &s);
    gh_rcpt(&s, "x@rcpt.test");
    is_int(gh_eom(&s, 600), MOD_CONTINUE, "bytes: 600 of 1024");
    gh_mail(&s, "c@bytes.test", "carol");
    gh_rcpt(&s, "x@rcpt.test");
    is_int(gh_eom(&s, 600), MOD_TEMPFAIL, "bytes: 1200 of 1024: tempfail");
    gh_close_conn(&s);
    clock_fake_advance(3600);
    is_int(gh_conn(hc, &s, "198.51.100.1"), MOD_CONTINUE,
           "cn: 1st connection");
    is_int(gh_conn(hc, &t, "198.51.100.2"), MOD_CONTINUE,
           "cn: 2nd of the network");
    is_int(gh_conn(hc, &u, "198.51.100.3"), MOD_TEMPFAIL,
           "cn: 3rd of the network: refused at connect");
    gh_close_conn(&s);
    gh_close_conn(&t);
    gh_close_conn(&u);
}

/* Two handles of one store: what one counts, the other sees. */
struct th {
    struct gh *h;
    int n;
};

static void *th_main(void *arg)
{
    struct th *t = arg;
    struct gh_sess s;

    for (int i = 0; i < t->n; i++) {
        message(t->h, "192.0.2.99", "many@sum.test", NULL, &s);
        gh_close_conn(&s);
    }
    return NULL;
}

static void sum(struct gh *h1, struct gh *h2, const char *b)
{
    struct gh_sess s;
    pthread_t tid[4];
    struct th t[4];
    char *val = NULL;
    double n;

    for (int i = 0; i < 3; i++) {
        message(i % 2 ? h2 : h1, "192.0.2.90", "x@sum.test", NULL, &s);
        gh_close_conn(&s);
    }
    is_int(message(h2, "192.0.2.90", "x@sum.test", NULL, &s), MOD_TEMPFAIL,
           "two handles: the 4th message, counted on either, is over");
    gh_close_conn(&s);
    is_int(message(h1, "192.0.2.90", "x@sum.test", NULL, &s), MOD_TEMPFAIL,
           "two handles: the block is seen by both");
    gh_close_conn(&s);
    /* 4 threads x 50 messages, two handles, one counter at once. */
    for (int i = 0; i < 4; i++) {
        t[i].h = i % 2 ? h2 : h1;
        t[i].n = 50;
        pthread_create(&tid[i], NULL, th_main, &t[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(tid[i], NULL);
    store_get(h1->env.store, "rl/c/many/many@sum.test", &val, NULL, NULL,
              NULL);
    n = grey_rule_count(grey_rule_find(h1->state, "many"), val,
                        clock_wall_f());
    ok(n > 199.9 && n < 200.1,
       "%s: 4 threads x 50 on two handles: every message counted (%.2f)", b,
       n);
    free(val);
}

static void run(struct store *st, struct store *st2, const char *b)
{
    struct gh h, h2, hc;
    char *text = NULL;
    const char *allow = gh_write(dir, "allow.cidr", "192.0.2.99 x\n");
    size_t n;
    const char *p = strstr(rules, "@ALLOW@");

    n = (size_t)(p - rules);
    text = xasprintf("%.*s%s%s", (int)n, rules, allow, p + 7);
    diag("backend %s", b);
    clock_fake_set(1800000000 + (strcmp(b, "sqlite") ? 100000 : 0), 1000);
    if (gh_open(&h, dir, st, "", text) < 0 ||
        gh_open(&h2, dir, st2, "", text) < 0 ||
        gh_open(&hc, dir, st, "", conn_rule) < 0) {
        ok(0, "%s: the rules load", b);
        free(text);
        return;
    }
    burst(&h, b);
    sliding(&h);
    recipients_tag(&h, b);
    stolen(&h);
    bytes_conns(&h, &hc);
    sum(&h, &h2, b);
    gh_close(&h);
    gh_close(&h2);
    gh_close(&hc);
    clock_fake_off();
    free(text);
}

int main(void)
{
    const char *rdir = fx_env("STORE_TEST_REDIS"), *err;
    struct store_conf c;
    struct store *a, *b;
    char path[512], addr[64];

    dir = fx_tmpdir("greyrate");
    snprintf(path, sizeof(path), "%s/rate.db", dir);
    fx_sqlite_conf(&c, path);
    if (store_open(&c, &a, &err) != STORE_OK ||
        store_open(&c, &b, &err) != STORE_OK)
        return ok(0, "sqlite: %s", err), done_testing();
    run(a, b, "sqlite");
    store_close(a);
    store_close(b);
    snprintf(addr, sizeof(addr), "127.0.0.1:%d", fx_port(rdir));
    fx_redis_conf(&c, addr);
    if (store_open(&c, &a, &err) != STORE_OK ||
        store_open(&c, &b, &err) != STORE_OK)
        return ok(0, "redis: %s", err), done_testing();
    run(a, b, "redis");
    store_close(a);
    store_close(b);
    fx_cleanup();
    return done_testing();
}
