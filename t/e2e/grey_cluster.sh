#!/bin/bash
# e2e grey_cluster: two MX hosts sharing one Redis.  Two labs, each its
# own Postfix with its own sluice-grey (and sluice-attach) on its own
# sockets, both with store_backend = redis on one private redis-server
# (t/lib/redis.sh, no persistence):
#
#   a triplet deferred by mx1 is "too early" on mx2, and its retry
#   through mx2 after the delay passes with X-Greylist;
#   a rate limit counts the messages of both (2 + 2, the 5th over, on
#   either), the block is seen by both, and "sluicectl ratelimit unblock"
#   with either host's configuration releases it on both;
#   sluicectl on either host lists the same triplets.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/grey_lib.sh"
. "$top_srcdir/t/lib/redis.sh"

e2e_private_net "$@"
e2e_init
e2e_need grey attach
C=192.0.2.30 R=192.0.2.31
e2e_client_addr $C $R
grey_redis_start
LAB_CONF_common="store_backend = redis
store_redis = 127.0.0.1:$(cat "$T/redis/port")"
LAB_GREY_DELAY=3s
LAB_GREY_EXTRA='ratelimits = "sum key=client_ip count=messages limit=4/1m block_for=1m"'
export LAB_GREY_DELAY LAB_GREY_EXTRA
e2e_lab mx1 "grey attach"
e2e_lab mx2 "grey attach"

# -- one triplet, two hosts ----------------------------------------------------------
T0=$(date +%s.%N)
gsend mx1 first $C alice@sender.test a@grey.rcpt.test
t_is "$LAB_REPLY" "451 4.7.1 Greylisted: please try again in 3 seconds." \
    "mx1: a new triplet is deferred"
gsend mx2 early $C alice@sender.test a@grey.rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 Greylisted: please try again in [1-3] seconds\.$' \
    "mx2: the same triplet, before the delay: deferred with what is left"
t_ok "mx2 found mx1's triplet (too early, not new)" \
    grep -qF 'greylisted (early): 192.0.2.0/24 <alice@sender.test> <a@grey.rcpt.test>' \
    "${E2E_DIR[mx2]}/log/sluice.log"
gsleep_until "$T0" 3.3
gsend mx2 retry $C alice@sender.test a@grey.rcpt.test
t_is "$LAB_CODE" 250 "mx2: the retry after the delay passes"
t_like "$(lab_header "$(gdelivered mx2 retry)" X-Greylist)" '^Delayed for 00:00:0[3-9] by sluice-grey-' \
    "mx2: with X-Greylist"
gsend mx1 known $C alice@sender.test a@grey.rcpt.test
t_is "$LAB_CODE" 250 "mx1: the triplet mx2 passed is known"
out1=$(gctl mx1 grey list)
out2=$(gctl mx2 grey list)
t_like "$out1" 'triplet 192\.0\.2\.0/24 alice@sender\.test a@grey\.rcpt\.test passed ' \
    "sluicectl (mx1's configuration) lists the triplet as passed"
t_is "$out2" "$out1" "sluicectl with mx2's configuration lists the same"

# -- one rate limit, two hosts --------------------------------------------------------
n=0
for i in 1 2 3 4; do
    lab=mx$(( (i % 2) + 1 ))
    gsend "$lab" "r$i" $R bob@sender.test "r$i@rcpt.test"
    [ "$LAB_CODE" = 250 ] && n=$((n + 1))
done
t_is "$n" 4 "rate limit 4/1m: 2 messages through each host pass"
gsend mx1 r5 $R bob@sender.test r5@rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 Too many messages' "the 5th, through mx1: over the sum"
t_ok "the block is logged once, by the host that started it" \
    grep -qF "grey: ratelimit sum: $R blocked for 60s: 5 messages in 60s (limit 4)" \
    "${E2E_DIR[mx1]}/log/sluice.log"
gsend mx2 r6 $R bob@sender.test r6@rcpt.test
t_like "$LAB_REPLY" '^451 4\.7\.1 Too many messages' "the 6th, through mx2: blocked too"
t_ok "mx2 did not log a second start of the block" \
    not grep -q "grey: ratelimit sum: $R blocked for" "${E2E_DIR[mx2]}/log/sluice.log"
gctl mx2 ratelimit unblock sum $R >/dev/null
t_is "$GCTL_RC" 0 "sluicectl ratelimit unblock with mx2's configuration"
gsend mx1 r7 $R bob@sender.test r7@rcpt.test
t_is "$LAB_CODE" 250 "mx1 sees the block gone at once"
t_diag "cluster e2e took $(gsince "$T0") s"
e2e_finish
