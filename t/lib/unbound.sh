# t/lib/unbound.sh - a private, authoritative-only unbound for tests (sh).
#
# SYNOPSIS
#	. "$top_srcdir/t/lib/unbound.sh"
#	ubd_start DIR PORT ZONEDIR || exit 1    (answers on 127.0.0.1:PORT)
#	...
#	ubd_stop DIR                            (returns once it is gone)
#
# DESCRIPTION
#	ubd_start writes DIR/unbound.conf and starts unbound in the
#	foreground as a child of this shell (no double fork, so no zombie
#	waiting for PID 1 to reap it), then waits until every zone answers
#	its SOA (at most 5 s).  It serves:
#
#	- every ZONEDIR/NAME.zone (RFC 1035 master file) as an auth-zone
#	  NAME (root.zone is the root zone ".", which makes every name not
#	  in another zone NXDOMAIN).  auth-zone rather than local-data
#	  generated from the files: unbound then reads the master files
#	  as they are ($TTL, $ORIGIN, multi-string TXT, CNAME chains,
#	  wildcards) and answers like a real authoritative server,
#	  including the SOA of negative answers (the negative TTL);
#	- timeout.test: every query is dropped ("local-zone deny"), so a
#	  client times out;
#	- servfail.test: SERVFAIL, within milliseconds.  unbound forwards
#	  it (a stub zone) to its own second interface 127.0.0.1:PORT+1,
#	  where "interface-action: refuse" answers REFUSED;
#	- refused.test: REFUSED;
#	- anything else: REFUSED (local-zone "." refuse), so nothing is
#	  ever recursed to the internet.
#	Nothing is cached (cache-max-ttl 0), so a test that changes the
#	data sees the change.  Lines in $UBD_EXTRA are added to the server:
#	clause (e.g. more 'local-zone: "x.example." deny' lines).
#
#	ubd_stop sends SIGTERM (SIGKILL after 5 s) and waits for the
#	process to be gone.  ubd_pid prints the PID.  unbound's log is
#	DIR/unbound.log.  Return status 0, or 1 with a message on stderr.
#
#	The same shell functions start the lab's DNS server.
#
#	dnsdelay_start DIR PORT UPSTREAM_PORT [OPTIONS] starts
#	t/lib/dnsdelay.py: a forwarder on 127.0.0.1:PORT (UDP and TCP) to
#	127.0.0.1:UPSTREAM_PORT; "--slow ZONE --delay MS" holds back the
#	answers for names under ZONE until MS milliseconds after the query
#	came in, "--drop FILE" drops queries for single names (see the
#	script); dnsdelay_stop DIR stops it.
UBD_SRC=${top_srcdir:-$(cd "$(dirname "${BASH_SOURCE:-$0}")/../.." 2>/dev/null && pwd)}

ubd_pid() { cat "$1/ubd.pid" 2>/dev/null; }

# ubd_zone_name FILE: the zone a master file is for.
ubd_zone_name() {
    local b
    b=$(basename "$1" .zone)
    [ "$b" = root ] && { echo .; return; }
    echo "$b."
}

ubd_conf() { # DIR PORT ZONEDIR
    local dir=$1 port=$2 zdir=$3 f z
    cat <<CONF
server:
  interface: 127.0.0.1@$port
  interface: 127.0.0.1@$((port + 1))
  interface-action: 127.0.0.1@$((port + 1)) refuse
  port: $port
  do-ip6: no
  do-ip4: yes
  do-udp: yes
  do-tcp: yes
  access-control: 127.0.0.0/8 allow
  username: ""
  chroot: ""
  directory: "$dir"
  pidfile: "$dir/unbound.pid"
  logfile: "$dir/unbound.log"
  use-syslog: no
  do-daemonize: no
  num-threads: 1
  verbosity: 1
  module-config: "iterator"
  do-not-query-localhost: no
  cache-max-ttl: 0
  # Answers in zone-file order, every time: libspf2 looks at the first
  # 10 MX or PTR names only, so a shuffled answer would change results.
  rrset-roundrobin: no
  cache-max-negative-ttl: 0
  prefetch: no
  minimal-responses: yes
  local-zone: "." refuse
  local-zone: "timeout.test." deny
  local-zone: "refused.test." refuse
  local-zone: "servfail.test." transparent
CONF
    for f in "$zdir"/*.zone; do
        [ -f "$f" ] || continue
        z=$(ubd_zone_name "$f")
        if [ "$z" = . ]; then
            # the root zone answers, also for the private reverse zones
            # (192.168.in-addr.arpa...) unbound would answer itself
            echo '  local-zone: "." transparent'
            echo '  unblock-lan-zones: yes'
        else
            echo "  local-zone: \"$z\" transparent"
        fi
    done
    [ -n "${UBD_EXTRA:-}" ] && printf '%s\n' "$UBD_EXTRA" | sed 's/^ */  /'
    cat <<CONF
stub-zone:
  name: "servfail.test."
  stub-addr: 127.0.0.1@$((port + 1))
CONF
    for f in "$zdir"/*.zone; do
        [ -f "$f" ] || continue
        cat <<CONF
auth-zone:
  name: "$(ubd_zone_name "$f")"
  zonefile: "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
  for-downstream: yes
  for-upstream: no
  fallback-enabled: no
CONF
    done
    cat <<CONF
remote-control:
  control-enable: no
CONF
}

# ubd_answers PORT NAME TYPE: does the server give NOERROR for it?
ubd_answers() {
    dig +time=1 +tries=1 +norecurse -p "$1" @127.0.0.1 "$2" "$3" 2>/dev/null |
        grep -q 'status: NOERROR'
}

ubd_start() { # DIR PORT ZONEDIR
    local dir=$1 port=$2 zdir=$3 pid f z i
    command -v unbound >/dev/null 2>&1 || [ -x /usr/sbin/unbound ] ||
        { echo "ubd_start: unbound is not installed" >&2; return 1; }
    command -v dig >/dev/null 2>&1 ||
        { echo "ubd_start: dig is not installed (bind9-dnsutils)" >&2; return 1; }
    mkdir -p "$dir" || return 1
    dir=$(cd "$dir" && pwd)
    ubd_conf "$dir" "$port" "$zdir" >"$dir/unbound.conf" || return 1
    if ! PATH=$PATH:/usr/sbin unbound-checkconf "$dir/unbound.conf" >"$dir/checkconf.out" 2>&1; then
        echo "ubd_start: bad config:" >&2
        cat "$dir/checkconf.out" >&2
        return 1
    fi
    PATH=$PATH:/usr/sbin unbound -d -c "$dir/unbound.conf" >>"$dir/unbound.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/ubd.pid"
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        if ubd_answers "$port" . SOA || ubd_answers "$port" localhost A; then
            break
        fi
        sleep 0.1
    done
    for f in "$zdir"/*.zone; do
        [ -f "$f" ] || continue
        z=$(ubd_zone_name "$f")
        ubd_answers "$port" "$z" SOA && continue
        echo "ubd_start: zone $z does not answer (see $dir/unbound.log):" >&2
        tail -n 5 "$dir/unbound.log" >&2
        ubd_stop "$dir"
        return 1
    done
    return 0
}

# ubd_wait_gone PID [SECONDS]: until the process is gone (or a zombie,
# which is then reaped if it is our child).
ubd_wait_gone() {
    local pid=$1 n=$((${2:-5} * 20)) st
    while [ "$n" -gt 0 ]; do
        st=$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$pid/stat" 2>/dev/null)
        if [ -z "$st" ] || [ "$st" = Z ]; then
            wait "$pid" 2>/dev/null
            return 0
        fi
        sleep 0.05
        n=$((n - 1))
    done
    return 1
}

ubd_stop() { # DIR
    local pid
    pid=$(ubd_pid "$1") || return 0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    if ! ubd_wait_gone "$pid" 5; then
        kill -9 "$pid" 2>/dev/null
        ubd_wait_gone "$pid" 2 || { echo "ubd_stop: $pid still running" >&2; return 1; }
    fi
    rm -f "$1/ubd.pid"
}

dnsdelay_start() { # DIR PORT UPSTREAM_PORT [OPTIONS...]
    local dir=$1 port=$2 up=$3 pid i
    shift 3
    mkdir -p "$dir" || return 1
    rm -f "$dir/dnsdelay.ready"
    /usr/bin/python3 "$UBD_SRC/t/lib/dnsdelay.py" --listen "$port" \
        --upstream "$up" --ready "$dir/dnsdelay.ready" "$@" \
        >>"$dir/dnsdelay.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/dnsdelay.pid"
    for i in $(seq 1 50); do
        [ -f "$dir/dnsdelay.ready" ] && return 0
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "dnsdelay_start: not ready (see $dir/dnsdelay.log)" >&2
    cat "$dir/dnsdelay.log" >&2
    dnsdelay_stop "$dir"
    return 1
}

dnsdelay_stop() { # DIR
    local pid
    pid=$(cat "$1/dnsdelay.pid" 2>/dev/null) || return 0
    [ -n "$pid" ] || return 0
    kill "$pid" 2>/dev/null
    if ! ubd_wait_gone "$pid" 5; then
        kill -9 "$pid" 2>/dev/null
        ubd_wait_gone "$pid" 2 || return 1
    fi
    rm -f "$1/dnsdelay.pid"
}
