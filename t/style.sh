#!/bin/sh
# style.sh - the limits a reviewer would otherwise count by hand:
# no source file over 800 lines, no libmilter callback (cb_* and the
# end-of-message path) over 80 lines, every libcommon and milter module
# opens with a contract comment.
: "${top_srcdir:=.}"
cd "$top_srcdir" || exit 1
say() { echo "$1 - $2"; }
{
for f in $(git ls-files '*.c' '*.h' 2>/dev/null || find libcommon milters t tools bench -name '*.[ch]'); do
    lines=$(wc -l < "$f")
    if [ "$lines" -le 800 ]; then say ok "$f has $lines lines (<= 800)"
    else say "not ok" "$f has $lines lines (> 800)"; fi
done
# Function lengths of the callbacks: from "name(" at column 0 to "}".
for f in libcommon/milter_cb.c libcommon/milter_eom.c libcommon/milter_neg.c \
    libcommon/milter_enforce.c milters/*/*_module.c milters/*/*_stage_*.c; do
    awk -v file="$f" '
        /^[a-z].*[ *](cb_[a-z_]+|milter_[a-z_]+|enforce_[a-z_]+|run_[a-z_]+|refuse[a-z_]*|[a-z]+_(connect|helo|mail|rcpt|eom))\(/ {
            match($0, /(cb_[a-z_]+|milter_[a-z_]+|enforce_[a-z_]+|run_[a-z_]+|refuse[a-z_]*|[a-z]+_(connect|helo|mail|rcpt|eom))\(/)
            name = substr($0, RSTART, RLENGTH - 1); start = NR }
        /^}/ && start { len = NR - start + 1
            printf "%s %s:%s is %d lines\n", (len <= 80 ? "OK" : "LONG"), file, name, len
            start = 0 }' "$f"
done | while read -r st what rest; do
    if [ "$st" = OK ]; then echo "ok - callback $what $rest (<= 80)"
    else echo "not ok - callback $what $rest (> 80)"; fi
done
# The glue keeps what it agreed with the MTA per connection: no mutable
# file-scope variable in the files that run per connection (a static
# that is written at negotiation would be shared by every connection
# thread).
for f in libcommon/milter_cb.c libcommon/milter_eom.c libcommon/milter_enforce.c; do
    bad=$(grep -nE '^static [^(]*(=|;)[[:space:]]*(/\*.*)?$' "$f" | grep -v 'const' | head -n 3)
    if [ -z "$bad" ]; then say ok "$f has no mutable file-scope state"
    else say "not ok" "$f has no mutable file-scope state: $bad"; fi
done
for f in libcommon/*.c milters/*/*.c; do
    if head -n 3 "$f" | grep -q '^/\*'; then say ok "$f opens with a contract comment"
    else say "not ok" "$f opens with a contract comment"; fi
done
# The build's Debian packages are named in four places: configure (the
# error that names the package), debian/control's Build-Depends, the
# README's hand-build block and quickstart's PACKAGES.  They must agree,
# or the package or the README's build fails on a fresh machine.
hand=$(awk '/^<!-- test: hand-build/ {f = 1; next} f && /^$/ && n {exit}
    f && /^    / {n = 1; print}' README.md)
qs=$(sed -n '/^PACKAGES="/,/^"/p' quickstart)
bd=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control)
for p in $({ sed -n 's/^SLUICE_PKG(.*\[\([a-z0-9.+-]*\)\])$/\1/p' configure.ac
        sed -n 's/^SLUICE_LIB(\[[^]]*\], *\[[^]]*\], *\[[^]]*\], *\[\([a-z0-9.+-]*\)\].*/\1/p' configure.ac
        sed -n 's/.*install the Debian package \([a-z0-9.+-]*\).*/\1/p' configure.ac
    } | sort -u); do
    for where in "debian/control:$bd" "README.md hand-build:$hand" "quickstart PACKAGES:$qs"; do
        if printf '%s\n' "${where#*:}" | grep -qE "(^|[ ,])$p([ ,\\]|$)"; then
            say ok "build dependency $p is in ${where%%:*}"
        else say "not ok" "build dependency $p is in ${where%%:*}"; fi
    done
done
# Every program make installs has its line in debian/programs (debian/rules
# refuses to build the package otherwise).
for p in $(sed -n 's/^sbin_PROGRAMS += //p' milters/*/Makefile.inc tools/Makefile.inc); do
    if grep -q "^$p " debian/programs; then say ok "$p is in debian/programs"
    else say "not ok" "$p is in debian/programs"; fi
done
} > "${TMPDIR:-/tmp}/style.$$"
cat "${TMPDIR:-/tmp}/style.$$"
echo "1..$(grep -c "^\(not \)*ok" "${TMPDIR:-/tmp}/style.$$")"
rm -f "${TMPDIR:-/tmp}/style.$$"
