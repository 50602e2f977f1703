#!/bin/bash
# e2e grey_faults: sluice-grey's store fails under load, through Postfix.
#
# Redis: a stream of 40 messages (one SMTP session each) whose every
# message reads and writes the store (a rate-limit rule counts each);
# redis-server is killed (SIGKILL) after the 10th answer and started
# again (empty: no persistence) after the 25th.  Every message gets 250
# or the on_error answer (451 4.3.0); none is accepted unchecked (no 250
# for a message sent while Redis was down, no delivered message with
# GREY_TEMPFAIL); none is lost (every 250 is in the sink); after the
# restart the messages are checked again without restarting the milter
# (same worker PID), at the latest when the store's back-off lets it try
# Redis again (5 s at most), and the time that took is reported.
#
# sqlite: another process holds the database's write lock for 3 s, longer
# than store_timeout (300 ms): a message in that time gets 451 4.3.0 and
# the log says "database is locked"; once the lock is gone it passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/grey_lib.sh"
. "$top_srcdir/t/lib/redis.sh"

e2e_private_net "$@"
e2e_init
e2e_need grey attach
C=192.0.2.40 L=192.0.2.41
e2e_client_addr $C $L
grey_redis_start
RULE='ratelimits = "all key=client_ip count=messages limit=1000/1m"'
LAB_CONF_common="store_backend = redis
store_redis = 127.0.0.1:$(cat "$T/redis/port")
store_timeout = 500ms"
LAB_GREY_EXTRA=$RULE
export LAB_GREY_EXTRA
e2e_lab redis "grey attach"
LAB_CONF_common="store_timeout = 300ms"
e2e_lab sqlite "grey attach"
DR=${E2E_DIR[redis]} DS=${E2E_DIR[sqlite]}
ON_ERROR="451 4.3.0 Temporary problem checking this message; please try again later."

# -- Redis killed mid-run ------------------------------------------------------------
worker=$(lab_milter_workers "$DR" grey)
N=40
stream() {
    local i t
    for i in $(seq 1 $N); do
        e2e_msg "m$i" "Stream $i" "Message $i of the stream."
        t=$(date +%s.%N)
        lab_send "$DR" "${E2E_PORT[redis]}" "m$i" "$T/msg/m$i.eml" \
            --local-interface $C --from alice@sender.test >/dev/null 2>&1
        printf '%s %s %s|%s\n' "$i" "$t" "$(date +%s.%N)" "$LAB_REPLY" >>"$T/stream"
    done
}
answered() { [ "$(wc -l <"$T/stream" 2>/dev/null || echo 0)" -ge "$1" ]; }
: >"$T/stream"
stream &
spid=$!
LAB_WAIT=60 lab_wait answered 10
t_ok "redis killed after the 10th answer" redis_kill "$T/redis"
killed=$(date +%s.%N)
LAB_WAIT=60 lab_wait answered 25
# Redis is down until redis_restart begins: a message checked while it
# starts (before it returns) may rightly pass.
restarting=$(date +%s.%N)
t_ok "redis started again after the 25th" redis_restart "$T/redis"
restarted=$(date +%s.%N)
wait "$spid"
ok=0 tf=0 other=0 first_ok=
while IFS='|' read -r head reply; do
    read -r i start end <<<"$head"
    case $reply in
    "250 "*)
        ok=$((ok + 1))
        if awk -v s="$start" -v e="$end" -v k="$killed" -v r="$restarting" \
            'BEGIN { exit !(s > k && e < r) }'; then
            t_diag "m$i accepted while Redis was down"
            other=$((other + 1))
        fi
        if [ -z "$first_ok" ] && awk -v e="$end" -v r="$restarted" 'BEGIN { exit !(e > r) }'; then
            first_ok=$(awk -v e="$end" -v r="$restarted" 'BEGIN { printf "%.2f", e - r }')
        fi ;;
    "$ON_ERROR") tf=$((tf + 1)) ;;
    *) other=$((other + 1)); t_diag "m$i: $reply" ;;
    esac
done <"$T/stream"
t_diag "stream: $ok accepted, $tf on_error (451 4.3.0), $other other; Redis down for $(awk -v k="$killed" -v r="$restarted" 'BEGIN { printf "%.2f", r - k }') s"
t_is "$((ok + tf)):$other" "$N:0" "every message got 250 or the on_error answer, none 250 while Redis was down"
t_ok "the messages while Redis was down got 451 4.3.0 (at least 10)" [ "$tf" -ge 10 ]
# The store retries a lost Redis at most every 100 ms, backing off to 5 s
# while it stays down (store.h): a message in the back-off still gets
# on_error.  The first one after it is checked again.
if [ -z "$first_ok" ]; then
    for i in $(seq 1 100); do
        e2e_msg "after$i" "After" "After the restart."
        lab_send "$DR" "${E2E_PORT[redis]}" "after$i" "$T/msg/after$i.eml" \
            --local-interface $C --from alice@sender.test >/dev/null 2>&1
        if [ "$LAB_CODE" = 250 ]; then
            first_ok=$(awk -v r="$restarted" -v now="$(date +%s.%N)" \
                'BEGIN { printf "%.2f", now - r }')
            break
        fi
        [ "$LAB_REPLY" = "$ON_ERROR" ] || t_diag "after$i: $LAB_REPLY"
        sleep 0.1
    done
fi
t_diag "the first 250 came ${first_ok:-never} s after the restart"
t_ok "after the restart messages are checked again, within the store's back-off (5 s)" \
    awk -v f="${first_ok:-99}" 'BEGIN { exit !(f + 0 <= 5.5) }'
t_is "$(lab_milter_workers "$DR" grey)" "$worker" "without restarting the milter (same worker)"
lost=0 unchecked=0
for i in $(seq 1 $N); do
    grep -q "^$i .*|250 " "$T/stream" || continue
    f=$(e2e_delivered redis "m$i") || { lost=$((lost + 1)); continue; }
    lab_header "$f" X-Sluice-Verdict | grep -q GREY_TEMPFAIL && unchecked=$((unchecked + 1))
done
t_is "$lost" 0 "none lost: every 250 is in the sink"
t_is "$unchecked" 0 "no delivered message carries GREY_TEMPFAIL"
t_ok "the failures are logged with the store's reason" \
    grep -qE 'grey: check could not run: redis 127\.0\.0\.1:[0-9]+: .*\(on_error=tempfail\)' "$DR/log/sluice.log"
t_ok "the loss and the return of Redis are logged" \
    grep -qE 'store: redis 127\.0\.0\.1:[0-9]+ available again' "$DR/log/sluice.log"
t_ok "GREY_TEMPFAIL with the reason in the summary lines" \
    grep -qE 'action=tempfail .*symbols=GREY_TEMPFAIL\(0\.00\)\[redis' "$DR/log/sluice.log"

# -- sqlite locked past store_timeout ------------------------------------------------------
/usr/bin/python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
time.sleep(3)' "$DS/run/store.db" "$T/locked" &
lpid=$!
LAB_WAIT=10 lab_wait test -f "$T/locked"
t0=$(date +%s.%N)
gsend sqlite l1 $L alice@sender.test l1@grey.rcpt.test
t_is "$LAB_REPLY" "$ON_ERROR" "sqlite locked for longer than store_timeout: on_error (451 4.3.0)"
t_diag "answered in $(gsince "$t0") s"
t_ok "sqlite locked: not delivered" not e2e_in_sink sqlite l1
t_ok "sqlite locked: logged with the reason" \
    grep -qE 'grey: check could not run: sqlite .*: database is locked \(waited [0-9]+ of 300 ms\) \(on_error=tempfail\)' "$DS/log/sluice.log"
wait "$lpid"
gsend sqlite l2 $L alice@sender.test l2@grey.rcpt.test
t_is "$LAB_REPLY" "451 4.7.1 Greylisted: please try again in 10 seconds." \
    "the lock gone: the store answers again (a new triplet)"
e2e_finish
