#!/bin/bash
# ctl_grey.sh - sluicectl grey and sluicectl ratelimit, every subcommand,
# against both backends: an sqlite file and a private redis-server
# (t/lib/redis.sh).  The state is seeded in the documented key format
# (store.h KEY FORMAT: the sqlite table, the Redis hashes) as the milter
# writes it, then read and changed through sluicectl; exit codes as
# sluicectl(8) lists them (0, 1 not found, 64 usage, 69 store down).
: "${top_builddir:=.}" "${top_srcdir:=.}"
. "$top_srcdir/t/lib/redis.sh"
PY=/usr/bin/python3
CTL=$top_builddir/sluicectl
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
# has TEXT PART: PART is in TEXT, runs of blanks counted as one
has() {
    case $(printf '%s' "$1" | tr -s ' ') in
    *"$(printf '%s' "$2" | tr -s ' ')"*) return 0 ;;
    esac
    return 1
}
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-ctlgrey.XXXXXX")
cleanup() { redis_stop "$dir/redis"; rm -rf "$dir"; }
trap cleanup EXIT
head -c 48 /dev/urandom >"$dir/secret"
chmod 600 "$dir/secret"
if ! redis_start "$dir/redis" 31120 >/dev/null 2>&1; then
    echo "not ok 1 - redis-server starts"
    echo "1..1"
    exit 0
fi
port=$(cat "$dir/redis/port")
now=$(date +%s)

conf() { # FILE BACKEND-LINES
    cat >"$1" <<EOC
[common]
secret_file = $dir/secret
$2
[grey]
auto_whitelist = 3
ratelimits = "out key=sasl_user count=messages limit=2/10m block_for=1h", "ip key=client_ip count=messages limit=5/1m"
EOC
}
conf "$dir/sqlite.conf" "store_path = $dir/grey.db"
conf "$dir/redis.conf" "store_backend = redis
store_redis = 127.0.0.1:$port"

# KEY VALUE TTL: one entry, as the milter writes it.
seed_sqlite() {
    "$PY" - "$dir/grey.db" "$1" "$2" "$3" <<'EOP'
import sqlite3, sys, time
db, key, val, ttl = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
c = sqlite3.connect(db, isolation_level=None)
c.execute("INSERT OR REPLACE INTO store (key, value, expires) VALUES (?, ?, ?)",
          (key, val.encode(), int(time.time()) + ttl))
EOP
}
seed_redis() {
    redis_cli "$dir/redis" HSET "sluice:$1" v "$2" exp $((now + $3)) >/dev/null
}

run() { # BACKEND ARGS...: out, rc
    local b=$1
    shift
    out=$("$CTL" -c "$dir/$b.conf" "$@" 2>&1)
    rc=$?
}

for b in sqlite redis; do
    # the store exists once sluicectl opened it (sqlite creates the file)
    run "$b" grey list
    t $(( rc != 0 )) "$b: grey list on an empty store exits 0"
    t "$( has "$out" "type" && [ "$(echo "$out" | wc -l)" = 1 ]; echo $? )" \
        "$b: an empty store: the header line alone"
    seed_$b "grey/t/192.0.2.0/24/alice@example.org/bob@example.net" "$((now - 10)) 0" 3600
    seed_$b "grey/t/192.0.2.0/24/carl@example.org/bob@example.net" "$((now - 900)) $((now - 300))" 86400
    seed_$b "grey/a/198.51.100.0/24" "3" 86400
    seed_$b "rl/c/out/alice" "$((now + 600)).000" 700
    seed_$b "rl/b/out/alice" "$now 3" 3600

    run "$b" grey list
    t $(( rc != 0 )) "$b: grey list exits 0"
    t "$( has "$out" "192.0.2.0/24  alice@example.org  bob@example.net  waiting"; echo $? )" \
        "$b: grey list shows the waiting triplet"
    t "$( has "$out" "carl@example.org  bob@example.net  passed "; echo $? )" \
        "$b: grey list shows the passed one"
    t "$( has "$out" "auto-whitelist  198.51.100.0/24"; echo $? )" \
        "$b: grey list shows the auto-whitelist count"
    t "$( has "$out" "whitelisted (3 delivered)"; echo $? )" \
        "$b: 3 delivered with auto_whitelist = 3: whitelisted"
    run "$b" grey list 198.51.100.77
    t "$( ! has "$out" "alice" && has "$out" "198.51.100.0/24"; echo $? )" \
        "$b: grey list CLIENT (an address): only that network"
    run "$b" --json grey list
    t "$(echo "$out" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if len(d)==3 and d[0]["type"] and "state" in d[0] else 1)'; echo $?)" \
        "$b: --json grey list: a JSON array of 3 objects"

    run "$b" grey show 192.0.2.55 prvs=1234567890=alice@EXAMPLE.org bob@example.net
    t $(( rc != 0 )) "$b: grey show (address, BATV sender, case): found, exit 0"
    t "$( has "$out" "waiting"; echo $? )" "$b: grey show: waiting"
    run "$b" grey show 192.0.2.55 nobody@example.org bob@example.net
    t $(( rc != 1 )) "$b: grey show of an unknown triplet exits 1 (got $rc)"

    run "$b" grey whitelist 192.0.2.55 alice@example.org bob@example.net
    t "$( [ "$rc" = 0 ] && has "$out" "passed"; echo $? )" \
        "$b: grey whitelist TRIPLET: passed from now on"
    run "$b" grey whitelist 203.0.113.9
    t "$( [ "$rc" = 0 ] && has "$out" "203.0.113.0/24" && has "$out" "whitelisted (3 delivered)"; echo $? )" \
        "$b: grey whitelist CLIENT: the network is auto-whitelisted"

    run "$b" grey delete 192.0.2.55 alice@example.org bob@example.net
    t "$( [ "$rc" = 0 ] && has "$out" "grey/t/192.0.2.0/24/alice@example.org/bob@example.net"; echo $? )" \
        "$b: grey delete TRIPLET exits 0 and names it"
    run "$b" grey show 192.0.2.55 alice@example.org bob@example.net
    t $(( rc != 1 )) "$b: the deleted triplet is gone"
    run "$b" grey delete 192.0.2.1
    t "$( [ "$rc" = 0 ] && has "$out" "carl@example.org"; echo $? )" \
        "$b: grey delete CLIENT: every triplet of the network"
    run "$b" grey delete 192.0.2.1
    t $(( rc != 1 )) "$b: grey delete CLIENT again: nothing there, exit 1"
    run "$b" grey delete 203.0.113.9
    t "$( [ "$rc" = 0 ] && has "$out" "grey/a/203.0.113.0/24"; echo $? )" \
        "$b: grey delete CLIENT removes its auto-whitelist count"

    run "$b" grey frobnicate
    t $(( rc != 64 )) "$b: an unknown grey subcommand exits 64"
    run "$b" grey show 192.0.2.1 only@two.args
    t $(( rc != 64 )) "$b: grey show with two arguments exits 64"

    run "$b" ratelimit list
    t "$( [ "$rc" = 0 ] && has "$out" "out   alice  2      2 messages/600s by sasl_user  tempfail, block_for 3600s"; echo $? )" \
        "$b: ratelimit list: the counter (2 of 2) and the rule"
    t "$( has "$out" "$(date -d "@$((now + 3600))" '+%Y-%m-%d %H:%M')"; echo $? )" \
        "$b: ratelimit list: blocked for an hour"
    run "$b" ratelimit reset out alice
    t "$( [ "$rc" = 0 ] && has "$out" "alice  0 "; echo $? )" \
        "$b: ratelimit reset: the counter is gone, the block stays"
    run "$b" ratelimit reset out alice
    t $(( rc != 1 )) "$b: ratelimit reset again: no counter, exit 1"
    run "$b" ratelimit unblock out alice
    t "$( [ "$rc" = 0 ] && ! has "$out" "alice"; echo $? )" \
        "$b: ratelimit unblock: released"
    run "$b" ratelimit unblock out alice
    t $(( rc != 1 )) "$b: ratelimit unblock again: nothing there, exit 1"
    run "$b" ratelimit block ip 192.0.2.7 5m
    t "$( [ "$rc" = 0 ] && has "$out" "ip    192.0.2.7" && has "$out" "$(date -d "@$((now + 300))" '+%Y-%m-%d %H:')"; echo $? )" \
        "$b: ratelimit block RULE KEY 5m"
    run "$b" --json ratelimit list ip
    t "$(echo "$out" | "$PY" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if len(d)==1 and d[0]["key"]=="192.0.2.7" and d[0]["blocked_until"] != "-" else 1)'; echo $?)" \
        "$b: --json ratelimit list RULE"
    run "$b" ratelimit block nosuch 192.0.2.7
    t $(( rc != 64 )) "$b: an unknown rule exits 64"
    run "$b" ratelimit block ip 192.0.2.7 soon
    t $(( rc != 64 )) "$b: a bad duration exits 64"
    run "$b" ratelimit frob
    t $(( rc != 64 )) "$b: an unknown ratelimit subcommand exits 64"
done

# The store cannot be used: 69, with the store's reason.
cat >"$dir/down.conf" <<EOC
[common]
secret_file = $dir/secret
store_backend = redis
store_redis = 127.0.0.1:1
store_timeout = 300ms
[grey]
EOC
out=$("$CTL" -c "$dir/down.conf" grey list 2>&1); rc=$?
t "$( [ "$rc" = 69 ] && has "$out" "127.0.0.1:1"; echo $? )" \
    "Redis down: grey list exits 69 with the reason (got $rc)"
out=$("$CTL" -c "$dir/down.conf" ratelimit unblock x y 2>&1); rc=$?
t $(( rc != 64 )) "Redis down: an unknown rule is still a usage error"
cat >"$dir/nodir.conf" <<EOC
[common]
secret_file = $dir/secret
store_path = $dir/no/such/dir/grey.db
[grey]
ratelimits = "x key=client_ip count=messages limit=1/1m"
EOC
out=$("$CTL" -c "$dir/nodir.conf" ratelimit list 2>&1); rc=$?
t $(( rc != 69 )) "sqlite file that cannot be opened: 69 (got $rc: $out)"
redis_kill "$dir/redis"
out=$("$CTL" -c "$dir/redis.conf" ratelimit list 2>&1); rc=$?
t $(( rc != 69 )) "the cluster's Redis killed: ratelimit list exits 69 (got $rc)"
echo "1..$n"
