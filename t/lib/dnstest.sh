# t/lib/dnstest.sh - run one C unit test against a private unbound (bash).
#
# SYNOPSIS
#	. "$top_srcdir/t/lib/dnstest.sh"
#	dnstest_zones() { ...write more DIR/*.zone files into "$1"... }  (optional)
#	dnstest_run BLOCK PROGRAM [ARGS...]
#
# DESCRIPTION
#	dnstest_run starts, in a fresh directory $T, an unbound
#	(t/lib/unbound.sh) serving every t/data/dns/*.zone plus the zones
#	dnstest_zones writes, and t/lib/dnsdelay.py in front of it holding
#	back the answers for slow.test by 300 ms; runs
#	$top_builddir/PROGRAM with
#	    SLUICE_DNS_SERVER       127.0.0.1:PORT    (unbound)
#	    SLUICE_DNS_SLOW_SERVER  127.0.0.1:PORT+2  (the delaying forwarder)
#	    SLUICE_DNS_DIR          $T
#	then stops both and exits with the program's status (its TAP goes
#	to stdout untouched).  PORT is $SLUICE_DNS_PORT_BASE (28000) + 10 x
#	BLOCK: every test has its own block, so tests run in parallel.
#	$T is removed when the program passed, kept otherwise (named on
#	stderr).  A server that does not start is a failure ("Bail out!"),
#	never a skip.
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
. "$top_srcdir/t/lib/unbound.sh"

dnstest_cleanup() {
    [ -n "${DNSTEST_T:-}" ] || return 0
    dnsdelay_stop "$DNSTEST_T/delay"
    ubd_stop "$DNSTEST_T/ubd"
}

dnstest_run() {
    local block=$1 prog=$2 port rc
    shift 2
    port=$((${SLUICE_DNS_PORT_BASE:-28000} + 10 * block))
    DNSTEST_T=$(mktemp -d "${TMPDIR:-/tmp}/sluice-dnstest.$(basename "$prog").XXXXXX") ||
        { echo "Bail out! cannot make a directory"; exit 1; }
    trap dnstest_cleanup EXIT
    mkdir -p "$DNSTEST_T/zones"
    cp "$top_srcdir"/t/data/dns/*.zone "$DNSTEST_T/zones/" ||
        { echo "Bail out! no zone files in $top_srcdir/t/data/dns"; exit 1; }
    if declare -F dnstest_zones >/dev/null; then
        dnstest_zones "$DNSTEST_T/zones" ||
            { echo "Bail out! dnstest_zones failed"; exit 1; }
    fi
    ubd_start "$DNSTEST_T/ubd" "$port" "$DNSTEST_T/zones" ||
        { echo "Bail out! unbound did not start on 127.0.0.1:$port"; exit 1; }
    dnsdelay_start "$DNSTEST_T/delay" $((port + 2)) "$port" \
        --slow slow.test --delay 300 ||
        { echo "Bail out! dnsdelay.py did not start"; exit 1; }
    SLUICE_DNS_SERVER=127.0.0.1:$port \
        SLUICE_DNS_SLOW_SERVER=127.0.0.1:$((port + 2)) \
        SLUICE_DNS_DIR=$DNSTEST_T \
        "$top_builddir/$prog" "$@"
    rc=$?
    dnstest_cleanup
    trap - EXIT
    if [ "$rc" -eq 0 ]; then
        rm -rf "$DNSTEST_T"
    else
        echo "dnstest: kept $DNSTEST_T (unbound log, zones)" >&2
    fi
    exit "$rc"
}
