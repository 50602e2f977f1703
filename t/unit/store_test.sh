#!/bin/sh
# store_test.sh - t/unit/store_test.c with its own Redis servers (store_run.sh).
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" store_test 31040
