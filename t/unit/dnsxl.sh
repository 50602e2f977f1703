#!/bin/bash
# dnsxl.sh - t/unit/dnsxl_test (libcommon/dnsxl.c) against a private unbound.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_run 1 t/unit/dnsxl_test
