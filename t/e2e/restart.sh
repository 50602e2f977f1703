#!/bin/bash
# e2e: the milter worker killed with SIGKILL between RCPT and the end of
# DATA.  With milter_default_action = tempfail (Postfix) or F=T
# (Sendmail) the client gets 451 and nothing is queued; the supervisor respawns the worker (the test waits
# for the socket, no fixed sleep) and the next message is scanned again,
# without anyone restarting anything.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
e2e_lab lab attach
D=${E2E_DIR[lab]}
SUP=$(lab_milter_pid "$D" attach)

e2e_msg clean "Lunch" "Hello Bob, lunch on Friday?"
e2e_msg exe "Update" "Run the attached update." \
    "$S/fake.exe|application/octet-stream|update.exe"

# a new worker (not OLD) listens on the socket again
respawned() {
    local w
    w=$(lab_milter_workers "$D" attach | head -n 1)
    [ -n "$w" ] && [ "$w" != "$1" ] && lab_unix_listening "$D/run/attach.sock"
}

# kill_case ID LABEL WHEN: WHEN is "rcpt" (after RCPT) or "data" (after
# the header of the message, before its end).
kill_case() {
    local id=$1 label=$2 when=$3 w t0 t1
    e2e_msg "$id" "Doomed" "This message is in flight when the worker dies." \
        "$S/clean.pdf|application/pdf"
    w=$(lab_milter_workers "$D" attach)
    t_is "$(echo "$w" | wc -w)" 1 "$label: the supervisor runs one worker"
    smtp_start lab "$id"
    t_is "$SMTP_CODE" 250 "$label: RCPT accepted before the kill"
    if [ "$when" = rcpt ]; then
        kill -KILL $w
        smtp_data "$T/msg/$id.eml"
    else
        smtp_cmd DATA
        sed -n -e '/^$/q' -e 's/$/\r/p' "$T/msg/$id.eml" >&"$SMTP_FD"
        kill -KILL $w
        sed -n -e '/^$/,$p' "$T/msg/$id.eml" |
            sed -e 's/^\./../' -e 's/$/\r/' >&"$SMTP_FD"
        smtp_cmd .
    fi
    t_diag "$label: $SMTP_TEXT"
    t_is "$SMTP_CODE" 451 "$label: the client gets 451"
    smtp_close
    t_ok "$label: nothing queued" lab_mta_queue_empty "$D"
    t_ok "$label: nothing delivered" not e2e_in_sink lab "$id"
    t0=$(lab_now_us)
    LAB_WAIT=10 lab_wait respawned "$w"
    t_result $? "$label: the supervisor respawned the worker"
    t1=$(lab_now_us)
    t_diag "$label: socket back after $(((t1 - t0) / 1000)) ms"
    t_is "$(lab_milter_pid "$D" attach)" "$SUP" "$label: same supervisor"
}

expect_reject lab exe "before the kill" 'update\.exe' ATTACH_BANNED_EXT

kill_case k1 "killed after RCPT" rcpt
e2e_msg exe2 "Update" "Run the attached update." \
    "$S/fake.exe|application/octet-stream|update.exe"
expect_reject lab exe2 "after the respawn" 'update\.exe' ATTACH_BANNED_EXT
e2e_msg clean2 "Lunch" "Hello Bob, lunch on Friday?"
expect_accept lab clean2 "clean, after the respawn"

kill_case k2 "killed during DATA" data
e2e_msg exe3 "Update" "Run the attached update." \
    "$S/fake.exe|application/octet-stream|update.exe"
expect_reject lab exe3 "after the second respawn" 'update\.exe' ATTACH_BANNED_EXT

e2e_finish
