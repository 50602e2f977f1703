# t/e2e/grey_lib.sh - what the sluice-grey end-to-end tests share (bash),
# sourced after t/e2e/lib.sh by t/e2e/grey*.sh.
#
#	gsend LAB ID CLIENT FROM TO[,TO...] [SWAKS_ARGS...]
#	        one message from CLIENT (an address on lo; swaks
#	        --local-interface, both MTAs) with envelope FROM and TO;
#	        LAB_CODE, LAB_REPLY as e2e_send
#	grcpt LAB ID ADDR     the reply to RCPT TO:<ADDR> in ID's transcript
#	gdelivered LAB ID     the delivered file of ID (waits up to 10 s; the
#	                      recipients are not ID@rcpt.test, so the sink is
#	                      searched for "X-Lab-Id: ID")
#	gdelivered_ok LAB ID  the same, as a status
#	gverdict LAB ID       the delivered copy's X-Sluice-Verdict
#	gctl LAB ARGS...      sluicectl with the lab's configuration; its
#	                      output (stdout and stderr) with runs of blanks
#	                      squeezed, status in GCTL_RC
#	grey_redis_start      (after e2e_init; needs t/lib/redis.sh) a
#	                      redis-server in $T/redis on port E2E_BLOCK+8,
#	                      stopped at exit with the labs

gsend() {
    local lab=$1 id=$2 client=$3 from=$4 to=$5
    shift 5
    e2e_msg "$id" "Greylisting $id" "A message of the sluice-grey tests."
    e2e_send "$lab" "$id" --local-interface "$client" --from "$from" \
        --to "$to" "$@"
}

grcpt() {
    awk -v a="RCPT TO:<$3>" '
        /^ -> / { mine = (substr($0, 5) == a); next }
        mine && /^(<-  |<\*\* )/ { print substr($0, 5); exit }
    ' "${E2E_DIR[$1]}/out/$2.swaks"
}

gsink_file() {
    grep -l -x -F "X-Lab-Id: $2" "${E2E_DIR[$1]}"/sink/* 2>/dev/null | head -n 1
}

gsink_has() { [ -n "$(gsink_file "$1" "$2")" ]; }

gdelivered() { LAB_WAIT=10 lab_wait gsink_has "$1" "$2" && gsink_file "$1" "$2"; }

gdelivered_ok() { gdelivered "$1" "$2" >/dev/null; }

gverdict() {
    local f
    f=$(gdelivered "$1" "$2") || return 1
    lab_header "$f" X-Sluice-Verdict | tail -n 1
}

gctl() {
    local lab=$1
    shift
    GCTL_OUT=$("$top_builddir/sluicectl" -c "${E2E_DIR[$lab]}/sluice.conf" \
        "$@" 2>&1)
    GCTL_RC=$?
    printf '%s\n' "$GCTL_OUT" | tr -s ' '
}

# gsince T0: seconds since T0 (date +%s.%N), one decimal.
gsince() {
    awk -v t0="$1" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - t0 }'
}

# gsleep_until T0 SECONDS: sleep until SECONDS after T0.
gsleep_until() {
    sleep "$(awk -v t0="$1" -v s="$2" -v now="$(date +%s.%N)" \
        'BEGIN { w = t0 + s - now; print (w > 0 ? w : 0) }')"
}

grey_redis_start() {
    redis_start "$T/redis" $((E2E_BLOCK + 8)) >"$T/redis.out" 2>&1 ||
        bail_out "redis-server did not start: $(cat "$T/redis.out")"
    trap 'rc=$?; redis_stop "$T/redis"; (exit $rc); e2e_cleanup' EXIT
}
