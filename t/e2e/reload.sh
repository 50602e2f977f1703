#!/bin/bash
# e2e: reloading the configuration.  SIGUSR1 to the worker, and SIGHUP to
# the supervisor, make the next message obey a changed banned_extensions
# list; a message in flight during the reload (its session paused after
# RCPT) completes under the old list; the processes are not restarted.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
D=${T}/lab
policy=$(lab_policy_attach)
LAB_CONF_attach="$policy
banned_extensions = exe"
e2e_lab lab attach
SUP=$(lab_milter_pid "$D" attach)
WORKER=$(lab_milter_workers "$D" attach | head -n 1)

reloaded_since() { # LINES: a new log line mentions a reload
    tail -n +"$(($1 + 1))" "$D/log/sluice.log" 2>/dev/null | grep -qi reload
}

# reload_case EXT LABEL SIGNAL PID LIST
reload_case() {
    local ext=$1 label=$2 sig=$3 pid=$4 list=$5 n
    printf 'Some data.\n' >"$T/data.$ext"
    e2e_msg "before-$ext" "Data" "The data file." \
        "$T/data.$ext|application/octet-stream"
    e2e_send lab "before-$ext"
    t_is "$LAB_CODE" 250 "$label: .$ext accepted before the reload"

    e2e_msg "inflight-$ext" "Data" "The data file, sent across the reload." \
        "$T/data.$ext|application/octet-stream"
    smtp_start lab "inflight-$ext"
    t_is "$SMTP_CODE" 250 "$label: in-flight session paused after RCPT"

    LAB_CONF_attach="$policy
banned_extensions = $list"
    lab_sluice_conf "$D/sluice.conf" "$D" attach
    n=$(wc -l 2>/dev/null <"$D/log/sluice.log" || echo 0)
    kill -"$sig" "$pid"
    LAB_WAIT=10 lab_wait reloaded_since "$n" ||
        t_diag "$label: no log line about the reload within 10 s"

    e2e_msg "after-$ext" "Data" "The data file, after the reload." \
        "$T/data.$ext|application/octet-stream"
    e2e_send lab "after-$ext"
    t_like "$LAB_REPLY" '^550 5\.7\.1 ' "$label: .$ext refused after the reload"
    t_like "$LAB_REPLY" "data\\.$ext" "$label: the reply names data.$ext"

    smtp_data "$T/msg/inflight-$ext.eml"
    t_diag "$label in flight: $SMTP_TEXT"
    t_is "$SMTP_CODE" 250 "$label: the in-flight message completes under the old list"
    smtp_close
    t_ok "$label: the in-flight message is delivered" \
        test -n "$(e2e_delivered lab "inflight-$ext")"

    t_is "$(lab_milter_pid "$D" attach)" "$SUP" "$label: same supervisor"
    t_is "$(lab_milter_workers "$D" attach | head -n 1)" "$WORKER" \
        "$label: same worker (reloaded, not restarted)"
}

reload_case xyz "SIGUSR1 to the worker" USR1 "$WORKER" "exe xyz"
reload_case abc "SIGHUP to the supervisor" HUP "$SUP" "exe xyz abc"

# the first new list still holds after the second reload
e2e_msg "again-xyz" "Data" "Still banned." "$T/data.xyz|application/octet-stream"
e2e_send lab again-xyz
t_like "$LAB_REPLY" '^550 5\.7\.1 ' "the reloaded list keeps .xyz banned"

# A worker that dies after reloads comes back with the reloaded
# configuration, not the one the supervisor started with: the worker
# reads the file itself.
respawned() { # OLD: a new worker listens
    local w
    w=$(lab_milter_workers "$D" attach | head -n 1)
    [ -n "$w" ] && [ "$w" != "$1" ] && lab_unix_listening "$D/run/attach.sock"
}
kill -KILL "$WORKER"
LAB_WAIT=10 lab_wait respawned "$WORKER"
t_result $? "the supervisor respawned the killed worker"
e2e_msg "respawn-abc" "Data" "Banned by a reload before the crash." \
    "$T/data.abc|application/octet-stream"
e2e_send lab respawn-abc
t_like "$LAB_REPLY" '^550 5\.7\.1 .*data\.abc' \
    "the respawned worker obeys the reloaded list (.abc refused)"

# A reload asked of the supervisor while it has no worker is not lost:
# the next worker reads the file as it is then.
WORKER=$(lab_milter_workers "$D" attach | head -n 1)
LAB_CONF_attach="$policy
banned_extensions = exe xyz abc def"
lab_sluice_conf "$D/sluice.conf" "$D" attach
kill -STOP "$SUP"
kill -KILL "$WORKER"
kill -HUP "$SUP"
kill -CONT "$SUP"
LAB_WAIT=10 lab_wait respawned "$WORKER"
t_result $? "the supervisor respawned the worker killed during a reload"
printf 'Some data.\n' >"$T/data.def"
e2e_msg "respawn-def" "Data" "Banned by the file the new worker read." \
    "$T/data.def|application/octet-stream"
e2e_send lab respawn-def
t_like "$LAB_REPLY" '^550 5\.7\.1 .*data\.def' \
    "a reload during the respawn is not lost (.def refused)"
t_is "$(lab_milter_pid "$D" attach)" "$SUP" "the same supervisor throughout"

e2e_finish
