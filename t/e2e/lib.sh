# t/e2e/lib.sh - end-to-end tests through a real Postfix (bash, TAP).
#
# CONTRACT
#	Sourced by every t/e2e/*.sh test.  A test calls e2e_init, e2e_need
#	for the binaries it runs, starts one or more labs with e2e_lab (each
#	a private Postfix + smtp-sink + milters, built by the same
#	t/lab/*.sh code as ./quickstart), sends with e2e_send / smtp_*,
#	asserts with t_ok/t_is/t_like/t_unlike and ends with e2e_finish.
#	Everything it starts is stopped on EXIT (trap), by PID.
#
#	State lives in $T (under /var/tmp, traversable by postfix); it is
#	removed when every case passed, kept (and named in a diag) otherwise
#	or when SLUICE_E2E_KEEP is set.  Ports: each test has its own block
#	of 10 from SLUICE_E2E_PORT_BASE (default 27000), fixed per test name
#	(table below), so tests run in parallel without clashing; lab k of
#	a test uses block+2k (smtpd) and block+2k+1 (sink).  Milters listen
#	on unix sockets in the lab's own directory.
#
#	Sanitizer reports of the daemons go to $T/san (ASAN/UBSAN log_path);
#	e2e_finish turns any report into a failed case.

set -u

E2E_NAME=$(basename "$0" .sh)
E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
top_srcdir=${top_srcdir:-$E2E_SRC}
top_builddir=${top_builddir:-$PWD}

. "$top_srcdir/t/lab/postfix.sh"
. "$top_srcdir/t/lab/sluice.sh"
. "$top_srcdir/t/lab/samples.sh"
. "$top_srcdir/t/lab/mail.sh"

# ---- TAP -------------------------------------------------------------------
T_N=0
T_FAILED=0

t_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

t_result() { # STATUS(0 pass) NAME
    T_N=$((T_N + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $T_N - $2"
    else
        echo "not ok $T_N - $2"
        T_FAILED=$((T_FAILED + 1))
    fi
    return "$1"
}

t_ok() { # NAME CMD...
    local name=$1
    shift
    "$@"
    t_result $? "$name"
}

t_is() { # GOT WANT NAME
    [ "$1" = "$2" ]
    t_result $? "$3" || t_diag "  got: '$1'" "  expected: '$2'"
}

t_like() { # GOT ERE NAME
    printf '%s\n' "$1" | grep -qE -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected to match: /$2/"
}

t_unlike() { # GOT ERE NAME
    ! printf '%s\n' "$1" | grep -qE -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected not to match: /$2/"
}

t_lacks() { # GOT STRING NAME: GOT does not contain STRING (literally)
    ! printf '%s\n' "$1" | grep -qF -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected not to contain: '$2'"
}

t_skip() { # NAME REASON
    T_N=$((T_N + 1))
    echo "ok $T_N - $1 # SKIP $2"
}

skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

bail_out() {
    echo "Bail out! $*"
    exit 1
}

# ---- setup and teardown ------------------------------------------------------
E2E_LABS=()
declare -A E2E_PORT E2E_DIR

e2e_port_block() {
    local i
    case $E2E_NAME in
    attach) i=0 ;;
    forged) i=1 ;;
    strip) i=2 ;;
    restart) i=3 ;;
    reload) i=4 ;;
    deploy_compare) i=5 ;;
    stages) i=6 ;;
    content) i=7 ;;
    content_av) i=8 ;;
    content_reload) i=9 ;;
    *) i=$((10 + $(printf '%s' "$E2E_NAME" | cksum | cut -d' ' -f1) % 80)) ;;
    esac
    echo $((${SLUICE_E2E_PORT_BASE:-27000} + 10 * i))
}

e2e_init() {
    local c
    [ "$(id -u)" = 0 ] || skip_all "needs root (Postfix's master runs as root)"
    PATH=$PATH:/usr/sbin:/sbin
    for c in postfix smtp-sink postqueue swaks ss pgrep zip runuser base64; do
        command -v "$c" >/dev/null 2>&1 || skip_all "$c is not installed"
    done
    getent passwd postfix >/dev/null || skip_all "no user postfix"
    T=$(mktemp -d "${SLUICE_E2E_DIR:-/var/tmp}/sluice-e2e.$E2E_NAME.XXXXXX") ||
        bail_out "cannot create a state directory"
    chmod 755 "$T"
    runuser -u postfix -- test -x "$T" ||
        skip_all "$T is not reachable by user postfix"
    trap e2e_cleanup EXIT
    # a write to an SMTP session the server closed fails, it does not kill us
    trap '' PIPE
    mkdir -p "$T/san" "$T/msg" && chown postfix:postfix "$T/san"
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:log_path=$T/san/asan"
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:log_path=$T/san/ubsan"
    export ASAN_OPTIONS UBSAN_OPTIONS
    E2E_BLOCK=$(e2e_port_block)
    lab_samples_make "$T/samples" || bail_out "cannot make the sample files"
    S=$T/samples
}

# e2e_need NAME...: skip the whole test unless these binaries are built
# (NAME as for lab_milter_bin: attach, testmod, all, milter-test, sign...).
e2e_need() {
    local n missing=
    for n in "$@"; do
        lab_milter_bin "$top_builddir" "$n" >/dev/null || missing="$missing sluice-$n"
    done
    [ -z "$missing" ] || skip_all "not built yet:$missing"
}

e2e_bin() { lab_milter_bin "$top_builddir" "$1"; }

# e2e_lab LAB "MODULES" [ALL_IN_ONE_BINARY]: start a lab; the config's
# extra lines come from $LAB_CONF_common / $LAB_CONF_<module>.  With a
# third argument the modules run in that one binary on [common] socket.
e2e_lab() {
    local lab=$1 mods=$2 all=${3:-} d port sink m socks
    d=$T/$lab
    port=$((E2E_BLOCK + 2 * ${#E2E_LABS[@]}))
    sink=$((port + 1))
    E2E_LABS+=("$lab")
    E2E_DIR[$lab]=$d
    E2E_PORT[$lab]=$port
    mkdir -p "$d/run" "$d/log" && chmod 755 "$d"
    lab_secret_write "$d/secret" || bail_out "cannot write a secret"
    lab_sluice_conf "$d/sluice.conf" "$d" "$mods" || bail_out "cannot write sluice.conf"
    if grep -qF "clamd_socket = unix:$d/clamd/clamd.sock" "$d/sluice.conf"; then
        lab_clamd_start "$d" 2>"$d/log/clamd.err" ||
            e2e_lab_failed "$lab" "clamd did not start: $(cat "$d/log/clamd.err")"
    fi
    if [ -n "$all" ]; then
        lab_milter_start "$d" all "$all" "$d/sluice.conf" ||
            e2e_lab_failed "$lab" "$all did not start"
        socks=$(lab_sockets "$d" all)
    else
        for m in $mods; do
            lab_milter_start "$d" "$m" "$(e2e_bin "$m")" "$d/sluice.conf" ||
                e2e_lab_failed "$lab" "sluice-$m did not start"
        done
        socks=$(lab_sockets "$d" "$mods")
    fi
    lab_postfix_write "$d" "$port" "$sink" "$socks" || bail_out "cannot write main.cf"
    lab_sink_start "$d" "$sink" 2>"$d/log/start.err" ||
        e2e_lab_failed "$lab" "smtp-sink did not start"
    lab_postfix_start "$d" "$port" 2>"$d/log/start.err" ||
        e2e_lab_failed "$lab" "Postfix did not start"
}

e2e_lab_failed() { # LAB WHY
    t_diag "lab $1: $2" "$(tail -n 20 "$T/$1/log/"*.out "$T/$1/log/start.err" \
        "$T/$1/log/sluice.log" "$T/$1/log/maillog" 2>/dev/null)"
    T_FAILED=$((T_FAILED + 1))
    bail_out "lab $1 did not start: $2"
}

# e2e_lab_pids LAB: every process of the lab.
e2e_lab_pids() {
    local d=${E2E_DIR[$1]} p n
    p=$(lab_postfix_pid "$d") && { echo "$p"; pgrep -P "$p"; }
    lab_sink_pid "$d"
    lab_clamd_pid "$d"
    for n in "$d"/run/*.pid; do
        n=$(basename "$n" .pid)
        [ "$n" = sink ] && continue
        p=$(lab_milter_pid "$d" "$n") && { echo "$p"; pgrep -P "$p"; }
    done
}

e2e_lab_stop() { # LAB
    local d=${E2E_DIR[$1]} n names=
    lab_postfix_stop "$d"
    lab_sink_stop "$d"
    for n in "$d"/run/*.pid; do
        [ -e "$n" ] || continue
        n=$(basename "$n" .pid)
        [ "$n" = sink ] || names="$names $n"
    done
    lab_milters_stop "$d" "$names"
    lab_clamd_stop "$d"
}

e2e_stop_all() {
    local lab
    for lab in "${E2E_LABS[@]}"; do
        e2e_lab_stop "$lab"
    done
}

e2e_cleanup() {
    local rc=$?
    e2e_stop_all >/dev/null 2>&1
    if [ "$T_FAILED" -eq 0 ] && [ "$rc" -eq 0 ] && [ -z "${SLUICE_E2E_KEEP:-}" ]; then
        # rc is 0 after e2e_finish and skip_all; a bail-out sets it
        rm -rf "$T"
    elif [ -z "${E2E_FINISHED:-}" ]; then
        echo "# state kept in $T" >&2
    fi
}

# e2e_finish: stop every lab (checking that nothing is left behind and
# that no sanitizer reported anything), print the plan, exit 0 (failed
# cases are counted from the "not ok" lines; a non-zero status would add
# an extra ERROR to the summary).
e2e_finish() {
    local lab pids p left= f
    for lab in "${E2E_LABS[@]}"; do
        pids="$(e2e_lab_pids "$lab" | tr '\n' ' ')"
        e2e_lab_stop "$lab"
        for p in $pids; do
            lab_pid_alive "$p" && left="$left $p"
        done
    done
    t_is "$left" "" "every lab process is gone after stop"
    f=$(ls "$T/san" 2>/dev/null)
    # a report can also reach a milter's stderr (log/NAME.out) when the
    # sanitizer cannot open its log_path
    f="$f$(grep -lE 'runtime error:|ERROR: (Address|Leak)Sanitizer' \
        "$T"/*/log/*.out 2>/dev/null)"
    t_is "$f" "" "no sanitizer report from the milters" ||
        t_diag "$(head -n 60 "$T"/san/* $f 2>/dev/null)"
    [ "$T_FAILED" -eq 0 ] || t_diag "state kept in $T"
    E2E_FINISHED=1
    echo "1..$T_N"
    exit 0
}

# ---- messages ----------------------------------------------------------------

# e2e_msg ID SUBJECT BODY [FILE|CTYPE|NAME[|ENC]]...: $T/msg/ID.eml
e2e_msg() {
    local id=$1
    shift
    lab_msg "$T/msg/$id.eml" "$id" "$@"
}

# e2e_send LAB ID [SWAKS_ARGS...]: send $T/msg/ID.eml; LAB_CODE, LAB_REPLY.
e2e_send() {
    local lab=$1 id=$2
    shift 2
    lab_send "${E2E_DIR[$lab]}" "${E2E_PORT[$lab]}" "$id" "$T/msg/$id.eml" "$@"
    t_diag "$lab $id: ${LAB_REPLY:-(no reply)}"
}

e2e_delivered() { lab_delivered "${E2E_DIR[$1]}" "$2"; } # LAB ID

# e2e_verdict LAB ID: the delivered copy's X-Sluice-Verdict (last one).
e2e_verdict() {
    local f
    f=$(e2e_delivered "$1" "$2") || return 1
    lab_header "$f" X-Sluice-Verdict | tail -n 1
}

# e2e_summary LAB ID MILTER: the milter's summary log line for message ID.
e2e_summary() {
    local q
    q=$(lab_qid "${E2E_DIR[$1]}" "$2") || return 1
    lab_summary "${E2E_DIR[$1]}" "$q" "$3"
}

# e2e_in_sink LAB ID: some file in the sink carries X-Lab-Id: ID.
e2e_in_sink() {
    grep -q -x -F "X-Lab-Id: $2" "${E2E_DIR[$1]}"/sink/* 2>/dev/null
}

# ---- a hand-driven SMTP session (to pause between commands) ------------------
# smtp_open LAB; smtp_cmd "MAIL FROM:<a@b>"; smtp_data FILE; smtp_close.
# SMTP_CODE/SMTP_TEXT hold the last reply ("" when the connection dropped).

smtp_read() {
    local line
    SMTP_CODE= SMTP_TEXT=
    while IFS= read -r -t 60 -u "$SMTP_FD" line; do
        line=${line%$'\r'}
        SMTP_TEXT="${SMTP_TEXT:+$SMTP_TEXT }$line"
        case $line in
        [0-9][0-9][0-9]-*) continue ;;
        [0-9][0-9][0-9]*) SMTP_CODE=${line:0:3}; return 0 ;;
        esac
    done
    return 1
}

smtp_open() { # LAB
    exec {SMTP_FD}<>"/dev/tcp/127.0.0.1/${E2E_PORT[$1]}" || return 1
    smtp_read && [ "$SMTP_CODE" = 220 ]
}

smtp_cmd() { # LINE
    printf '%s\r\n' "$1" >&"$SMTP_FD" 2>/dev/null
    smtp_read
}

# smtp_data FILE: DATA, the message (dot-stuffed, CRLF), the final dot.
# SMTP_CODE is the reply to whichever step failed, or to the final dot.
smtp_data() {
    smtp_cmd DATA || return 1
    [ "$SMTP_CODE" = 354 ] || return 0
    sed -e 's/^\./../' -e 's/$/\r/' "$1" >&"$SMTP_FD" 2>/dev/null
    smtp_cmd .
}

# smtp_start LAB ID: connect, EHLO, MAIL and RCPT for message ID.
smtp_start() {
    smtp_open "$1" || return 1
    smtp_cmd "EHLO client.sender.test" && [ "$SMTP_CODE" = 250 ] &&
        smtp_cmd "MAIL FROM:<alice@sender.test>" && [ "$SMTP_CODE" = 250 ] &&
        smtp_cmd "RCPT TO:<$2@rcpt.test>" && [ "$SMTP_CODE" = 250 ]
}

smtp_close() {
    printf 'QUIT\r\n' >&"$SMTP_FD" 2>/dev/null
    exec {SMTP_FD}>&-
}

# ---- MIME helpers ------------------------------------------------------------

# mime_part FILE BOUNDARY K: the raw lines of the K-th part (1-based)
# between "--BOUNDARY" delimiters (the text after the top-level header
# and before the first delimiter is part 0).
mime_part() {
    awk -v b="--$2" -v k="$3" '
        $0 == b || $0 == b "--" { n++; if ($0 == b "--") exit; next }
        n == k { print }
    ' "$1"
}

# mime_count FILE BOUNDARY: number of parts (delimiters before the close).
mime_count() {
    awk -v b="--$2" '
        $0 == b { n++ } $0 == b "--" { closed = 1; exit }
        END { print (closed ? n : -1) }
    ' "$1"
}

# num_lt A B: A < B as numbers.
num_lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 < b + 0) }'; }

not() { ! "$@"; }

# expect_reject LAB ID LABEL NAME_ERE SYMBOL: the message was refused
# with 550 5.7.1 naming the file, logged with SYMBOL, never delivered.
expect_reject() {
    local lab=$1 id=$2 label=$3 name=$4 sym=$5 line
    e2e_send "$lab" "$id"
    t_like "$LAB_REPLY" '^550 5\.7\.1 ' "$label: rejected with 550 5.7.1"
    t_like "$LAB_REPLY" "$name" "$label: the reply names the file"
    t_unlike "$LAB_REPLY" '(ATTACH|SLUICE|TEST)_[A-Z_]+' \
        "$label: the reply shows no internal symbol name"
    line=$(e2e_summary "$lab" "$id" attach)
    t_like "$line" "action=reject .*symbols=.*$sym" "$label: logged as $sym"
    t_ok "$label: not delivered" not e2e_in_sink "$lab" "$id"
}

# expect_accept LAB ID LABEL: delivered with X-Sluice-Verdict "accept".
expect_accept() {
    local lab=$1 id=$2 label=$3 v
    e2e_send "$lab" "$id"
    t_is "$LAB_CODE" 250 "$label: accepted with 250"
    v=$(e2e_verdict "$lab" "$id")
    t_like "$v" '^accept;' "$label: delivered, X-Sluice-Verdict says accept"
}
