#!/bin/bash
# content_uribl.sh - t/unit/content_uribl_test (sluice-content's URI lists)
# against a private unbound serving t/data/dns.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_run 7 t/unit/content_uribl_test
