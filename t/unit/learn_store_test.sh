#!/bin/sh
# learn_store_test.sh - t/unit/learn_store_test.c with its own Redis servers.
exec bash "${top_srcdir:-.}/t/unit/store_run.sh" learn_store_test 31070
