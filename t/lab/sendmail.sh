# t/lab/sendmail.sh - the lab's Sendmail 8.17, run from its Debian packages
# extracted with dpkg -x (bash).
#
# CONTRACT
#	Sourced by t/lab/mta.sh (after t/lab/postfix.sh, whose helpers it
#	uses).  Debian's sendmail-bin conflicts with postfix, so nothing is
#	installed: lab_sendmail_fetch CACHE downloads sendmail-bin,
#	sendmail-base, sendmail-cf and libwrap0 (apt-get download, the only
#	step that needs the network) and extracts them to CACHE/root, the
#	tree every lab then runs from ($SLUICE_SENDMAIL_ROOT).  A lab is one
#	directory D (see t/lab/postfix.sh for the shared parts):
#	    D/sendmail/etc    sendmail.mc (written here), sendmail.cf (m4),
#	                      aliases, service.switch, empty class files
#	    D/sendmail/queue  QUEUE_DIR (root, 0700)
#	    D/sendmail/run    sendmail.pid, statistics, mntns (below)
#	    D/sendmail/dev    mount point used while starting (stays empty)
#	    D/run/syslog.*    the log receiver (t/lab/syslogd.py): socket, PID
#	    D/log/maillog     Sendmail's log
#	Sendmail listens on 127.0.0.1:PORT (daemon name MTA), accepts mail
#	for any recipient from anyone, calls the milters with the lines of
#	etc/sendmail/sluice.mc (one INPUT_MAIL_FILTER per milter in chain
#	order, the sluice-milter line for "all"; only the socket directory
#	is the lab's) and relays everything to the sink on 127.0.0.1:SINK.
#
#	Sendmail writes nothing outside D: it runs in its own mount and UTS
#	namespaces (unshare -m -u), with host name mx.lab.test.example (a
#	name without a dot makes it sleep 60 s at start) and a private /dev
#	whose "log" is D/run/syslog.sock (it logs only through syslog(3)).
#	Every process it forks shares that mount namespace, which is how the
#	lab finds them all (lab_sendmail_pids) and stops them by PID.  Test
#	clients must send CRLF: Sendmail 8.17 refuses bare LF ("421 4.5.0
#	Bare linefeed (LF) not allowed"); swaks and smtp_data do.

LAB_SENDMAIL_DEBS="sendmail-bin sendmail-base sendmail-cf libwrap0"
LAB_SENDMAIL_HOST=$LAB_MX_NAME
LAB_SENDMAIL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# lab_sendmail_binary ROOT: the binary of an extracted tree.
lab_sendmail_binary() { echo "$1/usr/libexec/sendmail/sendmail"; }

# lab_sendmail_root: the extracted tree ($SLUICE_SENDMAIL_ROOT), if usable.
lab_sendmail_root() {
    local r=${SLUICE_SENDMAIL_ROOT:-}
    [ -n "$r" ] && [ -x "$(lab_sendmail_binary "$r")" ] &&
        [ -f "$r/usr/share/sendmail/cf/m4/cf.m4" ] && echo "$r"
}

# lab_sendmail_fetch CACHE: download (once) and extract the packages to
# CACHE/root; prints that path.  apt-get update only when the package
# lists do not know the packages yet.
lab_sendmail_fetch() {
    local c=$1 d r out
    r=$c/root
    if [ -f "$c/.extracted" ] && [ -x "$(lab_sendmail_binary "$r")" ]; then
        echo "$r"
        return 0
    fi
    mkdir -p "$c/debs" || return 1
    if ! ls "$c"/debs/sendmail-bin_*.deb >/dev/null 2>&1; then
        # _apt cannot write into a build directory: download as root
        if ! out=$(cd "$c/debs" && apt-get -q -o APT::Sandbox::User=root \
            download $LAB_SENDMAIL_DEBS 2>&1); then
            apt-get -q update >/dev/null 2>&1
            out=$(cd "$c/debs" && apt-get -q -o APT::Sandbox::User=root \
                download $LAB_SENDMAIL_DEBS 2>&1) ||
                { lab_err "apt-get download $LAB_SENDMAIL_DEBS failed: $out"; return 1; }
        fi
    fi
    rm -rf "$r" "$c/.extracted" && mkdir -p "$r" || return 1
    for d in "$c"/debs/*.deb; do
        dpkg-deb -x "$d" "$r" || { lab_err "cannot extract $d"; return 1; }
    done
    # setgid mail: the loader would ignore LD_LIBRARY_PATH (libwrap.so.0)
    chmod g-s "$(lab_sendmail_binary "$r")" || return 1
    : >"$c/.extracted"
    echo "$r"
}

# lab_sendmail_filters D "NAMES": the INPUT_MAIL_FILTER lines, taken from
# the shipped snippet with the lab's socket directory.
lab_sendmail_filters() {
    local d=$1 n snip=$LAB_SENDMAIL_TOP/etc/sendmail/sluice.mc line
    for n in $2; do
        if [ "$n" = all ]; then
            line=$(sed -n "s/^dnl \(INPUT_MAIL_FILTER(\`sluice-milter'.*\)/\1/p" "$snip")
            line=${line//\/run\/sluice\/milter.sock/$d\/run\/all.sock}
        else
            line=$(grep "^INPUT_MAIL_FILTER(\`sluice-attach'" "$snip")
            line=${line//\/run\/sluice\/attach.sock/$d\/run\/$n.sock}
            line=${line//sluice-attach/sluice-$n}
        fi
        [ -n "$line" ] || { lab_err "no INPUT_MAIL_FILTER line in $snip"; return 1; }
        printf '%s\n' "$line"
    done
    # the snippet's other lines (not comments, not filters), as they are
    grep -v -e '^dnl' -e '^INPUT_MAIL_FILTER(' -e '^[[:space:]]*$' "$snip"
    return 0
}

# lab_sendmail_write D SMTPD_PORT SINK_PORT "MILTER_NAMES"
lab_sendmail_write() {
    local d=$1 port=$2 sink=$3 names=$4 e root filters
    e=$d/sendmail/etc
    root=$(lab_sendmail_root) || {
        lab_err "no extracted Sendmail (SLUICE_SENDMAIL_ROOT=${SLUICE_SENDMAIL_ROOT:-unset}; ./quickstart fetches it)"
        return 1
    }
    filters=$(lab_sendmail_filters "$d" "$names") || return 1
    mkdir -p "$e" "$d/sendmail/queue" "$d/sendmail/run" "$d/sendmail/dev" \
        "$d/log" "$d/sink" "$d/run" || return 1
    chmod 755 "$d" "$d/sendmail" "$e" "$d/log" "$d/run"
    chmod 700 "$d/sendmail/queue"
    : >"$e/local-host-names"; : >"$e/trusted-users"; : >"$e/relay-domains"
    : >"$d/sendmail/run/statistics"
    echo 'postmaster: root' >"$e/aliases"
    echo 'hosts files' >"$e/service.switch"
    cat >"$e/sendmail.mc" <<EOF
divert(-1)
# Sluice lab instance (written by t/lab/sendmail.sh): listens on
# 127.0.0.1:$port, relays everything to 127.0.0.1:$sink, milters from
# etc/sendmail/sluice.mc.  Nothing under /etc/mail or /var/spool.
divert(0)dnl
include(\`$root/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(\`sluice lab')dnl
OSTYPE(\`linux')dnl
define(\`confCF_VERSION', \`lab')dnl
define(\`confDOMAIN_NAME', \`$LAB_SENDMAIL_HOST')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confDONT_BLAME_SENDMAIL', \`GroupWritableDirPathSafe,ForwardFileInGroupWritableDirPath,AssumeSafeChown,TrustStickyBit')dnl
define(\`QUEUE_DIR', \`$d/sendmail/queue')dnl
define(\`confPID_FILE', \`$d/sendmail/run/sendmail.pid')dnl
define(\`STATUS_FILE', \`$d/sendmail/run/statistics')dnl
define(\`HELP_FILE', \`$root/etc/mail/helpfile')dnl
define(\`ALIAS_FILE', \`$e/aliases')dnl
define(\`confCW_FILE', \`-o $e/local-host-names')dnl
define(\`confCT_FILE', \`-o $e/trusted-users')dnl
define(\`confCR_FILE', \`-o $e/relay-domains')dnl
define(\`confSERVICE_SWITCH_FILE', \`$e/service.switch')dnl
define(\`confHOSTS_FILE', \`/etc/hosts')dnl
define(\`confDEAD_LETTER_DROP', \`$d/sendmail/run/dead.letter')dnl
define(\`confDEF_USER_ID', \`mail:mail')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confQUEUE_LA', \`100')dnl
define(\`confREFUSE_LA', \`100')dnl
define(\`confDELAY_LA', \`0')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confTO_QUEUEWARN', \`0')dnl
define(\`confMIN_QUEUE_AGE', \`0')dnl
define(\`confDELIVERY_MODE', \`background')dnl
define(\`confMAX_MESSAGE_SIZE', \`52428800')dnl
define(\`confLOG_LEVEL', \`14')dnl
define(\`confMILTER_LOG_LEVEL', \`14')dnl
define(\`confPRIVACY_FLAGS', \`authwarnings')dnl
define(\`confAUTH_MECHANISMS', \`')dnl
FEATURE(\`no_default_msa')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Family=inet, Name=MTA')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`promiscuous_relay')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`accept_unqualified_senders')dnl
define(\`SMART_HOST', \`relay:[127.0.0.1]')dnl
define(\`RELAY_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`ESMTP_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`SMTP_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`SMTP8_MAILER_ARGS', \`TCP \$h $sink')dnl
define(\`RELAY_MAILER_FLAGS', \`k')dnl
define(\`SMTP_MAILER_FLAGS', \`k')dnl
dnl --- from etc/sendmail/sluice.mc ---
$filters
dnl ---
MAILER(\`local')dnl
MAILER(\`smtp')dnl
EOF
    if ! m4 "$e/sendmail.mc" >"$e/sendmail.cf.tmp" 2>"$d/log/m4.err"; then
        lab_err "m4 $e/sendmail.mc failed: $(cat "$d/log/m4.err")"
        return 1
    fi
    mv "$e/sendmail.cf.tmp" "$e/sendmail.cf"
}

lab_sendmail_etc() { echo "$1/sendmail/etc"; }

# lab_sendmail_logger_start D: the syslog receiver, ready when it returns.
lab_sendmail_logger_start() {
    local d=$1 pid
    rm -f "$d/run/syslog.pid"
    /usr/bin/python3 "$LAB_SENDMAIL_TOP/t/lab/syslogd.py" "$d/run/syslog.sock" \
        "$d/log/maillog" "$d/run/syslog.pid" >>"$d/log/syslogd.out" 2>&1 </dev/null &
    pid=$!
    LAB_WAIT=10 lab_wait test -s "$d/run/syslog.pid" && return 0
    lab_err "the log receiver did not start: $(cat "$d/log/syslogd.out")"
    kill -TERM "$pid" 2>/dev/null
    return 1
}

# The start inside the private namespaces: $1 D, $2 the binary, $3 cf.
# shellcheck disable=SC2016
LAB_SENDMAIL_NS_START='
set -e
d=$1 sm=$2 cf=$3
mount --make-rprivate /
mount --rbind /dev "$d/sendmail/dev"
mount -t tmpfs -o mode=755,size=64k sluice-lab-dev /dev
for n in null zero full random urandom tty; do
    : >"/dev/$n"
    mount --bind "$d/sendmail/dev/$n" "/dev/$n"
done
ln -s /proc/self/fd /dev/fd
ln -s "$d/run/syslog.sock" /dev/log
umount -l "$d/sendmail/dev"
hostname "$LAB_SENDMAIL_HOST"
readlink /proc/self/ns/mnt >"$d/sendmail/run/mntns"
"$sm" -C "$cf" -bi >/dev/null
exec "$sm" -C "$cf" -bd -q1m
'

# lab_sendmail_start D PORT: start the instance, wait until it listens.
lab_sendmail_start() {
    local d=$1 port=$2 root out
    root=$(lab_sendmail_root) || { lab_err "no extracted Sendmail"; return 1; }
    if lab_port_listening "$port"; then
        lab_err "port $port is already in use"
        return 1
    fi
    lab_sendmail_logger_start "$d" || return 1
    rm -f "$d/sendmail/run/sendmail.pid" "$d/sendmail/run/mntns"
    if ! out=$(LD_LIBRARY_PATH=$root/usr/lib/x86_64-linux-gnu \
        LAB_SENDMAIL_HOST=$LAB_SENDMAIL_HOST unshare -m -u \
        sh -c "$LAB_SENDMAIL_NS_START" sh "$d" "$(lab_sendmail_binary "$root")" \
        "$d/sendmail/etc/sendmail.cf" 2>&1 </dev/null); then
        lab_err "sendmail did not start: $out"
        tail -n 20 "$d/log/maillog" >&2 2>/dev/null
        return 1
    fi
    if ! lab_wait lab_port_listening "$port"; then
        lab_err "sendmail not listening on $port"
        tail -n 20 "$d/log/maillog" >&2 2>/dev/null
        return 1
    fi
}

# lab_sendmail_pid D: PID of the daemon, if running.
lab_sendmail_pid() {
    local pid
    pid=$(head -n 1 "$1/sendmail/run/sendmail.pid" 2>/dev/null) || return 1
    lab_pid_alive "$pid" && echo "$pid"
}

# lab_sendmail_ns_pids D: the daemon and what it forked (SMTP sessions,
# deliveries, queue runners): every process in its mount namespace.
lab_sendmail_ns_pids() {
    local ns p
    ns=$(cat "$1/sendmail/run/mntns" 2>/dev/null) || return 0
    [ -n "$ns" ] || return 0
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ] && echo "${p#/proc/}"
    done
    return 0
}

# lab_sendmail_pids D: every process of the instance, its log receiver too.
lab_sendmail_pids() {
    local pid
    lab_sendmail_ns_pids "$1"
    pid=$(cat "$1/run/syslog.pid" 2>/dev/null) && lab_pid_alive "$pid" && echo "$pid"
    return 0
}

# lab_sendmail_stop D: stop the daemon and whatever it forked, and the
# log receiver (last, so that the shutdown is logged).
lab_sendmail_stop() {
    local d=$1 pid p pids
    pids=$(lab_sendmail_ns_pids "$d")
    pid=$(lab_sendmail_pid "$d") && kill -TERM "$pid" 2>/dev/null
    for p in $pids; do
        LAB_WAIT=10 lab_wait lab_not_alive "$p" || kill -TERM "$p" 2>/dev/null
    done
    for p in $pids $(lab_sendmail_ns_pids "$d"); do
        lab_wait_gone "$p" 5
    done
    pid=$(cat "$d/run/syslog.pid" 2>/dev/null) && lab_stop_pid "$pid" 5
    # The namespace is gone: forget it.  The kernel reuses a dead
    # namespace's inode number, so a second stop (the EXIT trap after
    # e2e_finish) would otherwise find another test's Sendmail in it and
    # stop that one ("stopping daemon, reason=signal" mid-run).
    rm -f "$d/run/syslog.pid" "$d/sendmail/run/mntns" \
        "$d/sendmail/run/sendmail.pid"
    return 0
}

# lab_sendmail_queue_empty D: no message (or part of one) in the queue.
lab_sendmail_queue_empty() {
    [ -z "$(find "$1/sendmail/queue" -type f 2>/dev/null | head -n 1)" ]
}

# lab_sendmail_sent_ok D ID: the log shows the delivery of message ID.
lab_sendmail_sent_ok() {
    grep -qE "to=(<[^>]*>,)*<$2@rcpt\.test>.*stat=Sent" "$1/log/maillog" 2>/dev/null
}

# lab_sendmail_qid_now D ID: the queue ID Sendmail gave message ID
# (delivered, refused by a milter, or with its recipient refused).
lab_sendmail_qid_now() {
    sed -nE "s/^.*\]: ([0-9A-Za-z]{8,}): (Milter: )?to=(<[^>]*>,)*<$2@rcpt\.test>.*$/\1/p" \
        "$1/log/maillog" 2>/dev/null | head -n 1
}
