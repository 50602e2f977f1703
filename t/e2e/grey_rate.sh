#!/bin/bash
# e2e grey_rate: sluice-grey's rate limits through Postfix (the store and
# the answers do not depend on the MTA; t/e2e/grey.sh runs under both).
#
#   a burst over the limit gets the rule's answer from the first message
#   over it (451 4.7.1 at MAIL FROM), then the key is blocked for
#   block_for even under the limit, then released by itself; blocked
#   again, "sluicectl ratelimit unblock" releases it at once;
#   a stolen SASL account (XCLIENT LOGIN) is blocked after its limit, the
#   block logged once with the count and shown by sluicectl;
#   a per-recipient rule with action reject refuses that recipient only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/grey_lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need grey attach
C=192.0.2.20 R=192.0.2.21
e2e_client_addr $C $R
LAB_GREY_EXTRA='ratelimits = "burst key=client_ip count=messages limit=3/6s action=tempfail block_for=8s", "stolen key=sasl_user count=messages limit=5/1m block_for=1h", "rc key=recipient count=recipients limit=2/1m action=reject"'
export LAB_GREY_EXTRA
e2e_lab lab "grey attach"
D=${E2E_DIR[lab]}
TOO_MANY="451 4.7.1 Too many messages in a short time; please try again later."

# -- a burst ---------------------------------------------------------------------
T0=$(date +%s.%N)
for i in 1 2 3; do
    gsend lab "b$i" $C alice@sender.test "b$i@rcpt.test"
    t_is "$LAB_CODE" 250 "burst: message $i of 3 within the limit"
done
gsend lab b4 $C alice@sender.test b4@rcpt.test
t_is "$LAB_REPLY" "$TOO_MANY" "burst: the 4th gets the rule's answer"
t_like "$(sed -n '/^ -> MAIL FROM/,+1p' "$D/out/b4.swaks" | tail -n 1)" '^<\*\* 451 ' \
    "burst: answered at MAIL FROM"
t_ok "burst: the 4th is not delivered" not e2e_in_sink lab b4
t_ok "burst: the block is logged with the count" \
    grep -qF "grey: ratelimit burst: $C blocked for 8s: 4 messages in 6s (limit 3), action tempfail" "$D/log/sluice.log"
gsleep_until "$T0" 4
gsend lab b5 $C alice@sender.test b5@rcpt.test
t_is "$LAB_REPLY" "$TOO_MANY" "4 s later, under the limit (one every 2 s): still blocked"
t_ok "the blocked message is logged as such" \
    grep -qE "reason=\"ratelimit burst: $C: blocked for [0-9]+ more seconds\"" "$D/log/sluice.log"
out=$(gctl lab ratelimit list burst)
t_like "$out" "burst $C [0-9]+ 3 messages/6s by client_ip tempfail, block_for 8s [0-9]{4}-" \
    "sluicectl ratelimit list shows the block"
gsleep_until "$T0" 9
gsend lab b6 $C alice@sender.test b6@rcpt.test
t_is "$LAB_CODE" 250 "after block_for: released by itself"
for i in 7 8 9; do
    gsend lab "b$i" $C alice@sender.test "b$i@rcpt.test"
done
t_is "$LAB_REPLY" "$TOO_MANY" "a second burst: blocked again"
gctl lab ratelimit unblock burst $C >/dev/null
t_is "$GCTL_RC" 0 "sluicectl ratelimit unblock exits 0"
gsend lab b10 $C alice@sender.test b10@rcpt.test
t_is "$LAB_CODE" 250 "unblocked: the next message passes at once"
t_diag "burst, block and release took $(gsince "$T0") s"

# -- the stolen account -----------------------------------------------------------
sent=0
for i in $(seq 1 8); do
    e2e_msg "s$i" "Spam $i" "Bulk mail from a stolen account."
    e2e_send lab "s$i" --xclient-addr 198.18.7.$i --xclient-login alice@uni.test
    [ "$LAB_CODE" = 250 ] && sent=$((sent + 1))
done
t_is "$sent" 5 "stolen account: 5 of 8 messages (from 8 addresses) go out"
t_is "$LAB_REPLY" "$TOO_MANY" "stolen account: then the rule's answer"
t_is "$(grep -c 'grey: ratelimit stolen: alice@uni.test blocked for 3600s' "$D/log/sluice.log")" 1 \
    "stolen account: the block is logged once"
t_ok "stolen account: with the count" \
    grep -qF 'grey: ratelimit stolen: alice@uni.test blocked for 3600s: 6 messages in 60s (limit 5), action tempfail' "$D/log/sluice.log"
out=$(gctl lab ratelimit list)
t_like "$out" 'stolen alice@uni\.test [0-9]+ 5 messages/60s by sasl_user tempfail, block_for 3600s [0-9]{4}-' \
    "stolen account: sluicectl ratelimit list shows it"
e2e_msg s9 "Spam 9" "Another user of the same client is not blocked."
e2e_send lab s9 --xclient-addr 198.18.7.1 --xclient-login bob@uni.test
t_is "$LAB_CODE" 250 "another account on the same client passes"

# -- per recipient, reject ----------------------------------------------------------
gsend lab r1 $R carl@sender.test "x@rcpt.test,r1@rcpt.test"
gsend lab r2 $R carl@sender.test "x@rcpt.test,r2@rcpt.test"
gsend lab r3 $R carl@sender.test "x@rcpt.test,r3@rcpt.test"
t_is "$(grcpt lab r3 x@rcpt.test)" \
    "550 5.7.1 Too many messages in a short time; the message is refused." \
    "rc: the 3rd message to x@rcpt.test: 550 for that recipient"
t_like "$(grcpt lab r3 r3@rcpt.test)" '^250' "rc: the other recipient is accepted"
t_ok "rc: delivered to the other" gdelivered_ok lab r3
e2e_finish
