#!/bin/sh
# docs.sh - the manuals and the README say what the code does, and say it
# cleanly: quotes that open also close (rendered by groff, paragraph by
# paragraph); one secret length everywhere (48 random bytes); the hidden
# file make install writes is documented; the exit status of a user that
# does not exist; the default configuration path of a --prefix=/usr/local
# build; no aclocal warning about a missing m4/.  (The X-Sluice-Verdict
# format is checked against the code by verdict_test, the header's space
# by e2e/attach.sh, the README's commands by e2e/readme.sh and t/install.)
: "${top_builddir:=.}" "${top_srcdir:=.}"
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
src=$top_srcdir

render() { groff -mandoc -Tutf8 -P-cbou "$1" 2>/dev/null; }

# -- quotes: per paragraph, as many closing as opening quotes
for page in "$src"/man/*.[1-9]; do
    name=$(basename "$page")
    bad=$(render "$page" | awk '
        function check() {
            if (para != "" && (gsub(/“/, "&", para) != gsub(/”/, "&", para) ||
                               gsub(/‘/, "&", para) != gsub(/’/, "&", para)))
                print para
            para = ""
        }
        /^ *$/ { check(); next }
        { para = para " " $0 }
        END { check() }')
    t "$([ -z "$bad" ]; echo $?)" "$name: every quote that opens closes"
    [ -z "$bad" ] || diag "$bad"
    w=$(groff -mandoc -Tutf8 -ww -z "$page" 2>&1)
    t "$([ -z "$w" ]; echo $?)" "$name: groff has no warning"
    [ -z "$w" ] || diag "$w"
done

# -- one secret length: every "head -c N /dev/urandom" that makes a secret
# (C string literals split over lines are joined first)
joined() { tr '\n' ' ' <"$1" | sed 's/" *"//g'; }
lens=$( { for f in "$src/README.md" "$src"/man/*.[1-9] "$src/libcommon/result.c" \
            "$src/etc/Makefile.inc" "$src"/debian/*.postinst; do
            [ -f "$f" ] && joined "$f"; echo; done; } |
    grep -o 'head -c [0-9]* /dev/urandom' | sort -u)
t "$([ "$lens" = "head -c 48 /dev/urandom" ]; echo $?)" \
    "one secret length everywhere: head -c 48 /dev/urandom (got: $(echo $lens))"
case $(joined "$src/libcommon/result.c") in
*"secret is shorter than 32 bytes (make one of 48 random bytes: umask 027; head -c 48 /dev/urandom"*)
    t 0 "the short-secret error suggests 48 random bytes" ;;
*) t 1 "the short-secret error suggests 48 random bytes" ;;
esac

# -- the hidden file make install writes is documented
if grep -q 'secret.sha256' "$src/etc/Makefile.inc"; then
    render "$src/man/sluice.7" | grep -q '/etc/sluice/.secret.sha256'
    t $? "make install writes .secret.sha256: sluice(7) says what it is"
else
    t 0 "make install writes no .secret.sha256"
fi

# -- exit statuses and the default configuration path, in both programs
for page in sluice-attach.8 sluice-milter.8; do
    txt=$(render "$src/man/$page" | tr -s ' \n' '  ')
    case $txt in *"-u user that does not exist"*) t 0 "$page: the exit status of -u nosuchuser";;
        *) t 1 "$page: the exit status of -u nosuchuser";; esac
    case $txt in *"73 (EX_CANTCREAT) the PID file cannot be created"*) t 0 "$page: exit 73";;
        *) t 1 "$page: exit 73";; esac
    case $txt in *"already running (pid N)"*) t 0 "$page: a second start, exit 69";;
        *) t 1 "$page: a second start, exit 69";; esac
    case $txt in *"--prefix=/usr/local"*"/usr/local/etc/sluice/sluice.conf"*) t 0 "$page: the default path of a /usr/local build";;
        *) t 1 "$page: the default path of a /usr/local build";; esac
done
out=$("$top_builddir/sluice-attach" -h 2>&1)
case $out in *"(default "*"/sluice/sluice.conf)"*) t 0 "-h names the default configuration file";;
    *) t 1 "-h names the default configuration file (got: $out)";; esac

# -- autoreconf: no "-I m4" without an m4/ directory (aclocal warns)
if grep -Eq '^ACLOCAL_AMFLAGS.*-I *m4' "$src/Makefile.am"; then
    t "$([ -d "$src/m4" ]; echo $?)" "ACLOCAL_AMFLAGS -I m4 has its m4/ directory"
else
    t 0 "no ACLOCAL_AMFLAGS -I m4 (no m4/ directory to warn about)"
fi
echo "1..$n"
