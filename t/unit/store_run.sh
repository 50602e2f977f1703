#!/bin/bash
# store_run.sh PROGRAM PORT - run the store test PROGRAM (t/unit/PROGRAM in
# the build tree) against two private redis-servers started with
# t/lib/redis.sh: a plain one on PORT (or the next free port) and one with
# a random requirepass on PORT+5, each also on a unix socket.  Their
# directories and the password reach the program in STORE_TEST_REDIS,
# STORE_TEST_REDIS_AUTH and STORE_TEST_PASSWORD; STORE_TEST_HELPER names
# redis.sh, which the program runs to kill, restart and stop a server.
# Both servers are stopped (and waited for) on exit, whatever happened.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}" "${top_builddir:=.}"
. "$top_srcdir/t/lib/redis.sh"
prog=$1 port=$2
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-redis.XXXXXX") || exit 1
pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
cleanup() {
    redis_stop "$dir/plain"
    redis_stop "$dir/auth"
    rm -rf "$dir"
}
trap cleanup EXIT
if ! redis_start "$dir/plain" "$port" ||
    ! redis_start "$dir/auth" $((port + 5)) "$pw"; then
    echo "not ok 1 - redis-server starts (package redis-server installed?)"
    echo "1..1"
    exit 1
fi
STORE_TEST_REDIS=$dir/plain STORE_TEST_REDIS_AUTH=$dir/auth \
    STORE_TEST_PASSWORD=$pw STORE_TEST_HELPER=$top_srcdir/t/lib/redis.sh \
    "$top_builddir/t/unit/$prog"
