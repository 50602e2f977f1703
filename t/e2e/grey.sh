#!/bin/bash
# e2e grey: greylisting through the real MTA (Postfix, and Sendmail from
# t/e2e/sendmail/grey.sh), the lab's chain sluice-grey -> sluice-attach
# with the lab's own greylisting policy (t/lab/sluice.sh
# lab_policy_grey: recipients in grey.rcpt.test only, auto-whitelisting
# after 3 triplets) with a 4-second delay, and an unbound for the SPF
# records of t/data/grey/grey.test.zone.  Clients come from TEST-NET and
# benchmark addresses put on lo (swaks --local-interface: both MTAs).
#
#   first try: 451 4.7.1 per recipient (the other recipients delivered);
#   a retry before the delay: 451 again; after it: 250, X-Greylist;
#   auto-whitelisted after 3 delivered triplets of a network;
#   an exempt network and (Postfix, XCLIENT LOGIN) an authenticated client
#   pass at once; the null sender is deferred after DATA, then passes;
#   SPF-domain mode: a retry from another network of the same SPF-passing
#   domain passes, one from another network without SPF does not;
#   sluicectl grey list reads what the milter wrote.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/t/lib/unbound.sh"
. "$(dirname "$0")/grey_lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need grey attach
command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] ||
    bail_out "unbound is not installed"
A=192.0.2.10 SPF1=198.51.100.40 SPF2=203.0.113.40 NOSPF1=198.51.100.41
NOSPF2=203.0.113.41 AWL=198.18.1.1 AWL2=198.18.1.99 NULL=198.18.0.10
EXEMPT=198.18.9.9
e2e_client_addr $A $SPF1 $SPF2 $NOSPF1 $NOSPF2 $AWL $AWL2 $NULL $EXEMPT
DNS_PORT=$((E2E_BLOCK + 8))
mkdir -p "$T/zones" && cp "$top_srcdir/t/data/grey/grey.test.zone" "$T/zones/"
ubd_start "$T/ubd" "$DNS_PORT" "$T/zones" || bail_out "unbound did not start"
trap 'rc=$?; ubd_stop "$T/ubd"; (exit $rc); e2e_cleanup' EXIT
printf '198.18.9.0/24 exempt\n' >"$T/exempt.cidr"
chmod 644 "$T/exempt.cidr"
LAB_CONF_common="dns_servers = 127.0.0.1:$DNS_PORT"
LAB_GREY_DELAY=4s
LAB_GREY_EXTRA="spf_domain = yes
exempt_clients = cidr:$T/exempt.cidr"
export LAB_GREY_DELAY LAB_GREY_EXTRA
e2e_lab lab "grey attach"
D=${E2E_DIR[lab]}

T0=$(date +%s.%N)
# -- first tries: deferred per recipient ---------------------------------------
gsend lab first $A alice@sender.test "a@grey.rcpt.test,b@grey.rcpt.test,first@rcpt.test"
t_is "$(grcpt lab first a@grey.rcpt.test)" \
    "451 4.7.1 Greylisted: please try again in 4 seconds." \
    "first try: 451 4.7.1 for a greylisted recipient, with the wait"
t_like "$(grcpt lab first b@grey.rcpt.test)" '^451 4\.7\.1 ' \
    "first try: 451 4.7.1 for the second greylisted recipient"
t_like "$(grcpt lab first first@rcpt.test)" '^250' \
    "first try: a recipient outside grey.rcpt.test gets 250"
t_is "$LAB_CODE" 250 "first try: the message is accepted for that one"
t_ok "first try: delivered to the other recipient" gdelivered_ok lab first
t_ok "first try: the deferral is logged with the triplet" \
    grep -qF 'action=tempfail score=0.00 reason="recipient <a@grey.rcpt.test>: greylisted (new): 192.0.2.0/24 <alice@sender.test> <a@grey.rcpt.test>, retry in 4s"' "$D/log/sluice.log"

gsend lab early $A alice+tag@sender.test a@grey.rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 Greylisted: please try again in [1-4] seconds\.$' \
    "a retry before the delay (sender with a +tag): 451 again"
t_ok "the early retry is not delivered" not e2e_in_sink lab early

gsend lab null $NULL "<>" n@grey.rcpt.test
t_like "$(grcpt lab null n@grey.rcpt.test)" '^250' \
    "null sender: RCPT is not refused"
t_like "$LAB_REPLY" '^451 4\.7\.1 Greylisted: please try again in 4 seconds\.$' \
    "null sender: deferred after DATA"
t_ok "null sender: not delivered" not e2e_in_sink lab null

for i in 1 2 3; do
    gsend lab "awl$i" $AWL carol@sender.test "awl$i@grey.rcpt.test"
done
t_like "$LAB_CODE" '^451$' "auto-whitelisting: 3 new triplets of 198.18.1.0/24 deferred"

gsend lab spf1 $SPF1 bob@pool.grey.test s@grey.rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 ' "SPF domain: first try from $SPF1 deferred"
gsend lab nospf1 $NOSPF1 bob@nospf.grey.test s@grey.rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 ' "no SPF: first try from $NOSPF1 deferred"

gsend lab exempt $EXEMPT alice@sender.test x@grey.rcpt.test
t_is "$LAB_CODE" 250 "an exempt network passes at once"
t_like "$(gverdict lab exempt)" 'GREY_EXEMPT\(0\.00\)\[exempt_client\]' \
    "exempt: GREY_EXEMPT in the verdict"
if [ "$E2E_MTA" = postfix ]; then
    gsend lab auth 127.0.0.1 alice@sender.test y@grey.rcpt.test \
        --xclient-addr 198.18.8.8 --xclient-login alice
    t_is "$LAB_CODE" 250 "an authenticated client (XCLIENT LOGIN) passes at once"
    t_like "$(gverdict lab auth)" 'GREY_EXEMPT\(0\.00\)\[authenticated\]' \
        "authenticated: GREY_EXEMPT in the verdict"
fi

# -- after the delay -------------------------------------------------------------
gsleep_until "$T0" 4.3
gsend lab retry $A prvs=0123456789=alice@Sender.TEST "a@grey.rcpt.test,b@grey.rcpt.test"
t_is "$LAB_CODE" 250 "after the delay (BATV tag, case): the retry passes"
f=$(gdelivered lab retry)
x=$(lab_header "${f:-/dev/null}" X-Greylist)
t_like "$x" '^Delayed for 00:00:0[4-9] by sluice-grey-[^ ]+ \(mx\.lab\.test\.example \[[0-9.]+\]\); [A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} ' \
    "X-Greylist in milter-greylist's format: $x"
t_like "$(gverdict lab retry)" 'GREY_DELAYED\(0\.00\)\[[4-9]s\]' \
    "GREY_DELAYED in the verdict"
e2e_check_headers lab "$f" "retry"
gsend lab known $A alice@sender.test a@grey.rcpt.test
t_is "$LAB_CODE" 250 "the next message of the triplet passes"
t_is "$(lab_header "$(gdelivered lab known)" X-Greylist)" "" \
    "a known triplet: no X-Greylist"

gsend lab null2 $NULL "<>" n@grey.rcpt.test
t_is "$LAB_CODE" 250 "null sender: the retry after the delay passes"
t_ok "null sender: delivered" gdelivered_ok lab null2

for i in 1 2 3; do
    gsend lab "awlr$i" $AWL carol@sender.test "awl$i@grey.rcpt.test"
    t_is "$LAB_CODE" 250 "auto-whitelisting: triplet $i passes after the delay"
done
gsend lab awlnew $AWL2 dave@sender.test new@grey.rcpt.test
t_is "$LAB_CODE" 250 "after 3 delivered triplets: a new triplet of the network passes at once"
t_like "$(gverdict lab awlnew)" 'GREY_AWL\(0\.00\)\[198\.18\.1\.0/24\]' \
    "auto-whitelisted: GREY_AWL in the verdict"

gsend lab spf2 $SPF2 bob@pool.grey.test s@grey.rcpt.test
t_is "$LAB_CODE" 250 "SPF domain: the retry from $SPF2 (another /24, same SPF domain) passes"
gsend lab nospf2 $NOSPF2 bob@nospf.grey.test s@grey.rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 ' \
    "no SPF: a retry from another network is a new triplet (451)"

# -- what the store holds, through sluicectl ------------------------------------
out=$(gctl lab grey list)
t_like "$out" \
    'triplet 192\.0\.2\.0/24 alice@sender\.test a@grey\.rcpt\.test passed ' \
    "sluicectl grey list: the passed triplet"
t_like "$out" \
    'triplet spf:pool\.grey\.test bob@pool\.grey\.test s@grey\.rcpt\.test passed ' \
    "sluicectl grey list: the SPF-domain triplet"
t_like "$out" \
    'auto-whitelist 198\.18\.1\.0/24 whitelisted \(3 delivered\)' \
    "sluicectl grey list: the auto-whitelisted network"
t_diag "greylisting e2e took $(gsince "$T0") s"
e2e_finish
