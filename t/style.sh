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
} > "${TMPDIR:-/tmp}/style.$$"
cat "${TMPDIR:-/tmp}/style.$$"
echo "1..$(grep -c "^\(not \)*ok" "${TMPDIR:-/tmp}/style.$$")"
rm -f "${TMPDIR:-/tmp}/style.$$"
