#!/bin/bash
# start.sh - starting a milter by hand, as the README says, on a machine
# where nothing prepared the way: no /run/sluice, no syslog daemon, a
# second start by mistake, root without a user.  Every start-up problem
# must be said on stderr (not only to a syslog that may not be there) and
# end in a documented exit status (sluice-attach(8), EXIT STATUS).
: "${top_builddir:=.}" "${top_srcdir:=.}"
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
bin=$top_builddir/sluice-attach
if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP needs root (a milter started by hand starts as root)"
    exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-start.XXXXXX")
chmod 755 "$dir"
sups=
cleanup() {
    local p
    for p in $sups; do
        kill -KILL $(pgrep -P "$p") "$p" 2>/dev/null
    done
    rm -rf "$dir"
}
trap cleanup EXIT
head -c 48 /dev/urandom >"$dir/secret"
chmod 640 "$dir/secret"

# conf NAME [LINES...]: $dir/NAME.conf, socket and pidfile of its own,
# no log_file (syslog, which is not there on this machine).
conf() {
    local name=$1
    shift
    {
        echo "[common]"
        echo "secret_file = $dir/secret"
        for l in "$@"; do case $l in common:*) echo "${l#common:}" ;; esac; done
        echo "[attach]"
        echo "socket = unix:$dir/$name.sock"
        echo "pidfile = $dir/run-$name/attach.pid"
        for l in "$@"; do case $l in common:*) ;; *) echo "$l" ;; esac; done
    } >"$dir/$name.conf"
}

# start NAME [OPTIONS...]: start supervised; RC, OUT (stderr and stdout).
start() {
    local name=$1
    shift
    OUT=$(timeout 30 "$bin" -c "$dir/$name.conf" "$@" 2>&1 </dev/null)
    RC=$?
    local p
    p=$(cat "$dir/run-$name/attach.pid" 2>/dev/null) && sups="$sups $p"
}

listening() { ss -Hxl 2>/dev/null | grep -qF " $1 "; }
inode() { stat -c %i "$1" 2>/dev/null; }

# -- 1. the README's by-hand start: the PID file's directory does not exist
conf a
[ ! -e "$dir/run-a" ]
t $? "before: the PID file's directory does not exist (no RuntimeDirectory)"
start a
t $(( RC != 0 )) "started by hand without /run/sluice: exit 0 (got $RC)"
[ "$RC" = 0 ] || diag "$OUT"
pid=$(cat "$dir/run-a/attach.pid" 2>/dev/null)
[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
t $? "the directory was made and the PID file names the running supervisor"
listening "$dir/a.sock"
t $? "the socket listens when the command returns"
case $OUT in *"running as root"*) t 0 "root without a user: a warning on stderr";;
    *) t 1 "root without a user: a warning on stderr (got: $OUT)";; esac
case $OUT in *"$dir/a.sock stays root's"*"Postfix"*) t 0 "the warning says Postfix cannot use the socket";;
    *) t 1 "the warning says Postfix cannot use the socket (got: $OUT)";; esac

# -- 2. a second start of the same milter steals nothing
ino=$(inode "$dir/a.sock")
start a
t $(( RC != 69 )) "a second start: exit 69 (got $RC)"
case $OUT in *"already running (pid $pid"*) t 0 "a second start says: already running (pid $pid)";;
    *) t 1 "a second start says: already running (pid $pid) (got: $OUT)";; esac
[ "$(cat "$dir/run-a/attach.pid")" = "$pid" ]
t $? "the PID file still names the first supervisor"
[ "$(inode "$dir/a.sock")" = "$ino" ] && listening "$dir/a.sock"
t $? "the first milter keeps its socket"

# another configuration, the same socket (say the unit runs with -f and
# an admin starts one by hand): refused before libmilter unlinks it
conf a2 && sed -i "s|$dir/a2.sock|$dir/a.sock|" "$dir/a2.conf"
start a2
t $(( RC != 69 )) "another instance on the same socket: exit 69 (got $RC)"
case $OUT in *"already listening on unix:$dir/a.sock"*) t 0 "it says a milter already listens there";;
    *) t 1 "it says a milter already listens there (got: $OUT)";; esac
[ "$(inode "$dir/a.sock")" = "$ino" ] && listening "$dir/a.sock"
t $? "the running milter's socket is untouched"
[ ! -e "$dir/run-a2/attach.pid" ]
t $? "the refused instance leaves no PID file"

# -- 3. the PID file cannot be created: said on stderr, exit 73
conf b && : >"$dir/run-b"
start b
t $(( RC != 73 )) "PID file impossible: exit 73 (got $RC)"
case $OUT in *"cannot create"*"run-b"*) t 0 "PID file impossible: stderr says why";;
    *) t 1 "PID file impossible: stderr says why (got: $OUT)";; esac

# -- 4. the worker cannot open its socket: the status and the reason reach
# the command the admin typed
conf c && sed -i "s|^socket = .*|socket = unix:/proc/sluice-start-test.sock|" "$dir/c.conf"
start c
t $(( RC != 69 )) "socket cannot be opened: exit 69 (got $RC)"
case $OUT in *"cannot open milter socket unix:/proc/sluice-start-test.sock"*) t 0 "the worker's reason is on stderr";;
    *) t 1 "the worker's reason is on stderr (got: $OUT)";; esac
[ ! -e "$dir/run-c/attach.pid" ]
t $? "a failed start removes its PID file"

# -- 5. a user: the socket is the user's, group-usable, no warning
conf d "common:user = postfix"
start d
t $(( RC != 0 )) "user = postfix: started (got $RC)"
[ "$(stat -c '%U:%G %a' "$dir/d.sock" 2>/dev/null)" = "postfix:postfix 660" ]
t $? "the socket is postfix:postfix 0660 (got $(stat -c '%U:%G %a' "$dir/d.sock" 2>/dev/null))"
case $OUT in *"running as root"*) t 1 "no root warning with a user";; *) t 0 "no root warning with a user";; esac
w=$(pgrep -P "$(cat "$dir/run-d/attach.pid")" | head -n 1)
[ -n "$w" ] && [ "$(ps -o user= -p "$w" | tr -d ' ')" = postfix ]
t $? "the worker runs as postfix"

# -- 6. users that do not exist
start d -u nosuchuser
t $(( RC != 64 )) "-u nosuchuser: exit 64 (got $RC)"
case $OUT in *"-u nosuchuser: no such user"*) t 0 "-u nosuchuser: said";; *) t 1 "-u nosuchuser: said (got: $OUT)";; esac
conf e "common:user = nosuchuser"
start e
t $(( RC != 78 )) "user = nosuchuser: exit 78 (got $RC)"
case $OUT in *"e.conf:3: user: no such user"*) t 0 "user = nosuchuser: file:line";; *) t 1 "user = nosuchuser: file:line (got: $OUT)";; esac
out=$("$bin" -n -c "$dir/e.conf" 2>&1)
case $out in *"e.conf:3: user: no such user"*) t 0 "-n checks the user too";; *) t 1 "-n checks the user too (got: $out)";; esac
echo "1..$n"
