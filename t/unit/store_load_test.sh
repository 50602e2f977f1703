#!/bin/sh
# store_load_test.sh - t/unit/store_load_test.c with its own Redis servers (store_run.sh).
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" store_load_test 31060
