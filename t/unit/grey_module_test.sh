#!/bin/sh
# grey_module_test.sh - t/unit/grey_module_test.c with its own Redis servers (store_run.sh).
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" grey_module_test 31080
