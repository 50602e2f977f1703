# t/lib/clamd.sh - a private clamd with a tiny signature database for the
# tests and the lab (bash).
#
# SYNOPSIS
#	. "$top_srcdir/t/lib/clamd.sh"
#	clamd_start DIR [TCP_PORT] || exit 1   (DIR/clamd.sock, port 127.0.0.1:P)
#	clamd_ping DIR                         (0 when it answers PONG)
#	clamd_stop DIR                         (returns once it is gone)
#
# DESCRIPTION
#	clamd_start writes DIR/db (the signatures below) and DIR/clamd.conf
#	(../shared/TESTBED.md section 5: LocalSocket DIR/clamd.sock mode 666,
#	StreamMaxLength 25M, no bytecode, no self-check, no User line: it
#	stays the user that starts it) and starts Debian's clamd with it,
#	never the system's clamd or its configuration.  clamd detaches and
#	writes DIR/clamd.pid; clamd_start waits until it answers PING (at
#	most 60 s).  The database:
#	    EICAR (MD5 and the EICAR string), Debian's clamav-testfiles
#	    clam.exe (MD5, and the string "CLAMessageBoxA" it carries), and
#	    the MD5 signatures of ../shared/testdata/clamav-eicar.
#	Detections are named Testbed.*.UNOFFICIAL (ClamAV adds the suffix to
#	signatures that are not its own).  CLAMD_STREAM_MAX (default 25M)
#	sets StreamMaxLength.
#
#	clamd_stop sends SIGTERM (SIGKILL after 10 s) and waits for the
#	process to be gone; clamd_pid prints its PID.  Return status 0, or 1
#	with a message on stderr.  The lab (t/lab/sluice.sh) and the e2e and
#	unit tests start theirs with these functions.

clamd_pid() { tr -d ' \n' <"$1/clamd.pid" 2>/dev/null; }

clamd_alive() {
    local p
    p=$(clamd_pid "$1") && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}

clamd_ping() { # DIR
    /usr/bin/python3 - "$1/clamd.sock" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(2)
try:
    s.connect(sys.argv[1])
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

clamd_db() { # DIR
    local data=${SLUICE_TESTDATA:-${SRC:-${top_srcdir:-.}}/../shared/testdata}
    mkdir -p "$1/db" || return 1
    cat >"$1/db/testbed.hdb" <<'HDB'
44d88612fea8a8f36de82e1278abb02f:68:Testbed.EICAR.HDB
aa15bcf478d165efd2065190eb473bcb:544:Testbed.ClamExe.HDB
HDB
    cat >"$1/db/testbed.ndb" <<'NDB'
Testbed.EICAR.NDB:0:*:45494341522d5354414e444152442d414e544956495255532d544553542d46494c45
Testbed.ClamAVMarker.NDB:0:*:434c414d657373616765426f7841
NDB
    if [ -f "$data/clamav-eicar/test-signatures.hdb" ]; then
        cp "$data/clamav-eicar/test-signatures.hdb" "$1/db/testdata.hdb" || return 1
    fi
}

clamd_conf() { # DIR [TCP_PORT]
    cat <<CONF
LocalSocket $1/clamd.sock
LocalSocketMode 666
DatabaseDirectory $1/db
PidFile $1/clamd.pid
LogFile $1/clamd.log
LogTime yes
Foreground no
StreamMaxLength ${CLAMD_STREAM_MAX:-25M}
MaxThreads 4
Bytecode no
SelfCheck 0
ScanArchive yes
ScanMail yes
IdleTimeout 30
CONF
    if [ -n "${2:-}" ]; then
        printf 'TCPSocket %s\nTCPAddr 127.0.0.1\n' "$2"
    fi
}

clamd_start() { # DIR [TCP_PORT]
    local d=$1 i
    command -v clamd >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v clamd >/dev/null 2>&1 ||
        { echo "clamd_start: no clamd (install clamav-daemon)" >&2; return 1; }
    mkdir -p "$d" && chmod 755 "$d" || return 1
    clamd_db "$d" || { echo "clamd_start: cannot write $d/db" >&2; return 1; }
    clamd_conf "$d" "${2:-}" >"$d/clamd.conf" || return 1
    rm -f "$d/clamd.sock" "$d/clamd.pid"
    clamd -c "$d/clamd.conf" >>"$d/clamd.out" 2>&1 </dev/null ||
        { echo "clamd_start: clamd failed: $(tail -n 3 "$d/clamd.out" "$d/clamd.log" 2>/dev/null)" >&2; return 1; }
    for i in $(seq 1 600); do
        clamd_ping "$d" && return 0
        sleep 0.1
    done
    echo "clamd_start: no PONG from $d/clamd.sock in 60 s" >&2
    return 1
}

clamd_stop() { # DIR
    local d=$1 p i
    p=$(clamd_pid "$d") || return 0
    [ -n "$p" ] || return 0
    kill -TERM "$p" 2>/dev/null || { rm -f "$d/clamd.pid"; return 0; }
    for i in $(seq 1 100); do
        kill -0 "$p" 2>/dev/null || { rm -f "$d/clamd.pid"; return 0; }
        sleep 0.1
    done
    kill -KILL "$p" 2>/dev/null
    sleep 0.2
    rm -f "$d/clamd.pid"
}
