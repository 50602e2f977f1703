#!/bin/bash
# bench/policy/dns.sh start|stop [PORT] - the policy set's DNS server.
#
# An unbound (t/lib/unbound.sh) on 127.0.0.1:PORT (default 32035; also
# holds PORT+1) serving the lab's zones (t/lab/dns.sh), the test zones of
# t/data/dns (eight DNS lists of bench/policy/policy.conf) and
# bench/policy/bench.example.zone, in /var/tmp/sluice-bench-dns.  Run it
# before bench/run.sh -x bench/policy/policy.conf, stop it after.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top_srcdir=$(cd "$HERE/../.." && pwd)
. "$top_srcdir/t/lib/unbound.sh"
. "$top_srcdir/t/lab/dns.sh"
D=${SLUICE_BENCH_DNS_DIR:-/var/tmp/sluice-bench-dns}
PORT=${2:-32035}
case ${1:-} in
start)
    mkdir -p "$D/dns" && cp "$top_srcdir"/t/data/dns/*.zone "$HERE/bench.example.zone" "$D/dns/" &&
        lab_dns_start "$D" "$PORT" && echo "dns: 127.0.0.1:$PORT (pid $(lab_dns_pid "$D"))"
    ;;
stop) lab_dns_stop "$D" ;;
*) echo "usage: $0 start|stop [PORT]" >&2; exit 64 ;;
esac
