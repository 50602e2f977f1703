#!/bin/bash
# spf.sh - t/unit/spf_test (libcommon/spf.c) against a private unbound.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"
dnstest_run 2 t/unit/spf_test
