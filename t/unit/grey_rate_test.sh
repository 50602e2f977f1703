#!/bin/sh
# grey_rate_test.sh - t/unit/grey_rate_test.c with its own Redis servers (store_run.sh).
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" grey_rate_test 31100
