#!/bin/sh
# harness.sh - run-lua.sh itself can fail the right way: a milter that
# does not start, a scenario that dies and a failed case are "not ok",
# never a skip or a pass.
: "${top_builddir:=.}" "${top_srcdir:=.}"
export top_builddir top_srcdir
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-harness.XXXXXX")
trap 'rm -rf "$dir"' EXIT
run() { sh "$top_srcdir/t/milter/run-lua.sh" "$1" 2>&1; }

printf -- '-- milter: sluice-no-such-milter\nlocal T = dofile(LIB)\nT.ok(true, "x")\nT.done()\n' >"$dir/nostart.lua"
out=$(run "$dir/nostart.lua")
case $out in *"not ok"*"did not start"*|*"not ok"*"no milter binary"*) t 0 "a milter that is not there is a failure";;
    *) t 1 "a milter that is not there is a failure (got: $out)";; esac
case $out in *SKIP*) t 1 "... and never a skip";; *) t 0 "... and never a skip";; esac

printf -- '-- milter: sluice-attach\n-- conf: no_such_key = 1\nlocal T = dofile(LIB)\nT.ok(true, "x")\nT.done()\n' >"$dir/badconf.lua"
out=$(run "$dir/badconf.lua")
case $out in *"not ok"*"did not start"*) t 0 "a milter that refuses its configuration is a failure";;
    *) t 1 "a milter that refuses its configuration is a failure (got: $out)";; esac

printf -- '-- milter: sluice-attach\nlocal T = dofile(LIB)\nT.ok(true, "fine")\nerror("boom")\n' >"$dir/dies.lua"
out=$(run "$dir/dies.lua")
case $out in *"not ok"*"miltertest exited"*) t 0 "a scenario that dies is a failure";;
    *) t 1 "a scenario that dies is a failure (got: $out)";; esac

printf -- '-- milter: sluice-attach\nlocal T = dofile(LIB)\nT.ok(false, "meant to fail")\nT.done()\n' >"$dir/fails.lua"
out=$(run "$dir/fails.lua")
case $out in *"not ok 1 - meant to fail"*) t 0 "a failed case stays failed";;
    *) t 1 "a failed case stays failed (got: $out)";; esac
echo "1..$n"
