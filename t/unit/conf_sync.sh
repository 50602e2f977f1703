#!/bin/sh
# conf_sync - etc/sluice.conf and the key lists of man/sluice.conf.5 are
# what man/confdoc/sluice-confdoc makes of the key tables now.  A failure
# shows the diff; man/confdoc/update-confdoc.sh (run in the build
# directory) fixes it.  Env: top_srcdir, top_builddir (set by make check).
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
script=$top_srcdir/man/confdoc/update-confdoc.sh
confdoc=$top_builddir/man/confdoc/sluice-confdoc
man=$top_srcdir/man/sluice.conf.5
conf=$top_srcdir/etc/sluice.conf

# "make check" builds it (noinst_PROGRAMS); missing is a failure.
if [ ! -x "$confdoc" ]; then
	echo "Bail out! $confdoc not built"
	exit 1
fi
echo "1..2"

n=0
check() {
	n=$((n + 1))
	if out=$(sh "$script" --check "$1" "$confdoc" "$man" "$conf" 2>&1)
	then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		printf '%s\n' "$out" | sed 's/^/# /'
	fi
}

check --conf "etc/sluice.conf matches the key tables"
check --man "man/sluice.conf.5 matches the key tables"
