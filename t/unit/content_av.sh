#!/bin/bash
# content_av.sh - t/unit/content_av_test (sluice-content's clamd client)
# against a private clamd with the tiny test database (t/lib/clamd.sh).
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$PWD}"
. "$top_srcdir/t/lib/clamd.sh"
D=$(mktemp -d "${TMPDIR:-/tmp}/sluice-clamd.XXXXXX") ||
    { echo "Bail out! cannot make a directory"; exit 1; }
chmod 755 "$D"
trap 'clamd_stop "$D"' EXIT
clamd_start "$D" || { echo "Bail out! clamd did not start"; exit 1; }
SLUICE_CLAMD_DIR=$D "$top_builddir/t/unit/content_av_test"
rc=$?
clamd_stop "$D"
trap - EXIT
if [ "$rc" -eq 0 ]; then rm -rf "$D"; else echo "# clamd state kept in $D" >&2; fi
exit "$rc"
