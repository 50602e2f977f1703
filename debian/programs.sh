#!/bin/sh
# debian/programs.sh - what debian/rules does with debian/programs (the one
# list of programs, man pages and units; see the top of that file).
#
#   programs.sh check DESTDIR            every listed program, page and unit
#                                        was installed, and nothing else was
#   programs.sh install-units DESTDIR PKGDIR
#                                        the units into PKGDIR/lib/systemd/system
#   programs.sh units start|other        the units to start on install, or not
#   programs.sh sockets                  the smtpd_milters value for main.cf
set -eu
here=$(dirname "$0")

list() { sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/programs"; }
fail() { echo "debian/programs: $*" >&2; exit 1; }

check() {
    local d=$1 prog man unit start sock f n
    list | while read -r prog man unit start sock; do
        [ -n "$sock" ] || fail "$prog: a line needs five fields"
        [ -x "$d/usr/sbin/$prog" ] || fail "$prog: not installed by make install"
        [ -f "$d/usr/share/man/man8/$man" ] ||
            fail "$prog: man page $man not installed by make install"
        [ "$unit" = - ] || [ -f "$d/etc/sluice/systemd/$unit" ] ||
            fail "$prog: unit $unit not made by make install (etc/Makefile.inc)"
        case $start in start | -) ;; *) fail "$prog: start is \"start\" or \"-\"" ;; esac
    done
    for f in "$d"/usr/sbin/* "$d"/etc/sluice/systemd/*.service; do
        [ -e "$f" ] || continue
        n=$(basename "$f")
        list | awk -v n="$n" '$1 == n || $3 == n { found = 1 } END { exit !found }' ||
            fail "$n is installed by make install but not listed: add its line"
    done
}

case ${1:-} in
check) check "$2" ;;
install-units)
    list | awk '$3 != "-" { print $3 }' | while read -r unit; do
        install -D -m 0644 "$2/etc/sluice/systemd/$unit" "$3/lib/systemd/system/$unit"
    done
    ;;
units)
    list | awk -v want="$2" '$3 != "-" && (($4 == "start") == (want == "start")) { print $3 }'
    ;;
sockets)
    list | awk '$4 == "start" && $5 != "-" { printf "%s%s", sep, $5; sep = ", " } END { print "" }'
    ;;
*) fail "usage: programs.sh check|install-units|units|sockets" ;;
esac
