#!/bin/sh
# cli.sh - the programs' command line as an admin meets it: -n says
# "configuration OK" (exit 0) or lists every error as file:line (exit 78,
# EX_CONFIG); -d dumps the effective settings; -V; bad options exit 64.
: "${top_builddir:=.}" "${top_srcdir:=.}"
n=0
t() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
dir=$(mktemp -d "${TMPDIR:-/tmp}/sluice-cli.XXXXXX")
trap 'rm -rf "$dir"' EXIT
head -c 48 /dev/urandom >"$dir/secret"
chmod 600 "$dir/secret"
cat >"$dir/good.conf" <<EOC
[common]
secret_file = secret
socket = unix:$dir/milter.sock
[attach]
socket = unix:$dir/attach.sock
enforce = yes
banned_extensions = exe, scr
EOC
cat >"$dir/bad.conf" <<EOC
[common]
secret_file = secret
# line 3 is a comment
[attach]
no_such_key = 1
max_parts = many
archive_max_depth = 9999
EOC
for prog in sluice-attach sluice-milter; do
    bin=$top_builddir/$prog
    out=$("$bin" -n -c "$dir/good.conf" 2>&1); rc=$?
    t $(( rc != 0 )) "$prog -n on a good file exits 0"
    case $out in *"configuration OK"*) t 0 "$prog -n says configuration OK";;
        *) t 1 "$prog -n says configuration OK (got: $out)";; esac
    out=$("$bin" -n -c "$dir/bad.conf" 2>&1); rc=$?
    t $(( rc != 78 )) "$prog -n on a bad file exits 78 (got $rc)"
    for line in 5 6 7; do
        case $out in *"bad.conf:$line:"*) t 0 "$prog reports bad.conf:$line";;
            *) t 1 "$prog reports bad.conf:$line (got: $out)";; esac
    done
    case $out in *"configuration OK"*) t 1 "$prog does not say OK on errors";;
        *) t 0 "$prog does not say OK on errors";; esac
    out=$("$bin" -d -c "$dir/good.conf" 2>&1)
    case $out in *"banned_extensions = exe, scr"*|*"banned_extensions = exe scr"*|*"banned_extensions = \"exe\", \"scr\""*)
        t 0 "$prog -d shows the effective list";;
        *) t 1 "$prog -d shows the effective list (got: $(echo "$out" | grep banned_ext))";; esac
    case $out in *"max_parts = "*) t 0 "$prog -d shows defaults too";;
        *) t 1 "$prog -d shows defaults too";; esac
    out=$("$bin" -V 2>&1)
    case $out in "$prog "[0-9]*) t 0 "$prog -V prints its version";;
        *) t 1 "$prog -V prints its version (got: $out)";; esac
    "$bin" -Z >/dev/null 2>&1; rc=$?
    t $(( rc != 64 )) "$prog with a bad option exits 64 (got $rc)"
done
# A buffer smaller than the size limit works, but a message between the
# two cannot be checked whole: -n warns (exit 0), the defaults do not.
cat >"$dir/warn.conf" <<EOC
[common]
secret_file = secret
socket = unix:$dir/milter.sock
message_buffer_limit = 1M
[attach]
socket = unix:$dir/attach.sock
max_message_size = 50M
EOC
out=$("$top_builddir/sluice-attach" -n -c "$dir/warn.conf" 2>&1); rc=$?
t $(( rc != 0 )) "-n with a buffer smaller than max_message_size exits 0 (got $rc)"
case $out in *"warn.conf: warning: [common] message_buffer_limit (1048576 bytes) is smaller than [attach] max_message_size"*)
    t 0 "-n warns that the buffer is smaller than the size limit";;
    *) t 1 "-n warns that the buffer is smaller than the size limit (got: $out)";; esac
case $out in *"configuration OK"*) t 0 "-n still says configuration OK";;
    *) t 1 "-n still says configuration OK (got: $out)";; esac
out=$("$top_builddir/sluice-attach" -n -c "$dir/good.conf" 2>&1)
case $out in *warning*) t 1 "no warning with the defaults (got: $out)";;
    *) t 0 "no warning with the defaults";; esac
out=$("$top_builddir/sluicectl" -n -c "$dir/warn.conf" 2>&1); rc=$?
case $rc:$out in 0:*"warn.conf: warning: [common] message_buffer_limit"*)
    t 0 "sluicectl -n prints the same warning, exit 0";;
    *) t 1 "sluicectl -n prints the same warning, exit 0 (got $rc: $out)";; esac
# The installed programs know the suite's sections, never a test-only one.
printf '[testmod]\nsocket = unix:%s/testmod.sock\nenforce = no\n' "$dir" >"$dir/testmod.conf"
cat "$dir/good.conf" "$dir/testmod.conf" >"$dir/withtest.conf"
for prog in sluice-attach sluice-milter; do
    out=$("$top_builddir/$prog" -n -c "$dir/withtest.conf" 2>&1); rc=$?
    case $rc:$out in 78:*"withtest.conf:8: unknown section [testmod]"*) t 0 "$prog refuses a [testmod] section";;
        *) t 1 "$prog refuses a [testmod] section (got $rc: $out)";; esac
done
out=$("$top_builddir/t/sluice-testmod" -n -c "$dir/withtest.conf" 2>&1); rc=$?
t $(( rc != 0 )) "the test module's own program knows [testmod] (got $rc: $out)"
# More modules than the glue can run is an error, never a silent cut.
out=$("$top_builddir/t/sluice-manymods" -n -c "$dir/withtest.conf" 2>&1); rc=$?
case $rc:$out in 70:*"9 modules"*) t 0 "nine modules in one program are refused";;
    *) t 1 "nine modules in one program are refused (got $rc: $out)";; esac
# sluice-milter's [common] modules: names checked at file:line; the
# chained milters check them too (one file serves both deployments).
printf '[common]\nsecret_file = secret\nsocket = unix:%s/milter.sock\nmodules = grey bogus grey\n' "$dir" >"$dir/mods-bad.conf"
for prog in sluice-milter sluice-attach; do
    out=$("$top_builddir/$prog" -n -c "$dir/mods-bad.conf" 2>&1); rc=$?
    case $rc:$out in 78:*"mods-bad.conf:4: "*"bogus: not a module"*"grey: named twice"*)
        t 0 "$prog: a bad modules entry and a repeated one, at file:line";;
        *) t 1 "$prog: a bad modules entry and a repeated one, at file:line (got $rc: $out)";; esac
done
printf '[common]\nsecret_file = secret\nsocket = unix:%s/milter.sock\nmodules = policy attach\n' "$dir" >"$dir/mods.conf"
out=$("$top_builddir/sluice-milter" -n -c "$dir/mods.conf" 2>&1); rc=$?
t $(( rc != 0 )) "sluice-milter -n: modules = policy attach is a good file (got $rc: $out)"
out=$("$top_builddir/t/sluice-milter-test" -n -c "$dir/mods.conf" 2>&1); rc=$?
case $rc:$out in 78:*"mods.conf:4: "*"policy: "*"has no such module"*)
    t 0 "a module the program does not have is an error";;
    *) t 1 "a module the program does not have is an error (got $rc: $out)";; esac
# sluicectl checks the whole configuration as the milters do.
out=$("$top_builddir/sluicectl" -n -c "$dir/good.conf" 2>&1); rc=$?
t $(( rc != 0 )) "sluicectl -n on a good file exits 0 (got $rc: $out)"
out=$("$top_builddir/sluicectl" -n -c "$dir/bad.conf" 2>&1); rc=$?
case $rc:$out in 78:*"bad.conf:5:"*"bad.conf:6:"*"bad.conf:7:"*) t 0 "sluicectl -n lists every error, exit 78";;
    *) t 1 "sluicectl -n lists every error, exit 78 (got $rc: $out)";; esac
"$top_builddir/sluicectl" -c "$dir/good.conf" no-such-command >/dev/null 2>&1; rc=$?
t $(( rc != 64 )) "sluicectl with an unknown command exits 64 (got $rc)"
rm -f "$dir/secret"
out=$("$top_builddir/sluice-attach" -n -c "$dir/good.conf" 2>&1); rc=$?
t $(( rc != 78 )) "a missing secret file is a configuration error"
case $out in *secret*) t 0 "the error names the secret file";;
    *) t 1 "the error names the secret file (got: $out)";; esac
echo "1..$n"
