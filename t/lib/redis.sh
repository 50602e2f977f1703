# t/lib/redis.sh - a private redis-server for tests, the lab and e2e (bash).
#
# CONTRACT
#	Sourced.  One server per directory D (created 0700 if missing), all
#	its files inside:
#	    D/redis.conf   written by redis_start (the password, if any, is
#	                   here and never on a command line)
#	    D/redis.sock   unix socket (0700)
#	    D/redis.pid    pid of the daemonized server
#	    D/redis.log    its log
#	    D/port         the TCP port in use
#	No persistence: save "" and appendonly no (nothing is written to D
#	but the files above).  TCP on 127.0.0.1 and, when the host has it,
#	::1.
#
#	redis_start D [PORT [PASSWORD]]  start a server; PORT (default 31040)
#	        or, when taken, the first free one of the 20 after it; waits
#	        until PING answers (at most 10 s).  PASSWORD (requirepass)
#	        must not contain '"', a backslash or a newline.  0, or 1
#	        with the log's tail on stderr.
#	redis_restart D    start again from D/redis.conf (same port, socket
#	        and password) after a redis_kill; same waiting.
#	redis_stop D       "shutdown nosave", then wait until the process is
#	        gone (a zombie counts as gone: its parent is init, which
#	        reaps late); SIGKILL after 10 s.  0 when nothing is left.
#	redis_kill D       SIGKILL and the same wait (a crash, for tests).
#	redis_cli D ARGS   redis-cli on the unix socket, authenticated.
#	redis_pid D        the server's pid, if it runs (else 1).
#	Processes are found by pidfile only, never by name.

REDIS_SERVER=${REDIS_SERVER:-redis-server}
REDIS_CLI=${REDIS_CLI:-redis-cli}

redis_err() { echo "redis.sh: $*" >&2; }

redis_now_ms() { echo $(( ${EPOCHREALTIME/[.,]/} / 1000 )); }

# redis_pid_alive PID: exists and is not a zombie.
redis_pid_alive() {
    local st
    [ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

redis_pid() {
    local p
    p=$(cat "$1/redis.pid" 2>/dev/null) || return 1
    redis_pid_alive "$p" || return 1
    echo "$p"
}

redis_port_taken() {
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

redis_cli() {
    local d=$1 pw
    shift
    pw=$(sed -n 's/^requirepass "\(.*\)"$/\1/p' "$d/redis.conf")
    if [ -n "$pw" ]; then
        REDISCLI_AUTH=$pw "$REDIS_CLI" -s "$d/redis.sock" "$@"
    else
        "$REDIS_CLI" -s "$d/redis.sock" "$@"
    fi
}

# redis_wait_ping D: PING answers PONG within 10 s.
redis_wait_ping() {
    local end=$(($(redis_now_ms) + 10000))
    while [ "$(redis_now_ms)" -lt "$end" ]; do
        [ "$(redis_cli "$1" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.02
    done
    redis_err "$1: no PONG within 10 s"
    tail -n 20 "$1/redis.log" >&2 2>/dev/null
    return 1
}

# redis_wait_gone PID MS: not alive within MS milliseconds.
redis_wait_gone() {
    local end=$(($(redis_now_ms) + $2))
    while redis_pid_alive "$1"; do
        [ "$(redis_now_ms)" -lt "$end" ] || return 1
        sleep 0.02
    done
}

redis_start() {
    local d=$1 port=${2:-31040} pw=${3:-} last
    case $pw in *'"'* | *\\* | *"
"*) redis_err "a password with '\"', '\\' or a newline"; return 1 ;; esac
    mkdir -p "$d" && chmod 700 "$d" || return 1
    d=$(cd "$d" && pwd)
    last=$((port + 20))
    while redis_port_taken "$port"; do
        port=$((port + 1))
        [ "$port" -le "$last" ] || { redis_err "no free port"; return 1; }
    done
    {
        echo "bind 127.0.0.1 -::1"
        echo "port $port"
        echo "unixsocket $d/redis.sock"
        echo "unixsocketperm 700"
        echo 'save ""'
        echo "appendonly no"
        echo "dir $d"
        echo "daemonize yes"
        echo "pidfile $d/redis.pid"
        echo "logfile $d/redis.log"
        echo "protected-mode yes"
        [ -n "$pw" ] && echo "requirepass \"$pw\""
    } >"$d/redis.conf"
    chmod 600 "$d/redis.conf"
    echo "$port" >"$d/port"
    redis_restart "$d"
}

redis_restart() {
    local d=$1
    rm -f "$d/redis.pid"
    "$REDIS_SERVER" "$d/redis.conf" >>"$d/redis.log" 2>&1 || {
        redis_err "$d: redis-server failed"
        tail -n 20 "$d/redis.log" >&2
        return 1
    }
    redis_wait_ping "$d"
}

redis_stop() {
    local d=$1 p
    p=$(redis_pid "$d") || return 0
    redis_cli "$d" shutdown nosave >/dev/null 2>&1
    redis_wait_gone "$p" 10000 && return 0
    redis_err "$d: pid $p still alive after 10 s: SIGKILL"
    kill -KILL "$p" 2>/dev/null
    redis_wait_gone "$p" 2000
}

redis_kill() {
    local d=$1 p
    p=$(redis_pid "$d") || return 0
    kill -KILL "$p" 2>/dev/null
    redis_wait_gone "$p" 5000
}
