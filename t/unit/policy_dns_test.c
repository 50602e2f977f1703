/*
 * policy_dns_test - sluice-policy's stages against a real unbound (run
 * by t/unit/policy_dns.sh; zone policy.test and the others in
 * t/data/dns): a null configuration, access maps, relaying, HELO, the
 * sender domain (NXDOMAIN, null MX, SERVFAIL, timeout), SPF actions and
 * overrides, DNSBL/DNSWL once per connection, DMARC reject / quarantine /
 * p=none / temperror, no state leaking between messages, internal and
 * authenticated clients, sender and recipient call-backs against an SMTP
 * server in this process.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../tap.h"
#include "clock.h"
#include "policy_harness.h"

static const char *const RCPT[] = {"bob@rcpt.test", NULL};

#define MSG_FROM(d) "From: Alice <alice@" d ">\nSubject: t\n\nHello.\n"

/* A header value on one line, for test names. */
static const char *flat(const char *s)
{
    static char buf[600];
    size_t i;

    for (i = 0; s && s[i] && i + 1 < sizeof(buf); i++)
        buf[i] = s[i] == '\n' || s[i] == '\t' ? ' ' : s[i];
    buf[i] = '\0';
    return s ? buf : "-";
}

static int has_reply(const struct ph_msg *r, const char *code, const char *xcode,
                     const char *text)
{
    return strcmp(r->reply.rcode, code) == 0 &&
           (xcode == NULL || strcmp(r->reply.xcode, xcode) == 0) &&
           (text == NULL || strstr(r->reply.text, text) != NULL);
}

static void one(const char *extra, const char *ip, const char *helo,
                const char *from, const char *text, struct ph_msg *r)
{
    struct ph h = {0};
    struct ph_sess s;

    if (ph_open(&h, extra) < 0) {
        printf("Bail out! configuration \"%s\" did not load\n", extra);
        exit(1);
    }
    ph_connect(&s, &h, ip, helo);
    ph_message(&s, from, RCPT, text, r);
    ph_disconnect(&s);
    ph_close(&h);
}

static void test_null(void)
{
    struct ph_msg r;

    one("", "192.0.2.99", "mail.example.net", "a@nx.policy.test",
        "Authentication-Results: mx.rcpt.test; spf=pass smtp.mailfrom=x\n"
        "Authentication-Results: lists.example.org; dkim=pass\n"
        "From: <a@nx.policy.test>\n\nHi.\n",
        &r);
    ok(r.rc == MOD_CONTINUE && r.ar && strcmp(r.ar, "mx.rcpt.test; none") == 0,
       "null configuration: accepted, only A-R (%s)", flat(r.ar));
    ok(r.deleted_ar == 1, "forged A-R with our authserv-id deleted, others kept");
    ok(r.res.n == 0, "null configuration: no symbol");
    ph_msg_free(&r);
}

static void test_sender(void)
{
    static const struct {
        const char *from, *extra, *code, *xcode;
        enum mod_rc rc;
    } c[] = {
        {"a@good.policy.test", "", "", NULL, MOD_CONTINUE},
        {"a@nx.policy.test", "", "550", "5.1.8", MOD_REJECT},
        {"a@nx.policy.test", "sender_nxdomain_code = 450", "450", "4.1.8",
         MOD_TEMPFAIL},
        {"a@empty.policy.test", "", "550", "5.1.8", MOD_REJECT},
        {"a@nullmx.policy.test", "", "550", "5.7.27", MOD_REJECT},
        {"a@x.servfail.test", "", "451", "4.4.3", MOD_TEMPFAIL},
        {"a@x.timeout.test", "", "451", "4.4.3", MOD_TEMPFAIL},
        {"", "", "", NULL, MOD_CONTINUE},
        {"a@localhost", "", "", NULL, MOD_CONTINUE},
    };
    char extra[200];
    struct ph_msg r;

    for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        double t0 = clock_mono();

        snprintf(extra, sizeof(extra), "sender_domain_check = yes\n%s",
                 c[i].extra);
        one(extra, "192.0.2.99", "mail.example.net", c[i].from, NULL, &r);
        ok(r.rc == c[i].rc && (c[i].rc == MOD_CONTINUE ||
                               has_reply(&r, c[i].code, c[i].xcode, NULL)),
           "sender <%s> %s: %s %s %s (%.2fs)", c[i].from, c[i].extra,
           r.reply.rcode, r.reply.xcode, r.reply.text, clock_mono() - t0);
        if (i == 8)
            ok(ph_has(&r.res, "POLICY_SENDER_NOT_FQDN"), "non-FQDN sender scored");
        ph_msg_free(&r);
    }
}

static void test_spf(void)
{
    struct ph h = {0};
    struct ph_msg r;
    char extra[400];
    double t0;

    one("spf_check = yes", "192.0.2.30", "mail.example.net",
        "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && ph_has(&r.res, "POLICY_SPF_PASS") && r.ar &&
           strstr(r.ar, "spf=pass smtp.mailfrom=a@good.policy.test"),
       "SPF pass reported (%s)", flat(r.ar));
    ph_msg_free(&r);
    one("spf_check = yes", "192.0.2.99", "mail.example.net",
        "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_REJECT && strcmp(r.stage, "mail") == 0 &&
           has_reply(&r, "550", "5.7.23", "192.0.2.99"),
       "SPF fail: the configured reply %s %s %s", r.reply.rcode, r.reply.xcode,
       r.reply.text);
    ph_msg_free(&r);
    one("spf_check = yes\nspf_fail_action = tag", "192.0.2.99",
        "mail.example.net", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && ph_has(&r.res, "POLICY_SPF_FAIL"),
       "SPF fail with action tag: scored, accepted");
    ph_msg_free(&r);
    /* the override map, policyd-spf's AOL example */
    if (ph_open(&h, NULL) == 0) {
        snprintf(extra, sizeof(extra),
                 "spf_check = yes\nspf_overrides = domain:%s\n",
                 ph_file(&h, "spf.map",
                         "neutral.policy.test neutral=ERROR:\"550 AOL mail "
                         "must get SPF PASS\"\nx.timeout.test temperror=accept\n"));
        ph_close(&h);
    }
    one(extra, "192.0.2.99", "mail.example.net", "a@neutral.policy.test", NULL,
        &r);
    ok(r.rc == MOD_REJECT &&
           has_reply(&r, "550", "5.7.1", "AOL mail must get SPF PASS"),
       "per-domain override with an explicit reply: %s %s", r.reply.rcode,
       r.reply.text);
    ph_msg_free(&r);
    t0 = clock_mono();
    one("spf_check = yes", "192.0.2.99", "mail.example.net",
        "a@x.timeout.test", NULL, &r);
    ok(r.rc == MOD_TEMPFAIL && has_reply(&r, "451", "4.7.24", NULL) &&
           clock_mono() - t0 < 10.5,
       "SPF temperror (TXT timeout): the configured temperror answer in %.2fs",
       clock_mono() - t0);
    ph_msg_free(&r);
}

static void test_dnsbl(void)
{
    const char *cfg = "dnsbl_sites = bl.test*3 wl.test*-2\ndnsbl_threshold = 3\n"
                      "dnsbl_urls = bl.test=https://bl.test/lookup?ip=%s\n";
    struct ph_msg r;

    one(cfg, "192.0.2.98", "mail.example.net", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "554", "5.7.1", "bl.test") &&
           strstr(r.reply.text, "https://bl.test/lookup?ip=192.0.2.98"),
       "DNSBL listed: %s %s %s", r.reply.rcode, r.reply.xcode, r.reply.text);
    ph_msg_free(&r);
    one(cfg, "192.0.2.99", "mail.example.net", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && ph_has(&r.res, "POLICY_DNSBL") &&
           ph_has(&r.res, "POLICY_DNSWL") && result_score(&r.res) == 1,
       "listed and allow-listed: 3 - 2 below the threshold (score %.1f)",
       result_score(&r.res));
    ph_msg_free(&r);
    one(cfg, "192.0.2.199", "mail.example.net", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.res.n == 0, "unlisted client: nothing");
    ph_msg_free(&r);
    one(cfg, "127.0.0.1", "localhost", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.res.n == 0,
       "internal client: no DNSBL (127.0.0.2 would be listed)");
    ph_msg_free(&r);
}

static void test_dmarc(void)
{
    const char *base = "spf_check = yes\nspf_fail_action = tag\ndmarc_check = "
                       "yes\n";
    char extra[300];
    struct ph_msg r;

    one(base, "192.0.2.30", "mail.example.net", "a@good.policy.test",
        MSG_FROM("good.policy.test"), &r);
    ok(r.rc == MOD_CONTINUE && r.ar && strstr(r.ar, "dmarc=pass (p=reject)"),
       "DMARC pass by aligned SPF (%s)", flat(r.ar));
    ph_msg_free(&r);
    one(base, "192.0.2.99", "mail.example.net", "a@good.policy.test",
        MSG_FROM("good.policy.test"), &r);
    ok(r.rc == MOD_REJECT && strcmp(r.stage, "eom") == 0 &&
           has_reply(&r, "550", "5.7.1", "DMARC policy of good.policy.test"),
       "DMARC p=reject fail: %s %s", r.reply.rcode, r.reply.text);
    ph_msg_free(&r);
    snprintf(extra, sizeof(extra), "%sdmarc_reject_action = quarantine\n", base);
    one(extra, "192.0.2.99", "mail.example.net", "a@good.policy.test",
        MSG_FROM("good.policy.test"), &r);
    ok(r.rc == MOD_CONTINUE && ph_has(&r.res, "POLICY_DMARC_QUARANTINE") &&
           strstr(r.ar, "dmarc=fail"),
       "DMARC reject as quarantine score");
    ph_msg_free(&r);
    one(base, "192.0.2.99", "mail.example.net", "a@pnone.policy.test",
        MSG_FROM("pnone.policy.test"), &r);
    ok(r.rc == MOD_CONTINUE && ph_has(&r.res, "POLICY_DMARC_FAIL") && r.ar &&
           strstr(r.ar, "dmarc=fail (p=none)"),
       "p=none failure reported and scored, not refused");
    ph_msg_free(&r);
    one(base, "192.0.2.30", "mail.example.net", "a@good.policy.test",
        MSG_FROM("sub.good.policy.test"), &r);
    ok(r.rc == MOD_CONTINUE && strstr(r.ar, "dmarc=pass"),
       "relaxed: From a subdomain, SPF of the org domain aligns");
    ph_msg_free(&r);
    one(base, "192.0.2.30", "mail.example.net", "a@bounce.strict.policy.test",
        MSG_FROM("strict.policy.test"), &r);
    ok(r.rc == MOD_REJECT, "strict aspf=s: a subdomain's SPF pass does not align");
    ph_msg_free(&r);
    one(base, "192.0.2.30", "mail.example.net", "a@good.policy.test",
        MSG_FROM("dm.timeout.test"), &r);
    ok(r.rc == MOD_TEMPFAIL && ph_has(&r.res, "POLICY_DMARC_TEMPERROR"),
       "DMARC record lookup times out: temperror, on_error tempfail");
    ph_msg_free(&r);
    snprintf(extra, sizeof(extra), "%son_error = accept\n", base);
    one(extra, "192.0.2.30", "mail.example.net", "a@good.policy.test",
        MSG_FROM("dm.timeout.test"), &r);
    ok(r.rc == MOD_CONTINUE && r.ar && strstr(r.ar, "dmarc=temperror") &&
           !strstr(r.ar, "dmarc=none"),
       "on_error accept: dmarc=temperror in A-R, never none");
    ph_msg_free(&r);
    one(base, "192.0.2.99", "mail.example.net", "a@good.policy.test",
        MSG_FROM("plain.policy.test"), &r);
    ok(r.rc == MOD_CONTINUE && strstr(r.ar, "dmarc=none"),
       "no DMARC record: none");
    ph_msg_free(&r);
    snprintf(extra, sizeof(extra), "%sdmarc_history = %s/history.jsonl\n", base,
             ph_dir());
    one(extra, "192.0.2.99", "mail.example.net", "a@good.policy.test",
        MSG_FROM("pnone.policy.test"), &r);
    ph_msg_free(&r);
    one(extra, "192.0.2.30", "mail.example.net", "a@good.policy.test",
        MSG_FROM("good.policy.test"), &r);
    ph_msg_free(&r);
    {
        char path[256], line[1024] = "", line2[1024] = "";
        FILE *f;

        snprintf(path, sizeof(path), "%s/history.jsonl", ph_dir());
        if ((f = fopen(path, "r")) != NULL) {
            if (fgets(line, sizeof(line), f) == NULL ||
                fgets(line2, sizeof(line2), f) == NULL)
                line2[0] = '\0';
            fclose(f);
        }
        ok(strstr(line, "\"from\":\"pnone.policy.test\"") &&
               strstr(line, "\"dmarc\":\"fail\"") &&
               strstr(line, "\"qid\":\"TESTQID\"") &&
               strstr(line2, "\"dmarc\":\"pass\"") &&
               strstr(line2, "\"spf_aligned\":1"),
           "DMARC history: one JSON line per message (%s)", flat(line));
    }
}

static void test_state(void)
{
    struct ph h = {0};
    struct ph_sess s;
    struct ph_msg r1, r2, r3;

    if (ph_open(&h, "spf_check = yes\ndmarc_check = yes\ndkim_check = yes\n"
                    "dnsbl_sites = bl.test\n") < 0)
        return;
    ph_connect(&s, &h, "192.0.2.30", "mail.example.net");
    ph_message(&s, "a@good.policy.test", RCPT,
               "DKIM-Signature: v=1; a=rsa-sha256; d=good.policy.test; s=x; "
               "h=from; bh=AAAA; b=BBBB\n" MSG_FROM("good.policy.test"),
               &r1);
    ph_message(&s, "b@plain.policy.test", RCPT, MSG_FROM("plain.policy.test"),
               &r2);
    ph_message(&s, "c@good.policy.test", RCPT, MSG_FROM("good.policy.test"),
               &r3);
    ok(r1.ar && strstr(r1.ar, "spf=pass") && strstr(r1.ar, "header.d=good") &&
           strstr(r1.ar, "dmarc=pass"),
       "message 1: spf pass, a DKIM signature, dmarc pass");
    ok(r2.ar && strstr(r2.ar, "spf=none smtp.mailfrom=b@plain.policy.test") &&
           !strstr(r2.ar, "good.policy.test") && strstr(r2.ar, "dkim=none") &&
           strstr(r2.ar, "dmarc=none"),
       "message 2 carries nothing of message 1 (%s)", flat(r2.ar));
    ok(r3.ar && strstr(r3.ar, "smtp.mailfrom=c@good") && !strstr(r3.ar, "b@plain"),
       "message 3 carries nothing of message 2");
    ok(!ph_has(&r2.res, "POLICY_SPF_PASS") && ph_has(&r2.res, "POLICY_SPF_NONE"),
       "symbols of message 2 are its own");
    ph_msg_free(&r1);
    ph_msg_free(&r2);
    ph_msg_free(&r3);
    ph_disconnect(&s);
    ph_close(&h);
}

static void test_access_relay(void)
{
    struct ph h = {0};
    struct ph_sess s;
    struct ph_msg r;
    char extra[600];
    const char *rc3[] = {"bob@rcpt.test", "nobody@rcpt.test",
                         "carol@elsewhere.example", NULL};

    if (ph_open(&h, NULL) < 0)
        return;
    snprintf(extra, sizeof(extra),
             "relay_check = yes\naccess_client = cidr:%s\n",
             ph_file(&h, "clients", "203.0.113.0/24 REJECT\n"
                                    "198.51.100.77 REJECT Go away, spammer\n"));
    snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
             "access_sender = addr:%s\n",
             ph_file(&h, "senders", "!robot-*@example.org x\n"
                                    "@example.org REJECT Not from you\n"
                                    "*@*.spam.example 554 5.7.9 No spam\n"));
    snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
             "access_recipient = addr:%s\n",
             ph_file(&h, "rcpts", "nobody@rcpt.test REJECT\n"));
    ph_close(&h);
    one(extra, "203.0.113.5", "mail.example.net", "a@good.policy.test", NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "550", "5.7.1", "Access denied"),
       "client REJECT: 550 5.7.1 Access denied at MAIL (%s)", r.reply.text);
    ph_msg_free(&r);
    one(extra, "198.51.100.77", "mail.example.net", "a@good.policy.test", NULL,
        &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "550", "5.7.1", "Go away, spammer"),
       "client REJECT with its text");
    ph_msg_free(&r);
    one(extra, "192.0.2.5", "x.example", "alice@example.org", NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "550", NULL, "Not from you"),
       "sender domain REJECT");
    ph_msg_free(&r);
    one(extra, "192.0.2.5", "x.example", "robot-7@example.org", NULL, &r);
    ok(r.rc == MOD_CONTINUE, "!robot-*@example.org exception");
    ph_msg_free(&r);
    one(extra, "192.0.2.5", "x.example", "a@mx.spam.example", NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "554", "5.7.9", "No spam"),
       "wildcard sender with an explicit reply");
    ph_msg_free(&r);
    if (ph_open(&h, extra) < 0)
        return;
    ph_connect(&s, &h, "192.0.2.5", "x.example");
    ph_message(&s, "a@good.policy.test", rc3, NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.naccepted == 1 &&
           r.rcpt_refused[1] == MOD_REJECT && r.rcpt_refused[2] == MOD_REJECT,
       "per recipient: access REJECT and relaying denied, the other delivered");
    ph_msg_free(&r);
    s.conn.auth_user = "alice";
    ph_message(&s, "a@good.policy.test", rc3 + 2, NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.naccepted == 1, "authenticated: may relay");
    ph_msg_free(&r);
    ph_disconnect(&s);
    ph_close(&h);
}

static void test_helo_iprev(void)
{
    struct ph_msg r;

    one("helo_check = yes\niprev_check = yes", "192.0.2.99", "localhost",
        "a@good.policy.test", NULL, &r);
    ok(ph_has(&r.res, "POLICY_HELO_NOT_FQDN") && ph_has(&r.res, "POLICY_IPREV_NONE") &&
           r.ar && strstr(r.ar, "iprev=fail"),
       "HELO not FQDN, no PTR: scored (%s)", flat(r.ar));
    ph_msg_free(&r);
    one("helo_check = yes\niprev_check = yes", "192.0.2.20", "mx.rcpt.test",
        "a@good.policy.test", NULL, &r);
    ok(ph_has(&r.res, "POLICY_HELO_IS_US") && strstr(r.ar, "iprev=pass") &&
           strstr(r.ar, "mail.sender.test"),
       "HELO claims to be us; iprev pass");
    ph_msg_free(&r);
    {
        char extra[300];

        snprintf(extra, sizeof(extra), "iprev_check = yes\ndynamic_ptr = pcre:%s\n",
                 ph_file(NULL, "dyn.pcre", "/^mail\\.sender\\.test$/ dynamic\n"));
        one(extra, "192.0.2.20", "mail.sender.test", "a@good.policy.test", NULL,
            &r);
        ok(ph_has(&r.res, "POLICY_DYNAMIC_PTR"), "dynamic PTR pattern scored");
        ph_msg_free(&r);
    }
}

/* ---- an SMTP server for call-backs: "unknown*" recipients get 550 ---- */
static int smtp_fd, smtp_port, smtp_conns;

static void smtp_line(int fd, char *buf, size_t size)
{
    size_t n = 0;

    while (n + 1 < size && read(fd, buf + n, 1) == 1 && buf[n] != '\n')
        n++;
    buf[n] = '\0';
}

static void *smtp_server(void *arg)
{
    char line[512];
    int c;

    (void)arg;
    while ((c = accept(smtp_fd, NULL, NULL)) >= 0) {
        smtp_conns++;
        dprintf(c, "220 cbv.test ESMTP\r\n");
        for (;;) {
            smtp_line(c, line, sizeof(line));
            if (line[0] == '\0' || strncmp(line, "QUIT", 4) == 0)
                break;
            if (strncmp(line, "EHLO", 4) == 0)
                dprintf(c, "250-cbv.test\r\n250 8BITMIME\r\n");
            else if (strncmp(line, "RCPT TO:<unknown", 16) == 0)
                dprintf(c, "550 5.1.1 <unknown>: Recipient address rejected: "
                           "User unknown\r\n");
            else
                dprintf(c, "250 2.1.0 Ok\r\n");
        }
        dprintf(c, "221 bye\r\n");
        close(c);
    }
    return NULL;
}

static void smtp_start(void)
{
    struct sockaddr_in a = {0};
    socklen_t l = sizeof(a);
    pthread_t t;

    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    smtp_fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(smtp_fd, (struct sockaddr *)&a, sizeof(a));
    listen(smtp_fd, 8);
    getsockname(smtp_fd, (struct sockaddr *)&a, &l);
    smtp_port = ntohs(a.sin_port);
    pthread_create(&t, NULL, smtp_server, NULL);
    pthread_detach(t);
}

static void test_cbv(void)
{
    struct ph h = {0};
    struct ph_msg r;
    char extra[400];
    const char *rcpts[] = {"bob@be.rcpt.test", "unknown-x@be.rcpt.test", NULL};
    struct ph_sess s;
    int before;

    smtp_start();
    {
        char line[64];

        snprintf(line, sizeof(line), "be.rcpt.test 127.0.0.1:%d\n", smtp_port);
        ph_file(&h, "rcptcbv", line);
        ph_file(&h, "cbv", "cbv.policy.test x\n");
    }
    snprintf(extra, sizeof(extra),
             "cbv_domains = domain:%s/cbv\ncbv_port = %d\ncbv_timeout = 3s\n"
             "rcpt_cbv = domain:%s/rcptcbv\n",
             ph_dir(), smtp_port, ph_dir());
    one(extra, "192.0.2.99", "mail.example.net", "unknown-a@cbv.policy.test",
        NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "550", "5.1.0", "User unknown"),
       "sender call-back: 5xx -> 550 5.1.0 quoting the server: %s",
       r.reply.text);
    ph_msg_free(&r);
    one(extra, "192.0.2.99", "mail.example.net", "alice@cbv.policy.test", NULL,
        &r);
    ok(r.rc == MOD_CONTINUE, "sender call-back: known address accepted");
    ph_msg_free(&r);
    before = smtp_conns;
    one(extra, "192.0.2.99", "mail.example.net", "unknown-a@cbv.policy.test",
        NULL, &r);
    ok(r.rc == MOD_REJECT && has_reply(&r, "550", "5.1.0", "User unknown") &&
           smtp_conns == before,
       "a second message: the cached answer, no new SMTP connection");
    ph_msg_free(&r);
    one(extra, "192.0.2.99", "mail.example.net", "ALICE@cbv.policy.test", NULL,
        &r);
    ok(r.rc == MOD_CONTINUE && smtp_conns == before,
       "positive result cached too (address case ignored)");
    ph_msg_free(&r);
    before = smtp_conns;
    one(extra, "192.0.2.99", "mail.example.net", "", NULL, &r);
    ok(r.rc == MOD_CONTINUE && smtp_conns == before,
       "never for the null sender");
    ph_msg_free(&r);
    if (ph_open(&h, extra) == 0) {
        ph_connect(&s, &h, "192.0.2.99", "mail.example.net");
        s.conn.mta_name = "mx.cbv.policy.test";
        before = smtp_conns;
        ph_message(&s, "unknown-b@cbv.policy.test", RCPT, NULL, &r);
        ok(r.rc == MOD_CONTINUE && smtp_conns == before,
           "never against ourselves (an MX named like our {j})");
        ph_msg_free(&r);
        s.conn.mta_name = "mx.rcpt.test";
        ph_message(&s, "alice@good.policy.test", rcpts, NULL, &r);
        ok(r.rc == MOD_CONTINUE && r.naccepted == 1 &&
               r.rcpt_refused[1] == MOD_REJECT &&
               has_reply(&r, "550", "5.1.1", "User unknown"),
           "recipient call-back: unknown user refused, the other accepted");
        ph_msg_free(&r);
        before = smtp_conns;
        ph_message(&s, "alice@good.policy.test", rcpts, NULL, &r);
        ok(r.naccepted == 1 && r.rcpt_refused[1] == MOD_REJECT &&
               smtp_conns == before,
           "recipient call-back cached: no new connection");
        ph_msg_free(&r);
        ph_disconnect(&s);
        ph_close(&h);
    }
}

static void test_inside(void)
{
    struct ph_msg r;

    one("sender_domain_check = yes\nspf_check = yes\ndmarc_check = yes",
        "127.0.0.1", "localhost", "a@nx.policy.test", NULL, &r);
    ok(r.rc == MOD_CONTINUE && r.res.n == 0,
       "internal client: inbound checks skipped");
    ph_msg_free(&r);
}

int main(void)
{
    ph_init();
    test_null();
    test_sender();
    test_spf();
    test_dnsbl();
    test_dmarc();
    test_state();
    test_access_relay();
    test_helo_iprev();
    test_cbv();
    test_inside();
    return done_testing();
}
