#!/bin/bash
# e2e: a header flood through real Postfix, measured on the plain build
# (plain/sluice-attach, no sanitizers: "make check" builds it; ASan's
# quarantine keeps freed memory, so only a plain build shows memory going
# back).  A message of a million header lines gets 552 5.3.4 at the line
# past [common] max_header_lines, costs the milter's worker under 2 s of
# CPU, its peak RSS stays under 100 MiB and its RSS is under 40 MiB
# afterwards; a big message (16 MB, 400 parts) is checked and delivered,
# and the
# worker's RSS is back under 40 MiB after it (malloc_trim() at the end of
# a big message).  The figures are printed as diagnostics.
. "$(dirname "$0")/lib.sh"

e2e_init
PLAIN=$top_builddir/plain/sluice-attach
[ -x "$PLAIN" ] || bail_out "$PLAIN is not built (make check builds it)"
e2e_bin() { echo "$PLAIN"; } # the lab runs the plain build
e2e_lab lab attach
d=${E2E_DIR[lab]}
HZ=$(getconf CLK_TCK)

worker() { lab_milter_workers "$d" attach | head -n 1; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

w=$(worker)
[ -n "$w" ] || bail_out "no worker process of sluice-attach"
t_diag "worker $w at start: VmRSS $(kb "$w" VmRSS) kB"

# -- a million header lines --------------------------------------------------------
{
    printf 'From: Alice <alice@sender.test>\nTo: <flood@rcpt.test>\n'
    printf 'Subject: flood\nX-Lab-Id: flood\n'
    awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "X-Flood: %d\n", i }'
    printf '\nA body.\n'
} >"$T/msg/flood.eml"
c0=$(cpu_ticks "$w")
e2e_send lab flood
c1=$(cpu_ticks "$w")
cpu=$(awk -v t=$((c1 - c0)) -v hz="$HZ" 'BEGIN { printf "%.2f", t / hz }')
hwm=$(kb "$w" VmHWM)
rss=$(kb "$w" VmRSS)
t_diag "million headers: milter CPU ${cpu} s, peak RSS ${hwm} kB, RSS after ${rss} kB"
t_like "$LAB_REPLY" '^552 5\.3\.4 .*10000 header lines' \
    "a million header lines: 552 5.3.4 naming the bound"
t_like "$(e2e_summary lab flood sluice)" 'action=reject .*too many header lines' \
    "a million header lines: logged as too many header lines"
t_ok "a million header lines: under 2 s of milter CPU ($cpu s)" num_lt "$cpu" 2
t_ok "a million header lines: peak RSS under 100 MiB ($hwm kB)" \
    num_lt "$hwm" 102400
t_ok "a million header lines: RSS under 40 MiB after ($rss kB)" \
    num_lt "$rss" 40960
t_is "$(worker)" "$w" "the same worker answered (no respawn)"

# -- a big message, then memory goes back ---------------------------------------------
# 400 parts of 30 KB: many middle-sized blocks, which glibc keeps in the
# thread's arena after they are freed unless it is trimmed.
{
    printf 'From: Alice <alice@sender.test>\nTo: <big@rcpt.test>\n'
    printf 'Subject: big\nX-Lab-Id: big\nMIME-Version: 1.0\n'
    printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
    for i in $(seq 1 400); do
        printf -- '--b\nContent-Type: application/octet-stream\n'
        printf 'Content-Transfer-Encoding: base64\n\n'
        { printf "DATA"; head -c 30000 /dev/urandom; } | base64 -w 76
    done
    printf -- '--b--\n'
} >"$T/msg/big.eml"
e2e_send lab big
t_is "$LAB_CODE" 250 "a 16 MB message of 400 parts is checked and accepted"
hwm=$(kb "$w" VmHWM)
rss=$(kb "$w" VmRSS)
t_diag "big message: peak RSS ${hwm} kB, RSS after ${rss} kB"
t_ok "after a 16 MB message the worker's RSS is under 40 MiB ($rss kB)" \
    num_lt "$rss" 40960

e2e_finish
