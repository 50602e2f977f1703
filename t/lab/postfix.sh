# t/lab/postfix.sh - the lab's sandboxed Postfix and its smtp-sink (bash).
#
# CONTRACT
#	Sourced by t/lab/mta.sh (./quickstart and t/e2e/lib.sh use the
#	lab_mta_* interface there); the one place that writes a lab Postfix
#	configuration.  It also holds the helpers every lab script uses
#	(lab_wait, lab_pid_alive, lab_stop_pid...) and the smtp-sink, which
#	both MTAs relay to.  A lab is one directory D (every directory
#	on the way must be traversable by user postfix):
#	    D/postfix/etc    main.cf, master.cf (written here)
#	    D/postfix/queue  queue_directory (root-owned, as Postfix wants)
#	    D/postfix/data   data_directory (owned by postfix, 0700)
#	    D/log/maillog    Postfix's log (postlog service; no /dev/log here)
#	    D/sink/          one file per delivered message (smtp-sink -d)
#	    D/run/sink.pid   the smtp-sink PID
#	With $LAB_REINJECT_PORT set, a second smtpd on 127.0.0.1 at that
#	port runs no milter: it is where "sluicectl quarantine release"
#	sends ([common] quarantine_release_port, see lab_sluice_conf).
#	Postfix listens on 127.0.0.1:SMTPD_PORT, accepts any recipient from
#	mynetworks (loopback, the TEST-NET ranges and the benchmark range
#	198.18.0.0/15, for tests that need more client networks; XCLIENT from
#	loopback), calls the given milters (milter_default_action tempfail)
#	and relays everything to the sink on 127.0.0.1:SINK_PORT.  No DNS.
#
#	Processes are stopped only by recorded PID or "postfix -c DIR stop";
#	nothing is ever killed by name.  Functions return 0/1 and report
#	problems on stderr.

LAB_SMTPD_HOST=127.0.0.1
LAB_MX_NAME=mx.lab.test.example # the lab MTA's host name, either MTA

lab_err() { echo "lab: $*" >&2; }

# lab_pid_alive PID: the process exists and is not a zombie.
lab_pid_alive() {
    local st
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

# lab_wait_gone PID SECONDS: wait until PID is gone; SIGKILL after SECONDS.
lab_wait_gone() {
    local pid=$1 t=$2
    LAB_WAIT=$t lab_wait lab_not_alive "$pid" && return 0
    lab_err "pid $pid still alive after ${t}s: SIGKILL"
    kill -KILL "$pid" 2>/dev/null
    LAB_WAIT=2 lab_wait lab_not_alive "$pid"
}

lab_not_alive() { ! lab_pid_alive "$1"; }

# lab_stop_pid PID SECONDS: SIGTERM, then wait (SIGKILL after SECONDS).
lab_stop_pid() {
    lab_pid_alive "$1" || return 0
    kill -TERM "$1" 2>/dev/null
    lab_wait_gone "$1" "$2"
}

lab_port_listening() { # PORT
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1"
}

# lab_unix_listening PATH: a process listens on that unix socket.
lab_unix_listening() {
    ss -Hxl 2>/dev/null | grep -qF " $1 "
}

# lab_wait CMD... : poll CMD every 50 ms for at most $LAB_WAIT seconds.
lab_now_us() { echo "${EPOCHREALTIME/[.,]/}"; }

lab_wait() {
    local end=$(($(lab_now_us) + ${LAB_WAIT:-20} * 1000000))
    while :; do
        "$@" && return 0
        [ "$(lab_now_us)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

# lab_master_cf HOST PORT: print a master.cf with smtpd on HOST:PORT and the
# usual services, every chroot column n (milter sockets live outside the
# queue directory).  Also used by bench/run.sh.
lab_master_cf() {
    cat <<EOF
# Sluice lab instance (written by t/lab/postfix.sh): no chroot.
$1:$2 inet n - n - - smtpd
pickup    unix n - n 60 1 pickup
cleanup   unix n - n - 0 cleanup
qmgr      unix n - n 300 1 qmgr
tlsmgr    unix - - n 1000? 1 tlsmgr
rewrite   unix - - n - - trivial-rewrite
bounce    unix - - n - 0 bounce
defer     unix - - n - 0 bounce
trace     unix - - n - 0 bounce
verify    unix - - n - 1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp      unix - - n - - smtp
relay     unix - - n - - smtp
showq     unix n - n - - showq
error     unix - - n - - error
retry     unix - - n - - error
discard   unix - - n - - discard
anvil     unix - - n - 1 anvil
scache    unix - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
}

# lab_postfix_write D SMTPD_PORT SINK_PORT "MILTER_SOCKETS"
# MILTER_SOCKETS: Postfix notation, e.g. "unix:/x/a.sock, unix:/x/b.sock".
lab_postfix_write() {
    local d=$1 port=$2 sink=$3 milters=$4 e
    e=$d/postfix/etc
    mkdir -p "$e" "$d/postfix/queue" "$d/postfix/data" "$d/log" "$d/sink" \
        "$d/run" || return 1
    chmod 755 "$d" "$d/postfix" "$e" "$d/log" "$d/run"
    chown root:root "$d/postfix/queue" && chmod 755 "$d/postfix/queue"
    chown postfix:postfix "$d/postfix/data" "$d/sink" && chmod 700 "$d/postfix/data"
    chmod 755 "$d/sink"
    cat >"$e/main.cf" <<EOF
# Sluice lab instance (written by t/lab/postfix.sh; no trailing comments:
# Postfix would take them as part of the value).
compatibility_level = 3.6
queue_directory = $d/postfix/queue
data_directory = $d/postfix/data
mail_owner = postfix
setgid_group = postdrop
maillog_file = $d/log/maillog
maillog_file_prefixes = $d
myhostname = $LAB_MX_NAME
mydomain = lab.test.example
myorigin = \$myhostname
mydestination =
local_recipient_maps =
relay_domains =
alias_maps =
alias_database =
inet_interfaces = $LAB_SMTPD_HOST
inet_protocols = ipv4
mynetworks = 127.0.0.0/8 192.0.2.0/24 198.51.100.0/24 203.0.113.0/24 198.18.0.0/15
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions =
relayhost = [127.0.0.1]:$sink
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtputf8_enable = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
biff = no
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 10s
message_size_limit = 52428800
smtpd_milters = $milters
non_smtpd_milters =
milter_default_action = tempfail
milter_protocol = 6
EOF
    lab_master_cf "$LAB_SMTPD_HOST" "$port" >"$e/master.cf"
    if [ -n "${LAB_REINJECT_PORT:-}" ]; then
        printf '%s:%s inet n - n - - smtpd -o smtpd_milters= %s\n' \
            "$LAB_SMTPD_HOST" "$LAB_REINJECT_PORT" \
            "-o receive_override_options=no_milters" >>"$e/master.cf"
    fi
}

lab_postfix_etc() { echo "$1/postfix/etc"; }

# lab_postfix_start D PORT: start the instance, wait until it listens.
lab_postfix_start() {
    local d=$1 port=$2 out
    if lab_port_listening "$port"; then
        lab_err "port $port is already in use"
        return 1
    fi
    out=$(postfix -c "$d/postfix/etc" start 2>&1 </dev/null)
    if [ $? -ne 0 ]; then
        lab_err "postfix start failed: $out"
        tail -n 20 "$d/log/maillog" >&2 2>/dev/null
        return 1
    fi
    if ! lab_wait lab_port_listening "$port"; then
        lab_err "postfix not listening on $port"
        tail -n 20 "$d/log/maillog" >&2 2>/dev/null
        return 1
    fi
}

# lab_postfix_pid D: PID of the instance's master, if running.
lab_postfix_pid() {
    local f=$1/postfix/data/master.lock pid
    [ -r "$f" ] || return 1
    pid=$(tr -d ' \n' <"$f")
    lab_pid_alive "$pid" && echo "$pid"
}

# lab_postfix_stop D: stop the instance and wait for its master to exit.
lab_postfix_stop() {
    local d=$1 pid
    pid=$(lab_postfix_pid "$d") || return 0
    postfix -c "$d/postfix/etc" stop >/dev/null 2>&1 </dev/null
    lab_wait_gone "$pid" 10
}

# lab_postfix_pids D: the master and its children.
lab_postfix_pids() {
    local p
    p=$(lab_postfix_pid "$1") || return 0
    echo "$p"
    pgrep -P "$p"
    return 0
}

# lab_postfix_sent_ok D ID: Postfix logged the delivery of message ID.
lab_postfix_sent_ok() {
    grep -q "to=<$2@rcpt.test>.*status=sent" "$1/log/maillog" 2>/dev/null
}

# lab_postfix_qid_now D ID: the queue ID Postfix gave message ID.
lab_postfix_qid_now() {
    sed -nE "s/^.*: ([0-9A-F]{6,}): .*to=<$2@rcpt\.test>.*$/\1/p" \
        "$1/log/maillog" 2>/dev/null | head -n 1
}

# lab_postfix_queue_empty D: no message in any queue of the instance.
lab_postfix_queue_empty() {
    local n
    n=$(find "$1/postfix/queue/incoming" "$1/postfix/queue/active" \
        "$1/postfix/queue/deferred" "$1/postfix/queue/hold" \
        "$1/postfix/queue/maildrop" -type f 2>/dev/null | wc -l)
    [ "$n" -eq 0 ] &&
        postqueue -c "$1/postfix/etc" -p 2>/dev/null | grep -q 'Mail queue is empty'
}

# lab_sink_start D PORT: smtp-sink keeping one file per message in D/sink.
lab_sink_start() {
    local d=$1 port=$2 pid
    if lab_port_listening "$port"; then
        lab_err "sink port $port is already in use"
        return 1
    fi
    mkdir -p "$d/sink" "$d/log" "$d/run" && chown postfix:postfix "$d/sink" ||
        return 1
    smtp-sink -u postfix -c -d "$d/sink/%Y%m%d%H%M%S." "127.0.0.1:$port" 100 \
        >"$d/log/sink.out" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$d/run/sink.pid"
    if ! lab_wait lab_port_listening "$port"; then
        lab_err "smtp-sink not listening on $port"
        cat "$d/log/sink.out" >&2
        return 1
    fi
}

lab_sink_pid() {
    local pid
    pid=$(cat "$1/run/sink.pid" 2>/dev/null) || return 1
    lab_pid_alive "$pid" && echo "$pid"
}

lab_sink_stop() {
    local pid
    pid=$(lab_sink_pid "$1") && lab_stop_pid "$pid" 5
    rm -f "$1/run/sink.pid"
}
