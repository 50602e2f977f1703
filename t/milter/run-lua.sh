#!/bin/sh
# run-lua.sh SCRIPT.lua - run one miltertest scenario against a freshly
# started milter, as TAP.
#
# The script's header names what it needs:
#   -- milter: sluice-attach        (binary under $top_builddir)
#   -- section: testmod             (the module's section; default attach)
#   -- enforce: yes|no              ([section] enforce, default yes)
#   -- conf: extra lines            (appended to [section]; repeatable)
#   -- common: extra lines          (appended to [common]; repeatable)
# In conf and common lines, @DIR@ is the scenario's private directory.
# The milter runs in the foreground (-f) on its own unix socket in a
# private directory.  At the end it is stopped with SIGTERM (the socket is
# poked so that libmilter's listener notices at once) so that the
# sanitizers' exit-time checks (LeakSanitizer) run; any sanitizer report
# is a failed case.  A milter that does not start, a missing miltertest
# or a scenario that dies is a failure, never a skip.
set -u
script=$1
: "${top_builddir:=.}" "${top_srcdir:=.}"
name=$(basename "$script" .lua)
fail() {
    echo "not ok 1 - $name: $*"
    echo "1..1"
    exit 0
}
command -v miltertest >/dev/null 2>&1 ||
    fail "miltertest is not installed (apt-get install miltertest)"
milter=$(sed -n 's/^-- milter: *//p' "$script" | head -n 1)
section=$(sed -n 's/^-- section: *//p' "$script" | head -n 1)
enforce=$(sed -n 's/^-- enforce: *//p' "$script" | head -n 1)
bin=$top_builddir/$milter
[ -n "$milter" ] && [ -x "$bin" ] || fail "no milter binary '$milter' in $top_builddir"
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-mt-$name.XXXXXX")
chmod 755 "$dir"
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$dir"
}
trap cleanup EXIT
head -c 48 /dev/urandom > "$dir/secret"
chmod 600 "$dir/secret"
{
    echo "[common]"
    echo "secret_file = $dir/secret"
    echo "log_file = $dir/milter.log"
    echo "score_reject = 15"
    grep -q '^-- common: *store_path' "$script" || echo "store_path = $dir/store.db"
    sed -n 's/^-- common: *//p' "$script" | sed "s|@DIR@|$dir|g"
    echo "[${section:-attach}]"
    echo "enforce = ${enforce:-yes}"
    sed -n 's/^-- conf: *//p' "$script" | sed "s|@DIR@|$dir|g"
} > "$dir/sluice.conf"
sock=$dir/milter.sock
ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$dir/san" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$dir/san" \
    "$bin" -f -c "$dir/sluice.conf" -p "unix:$sock" 2>"$dir/stderr" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05; i=$((i + 1))
done
[ -S "$sock" ] || fail "$milter did not start: $(head -c 300 "$dir/stderr")"
miltertest -D SOCK="unix:$sock" -D LIB="$top_srcdir/t/milter/lib.lua" \
    -D SECRET="$dir/secret" -D LOG="$dir/milter.log" \
    -D CONF="$dir/sluice.conf" -D PID="$pid" -D DIR="$dir" \
    -s "$script" > "$dir/tap"
rc=$?
# Stop: SIGTERM, then wake libmilter's listener so that it exits now.
kill -TERM "$pid" 2>/dev/null
/usr/bin/python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX)
try: s.connect(sys.argv[1])
except OSError: pass' "$sock" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1))
done
wait "$pid" 2>/dev/null
pid=
# The scenario's cases, renumbered so that the harness's own come after.
n=$(grep -cE '^(not )?ok ' "$dir/tap")
grep -vE '^1\.\.[0-9]+$' "$dir/tap"
if [ $rc -ne 0 ]; then
    n=$((n + 1))
    echo "not ok $n - miltertest exited $rc"
    sed 's/^/# /' "$dir/milter.log" "$dir/stderr" 2>/dev/null | tail -n 30
fi
n=$((n + 1))
if ls "$dir"/san* >/dev/null 2>&1; then
    echo "not ok $n - no sanitizer report from $milter"
    sed 's/^/# /' "$dir"/san* | head -n 40
else
    echo "ok $n - no sanitizer report from $milter"
fi
echo "1..$n"
exit 0
