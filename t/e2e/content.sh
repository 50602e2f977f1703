#!/bin/bash
# e2e: sluice-content through real Postfix, in the chain content -> attach
# (attach enforcing).  DLP: an authenticated submission (XCLIENT LOGIN=)
# with five personnummer to an external recipient is tagged, in the body
# and in a text attachment; the same from outside, or to a recipient inside
# local_domains, is not looked at.  GTUBE gets the configured reject;
# a phishing link and a domain listed on a URI blocklist (the lab's
# unbound, t/lab/dns.sh, serving its zone dbl.lab.test) are tagged; a
# message whose client, sender, URL host and attachment are MISP
# indicators (imported with sluicectl) gets four symbols, and the
# sightings are read back with sluicectl.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need content attach
command -v sluicectl >/dev/null 2>&1 || PATH=$top_builddir:$PATH

# -- the lab's DNS server (t/lab/dns.sh: its sample zones, dbl.lab.test
# among them) for the URI list, and the MISP set ---------------------------
DNS_PORT=$((E2E_BLOCK + 8))
mkdir -p "$T/out/run"
lab_dns_start "$T/out" "$DNS_PORT" || bail_out "the lab's unbound did not start"
trap 'rc=$?; lab_dns_stop "$T/out"; (exit $rc); e2e_cleanup' EXIT
mkdir -p "$T/misp" && chown postfix:postfix "$T/misp"
lab_secret_write "$T/ctl.secret"
printf '[common]\nsecret_file = %s\n' "$T/ctl.secret" >"$T/ctl.conf"
out=$("$top_builddir/sluicectl" -c "$T/ctl.conf" misp import -o "$T/misp/misp.set" \
    "$top_srcdir/t/data/content/misp-feed" 2>&1)
t_like "$out" "misp.set +1 +4" "sluicectl misp import writes the set (1 event, 4 indicators)"
chmod 644 "$T/misp/misp.set"

CONTENT="dlp_action = tag
sa_rules = /usr/share/spamassassin
uribl = dbl.lab.test=127.0.1.[2..10]*3
misp_indicators = $T/misp/misp.set
misp_sightings = $T/misp/sightings.jsonl"
LAB_CONF_common="dns_servers = 127.0.0.1:$DNS_PORT
dns_timeout = 500ms
local_domains = sender.test
json_log_file = $T/out/log/sluice.json"
LAB_CONF_content=$CONTENT
e2e_lab out "content attach"
LAB_CONF_common="local_domains = sender.test rcpt.test"
e2e_lab inside "content attach"

verdict_of() { e2e_verdict "$1" "$2"; }

# -- DLP ---------------------------------------------------------------------
PNR="Hej, här är listan med personnummer:
811228-9874, 670919-9530, 880320-0016, 8803200073 och 19880320-0099."
e2e_msg dlpauth "Lista" "$PNR"
e2e_send out dlpauth --xclient-addr 198.51.100.7 --xclient-login alice
t_is "$LAB_CODE" 250 "authenticated submission with 5 personnummer: accepted (tag)"
v=$(verdict_of out dlpauth)
t_like "$v" 'DLP_SE_PNR\(5\.00\)\[count=5\]' "delivered copy: X-Sluice-Verdict has DLP_SE_PNR, count=5"
line=$(grep -F "detector=se_pnr" "$T/out/log/sluice.log" | tail -n 1)
t_like "$line" 'count=5 .*sample=19\*{10} action=tag' "logged with the count and a masked sample"
t_lacks "$(cat "$T/out/log/sluice.log")" "811228-9874" "no full number anywhere in the log"
ev=$(grep -F '"event":"dlp"' "$T/out/log/sluice.json" | head -n 1)
t_like "$ev" '"detector":"se_pnr","count":"5",.*"sample":"19\*{10}","action":"tag"' \
    "a JSON event names the detector, the count, the part and a masked sample"
t_lacks "$(cat "$T/out/log/sluice.json")" "811228" "no full number in the JSON log"

e2e_msg dlpdoc "Lista" "Se bilagan." "$S/pnr.txt|text/plain|lista.txt"
e2e_send out dlpdoc --xclient-addr 198.51.100.7 --xclient-login alice
t_like "$(verdict_of out dlpdoc)" 'DLP_SE_PNR' "the same numbers in a text attachment: DLP_SE_PNR"

e2e_msg dlpin "Lista" "$PNR"
e2e_send out dlpin --xclient-addr 198.51.100.7
t_is "$LAB_CODE" 250 "inbound from outside: accepted"
t_unlike "$(verdict_of out dlpin)" 'DLP_' "inbound from outside: no DLP symbol"

e2e_msg dlpint "Lista" "$PNR"
e2e_send inside dlpint --xclient-addr 198.51.100.7 --xclient-login alice
t_is "$LAB_CODE" 250 "to a recipient inside local_domains: accepted"
t_unlike "$(verdict_of inside dlpint)" 'DLP_' "to a recipient inside: no DLP symbol"

# -- GTUBE ---------------------------------------------------------------------
{ printf 'X-Lab-Id: gtube\n'; cat "$SLUICE_TESTDATA/spamassassin-samples/sample-spam.txt"; } \
    >"$T/msg/gtube.eml"
e2e_send out gtube
t_like "$LAB_REPLY" '^550 5\.7\.1 ' "GTUBE: rejected with 550 5.7.1 (score_reject)"
t_like "$(e2e_summary out gtube attach)" 'action=reject .*GTUBE\(1000\.00\)' \
    "GTUBE: the enforcer's summary shows GTUBE(1000)"
t_ok "GTUBE: not delivered" not e2e_in_sink out gtube

# -- URLs ----------------------------------------------------------------------
cat >"$T/msg/phish.eml" <<'MSG'
From: Bank <service@bank.example>
To: <phish@rcpt.test>
Subject: Your account
X-Lab-Id: phish
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<p>Log in at <a href="https://login.evil-bank.test/x">https://www.bank.example/login</a></p>
MSG
e2e_send out phish --xclient-addr 198.51.100.7
t_like "$(verdict_of out phish)" 'CONTENT_PHISHING\(5\.00\)\[login\.evil-bank\.test\]' \
    "an anchor showing another domain: CONTENT_PHISHING"

e2e_msg uribl "Offer" "Cheap watches at http://www.evil.example/shop today."
e2e_send out uribl --xclient-addr 198.51.100.7
t_like "$(verdict_of out uribl)" 'CONTENT_URIBL\(3\.00\)\[evil\.example\.dbl\.lab\.test\]' \
    "a domain listed on the lab's URI list (dbl.lab.test, unbound): CONTENT_URIBL"

# -- MISP ----------------------------------------------------------------------
printf 'sluice MISP test attachment\n' >"$T/invoice.txt"
LAB_MSG_HEADERS='Reply-To: <phisher@badsender.example>' \
    e2e_msg misp "Invoice" "Pay here: http://evil-host.example/pay" \
    "$T/invoice.txt|text/plain|invoice.txt"
e2e_send out misp --xclient-addr 192.0.2.55 --from phisher@badsender.example
t_like "$LAB_REPLY" '^550 5\.7\.1 ' "MISP: four indicators (4 x 10) are rejected by the score"
v=$(e2e_summary out misp attach)
for s in MISP_IP MISP_DOMAIN MISP_EMAIL MISP_HASH; do
    t_like "$v" "$s\\([0-9.]+\\)\\[event=4711:Sluice_test_campaign\\]" "MISP: $s names event 4711"
done
out=$("$top_builddir/sluicectl" -c "$T/ctl.conf" misp sightings -f "$T/misp/sightings.jsonl" 2>&1)
t_is "$(printf '%s\n' "$out" | grep -c sluice-content)" 4 "sluicectl misp sightings reads four sightings back"
t_like "$out" '192\.0\.2\.55' "  the client address among them"

e2e_finish
