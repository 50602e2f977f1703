#!/bin/sh
# check_all.sh - "-n" checks what start-up will need and prints EVERY
# error as file:line: message: each bad line of a map, each bad entry of
# a list, include and secret-file errors at the line that named them,
# the socket (syntax, port, directory) and map values (a language map
# that says "swedish" is an error, not a silent English).
: "${top_builddir:=.}" "${top_srcdir:=.}"
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-check.XXXXXX")
trap 'rm -rf "$dir"' EXIT
head -c 48 /dev/urandom >"$dir/secret"
chmod 600 "$dir/secret"
printf 'example.se swedish\nexample.fi fi\nexample.no\nexample.dk dansk\n' >"$dir/languages"
printf '10.0.0.0/33 OK\n192.0.2.0/24 OK\nnot-an-ip OK\n' >"$dir/clients.cidr"

# has OUT TEXT NAME: OUT contains TEXT (literally).
has() {
    case $1 in *"$2"*) t 0 "$3" ;; *) t 1 "$3"; printf '%s\n' "$1" | sed 's/^/#   /' ;; esac
}

# -- one file, every kind of error: all of them in one run
cat >"$dir/all.conf" <<EOC
[common]
secret_file = secret
secret_file_previous = no-such-secret
reply_language_map = domain:languages
force_actions = FOO=explode, BAR, ATTACH_MACRO=reject
include no-such.conf
socket = foo:bar
[attach]
socket = inet:99999@127.0.0.1
allow_clients = cidr:clients.cidr
EOC
for prog in sluice-attach sluice-milter; do
    out=$("$top_builddir/$prog" -n -c "$dir/all.conf" 2>&1); rc=$?
    t $(( rc != 78 )) "$prog: exit 78 (got $rc)"
    has "$out" "all.conf:4: reply_language_map: map domain:languages: $dir/languages:1: example.se: value \"swedish\" is not one of en, sv, fi" \
        "$prog: a language map value that is no language"
    has "$out" "$dir/languages:3: example.no: value \"\" is not one of" "$prog: ... and a missing one"
    has "$out" "$dir/languages:4: example.dk: value \"dansk\"" "$prog: ... every bad line of the map"
    has "$out" "all.conf:10: allow_clients: map cidr:clients.cidr: $dir/clients.cidr:1: bad prefix length" \
        "$prog: a bad cidr line"
    has "$out" "$dir/clients.cidr:3: bad address \"not-an-ip\"" "$prog: ... and the next bad one"
    has "$out" "all.conf:5: force_actions: bad entry \"FOO=explode\"" "$prog: force_actions: the bad action"
    has "$out" "all.conf:5: force_actions: bad entry \"BAR\"" "$prog: force_actions: the entry without ="
    has "$out" "all.conf:6: include $dir/no-such.conf: No such file or directory" "$prog: include error at its line"
    has "$out" "all.conf:3: secret_file_previous: $dir/no-such-secret: No such file or directory" \
        "$prog: secret error at the line of the key"
    has "$out" "configuration errors" "$prog: the count line"
    case $out in *"configuration OK"*) t 1 "$prog: not OK";; *) t 0 "$prog: not OK";; esac
done

# -- the socket, as start-up will use it (its own section; -p too)
sock() { # PROG SOCKET EXPECTED...
    local prog=$1 s=$2 sec=attach out rc
    shift 2
    [ "$prog" = sluice-milter ] && sec=common
    { echo "[common]"; echo "secret_file = secret";
      [ "$sec" = attach ] && echo "[attach]"; echo "socket = $s"; } >"$dir/s.conf"
    out=$("$top_builddir/$prog" -n -c "$dir/s.conf" 2>&1); rc=$?
    t $(( rc != 78 )) "$prog: socket = $s: exit 78 (got $rc)"
    has "$out" "s.conf:$(grep -n '^socket' "$dir/s.conf" | cut -d: -f1): socket: $1" "$prog: socket = $s: $1"
}
for prog in sluice-attach sluice-milter; do
    sock $prog foo:bar '"foo:bar" is not unix:PATH, inet:PORT@HOST or inet6:PORT@HOST'
    sock $prog 'inet:99999@127.0.0.1' 'port "99999" is not a number from 1 to 65535'
    sock $prog 'inet:@127.0.0.1' 'no port'
    sock $prog 'inet:8891@' "no host after '@'"
    sock $prog 'unix:' 'no path after "unix:"'
    sock $prog "unix:$dir/missing/a.sock" "directory $dir/missing: No such file or directory"
    sock $prog "unix:relative.sock" "relative.sock: the path must be absolute"
done
# the good ones pass
cat >"$dir/good.conf" <<EOC
[common]
secret_file = secret
socket = inet6:8891@::1
reply_language_map = domain:good-languages
[attach]
socket = unix:$dir/attach.sock
EOC
printf 'example.se sv\nexample.fi FI\nexample.org en\n' >"$dir/good-languages"
for prog in sluice-attach sluice-milter; do
    out=$("$top_builddir/$prog" -n -c "$dir/good.conf" 2>&1); rc=$?
    t $(( rc != 0 )) "$prog: good sockets and languages: exit 0 (got $rc: $out)"
    out=$("$top_builddir/$prog" -n -c "$dir/good.conf" -p foo:bar 2>&1); rc=$?
    t $(( rc != 64 )) "$prog -p foo:bar: exit 64, a bad option (got $rc)"
    has "$out" "-p foo:bar: \"foo:bar\" is not unix:PATH" "$prog -p foo:bar: says what is wrong"
done
echo "1..$n"
