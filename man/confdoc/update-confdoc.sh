#!/bin/sh
# update-confdoc.sh - rewrite the generated key lists of sluice.conf(5).
#
# usage: tools/update-confdoc.sh [--check] [CONFDOC [MANPAGE]]
#
# Runs sluice-confdoc (default: tools/sluice-confdoc in the current build
# directory) and replaces, in MANPAGE (default: man/sluice.conf.5 next to
# this script), every block from '.\" BEGIN KEYS NAME' to
# '.\" END KEYS NAME' with the tool's block for section NAME.  Text
# outside the markers is kept byte for byte.  A section the tool knows
# but the page has no markers for is reported; add the two marker lines
# where its list belongs and run the script again.
#
# --check: change nothing; exit 1 when the page is out of date.
set -eu

check=no
if [ "${1:-}" = "--check" ]; then
	check=yes
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
confdoc=${1:-tools/sluice-confdoc}
man=${2:-$here/../man/sluice.conf.5}

[ -f "$man" ] || { echo "update-confdoc: $man: no such file" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/confdoc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

"$confdoc" >"$tmp/keys"

awk -v keys="$tmp/keys" '
BEGIN {
	while ((getline line < keys) > 0) {
		if (line ~ /^\.\\" BEGIN KEYS /) {
			sec = line; sub(/^\.\\" BEGIN KEYS /, "", sec)
			order[++n] = sec
			block[sec] = ""
		}
		if (sec != "")
			block[sec] = block[sec] line "\n"
		if (line ~ /^\.\\" END KEYS /)
			sec = ""
	}
	sec = ""; skip = 0
}
/^\.\\" BEGIN KEYS / {
	sec = $0; sub(/^\.\\" BEGIN KEYS /, "", sec)
	if (sec in block) {
		printf "%s", block[sec]
		used[sec] = 1
		skip = 1
		next
	}
	print "update-confdoc: the tool has no section " sec > "/dev/stderr"
}
skip && /^\.\\" END KEYS / { skip = 0; next }
skip { next }
{ print }
END {
	for (i = 1; i <= n; i++)
		if (!(order[i] in used))
			print "update-confdoc: no markers for section " order[i] \
			    " in the page" > "/dev/stderr"
}
' "$man" >"$tmp/new"

if cmp -s "$man" "$tmp/new"; then
	exit 0
fi
if [ "$check" = yes ]; then
	echo "update-confdoc: $man is out of date; run tools/update-confdoc.sh" >&2
	diff -u "$man" "$tmp/new" >&2 || true
	exit 1
fi
cat "$tmp/new" >"$man"
echo "update-confdoc: updated $man"
