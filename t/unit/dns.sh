#!/bin/bash
# dns.sh - t/unit/dns_test (libcommon/dns.c) against a private unbound.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_run 0 t/unit/dns_test
