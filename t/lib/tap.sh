# t/lib/tap.sh - TAP output for the shell tests (bash).
#
# SYNOPSIS
#	. "$top_srcdir/t/lib/tap.sh"
#
# DESCRIPTION
#	Counters T_N (tests so far) and T_FAILED, set to 0 when sourced;
#	the caller prints the plan ("1..$T_N") at the end.
#	t_result STATUS NAME   ok/not ok from a status (0 passes); returns it
#	t_ok NAME CMD...       runs CMD, its status is the result
#	t_is GOT WANT NAME     equal strings
#	t_like GOT ERE NAME    GOT matches the extended regex
#	t_unlike GOT ERE NAME  GOT does not match it
#	t_lacks GOT STR NAME   GOT does not contain STR (literally)
#	t_skip NAME REASON     an "ok ... # SKIP" line
#	t_diag LINE...         "# " comments
#	skip_all REASON, bail_out REASON   the whole script (exit 0, 1)
#	not CMD...             the negated status, for t_ok
#	Used by t/e2e/lib.sh and t/install/lib.sh.
T_N=0
T_FAILED=0

t_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

t_result() { # STATUS(0 pass) NAME
    T_N=$((T_N + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $T_N - $2"
    else
        echo "not ok $T_N - $2"
        T_FAILED=$((T_FAILED + 1))
    fi
    return "$1"
}

t_ok() { # NAME CMD...
    local name=$1
    shift
    "$@"
    t_result $? "$name"
}

t_is() { # GOT WANT NAME
    [ "$1" = "$2" ]
    t_result $? "$3" || t_diag "  got: '$1'" "  expected: '$2'"
}

t_like() { # GOT ERE NAME
    printf '%s\n' "$1" | grep -qE -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected to match: /$2/"
}

t_unlike() { # GOT ERE NAME
    ! printf '%s\n' "$1" | grep -qE -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected not to match: /$2/"
}

t_lacks() { # GOT STRING NAME: GOT does not contain STRING (literally)
    ! printf '%s\n' "$1" | grep -qF -- "$2"
    t_result $? "$3" || t_diag "  got: '$1'" "  expected not to contain: '$2'"
}

t_skip() { # NAME REASON
    T_N=$((T_N + 1))
    echo "ok $T_N - $1 # SKIP $2"
}

skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

bail_out() {
    echo "Bail out! $*"
    exit 1
}

not() { ! "$@"; }
