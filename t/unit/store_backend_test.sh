#!/bin/sh
# store_backend_test.sh - t/unit/store_backend_test.c with its own Redis servers (store_run.sh).
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" store_backend_test 31050
