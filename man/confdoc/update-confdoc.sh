#!/bin/sh
# update-confdoc.sh - rewrite the generated parts of sluice.conf(5) and
# the whole of etc/sluice.conf from the key tables.
#
# usage: man/confdoc/update-confdoc.sh [--check] [--man|--conf]
#            [CONFDOC [MANPAGE [CONFFILE]]]
#
# Runs sluice-confdoc (default: man/confdoc/sluice-confdoc in the
# current build directory) and
#  - replaces, in MANPAGE (default: man/sluice.conf.5 in the source tree
#    this script is in), every block from '.\" BEGIN KEYS NAME' to
#    '.\" END KEYS NAME' with the tool's block for section NAME.  Text
#    outside the markers is kept byte for byte.  A section the tool
#    knows but the page has no markers for is reported; add the two
#    marker lines where its list belongs and run the script again.
#  - replaces CONFFILE (default: etc/sluice.conf in the source tree)
#    with the output of "sluice-confdoc --conf".  Edit the hand-written
#    parts (header, section descriptions, the keys the file sets) in
#    man/confdoc/confdoc_conf.c, never in the file.
#
# --man, --conf: do only that file (default: both).
# --check: change nothing; exit 1 when a file is out of date (with a diff
# on stderr).  t/unit/conf_sync.sh runs this.
set -eu

check=no
what=all
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=yes ;;
	--man) what=man ;;
	--conf) what=conf ;;
	--) shift; break ;;
	-*) echo "update-confdoc: unknown option $1" >&2; exit 64 ;;
	*) break ;;
	esac
	shift
done
here=$(cd "$(dirname "$0")" && pwd)
confdoc=${1:-man/confdoc/sluice-confdoc}
man=${2:-$here/../sluice.conf.5}
conf=${3:-$here/../../etc/sluice.conf}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/confdoc.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0

# Install $2 (the new text) as $1, or with --check report the difference.
update() {
	if cmp -s "$1" "$2"; then
		return 0
	fi
	if [ "$check" = yes ]; then
		echo "update-confdoc: $1 is out of date;" \
		    "run man/confdoc/update-confdoc.sh" >&2
		diff -u "$1" "$2" >&2 || true
		status=1
		return 0
	fi
	cat "$2" >"$1"
	echo "update-confdoc: updated $1"
}

if [ "$what" != man ]; then
	"$confdoc" --conf >"$tmp/conf"
	update "$conf" "$tmp/conf"
fi
[ "$what" != conf ] || exit $status

[ -f "$man" ] || { echo "update-confdoc: $man: no such file" >&2; exit 1; }

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

update "$man" "$tmp/new"
exit $status
