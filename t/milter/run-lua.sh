#!/bin/sh
# run-lua.sh SCRIPT.lua - run one miltertest scenario against a freshly
# started milter, as TAP.
#
# The script's header names what it needs:
#   -- milter: sluice-attach        (binary under $top_builddir)
#   -- enforce: yes|no              ([attach] enforce, default yes)
#   -- conf: extra lines            (appended to [attach]; repeatable)
# The milter runs in the foreground (-f) on its own unix socket in a
# private directory, and is killed at the end.
set -u
script=$1
: "${top_builddir:=.}" "${top_srcdir:=.}"
name=$(basename "$script" .lua)
if ! command -v miltertest >/dev/null 2>&1; then
    echo "1..0 # SKIP miltertest not installed (apt-get install miltertest)"
    exit 0
fi
milter=$(sed -n 's/^-- milter: *//p' "$script" | head -n 1)
enforce=$(sed -n 's/^-- enforce: *//p' "$script" | head -n 1)
bin=$top_builddir/$milter
[ -x "$bin" ] || { echo "1..0 # SKIP $milter not built"; exit 0; }
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
    echo "[attach]"
    echo "enforce = ${enforce:-yes}"
    sed -n 's/^-- conf: *//p' "$script"
} > "$dir/sluice.conf"
sock=$dir/milter.sock
"$bin" -f -c "$dir/sluice.conf" -p "unix:$sock" 2>"$dir/stderr" &
pid=$!
i=0
while [ ! -S "$sock" ] && [ $i -lt 200 ]; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05; i=$((i + 1))
done
if [ ! -S "$sock" ]; then
    echo "1..0 # SKIP $milter did not start: $(head -c 300 "$dir/stderr")"
    exit 0
fi
miltertest -D SOCK="unix:$sock" -D LIB="$top_srcdir/t/milter/lib.lua" \
    -D SECRET="$dir/secret" -D LOG="$dir/milter.log" \
    -D CONF="$dir/sluice.conf" -D PID="$pid" -s "$script"
rc=$?
if [ $rc -ne 0 ]; then
    echo "not ok - miltertest exited $rc"
    sed 's/^/# /' "$dir/milter.log" "$dir/stderr" 2>/dev/null | tail -n 30
fi
exit 0
