#!/bin/bash
# policy_dkim.sh - t/unit/policy_dkim_test (DKIM vectors, DNSBL timing)
# against a private unbound serving t/data/dns and the DKIM test keys.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_zones() {
    /usr/bin/python3 "$top_srcdir/t/lib/dkimzones.py" "$1" \
        "${SLUICE_TESTDATA:-$top_srcdir/../shared/testdata}"
}
dnstest_run 6 t/unit/policy_dkim_test
