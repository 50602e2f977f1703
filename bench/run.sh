#!/bin/bash
# run.sh -- Sluice's benchmark: Postfix alone vs. milters, one sitting.
#
# Builds a throw-away Postfix (own config, queue and data directories under
# /var/tmp/sluice-bench.XXXXXX, no chroot, smtpd on 127.0.0.1:PORT, every
# message relayed to `smtp-sink -c` on 127.0.0.1:PORT+1), drives N messages
# at concurrency C into it with `smtp-source`, waits until the sink has all
# of them and prints msgs/s and CPU ms/msg per process tree (the Postfix
# master and its children, each milter, the sink).  A run PASSes only when
# the sink counted exactly W+N messages (W = warm-up), the dump holds W+N
# messages each carrying the header(s) of every milter of the run, Postfix
# logged W+N accepted and W+N sent, and nothing was rejected, deferred or
# left in the queue.  Every configuration runs once per round, in a rotated
# order, ROUNDS times; lib/summary.py prints medians, min-max and ratios
# against "none" and "null" of the same set.
#
# Sets and configurations (-s):
#   main  C sessions, N messages of msg/bench.eml (12.7 KB text+HTML+PDF):
#         none       Postfix alone
#         null       bench/null-milter (unix socket, adds one header)
#         null-x4    four null milters chained (four processes)
#         chain      the Sluice chain, one process per milter (-k)
#         attach     sluice-attach alone, unix socket, enforce = no (adds
#                    its one X-Sluice-Result header, like null adds one)
#         all        sluice-milter, every module in one process
#   two   two Sluice modules, at C/N: chain2 = t/sluice-testmod then
#         sluice-attach (enforcing), two processes; all2 =
#         t/sluice-milter-test, the same two modules in one process.
#         (Test-only programs, from "make check"; skipped if not built.)
#         Its ratios are against main's none and null.
#   zip   the same at C/N, but one message in ten is msg/bench-zip.eml
#         (two smtp-source processes, 9/10 and 1/10 of the messages and
#         sessions): none-zip, null-zip, attach-zip
#   c1    concurrency 1, N1 messages: none-c1, null-c1-unix, null-c1-inet
#         (libmilter default), null-c1-inet-nodelay (null-milter -N),
#         null-c1-inet-nr-nodelay (-N -R: no replies, no DATA),
#         null-c1-inet-nrdata-nodelay (-N -R -D: DATA answered, as Sluice does),
#         attach-c1-unix, attach-c1-inet, all-c1-unix, all-c1-inet
#   grey  distinct triplets: GN messages at concurrency C, each to a new
#         recipient (smtp-source -N), so that every message is a triplet
#         sluice-grey has never seen: none-grey, null-grey, grey
#         (sluice-grey alone, not enforcing), chain-grey (sluice-grey ->
#         sluice-attach, attach enforcing).  sluice-grey runs with
#         delay 0 (a new triplet is written and passes at once), no
#         auto-whitelisting, loopback not exempt, one rate-limit rule
#         counting every message of the client (one hot GCRA key), an
#         sqlite store in the work directory, pass_lifetime GL (default
#         60s) and the sweeper every 10 s: the store's rows and bytes at
#         the end of each run are reported (bounded by expiry, not by N).
#         Not in the default sets (100,000 messages take ~10 minutes a
#         run); its ratios are against its own none-grey and null-grey.
#   bomb  not timed in rounds: after them, a fresh sluice-attach (enforce =
#         yes; then again with archive_max_ratio = 0) gets two bench
#         messages and three of each zip bomb of lib/bomb.py, one SMTP
#         session each: the reply, the time from the end of DATA to the
#         reply, the milter's CPU and its peak RSS (VmHWM).
#   content  (set "content") sluice-content with the heavy configuration:
#         the DLP detectors (tag), 1,000 PCRE2 rules (lib/rules1000.py),
#         Debian's SpamAssassin rules (/usr/share/spamassassin), clamd with
#         the tiny test database (t/lib/clamd.sh, started for the sitting)
#         and the YARA sets of ../shared/testdata (SLUICE_TESTDATA):
#         none-ct, null-ct   Postfix alone, the null milter (references)
#         content            sluice-content alone, enforce = no
#         chain-content      sluice-content -> sluice-attach (enforcing)
#         all-content        sluice-milter, the same configuration
#         content-av         sluice-content with clamd only (learn = no)
#         clamav-milter      Debian's clamav-milter on the same clamd
#                            (skipped when not installed)
#         The message comes from 127.0.0.1 (inside) to an outside
#         recipient, so the DLP check reads its PDF too.
# Configurations whose program is not built are skipped (reported).
#
# Usage: bench/run.sh [options]
#   -b DIR       build directory holding bench/null-milter, sluice-attach,
#                sluice-milter (default: the current directory if it has
#                bench/null-milter, else the source tree)
#   -n N         messages per timed run at concurrency C (default 1000)
#   -c C         concurrency of the main and zip sets (default 20)
#   -1 N1        messages per timed run at concurrency 1 (default 200)
#   -w W         untimed warm-up messages per run (default 50; W/5 at C=1)
#   -r R         rounds (default 3)
#   -s SETS      sets to run (default "main two zip c1 bomb")
#   -o CFGS      run only these configurations (names above)
#   -k PROGS     the Sluice chain, comma-separated programs relative to the
#                build directory (default "sluice-attach"); the last one
#                gets enforce = yes
#   -x FILE      include FILE at the end of every generated sluice config
#   -g GN        messages per timed run of the grey set (default 100000)
#   -l GL        pass_lifetime of the grey set's triplets (default 60s)
#   -p PORT      smtpd port (default 32025; uses PORT..PORT+9)
#   -t S         limit per timed run in seconds (default 120)
#   -d DIR       results directory (default ./bench-results)
#   -T TAG       name of this sitting (default sitting-UTCDATE)
#   -K           keep the work directory afterwards
# Output: DIR/TAG.jsonl (one JSON object per run), DIR/TAG.log (console),
#         DIR/TAG.md (the tables).  Exit 0 when every run passed.
#
# Needs: root (a Postfix master), postfix, smtp-source, smtp-sink, python3.
# Loopback only; every wait is bounded.
set -u
set -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
BUILD=""
N=1000
C=20
N1=200
W=50
ROUNDS=3
SETS="main two zip c1 bomb"
ONLY=""
CHAIN="sluice-attach"
EXTRA_CONF=""
PORT=32025
TIMEOUT=120
GN=100000
GL=60s
RESDIR=$PWD/bench-results
TAG=sitting-$(date -u +%Y%m%dT%H%M%SZ)
KEEP=0

die() { echo "run.sh: $*" >&2; exit 2; }
while getopts "b:n:c:1:w:r:s:o:k:x:p:t:d:T:g:l:Kh" opt; do
    case $opt in
    b) BUILD=$OPTARG ;; n) N=$OPTARG ;; c) C=$OPTARG ;; 1) N1=$OPTARG ;;
    w) W=$OPTARG ;; r) ROUNDS=$OPTARG ;; s) SETS=$OPTARG ;; o) ONLY=$OPTARG ;;
    k) CHAIN=$OPTARG ;; x) EXTRA_CONF=$OPTARG ;; p) PORT=$OPTARG ;;
    t) TIMEOUT=$OPTARG ;; d) RESDIR=$OPTARG ;; T) TAG=$OPTARG ;; K) KEEP=1 ;;
    g) GN=$OPTARG ;; l) GL=$OPTARG ;;
    h) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "see -h" ;;
    esac
done
for v in N C N1 W ROUNDS PORT TIMEOUT GN; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number"
done
[ "$N" -ge 10 ] && [ "$C" -ge 1 ] && [ "$ROUNDS" -ge 1 ] || die "need N >= 10, C >= 1"
[ "$(id -u)" = 0 ] || die "must run as root (starts a Postfix master)"
for b in postfix postconf smtp-source smtp-sink ss; do
    command -v $b > /dev/null || die "$b not found"
done
if [ -z "$BUILD" ]; then
    if [ -x ./bench/null-milter ]; then BUILD=$PWD; else BUILD=$(dirname "$HERE"); fi
fi
BUILD=$(cd "$BUILD" && pwd) || die "no build directory $BUILD"
NULLM=$BUILD/bench/null-milter
[ -x "$NULLM" ] || die "$NULLM not built (make bench/null-milter)"
[ -z "$EXTRA_CONF" ] || EXTRA_CONF=$(readlink -f "$EXTRA_CONF")
MSG=$HERE/msg/bench.eml
MSGZ=$HERE/msg/bench-zip.eml
[ -r "$MSG" ] && [ -r "$MSGZ" ] || $PY "$HERE/msg/make-messages.py" > /dev/null \
    || die "cannot write the messages"

. "$HERE/../t/lab/postfix.sh" || die "cannot read t/lab/postfix.sh"
port_busy() { ss -Hltn "sport = :$1" | grep -q .; }
for p in $(seq "$PORT" $((PORT + 9))); do port_busy "$p" && die "port $p is in use"; done
SINK_PORT=$((PORT + 1))

# ------------------------------------------------------------ work directory
WD=$(mktemp -d /var/tmp/sluice-bench.XXXXXX) || die "mktemp failed"
chmod 755 "$WD"
mkdir -p "$WD/sock" "$WD/conf" "$WD/log" "$WD/run" "$RESDIR"
chmod 755 "$WD/sock"
SHM=$(mktemp -d /dev/shm/sluice-bench.XXXXXX 2> /dev/null) || SHM=$WD/dump
mkdir -p "$SHM"
chown postfix "$SHM"
head -c 48 /dev/urandom > "$WD/conf/secret"
chmod 0640 "$WD/conf/secret"
OUT=$RESDIR/$TAG
: > "$OUT.jsonl"
exec > >(tee -a "$OUT.log") 2>&1

declare -A IPID ISOCK IHDR  # milter instance -> pid, socket, header
MASTER_PID=""
SINK_PID=""

stop_pid() { # PID ; SIGTERM, up to 7 s (libmilter takes up to 5), SIGKILL
    local p=$1 i
    kill -0 "$p" 2> /dev/null || return 0
    kill "$p" 2> /dev/null
    for i in $(seq 1 70); do kill -0 "$p" 2> /dev/null || break; sleep 0.1; done
    kill -0 "$p" 2> /dev/null && kill -9 "$p" 2> /dev/null
    wait "$p" 2> /dev/null
    return 0
}
pf_stop() {
    [ -n "$MASTER_PID" ] || return 0
    postfix -c "$WD/pf/etc" stop > /dev/null 2>&1
    local i
    for i in $(seq 1 100); do kill -0 "$MASTER_PID" 2> /dev/null || break; sleep 0.1; done
    kill -0 "$MASTER_PID" 2> /dev/null && kill -9 "$MASTER_PID" 2> /dev/null
    MASTER_PID=""
}
sink_stop() { [ -n "$SINK_PID" ] && stop_pid "$SINK_PID"; SINK_PID=""; }
cleanup() {
    pf_stop
    sink_stop
    local i
    for i in "${!IPID[@]}"; do stop_pid "${IPID[$i]}"; done
    [ -z "${CONTENT_LINES:-}" ] || clamd_stop "$WD/clamd"
    rm -rf "$SHM"
    if [ "$KEEP" = 1 ]; then echo "run.sh: kept $WD"; else rm -rf "$WD"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ milters
# Every instance gets [attach] and [grey] with its socket (a program reads
# only its own section); the store is the instance's sqlite file.
sluice_conf() { # NAME SOCKET ENFORCE [ATTACH-LINE] -> path of a generated config
    local f=$WD/conf/$1.conf
    cat > "$f" << EOF
# generated by bench/run.sh for instance $1
[common]
secret_file = $WD/conf/secret
log_file = $WD/log/$1.sluice.log
socket = $2
pidfile = $WD/run/$1.pid
store_path = $WD/run/$1.db
store_sweep_interval = 10s
[attach]
socket = $2
pidfile = $WD/run/$1-attach.pid
enforce = $3
${4:-}
[grey]
socket = $2
pidfile = $WD/run/$1-grey.pid
enforce = $3
delay = 0
auto_whitelist = 0
exempt_internal = no
pass_lifetime = $GL
ratelimits = "client key=client_ip count=messages limit=100000000/1m"
EOF
    case $1 in
    content | cc0 | all-content)
        printf '[content]\nsocket = %s\npidfile = %s\nenforce = %s\n%s\n' \
            "$2" "$WD/run/$1-content.pid" "$3" "$CONTENT_LINES" >> "$f" ;;
    content-av)
        printf '[content]\nsocket = %s\npidfile = %s\nenforce = %s\n%s\n' \
            "$2" "$WD/run/$1-content.pid" "$3" \
            "clamd_socket = unix:$WD/clamd/clamd.sock
learn = no
dlp_detectors =" >> "$f" ;;
    esac
    [ -z "$EXTRA_CONF" ] || echo "include $EXTRA_CONF" >> "$f"
    echo "$f"
}
wait_socket() { # SOCKET PID ; up to 20 s
    local s=$1 i
    for i in $(seq 1 200); do
        kill -0 "$2" 2> /dev/null || return 1
        case $s in
        unix:*) [ -S "${s#unix:}" ] && return 0 ;;
        inet:*) s2=${s#inet:}; port_busy "${s2%@*}" && return 0 ;;
        esac
        sleep 0.1
    done
    return 1
}
start_instance() { # NAME SOCKET HEADER CMD... ; 0 when it is up
    local name=$1 sock=$2 hdr=$3
    shift 3
    [ -n "${IPID[$name]:-}" ] && return 0
    (umask 000; exec "$@" > "$WD/log/$name.out" 2>&1) &
    local pid=$!
    if ! wait_socket "$sock" "$pid"; then
        echo "run.sh: milter $name did not come up on $sock:"
        tail -5 "$WD/log/$name.out"
        stop_pid "$pid"
        return 1
    fi
    chmod 666 "${sock#unix:}" 2> /dev/null
    IPID[$name]=$pid
    ISOCK[$name]=$sock
    IHDR[$name]=$hdr
    echo "run.sh: $name up (pid $pid) on $sock"
}
# a Sluice milter that does not enforce adds X-Sluice-Result; the enforcer
# (and sluice-milter) adds X-Sluice-Verdict
SHDR=X-Sluice-Result
VHDR=X-Sluice-Verdict
have() { [ -x "$BUILD/$1" ]; }
start_needed() { # INSTANCE ; start one instance by name
    local u=$WD/sock i k
    case $1 in
    null) start_instance null "unix:$u/null.sock" X-Null-Milter "$NULLM" -p "unix:$u/null.sock" ;;
    null[1-4]) i=${1#null}
        start_instance "$1" "unix:$u/$1.sock" "X-Null-$i" "$NULLM" -p "unix:$u/$1.sock" -H "X-Null-$i" ;;
    null-inet) start_instance null-inet "inet:$((PORT + 6))@127.0.0.1" X-Null-Milter \
        "$NULLM" -p "inet:$((PORT + 6))@127.0.0.1" ;;
    null-inet-nd) start_instance null-inet-nd "inet:$((PORT + 7))@127.0.0.1" X-Null-Milter \
        "$NULLM" -N -p "inet:$((PORT + 7))@127.0.0.1" ;;
    null-inet-nr-nd) start_instance null-inet-nr-nd "inet:$((PORT + 5))@127.0.0.1" X-Null-Milter \
        "$NULLM" -R -N -p "inet:$((PORT + 5))@127.0.0.1" ;;
    null-inet-nrd-nd) start_instance null-inet-nrd-nd "inet:$((PORT + 4))@127.0.0.1" X-Null-Milter \
        "$NULLM" -R -D -N -p "inet:$((PORT + 4))@127.0.0.1" ;;
    attach) have sluice-attach || return 1
        start_instance attach "unix:$u/attach.sock" "$SHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf attach "unix:$u/attach.sock" no)" -p "unix:$u/attach.sock" ;;
    attach-inet) have sluice-attach || return 1
        k="inet:$((PORT + 8))@127.0.0.1"
        start_instance attach-inet "$k" "$SHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf attach-inet "$k" no)" -p "$k" ;;
    attach-bomb) have sluice-attach || return 1
        start_instance attach-bomb "unix:$u/bomb.sock" "$VHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf attach-bomb "unix:$u/bomb.sock" yes)" -p "unix:$u/bomb.sock" ;;
    attach-bomb-noratio) have sluice-attach || return 1
        start_instance attach-bomb-noratio "unix:$u/bomb2.sock" "$VHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf attach-bomb-noratio "unix:$u/bomb2.sock" yes "archive_max_ratio = 0")" \
            -p "unix:$u/bomb2.sock" ;;
    two0) have t/sluice-testmod || return 1
        start_instance two0 "unix:$u/two0.sock" "$SHDR" "$BUILD/t/sluice-testmod" -f \
            -c "$(sluice_conf two0 "unix:$u/two0.sock" no)" -p "unix:$u/two0.sock" ;;
    two1) have sluice-attach || return 1
        start_instance two1 "unix:$u/two1.sock" "$VHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf two1 "unix:$u/two1.sock" yes)" -p "unix:$u/two1.sock" ;;
    all2) have t/sluice-milter-test || return 1
        start_instance all2 "unix:$u/all2.sock" "$VHDR" "$BUILD/t/sluice-milter-test" -f \
            -c "$(sluice_conf all2 "unix:$u/all2.sock" yes)" -p "unix:$u/all2.sock" ;;
    grey) have sluice-grey || return 1
        start_instance grey "unix:$u/grey.sock" "$SHDR" "$BUILD/sluice-grey" -f \
            -c "$(sluice_conf grey "unix:$u/grey.sock" no)" -p "unix:$u/grey.sock" ;;
    greyc0) have sluice-grey || return 1
        start_instance greyc0 "unix:$u/greyc0.sock" "$SHDR" "$BUILD/sluice-grey" -f \
            -c "$(sluice_conf greyc0 "unix:$u/greyc0.sock" no)" -p "unix:$u/greyc0.sock" ;;
    greyc1) have sluice-attach || return 1
        start_instance greyc1 "unix:$u/greyc1.sock" "$VHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf greyc1 "unix:$u/greyc1.sock" yes)" -p "unix:$u/greyc1.sock" ;;
    all) have sluice-milter || return 1
        start_instance all "unix:$u/all.sock" "$VHDR" "$BUILD/sluice-milter" -f \
            -c "$(sluice_conf all "unix:$u/all.sock" yes)" -p "unix:$u/all.sock" ;;
    all-inet) have sluice-milter || return 1
        k="inet:$((PORT + 9))@127.0.0.1"
        start_instance all-inet "$k" "$VHDR" "$BUILD/sluice-milter" -f \
            -c "$(sluice_conf all-inet "$k" yes)" -p "$k" ;;
    content) have sluice-content || return 1
        start_instance content "unix:$u/content.sock" "$SHDR" "$BUILD/sluice-content" -f \
            -c "$(sluice_conf content "unix:$u/content.sock" no)" -p "unix:$u/content.sock" ;;
    cc0) have sluice-content || return 1
        start_instance cc0 "unix:$u/cc0.sock" "$SHDR" "$BUILD/sluice-content" -f \
            -c "$(sluice_conf cc0 "unix:$u/cc0.sock" no)" -p "unix:$u/cc0.sock" ;;
    cc1) have sluice-attach || return 1
        start_instance cc1 "unix:$u/cc1.sock" "$VHDR" "$BUILD/sluice-attach" -f \
            -c "$(sluice_conf cc1 "unix:$u/cc1.sock" yes)" -p "unix:$u/cc1.sock" ;;
    content-av) have sluice-content || return 1
        start_instance content-av "unix:$u/cav.sock" "$SHDR" "$BUILD/sluice-content" -f \
            -c "$(sluice_conf content-av "unix:$u/cav.sock" no)" -p "unix:$u/cav.sock" ;;
    clamav-milter) command -v clamav-milter > /dev/null || [ -x /usr/sbin/clamav-milter ] ||
            return 1
        cat > "$WD/conf/clamav-milter.conf" << EOF
MilterSocket unix:$u/clamav.sock
MilterSocketMode 666
ClamdSocket unix:$WD/clamd/clamd.sock
Foreground yes
PidFile $WD/run/clamav-milter.pid
LogFile $WD/log/clamav-milter.log
OnClean Accept
OnInfected Reject
AddHeader Replace
MaxFileSize 25M
EOF
        start_instance clamav-milter "unix:$u/clamav.sock" X-Virus-Status \
            /usr/sbin/clamav-milter -c "$WD/conf/clamav-milter.conf" ;;
    all-content) have sluice-milter || return 1
        start_instance all-content "unix:$u/allc.sock" "$VHDR" "$BUILD/sluice-milter" -f \
            -c "$(sluice_conf all-content "unix:$u/allc.sock" yes)" -p "unix:$u/allc.sock" ;;
    chain[0-9]*) i=${1#chain}
        local progs enf=no h=$SHDR
        IFS=, read -r -a progs <<< "$CHAIN"
        [ "$i" -eq $((${#progs[@]} - 1)) ] && enf=yes h=$VHDR
        have "${progs[$i]}" || return 1
        start_instance "$1" "unix:$u/$1.sock" "$h" "$BUILD/${progs[$i]}" -f \
            -c "$(sluice_conf "$1" "unix:$u/$1.sock" "$enf")" -p "unix:$u/$1.sock" ;;
    *) return 1 ;;
    esac
}

# ------------------------------------------------------------ content set
CONTENT_LINES=""
if [[ " $SETS " == *" content "* ]]; then
    TD=${SLUICE_TESTDATA:-$(dirname "$HERE")/../shared/testdata}
    $PY "$HERE/lib/rules1000.py" 1000 > "$WD/conf/rules1000.cf" || die "rules1000.py failed"
    . "$HERE/../t/lib/clamd.sh" || die "cannot read t/lib/clamd.sh"
    clamd_start "$WD/clamd" || die "clamd did not start"
    CONTENT_LINES="dlp_action = tag
rules = $WD/conf/rules1000.cf
sa_rules = /usr/share/spamassassin
clamd_socket = unix:$WD/clamd/clamd.sock
yara_rules = $TD/yara-rules-maldocs $TD/yara-signature-base $TD/yara-inquest"
    echo "run.sh: content set: clamd up (pid $(clamd_pid "$WD/clamd")), $TD"
fi

# ------------------------------------------------------------ configurations
# name | set | concurrency | messages | message mode | milter instances | ref none | ref null
CHAIN_INST=""
IFS=, read -r -a CHAIN_PROGS <<< "$CHAIN"
for i in "${!CHAIN_PROGS[@]}"; do CHAIN_INST+="chain$i "; done
CONFIGS=(
    "none|main|$C|$N|plain||none|null"
    "null|main|$C|$N|plain|null|none|null"
    "null-x4|main|$C|$N|plain|null1 null2 null3 null4|none|null"
    "chain|main|$C|$N|plain|$CHAIN_INST|none|null"
    "attach|main|$C|$N|plain|attach|none|null"
    "all|main|$C|$N|plain|all|none|null"
    "chain2|two|$C|$N|plain|two0 two1|none|null"
    "all2|two|$C|$N|plain|all2|none|null"
    "none-zip|zip|$C|$N|mix||none-zip|null-zip"
    "null-zip|zip|$C|$N|mix|null|none-zip|null-zip"
    "attach-zip|zip|$C|$N|mix|attach|none-zip|null-zip"
    "none-grey|grey|$C|$GN|distinct||none-grey|null-grey"
    "null-grey|grey|$C|$GN|distinct|null|none-grey|null-grey"
    "grey|grey|$C|$GN|distinct|grey|none-grey|null-grey"
    "chain-grey|grey|$C|$GN|distinct|greyc0 greyc1|none-grey|null-grey"
    "none-c1|c1|1|$N1|plain||none-c1|null-c1-unix"
    "null-c1-unix|c1|1|$N1|plain|null|none-c1|null-c1-unix"
    "null-c1-inet|c1|1|$N1|plain|null-inet|none-c1|null-c1-unix"
    "null-c1-inet-nodelay|c1|1|$N1|plain|null-inet-nd|none-c1|null-c1-unix"
    "null-c1-inet-nr-nodelay|c1|1|$N1|plain|null-inet-nr-nd|none-c1|null-c1-unix"
    "null-c1-inet-nrdata-nodelay|c1|1|$N1|plain|null-inet-nrd-nd|none-c1|null-c1-unix"
    "attach-c1-unix|c1|1|$N1|plain|attach|none-c1|null-c1-unix"
    "attach-c1-inet|c1|1|$N1|plain|attach-inet|none-c1|null-c1-unix"
    "all-c1-unix|c1|1|$N1|plain|all|none-c1|null-c1-unix"
    "all-c1-inet|c1|1|$N1|plain|all-inet|none-c1|null-c1-unix"
    "none-ct|content|$C|$N|plain||none-ct|null-ct"
    "null-ct|content|$C|$N|plain|null|none-ct|null-ct"
    "content|content|$C|$N|plain|content|none-ct|null-ct"
    "chain-content|content|$C|$N|plain|cc0 cc1|none-ct|null-ct"
    "all-content|content|$C|$N|plain|all-content|none-ct|null-ct"
    "content-av|content|$C|$N|plain|content-av|none-ct|null-ct"
    "clamav-milter|content|$C|$N|plain|clamav-milter|none-ct|null-ct"
)
SEL=()
for c in "${CONFIGS[@]}"; do
    IFS='|' read -r name set _ _ _ inst _ _ <<< "$c"
    [[ " $SETS " == *" $set "* ]] || continue
    [ -z "$ONLY" ] || [[ " $ONLY " == *" $name "* ]] || continue
    ok=1
    for i in $inst; do start_needed "$i" || { ok=0; break; }; done
    if [ $ok = 1 ]; then SEL+=("$c"); else echo "run.sh: SKIP $name (milter $i not available)"; fi
done
[ ${#SEL[@]} -gt 0 ] || [[ " $SETS " == *" bomb "* ]] || die "nothing to run"

# ------------------------------------------------------------ one run
pf_init() { # the instance of the sitting: written and checked once
    local D=$WD/pf META
    mkdir -p "$D/etc" "$D/queue" "$D/data"
    chown postfix "$D/data"
    META=$(postconf -dh meta_directory)
    cp "$META/postfix-files" "$D/etc/"
    [ -f "$META/dynamicmaps.cf" ] && cp "$META/dynamicmaps.cf" "$D/etc/"
    [ -d "$META/postfix-files.d" ] && cp -r "$META/postfix-files.d" "$D/etc/"
    [ -d "$META/dynamicmaps.cf.d" ] && cp -r "$META/dynamicmaps.cf.d" "$D/etc/"
    local plimit=$((C > 50 ? 2 * C : 100))
    cat > "$D/etc/main.cf" << EOF
# generated by bench/run.sh (throw-away instance, loopback only)
compatibility_level = 3.6
queue_directory = $D/queue
data_directory = $D/data
meta_directory = $D/etc
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.sluice-bench.example
mydestination =
local_recipient_maps =
local_transport = error:local delivery disabled
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
relayhost = [127.0.0.1]:$SINK_PORT
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtp_tls_security_level = none
smtpd_tls_security_level = none
default_process_limit = $plimit
smtpd_milters =
non_smtpd_milters =
milter_default_action = tempfail
maillog_file = $D/maillog
biff = no
append_dot_mydomain = no
delay_warning_time = 0
maximal_queue_lifetime = 1h
bounce_queue_lifetime = 1h
EOF
    lab_master_cf 127.0.0.1 "$PORT" > "$D/etc/master.cf" # t/lab/postfix.sh
    # "postfix check" creates the queue directories; later starts skip it
    postfix -c "$D/etc" check > "$D/check.log" 2>&1 || { cat "$D/check.log"; return 1; }
}
pf_start() { # SMTPD_MILTERS ; a fresh maillog, then "quick-start"
    local D=$WD/pf i
    postconf -c "$D/etc" -e "smtpd_milters = $1" || return 1
    rm -f "$D/maillog" "$D/queue/pid/master.pid"
    touch "$D/queue/quick-start"
    postfix -c "$D/etc" start > "$D/start.log" 2>&1 || { cat "$D/start.log"; return 1; }
    for i in $(seq 1 200); do
        port_busy "$PORT" && [ -s "$D/queue/pid/master.pid" ] && break
        sleep 0.05
    done
    port_busy "$PORT" || { echo "run.sh: smtpd did not come up"; tail "$D/maillog"; return 1; }
    MASTER_PID=$(tr -dc 0-9 < "$D/queue/pid/master.pid")
}
sink_start() { # DUMP
    smtp-sink -c -u postfix -D "$1" "127.0.0.1:$SINK_PORT" 256 > "$WD/sink.out" 2> "$WD/sink.err" &
    SINK_PID=$!
    local i
    for i in $(seq 1 50); do port_busy "$SINK_PORT" && return 0; sleep 0.1; done
    return 1
}
queue_files() {
    find "$WD/pf/queue/incoming" "$WD/pf/queue/active" "$WD/pf/queue/deferred" \
        "$WD/pf/queue/hold" "$WD/pf/queue/maildrop" -type f 2> /dev/null | wc -l
}
log_stats() { # maillog -> JSON object of counters
    awk '
        / milter-reject: / { mrej++ }
        /postfix\/smtpd\[/ && / reject: / { rej++ }
        /status=sent/ { sent++ } /status=deferred/ { def++ } /status=bounced/ { bnc++ }
        /warning: .*[Mm]ilter/ { mw++ }
        /postfix\/qmgr\[.*: from=<.*nrcpt=/ { acc++ }
        / fatal: | panic: / { fat++ }
        END { printf "{\"accepted\":%d,\"sent\":%d,\"deferred\":%d,\"bounced\":%d,", acc, sent, def, bnc;
              printf "\"milter_reject\":%d,\"reject\":%d,\"milter_warnings\":%d,\"fatal\":%d}", mrej, rej, mw, fat }
    ' "$1" 2> /dev/null || echo '{}'
}
dump_check() { # DUMP HEADER... -> JSON {records, NAME: count...}
    $PY - "$@" << 'PYEOF'
import json, re, sys
path, names = sys.argv[1], sys.argv[2:]
try:
    data = open(path, "rb").read().decode("latin-1").replace("\r\n", "\n")
except OSError:
    data = ""
recs = [r for r in re.split(r"(?m)^(?=X-Client-Addr: )", data)
        if r.startswith("X-Client-Addr: ")]
out = {"records": len(recs)}
for n in names:
    rx = re.compile(r"(?mi)^" + re.escape(n) + r":")
    out[n] = sum(1 for r in recs if rx.search(r.split("\n\n", 1)[0]))
print(json.dumps(out))
PYEOF
}

# store_stats DB -> JSON {bytes (the file, -wal and -shm), rows, live}
store_stats() {
    $PY - "$1" << 'PYEOF'
import json, os, sqlite3, sys, time
db = sys.argv[1]
size = sum(os.path.getsize(db + x) for x in ("", "-wal", "-shm")
           if os.path.exists(db + x))
try:
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
    rows = c.execute("SELECT count(*) FROM store").fetchone()[0]
    live = c.execute("SELECT count(*) FROM store WHERE expires = 0 OR "
                     "expires > ?", (int(time.time()),)).fetchone()[0]
    c.close()
except sqlite3.Error:
    rows = live = -1
print(json.dumps({"bytes": size, "rows": rows, "live": live}))
PYEOF
}

pf_spec() { # libmilter's inet:PORT@HOST is Postfix's inet:HOST:PORT
    case $1 in
    inet:*@*) local x=${1#inet:}; echo "inet:${x#*@}:${x%@*}" ;;
    *) echo "$1" ;;
    esac
}
run_one() { # ROUND CONFIG-LINE
    local round=$1 name set c n mode inst refnone refnull
    IFS='|' read -r name set c n mode inst refnone refnull <<< "$2"
    local milters="" hdrs=() groups=() i
    for i in $inst; do
        milters+="$(pf_spec "${ISOCK[$i]}") "
        hdrs+=("${IHDR[$i]}")
        groups+=(--group "$i=${IPID[$i]}")
    done
    milters=${milters% }
    echo "=== round $round/$ROUNDS $name: C=$c N=$n milters='${milters:-none}' ($(date -u +%H:%M:%S))"
    local dump=$SHM/dump reason=""
    rm -f "$dump"
    pf_start "$milters" || reason="postfix start failed"
    [ -n "$reason" ] || sink_start "$dump" || reason="smtp-sink start failed"
    local src=(smtp-source -A -f alice@bench.example -t bob@dest.example -M mail.bench.example)
    local srcs=()
    if [ "$mode" = mix ]; then
        local nz=$((n / 10)) cz=$((c / 10 > 0 ? c / 10 : 1)) cp=$((c - c / 10 > 0 ? c - c / 10 : 1))
        srcs=(--source "${src[*]} -s $cp -m $((n - nz)) -F $MSG 127.0.0.1:$PORT"
              --source "${src[*]} -s $cz -m $nz -F $MSGZ 127.0.0.1:$PORT")
    elif [ "$mode" = distinct ]; then
        srcs=(--source "${src[*]} -N -s $c -m $n -F $MSG 127.0.0.1:$PORT")
    else
        srcs=(--source "${src[*]} -s $c -m $n -F $MSG 127.0.0.1:$PORT")
    fi
    local w=$W
    [ "$c" -gt 1 ] || w=$((W / 5)) # c=1 over an inet socket may stall 40 ms a message
    if [ -z "$reason" ] && [ "$w" -gt 0 ]; then
        $PY "$HERE/lib/measure.py" --sink-out "$WD/sink.out" --target "$w" --timeout "$TIMEOUT" \
            --out "$WD/warmup.json" --source "${src[*]} -s $c -m $w -F $MSG 127.0.0.1:$PORT" \
            || reason="warm-up did not complete"
        sleep 0.5
    fi
    local m='{}'
    if [ -z "$reason" ]; then
        $PY "$HERE/lib/measure.py" --sink-out "$WD/sink.out" --target $((w + n)) \
            --timeout "$TIMEOUT" --out "$WD/run.json" --source-log "$WD/source.log" \
            --group "postfix=$MASTER_PID" --group "sink=$SINK_PID" "${groups[@]}" "${srcs[@]}" \
            || reason="timed out: the sink did not count $((w + n))"
        m=$(cat "$WD/run.json" 2> /dev/null || echo '{}')
    fi
    for i in $(seq 1 150); do [ "$(queue_files)" = 0 ] && break; sleep 0.1; done
    local left; left=$(queue_files)
    local st='{}'
    for i in $inst; do
        [ -f "$WD/run/$i.db" ] || continue
        st=$(store_stats "$WD/run/$i.db")
        echo "  store of $i: $st"
    done
    sleep 1 # postlogd writes the last lines
    local ls; ls=$(log_stats "$WD/pf/maillog")
    pf_stop
    sink_stop
    local dc; dc=$(dump_check "$dump" "${hdrs[@]}")
    cp "$WD/pf/maillog" "$WD/log/maillog.$name.$round" 2> /dev/null
    rm -f "$dump"
    $PY - "$OUT.jsonl" "$name" "$set" "$round" "$c" "$n" "$w" "$refnone" "$refnull" \
        "$milters" "$left" "$reason" "$m" "$ls" "$dc" "$st" "${hdrs[@]}" << 'PYEOF'
import json, sys
(out, name, set_, rnd, c, n, w, rnone, rnull, milters, left, reason,
 m, ls, dc, st), hdrs = sys.argv[1:17], sys.argv[17:]
m, ls, dc, st = json.loads(m), json.loads(ls), json.loads(dc), json.loads(st)
n, w, total = int(n), int(w), int(n) + int(w)
why = [reason] if reason else []
srcs = m.get("sources", {})
if any(rc != 0 for rc in srcs.values()):
    why.append("smtp-source exit %s" % list(srcs.values()))
if m.get("count_after", 0) != total:
    why.append("sink counted %s, expected %d" % (m.get("count_after"), total))
if dc.get("records") != total:
    why.append("dump has %s messages, expected %d" % (dc.get("records"), total))
for h in hdrs:
    if dc.get(h) != total:
        why.append("%s on %s of %d messages" % (h, dc.get(h), total))
if ls.get("accepted") != total or ls.get("sent") != total:
    why.append("postfix accepted %s sent %s" % (ls.get("accepted"), ls.get("sent")))
for k in ("deferred", "bounced", "milter_reject", "reject", "milter_warnings", "fatal"):
    if ls.get(k):
        why.append("%s=%d" % (k, ls[k]))
if int(left):
    why.append("%s files left in the queue" % left)
rec = {"label": name, "set": set_, "round": int(rnd), "concurrency": int(c),
       "messages": n, "warmup": w, "ref_none": rnone, "ref_null": rnull,
       "milters": milters, "pass": not why, "why": why, "log": ls, "dump": dc}
if st:
    rec["store"] = st
rec.update(m)
with open(out, "a") as f:
    f.write(json.dumps(rec) + "\n")
g = rec.get("groups", {})
cpu = " ".join("%s=%.2f" % (k, v["ms_per_msg"]) for k, v in g.items())
print("  %s %.1f msgs/s (%.2f s) cpu ms/msg: %s busy=%.2f not_ours=%.2f%s" % (
    "PASS" if not why else "FAIL", rec.get("rate", 0), rec.get("elapsed_s", 0),
    cpu, rec.get("machine_busy_cores", 0), rec.get("not_ours_cores", 0),
    "" if not why else "\n  why: " + "; ".join(why)))
PYEOF
}

# ------------------------------------------------------------ the bomb
# A fresh sluice-attach (enforce = yes, default bounds; then the same with
# archive_max_ratio = 0, so that archive_max_total must stop it) gets two
# bench messages, then each bomb three times, one SMTP session each;
# lib/bomb.py times the end of DATA and reads the milter's CPU and VmHWM.
run_bomb() {
    local inst b
    mkdir -p "$WD/bomb"
    $PY "$HERE/lib/bomb.py" build "$WD/bomb" || return 1
    for inst in attach-bomb attach-bomb-noratio; do
        start_needed "$inst" || { echo "run.sh: SKIP bomb ($inst not available)"; return 0; }
        echo "=== bomb: $inst ($(date -u +%H:%M:%S))"
        pf_start "$(pf_spec "${ISOCK[$inst]}")" && sink_start "$SHM/dump" || return 1
        $PY "$HERE/lib/bomb.py" send --port "$PORT" --pid "${IPID[$inst]}" "$MSG" "$MSG" \
            "$WD"/bomb/bomb-8x4.eml "$WD"/bomb/bomb-8x4.eml "$WD"/bomb/bomb-8x4.eml \
            "$WD"/bomb/bomb-16x5.eml "$WD"/bomb/bomb-16x5.eml "$WD"/bomb/bomb-16x5.eml |
            sed "s/^{/{\"instance\": \"$inst\", /" | tee -a "$OUT.bomb.jsonl"
        pf_stop
        sink_stop
        rm -f "$SHM/dump"
        stop_pid "${IPID[$inst]}"
        unset "IPID[$inst]"
    done
}

# ------------------------------------------------------------ the sitting
echo "# bench/run.sh $TAG: N=$N C=$C N1=$N1 W=$W rounds=$ROUNDS sets='$SETS' chain='$CHAIN'"
echo "# host: $(uname -srm), $(nproc) cpus, $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
    "postfix $(postconf -dh mail_version), build $BUILD, started $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
pf_init || die "postfix check failed"
nsel=${#SEL[@]}
for round in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((nsel - 1))); do
        [ "$nsel" -gt 0 ] || break
        run_one "$round" "${SEL[$(((k + round - 1) % nsel))]}"
    done
done
if [[ " $SETS " == *" bomb "* ]]; then run_bomb || echo "run.sh: bomb run failed"; fi
echo "=== done $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
$PY "$HERE/lib/summary.py" "$OUT.jsonl" "$OUT.bomb.jsonl" | tee "$OUT.md"
$PY -c 'import json,sys; sys.exit(0 if all(json.loads(l)["pass"] for l in open(sys.argv[1])) else 1)' "$OUT.jsonl"
