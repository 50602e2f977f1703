#!/bin/bash
# e2e: sluice-policy through the MTA (Postfix; t/e2e/sendmail/policy.sh:
# Sendmail), chained before sluice-attach (which enforces), with the lab's
# DNS server (t/lab/dns.sh) and its sample zones.  Clients come from
# documentation ranges, addresses added to lo in the test's own network
# namespace (swaks --local-interface; Sendmail has no XCLIENT): SPF fail, DMARC
# p=reject, a DNSBL listing, sender NXDOMAIN / SERVFAIL / timeout, DMARC
# temperror, relaying denied, access-map REJECT with its text, per-recipient
# refusal, a forged Authentication-Results removed, a DKIM-signed message
# (RFC 6376/8463 vector) passing, internal and authenticated clients, and
# several messages per connection without state leaking between them.
. "$(dirname "$0")/lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need policy attach
e2e_client_addr 192.0.2.30 192.0.2.50 192.0.2.51 192.0.2.77 192.0.2.99 192.0.2.199
cat >"$T/senders" <<'MAP'
# access_sender for this test
!robot-*@plain.policy.test  x
@plain.policy.test          REJECT Mail from plain.policy.test is not wanted here
MAP
chmod 644 "$T/senders"
# a second Postfix (under both MTAs): the "sender's mail server" for
# call-backs, which knows only the users of $T/cbvpf/rcpts in cbv.policy.test
E2E_LAB_MTA=postfix e2e_lab cbvpf ""
P=${E2E_DIR[cbvpf]}
printf 'alice@cbv.policy.test x\n' >"$P/rcpts"
PATH=$PATH:/usr/sbin postconf -c "$P/postfix/etc" -e \
    "relay_domains = cbv.policy.test" \
    "relay_recipient_maps = texthash:$P/rcpts" \
    "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination" &&
    PATH=$PATH:/usr/sbin postfix -c "$P/postfix/etc" reload >/dev/null 2>&1
cbv_conns() { grep -c 'postfix/smtpd.*: connect from' "$P/log/maillog" 2>/dev/null; }
# the second Postfix logged as many disconnects as connects (postlogd
# writes asynchronously: count only once the log has caught up)
cbv_settled() {
    local c d
    c=$(cbv_conns)
    d=$(grep -c 'postfix/smtpd.*: disconnect from' "$P/log/maillog" 2>/dev/null)
    [ "${c:-0}" -gt 0 ] && [ "$c" = "$d" ]
}
printf 'cbv.policy.test x\n' >"$T/cbvdomains"
chmod 644 "$T/cbvdomains" "$P/rcpts"
LAB_CONF_policy="$(lab_policy_policy)
access_sender = addr:$T/senders
cbv_domains = domain:$T/cbvdomains
cbv_port = ${E2E_PORT[cbvpf]}
cbv_timeout = 5s"
e2e_lab lab "policy attach"
D=${E2E_DIR[lab]}

# send ID ADDR FROM [SWAKS_ARGS...]: one message from client ADDR
send() {
    local id=$1 addr=$2 from=$3
    shift 3
    [ -f "$T/msg/$id.eml" ] || e2e_msg "$id" "$id" "Policy test message $id."
    e2e_send lab "$id" --local-interface "$addr" --from "$from" "$@"
}

ar_of() { # ID: the delivered copy's Authentication-Results headers
    local f
    f=$(e2e_delivered lab "$1") || return 1
    lab_header "$f" Authentication-Results
}

# 1. a plain message from outside: below every threshold, delivered
send plain 192.0.2.50 alice@sender.test
t_is "$LAB_CODE" 250 "unlisted client, no PTR, SPF none, no DMARC: accepted"
ar=$(ar_of plain)
t_like "$ar" '^mx\.lab\.test\.example; iprev=fail .*spf=none .*dmarc=none' \
    "one Authentication-Results with iprev, spf and dmarc"

# 2. SPF fail -> the configured reply (spf_fail_action = reject)
send spffail 192.0.2.99 a@good.policy.test
t_like "$LAB_REPLY" '^550 5\.7\.23 .*192\.0\.2\.99.*good\.policy\.test' "SPF fail: 550 5.7.23"

# 3. SPF pass, DMARC pass
LAB_MSG_FROM="Alice <a@good.policy.test>" e2e_msg spfpass spfpass "SPF pass."
send spfpass 192.0.2.30 a@good.policy.test
t_is "$LAB_CODE" 250 "SPF pass, DMARC pass: accepted"
f=$(e2e_delivered lab spfpass)
t_like "$(lab_header "${f:-/dev/null}" Authentication-Results)" \
    'spf=pass smtp\.mailfrom=a@good\.policy\.test.*dmarc=pass \(p=reject\)' \
    "A-R: spf=pass, dmarc=pass"
t_like "$(lab_header "${f:-/dev/null}" Received-SPF)" '^pass .*identity=mailfrom' \
    "Received-SPF names the identity"

# 4. DMARC p=reject failure: SPF passes for an unaligned envelope domain
LAB_MSG_FROM="Alice <a@good.policy.test>" e2e_msg dmarcrej dmarcrej "DMARC."
send dmarcrej 192.0.2.30 a@bounce.strict.policy.test
t_like "$LAB_REPLY" '^550 5\.7\.1 .*DMARC policy of good\.policy\.test' \
    "DMARC p=reject fail: 550"

# 5. DNSBL listed -> 554 naming the list and its lookup URL
send dnsbl 192.0.2.199 alice@sender.test
t_like "$LAB_REPLY" '^554 5\.7\.1 .*listed by bl\.lab\.test.*https://lab\.test/bl\?ip=192\.0\.2\.199' \
    "DNSBL: 554 naming the list"

# 6. sender domain: NXDOMAIN, SERVFAIL, timeout (within the DNS budget)
send nx 192.0.2.50 a@nx.policy.test
t_like "$LAB_REPLY" '^550 5\.1\.8 ' "sender NXDOMAIN: 550 5.1.8"
send sfail 192.0.2.50 a@x.servfail.test
t_like "$LAB_REPLY" '^451 4\.4\.3 ' "sender SERVFAIL: 451 4.4.3"
t0=$(lab_now_us)
send tmo 192.0.2.50 a@x.timeout.test
dt=$(( ($(lab_now_us) - t0) / 1000 ))
t_like "$LAB_REPLY" '^451 4\.4\.3 ' "sender domain times out: 451 4.4.3"
t_ok "within the DNS budget (${dt} ms < 9000)" test "$dt" -lt 9000

# 7. DMARC record times out: temperror -> on_error tempfail (never none)
LAB_MSG_FROM="Alice <a@dm.timeout.test>" e2e_msg dmtmo dmtmo "DMARC timeout."
send dmtmo 192.0.2.30 a@good.policy.test
t_like "$LAB_REPLY" '^451 ' "DMARC lookup times out: 451 (on_error tempfail)"
t_ok "logged as a DMARC temperror" grep -q 'DMARC record lookup failed' "$D/log/sluice.log"

# 8. relaying denied, and per recipient: the local one is delivered
send relay 192.0.2.50 alice@sender.test --to carol@elsewhere.example
t_like "$LAB_REPLY" '^550 5\.7\.1 .*Relaying denied' "relaying denied: 550 5.7.1"
send mixed 192.0.2.50 alice@sender.test --to mixed@rcpt.test,carol@elsewhere.example
t_is "$LAB_CODE" 250 "one recipient refused, the message accepted for the other"
t_ok "delivered to the local recipient" e2e_delivered lab mixed
t_ok "the refusal is logged with the queue ID" \
    grep -q 'carol@elsewhere.example' "$D/log/sluice.log"

# 9. access map REJECT with its text; an exception
send access 192.0.2.50 bob@plain.policy.test
# (Sendmail puts "<address>... " before the text)
t_like "$LAB_REPLY" '^550 5\.7\.1 (<[^>]*>\.\.\. )?Mail from plain\.policy\.test is not wanted here' \
    "access map REJECT with its text"
send robot 192.0.2.50 robot-1@plain.policy.test
t_is "$LAB_CODE" 250 "!robot-*@ exception accepted"

# 10. a forged Authentication-Results claiming our authserv-id is removed
LAB_MSG_HEADERS="Authentication-Results: mx.lab.test.example; spf=pass smtp.mailfrom=forged@evil.example" \
    e2e_msg forgedar forgedar "Forged A-R."
send forgedar 192.0.2.50 alice@sender.test
ar=$(ar_of forgedar)
t_lacks "$ar" "forged@evil.example" "forged A-R with our authserv-id is gone"
t_is "$(printf '%s\n' "$ar" | grep -c .)" 1 "exactly one Authentication-Results (ours)"

# 11. a DKIM-signed message (RFC 6376/8463: ed25519 and rsa) passes
td=${SLUICE_TESTDATA:-$top_srcdir/../shared/testdata}
{ echo "X-Lab-Id: dkimsig"; cat "$td/dkim-dkimpy/rfc6376.signed.msg"; } >"$T/msg/dkimsig.eml"
send dkimsig 192.0.2.30 a@good.policy.test --to dkimsig@rcpt.test
ar=$(ar_of dkimsig)
t_like "$ar" 'dkim=pass header\.d=football\.example\.com header\.s=brisbane' \
    "DKIM ed25519-sha256 pass"
t_like "$ar" 'dkim=pass header\.d=football\.example\.com header\.s=test' \
    "DKIM rsa-sha256 pass"

# 12. internal (loopback) and authenticated clients skip the inbound checks
e2e_msg inside inside "From loopback."
e2e_send lab inside --from a@nx.policy.test
t_is "$LAB_CODE" 250 "loopback client: inbound checks skipped"
if [ "$E2E_MTA" = postfix ]; then
    # XCLIENT LOGIN= (Postfix only): an authenticated client
    e2e_msg authd authd "Authenticated."
    e2e_send lab authd --xclient-addr 192.0.2.99 --xclient-login alice \
        --xclient-optional --from a@good.policy.test \
        --to carol@elsewhere.example,authd@rcpt.test
    t_is "$LAB_CODE" 250 "authenticated client: no SPF refusal, may relay"
fi

# 13. several messages on one connection, different senders: no leak
LAB_MSG_FROM="Alice <a@good.policy.test>" e2e_msg conn1 conn1 "First."
e2e_msg conn2 conn2 "Second."
# one session from 192.0.2.30 (swaks sends one message per session and
# bash's /dev/tcp cannot bind a source address: python3's smtplib can)
/usr/bin/python3 - "${E2E_PORT[lab]}" "$T/msg/conn1.eml" "$T/msg/conn2.eml" >"$T/conn.out" 2>&1 <<'PY'
import smtplib, sys
port, m1, m2 = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = smtplib.SMTP("127.0.0.1", port, source_address=("192.0.2.30", 0), timeout=60)
s.ehlo("client.sender.test")
codes = []
for frm, rcpt, f in (("a@good.policy.test", "conn1@rcpt.test", m1),
                     ("b@sender.test", "conn2@rcpt.test", m2)):
    try:
        data = open(f, "rb").read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        s.sendmail(frm, [rcpt], data)
        codes.append("250")
    except smtplib.SMTPException as e:
        print("%s: %r" % (rcpt, e))
        codes.append(str(getattr(e, "smtp_code", "err")))
try:
    s.quit()
except smtplib.SMTPException:
    pass
print("/".join(codes))
PY
t_is "$(tail -n 1 "$T/conn.out")" 250/250 "two messages on one connection accepted" ||
    t_diag "$(cat "$T/conn.out")"
a1=$(ar_of conn1)
a2=$(ar_of conn2)
t_like "$a1" 'spf=pass smtp\.mailfrom=a@good\.policy\.test.*dmarc=pass' "message 1: spf and dmarc pass"
t_like "$a2" 'spf=none smtp\.mailfrom=b@sender\.test.*dmarc=none header\.from=sender\.test' \
    "message 2: its own results"
t_lacks "$a2" "good.policy.test" "message 2 carries nothing of message 1"

# 15. call-back verification against the second Postfix, cached
send cbv1 192.0.2.50 nobody@cbv.policy.test
t_like "$LAB_REPLY" '^550 5\.1\.0 .*nobody@cbv\.policy\.test.*User unknown' \
    "CBV: the sender's server says 550 -> 550 5.1.0 quoting it"
lab_wait cbv_settled
n1=$(cbv_conns)
send cbv2 192.0.2.50 nobody@cbv.policy.test
t_like "$LAB_REPLY" '^550 5\.1\.0 ' "CBV: a second message refused too"
sleep 0.5
lab_wait cbv_settled
t_is "$(cbv_conns)" "$n1" "the second message made no new SMTP connection (cached)"
send cbv3 192.0.2.50 alice@cbv.policy.test
t_is "$LAB_CODE" 250 "CBV: a known sender is accepted"

# 14. a zone dropped into D/dns/ is served after a reload, below "test."
cat >"$D/dns/kvarn.test.zone" <<'ZONE'
$ORIGIN kvarn.test.
$TTL 300
@   IN SOA ns.kvarn.test. hostmaster.kvarn.test. 1 3600 600 86400 60
@   IN NS  ns
@   IN A   192.0.2.77
@   IN TXT "v=spf1 ip4:192.0.2.77 " "-all"
ZONE
lab_dns_reload "$D" "$LAB_DNS_PORT" 2>/dev/null
t_like "$(dig +short +time=2 +tries=1 -p "$LAB_DNS_PORT" @127.0.0.1 kvarn.test TXT)" \
    'v=spf1 ip4:192.0.2.77 " "-all' "a dropped zone is served after lab_dns_reload"
send kvarn 192.0.2.77 a@kvarn.test
t_is "$LAB_CODE" 250 "mail from the dropped zone's permitted address: SPF pass"
t_like "$(ar_of kvarn)" 'spf=pass smtp\.mailfrom=a@kvarn\.test' "A-R spf=pass for kvarn.test"

e2e_finish
