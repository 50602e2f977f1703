# t/lab/sluice.sh - the lab's sluice.conf, secret and milter processes (bash).
#
# CONTRACT
#	Sourced by ./quickstart and t/e2e/lib.sh after t/lab/postfix.sh.  In a
#	lab directory D:
#	    D/sluice.conf     written by lab_sluice_conf
#	    D/secret          64 base64 characters from /dev/urandom,
#	                      root:postfix 0640 (lab_secret_write)
#	    D/run/NAME.sock   the socket of chained milter NAME ("all" is the
#	                      all-in-one sluice-milter: [common] socket)
#	    D/run/NAME.pid    its supervisor's pidfile (written by the milter)
#	    D/log/sluice.log  every milter's log ([common] log_file)
#	    D/log/NAME.out    the milter's stdout/stderr, if any
#	    D/quarantine/     [common] quarantine_dir (owned by postfix)
#	    D/run/store.db    [common] store_path (D/run is postfix's: the
#	                      milters create the sqlite file and its -wal)
#	With $LAB_REINJECT_PORT set, quarantine_release_port is that port
#	(the milter-free smtpd of t/lab/postfix.sh).
#	A module list is a blank-separated list of section names in chain
#	order ("testmod attach"); the last one gets "enforce = yes".  Extra
#	lines for a section come from $LAB_CONF_<section> when that variable
#	is set (even empty), else from lab_policy_<section> D when defined.
#	The store of [common] is the sqlite file D/run/store.db (unless
#	$LAB_CONF_common names store_path or store_backend).
#	Milters run supervised (no -f), as user postfix (user = postfix), and
#	are stopped by the PID in their pidfile (their workers too).
#	[common] names the lab's DNS server, 127.0.0.1:$LAB_DNS_PORT
#	(t/lab/dns.sh), local_domains (rcpt.test, rcpt.example and their
#	subdomains) and internal_networks (loopback).
#	A lab with sluice-content has its own clamd (t/lib/clamd.sh) in
#	D/clamd, started before the milters by lab_clamd_start and stopped
#	after them by lab_clamd_stop.

# The lab's policy of sluice-policy: every check on, refusals where the
# sample zones call for them (t/lab/zones, t/data/dns/policy.test.zone).
# Clients in internal_networks (loopback: the plain swaks examples) skip
# the inbound checks; XCLIENT ADDR= from a documentation range is mail
# from outside, XCLIENT LOGIN= an authenticated client.
lab_policy_policy() {
    cat <<'EOF'
authserv_id = mx.lab.test.example
relay_check = yes
helo_check = yes
sender_domain_check = yes
iprev_check = yes
dnsbl_sites = bl.lab.test*5
dnsbl_threshold = 5
dnsbl_urls = bl.lab.test=https://lab.test/bl?ip=%s
spf_check = yes
spf_received_spf = yes
dkim_check = yes
dmarc_check = yes
EOF
}

# The lab's default policy of sluice-attach: reject what is dangerous.
lab_policy_attach() {
    cat <<'EOF'
banned_action = reject
double_extension_action = reject
archive_action = reject
encrypted_action = reject
macro_action = reject
EOF
}

# The lab's policy of sluice-content (D: the lab directory): DLP tags
# outbound mail (a loopback or authenticated client, a recipient outside
# local_domains), SpamAssassin's rules score (GTUBE scores 1000, over
# score_reject), clamd scans with the tiny test database; when the lab has
# its DNS server (t/lab/dns.sh), the URI list dbl.lab.test is asked.
lab_policy_content() {
    cat <<EOF
dlp_action = tag
sa_rules = /usr/share/spamassassin
clamd_socket = unix:$1/clamd/clamd.sock
clamd_timeout = 10s
EOF
    [ -d "$1/run/ubd" ] && echo "uribl = dbl.lab.test=127.0.1.[2..10]*3"
    return 0
}

# lab_clamd_start D / lab_clamd_stop D: the lab's clamd in D/clamd.
lab_clamd_start() {
    local src=${SRC:-${top_srcdir:-.}}
    . "$src/t/lib/clamd.sh"
    clamd_start "$1/clamd"
}

lab_clamd_stop() {
    local src=${SRC:-${top_srcdir:-.}}
    [ -f "$1/clamd/clamd.pid" ] || return 0
    . "$src/t/lib/clamd.sh"
    clamd_stop "$1/clamd"
}

lab_clamd_pid() {
    local p
    p=$(tr -d ' \n' 2>/dev/null <"$1/clamd/clamd.pid") || return 1
    lab_pid_alive "$p" && echo "$p"
}

# The lab's greylisting: only for recipients in grey.rcpt.test (so that
# every other sample and test is not delayed), a 10-second delay
# ($LAB_GREY_DELAY), and a client network auto-whitelisted after 3
# delivered triplets; $LAB_GREY_EXTRA: more lines (the e2e tests').
lab_policy_grey() {
    printf 'grey.rcpt.test greylist\n' >"$1/grey-recipients.domain" || return 1
    chmod 0644 "$1/grey-recipients.domain"
    cat <<EOF
delay = ${LAB_GREY_DELAY:-10s}
auto_whitelist = 3
greylist_recipients = domain:$1/grey-recipients.domain
EOF
    [ -z "${LAB_GREY_EXTRA:-}" ] || printf '%s\n' "$LAB_GREY_EXTRA"
}

# lab_common_default KEY VALUE: "KEY = VALUE" unless $LAB_CONF_common sets
# KEY (a key set twice is a configuration error).
lab_common_default() {
    printf '%s\n' "${LAB_CONF_common:-}" | grep -q "^[[:space:]]*$1[[:space:]]*=" ||
        echo "$1 = $2"
}

# lab_secret_write FILE: a fresh secret, readable by group postfix only.
lab_secret_write() {
    (umask 077 && head -c 48 /dev/urandom | base64 -w0 >"$1") || return 1
    chown root:postfix "$1" && chmod 0640 "$1"
}

# lab_section NAME D ENFORCE: one module section.
lab_section() {
    local name=$1 d=$2 enforce=$3 var="LAB_CONF_$1"
    printf '\n[%s]\nsocket = unix:%s/run/%s.sock\npidfile = %s/run/%s.pid\n' \
        "$name" "$d" "$name" "$d" "$name"
    printf 'enforce = %s\n' "$enforce"
    if [ -n "${!var+set}" ]; then
        [ -n "${!var}" ] && printf '%s\n' "${!var}"
    elif declare -F "lab_policy_$name" >/dev/null; then
        "lab_policy_$name" "$d"
    fi
}

# lab_test_section NAME: a section only the test programs know.
lab_test_section() {
    case $1 in testmod) return 0 ;; esac
    return 1
}

# lab_sluice_conf FILE D "MODULES": write the configuration.  Sections of
# test-only modules go to D/test.conf instead (it includes FILE): the
# installed programs refuse sections they do not know, so only the test
# programs (t/sluice-*) are given that file.
lab_sluice_conf() {
    local file=$1 d=$2 mods=$3 m last enforce
    for m in $mods; do last=$m; done
    rm -f "$d/test.conf"
    {
        echo "# Sluice lab configuration, generated by t/lab/sluice.sh."
        echo "# See sluice.conf(5).  Regenerated on every lab start."
        echo "[common]"
        echo "secret_file = $d/secret"
        echo "log_file = $d/log/sluice.log"
        echo "user = postfix"
        echo "socket = unix:$d/run/all.sock"
        echo "pidfile = $d/run/all.pid"
        # the lab's resolver (t/lab/dns.sh) and who is inside, unless
        # $LAB_CONF_common says otherwise
        lab_common_default dns_servers "127.0.0.1:${LAB_DNS_PORT:-53}"
        lab_common_default dns_timeout 1s
        lab_common_default dns_budget 8s
        lab_common_default local_domains "rcpt.test rcpt.example"
        lab_common_default internal_networks "127.0.0.0/8 ::1/128"
        echo "quarantine_dir = $d/quarantine"
        case ${LAB_CONF_common:-} in
        *store_path* | *store_backend*) ;;
        *) echo "store_path = $d/run/store.db" ;;
        esac
        [ -n "${LAB_REINJECT_PORT:-}" ] &&
            echo "quarantine_release_port = $LAB_REINJECT_PORT"
        [ -n "${LAB_CONF_common:-}" ] && printf '%s\n' "$LAB_CONF_common"
        for m in $mods; do
            enforce=no
            [ "$m" = "$last" ] && enforce=yes
            if lab_test_section "$m"; then
                [ -f "$d/test.conf" ] || echo "include $file" >"$d/test.conf"
                lab_section "$m" "$d" "$enforce" >>"$d/test.conf"
            else
                lab_section "$m" "$d" "$enforce"
            fi
        done
    } >"$file" || return 1
    mkdir -p "$d/quarantine" && chown postfix:postfix "$d/quarantine" &&
        chmod 0700 "$d/quarantine" || return 1
    mkdir -p "$d/store" && chown postfix:postfix "$d/store" &&
        chmod 0700 "$d/store" || return 1
    chmod 0644 "$file"
    [ ! -f "$d/test.conf" ] || chmod 0644 "$d/test.conf"
}

# lab_milter_bin BUILDDIR NAME: the binary that runs module NAME alone
# ("all": the all-in-one sluice-milter).
lab_milter_bin() {
    local b=$1 n=$2 c
    [ "$n" = all ] && n=milter
    for c in "$b/sluice-$n" "$b/t/sluice-$n"; do
        [ -x "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

# lab_sockets D "NAMES": the Postfix smtpd_milters value.
lab_sockets() {
    local d=$1 n out=
    for n in $2; do
        out="${out:+$out, }unix:$d/run/$n.sock"
    done
    echo "$out"
}

lab_milter_pid() { # D NAME
    local pid
    pid=$(tr -d ' \n' 2>/dev/null <"$1/run/$2.pid") || return 1
    lab_pid_alive "$pid" && echo "$pid"
}

# lab_milter_ready D NAME: supervisor alive and its socket listening.
lab_milter_ready() {
    lab_milter_pid "$1" "$2" >/dev/null && lab_unix_listening "$1/run/$2.sock"
}

# lab_milter_start D NAME BIN CONF: start supervised, wait until ready.
# The launcher returns once the supervisor is in the background; a
# non-zero status means the milter did not start.
lab_milter_start() {
    local d=$1 n=$2 bin=$3 conf=$4
    case $bin in
    */t/sluice-*) [ -f "$d/test.conf" ] && conf=$d/test.conf ;;
    esac
    chown postfix:postfix "$d/run" "$d/log"
    rm -f "$d/run/$n.pid"
    (umask 007 && exec "$bin" -c "$conf") >>"$d/log/$n.out" 2>&1 </dev/null &
    LAB_LAUNCHER=$!
    LAB_LAUNCH_RC=0
    lab_wait lab_milter_launched "$d" "$n"
    lab_milter_ready "$d" "$n" && return 0
    if [ "$LAB_LAUNCH_RC" -ne 0 ]; then
        lab_err "$n: $bin exited with status $LAB_LAUNCH_RC"
    else
        lab_err "$n: no supervisor pid in $d/run/$n.pid or no socket"
    fi
    tail -n 20 "$d/log/$n.out" "$d/log/sluice.log" >&2 2>/dev/null
    return 1
}

# ready, or the launcher failed (then LAB_LAUNCH_RC is its status)
lab_milter_launched() {
    lab_milter_ready "$1" "$2" && return 0
    [ -z "$LAB_LAUNCHER" ] && return 1
    lab_pid_alive "$LAB_LAUNCHER" && return 1
    wait "$LAB_LAUNCHER"
    LAB_LAUNCH_RC=$?
    LAB_LAUNCHER=
    [ "$LAB_LAUNCH_RC" -ne 0 ]
}

# lab_milter_workers D NAME: PIDs of the supervisor's children.
lab_milter_workers() {
    local pid
    pid=$(lab_milter_pid "$1" "$2") || return 1
    pgrep -P "$pid"
}

# lab_milters_stop D "NAMES": SIGTERM every supervisor at once (libmilter
# takes up to 5 s to exit), then wait for them and their workers.
lab_milters_stop() {
    local d=$1 n pid p pids=
    for n in $2; do
        pid=$(lab_milter_pid "$d" "$n") || { rm -f "$d/run/$n.pid"; continue; }
        pids="$pids $pid $(pgrep -P "$pid" | tr '\n' ' ')"
        kill -TERM "$pid" 2>/dev/null
    done
    for p in $pids; do
        lab_wait_gone "$p" 15
    done
    for n in $2; do
        rm -f "$d/run/$n.pid"
    done
}

lab_milter_stop() { lab_milters_stop "$1" "$2"; } # D NAME
