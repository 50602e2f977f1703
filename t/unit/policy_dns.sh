#!/bin/bash
# policy_dns.sh - t/unit/policy_dns_test (sluice-policy's stages) against a
# private unbound serving t/data/dns and the DKIM test keys.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_zones() {
    /usr/bin/python3 "$top_srcdir/t/lib/dkimzones.py" "$1" \
        "${SLUICE_TESTDATA:-$top_srcdir/../shared/testdata}"
}
dnstest_run 5 t/unit/policy_dns_test
