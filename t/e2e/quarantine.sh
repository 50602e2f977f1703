#!/bin/bash
# e2e: the quarantine through real Postfix, and the feedback loop.
# A message over score_quarantine is answered 250, not delivered, and is
# in "sluicectl quarantine list"; "release" sends it through the lab's
# milter-free smtpd to the sink with the body byte for byte, records who
# released it, and teaches the classifier that it was ham (its score
# drops).  A quarantine directory that cannot be written makes the next
# such message a 4xx (the client keeps it), nothing half-stored.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
CTL_BIN=$top_builddir/sluicectl
[ -x "$CTL_BIN" ] || skip_all "not built yet: sluicectl"
LAB_REINJECT_PORT=$((E2E_BLOCK + 9))
LAB_CONF_common="score_quarantine = 8"
LAB_CONF_attach="banned_action = tag"
e2e_lab lab attach
D=${E2E_DIR[lab]}
ctl() { "$CTL_BIN" -c "$D/sluice.conf" "$@"; }
qcount() { ctl --json quarantine list | grep -c '"id"'; }

# The classifier, trained on the fixed sample (t/data/learn).
out=$(ctl learn spam --corpus "$top_srcdir/t/data/learn/spam" \
    ham "$top_srcdir/t/data/learn/ham" 2>&1)
t_like "$out" '^200 +100 +100 +0' "sluicectl learn --corpus: 200 messages learned"

# -- 1. over the threshold: 250, held, not delivered ---------------------------
e2e_msg exe "Urgent update" "Please run the attached update today." \
    "$S/fake.exe|application/octet-stream|update.exe"
e2e_send lab exe
t_is "$LAB_CODE" 250 "quarantined: the client gets 250"
line=$(e2e_summary lab exe attach)
t_like "$line" 'action=quarantine' "quarantined: logged as quarantine"
t_like "$(grep -F "$(lab_qid "$D" exe)" "$D/log/sluice.log")" 'quarantined as [0-9T]+-[0-9a-f]+' \
    "quarantined: the log names the quarantine ID"
t_ok "quarantined: Postfix discarded it" lab_wait grep -q "$(lab_qid "$D" exe).*milter triggers DISCARD" "$D/log/maillog"
t_ok "quarantined: not delivered" not e2e_in_sink lab exe
list=$(ctl quarantine list)
t_like "$list" 'exe@rcpt\.test.*Urgent update.*held' "sluicectl quarantine list shows it, held"
id=$(printf '%s\n' "$list" | awk '/exe@rcpt\.test/ { print $1; exit }')
t_like "$(ctl quarantine show "$id")" 'reason +score 10\.00 >= 8\.00' \
    "sluicectl quarantine show: the reason"
ctl quarantine show "$id" --raw >"$T/held.eml"
# The control: the same message sent straight to the milter-free smtpd,
# as Postfix delivers it without any milter.
sed 's/^X-Lab-Id: exe$/X-Lab-Id: exe-control/' "$T/msg/exe.eml" >"$T/msg/ctl.eml"
lab_send "$D" "$LAB_REINJECT_PORT" exe-control "$T/msg/ctl.eml"
control=$(e2e_delivered lab exe-control) || control=/dev/null
t_ok "control: delivered by the milter-free smtpd" test "$control" != /dev/null
# smtp-sink ends its file with one more newline than it received.
t_ok "the held file is the message as received (its body as delivered)" \
    cmp -s <(tr -d '\r' <"$T/held.eml" | sed '1,/^$/d') \
    <(sed '1,/^$/d' "$control" | sed '$d')
before=$(ctl --json classify "$T/held.eml" | sed -n 's/.*"margin": "\(.*\)".*/\1/p' | head -n 1)

# -- 2. release: delivered byte for byte, recorded, learned as ham ------------
out=$(ctl quarantine release --by tester "$id" 2>&1)
t_is "$?" 0 "sluicectl quarantine release exits 0"
t_like "$out" 'released to exe@rcpt\.test \(250 ' "release: the server accepted it"
f=$(e2e_delivered lab exe) || f=/dev/null
t_ok "release: delivered to the sink" test "$f" != /dev/null
t_ok "release: the body byte for byte (as the control was delivered)" \
    cmp -s <(sed '1,/^$/d' "$control") <(sed '1,/^$/d' "$f")
t_like "$(lab_header "$f" X-Sluice-Released)" "by tester \(quarantine $id\)" \
    "release: X-Sluice-Released names who"
t_is "$(lab_header "$f" X-Sluice-Quarantine)" "" "release: our quarantine header is gone"
t_like "$(ctl quarantine list)" "$id .*released .* by tester" "release: recorded in the list"
after=$(ctl --json classify "$T/held.eml" | sed -n 's/.*"margin": "\(.*\)".*/\1/p' | head -n 1)
t_ok "release: the classifier's score dropped ($before -> $after)" num_lt "$after" "$before"
out=$(ctl quarantine release "$id" 2>&1)
t_like "$out" 'already released' "a second release needs --force"

# -- 3. the directory cannot be written: 4xx, nothing lost ---------------------
n=$(qcount)
chmod 0555 "$D/quarantine"
e2e_msg exe2 "Urgent update" "Please run the attached update today." \
    "$S/fake.exe|application/octet-stream|update.exe"
e2e_send lab exe2
t_like "$LAB_CODE" '^4[0-9][0-9]$' "read-only quarantine: the client gets a 4xx ($LAB_CODE)"
t_like "$(cat "$D/log/sluice.log")" 'cannot quarantine: .*temporary failure' \
    "read-only quarantine: logged"
t_ok "read-only quarantine: not delivered" not e2e_in_sink lab exe2
chmod 0700 "$D/quarantine"
t_is "$(qcount)" "$n" "read-only quarantine: nothing half-stored"
t_is "$(find "$D/quarantine" -name '*.tmp' | wc -l)" 0 "read-only quarantine: no temporary file left"
e2e_send lab exe2
t_is "$LAB_CODE" 250 "writable again: the retry is accepted"
t_is "$(qcount)" "$((n + 1))" "writable again: the retry is held"

# -- 4. delete ----------------------------------------------------------------
out=$(ctl quarantine delete "$id" 2>&1)
t_is "$?" 0 "sluicectl quarantine delete exits 0"
t_is "$(qcount)" "$n" "deleted: one fewer"
ctl quarantine show "$id" >/dev/null 2>&1
t_is "$?" 1 "deleted: show exits 1 (not found)"
e2e_finish
