#!/bin/bash
# e2e: X-Sluice-Result headers that arrive with the message (forged: right
# format, wrong signature; or correctly signed for another queue ID) are
# not trusted: the message is delivered without them, their claimed score
# has no effect, and the verdict names SLUICE_FORGED_RESULT.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
e2e_lab lab attach
D=${E2E_DIR[lab]}

random_sig() { head -c 32 /dev/urandom | base64 -w0; }

# check_forged ID LABEL MARK: delivered, without the forged header (found
# by MARK, a string only it contains), verdict accept, score not taken.
check_forged() {
    local id=$1 label=$2 mark=$3 f v s
    e2e_send lab "$id"
    t_is "$LAB_CODE" 250 "$label: accepted with 250"
    f=$(e2e_delivered lab "$id")
    t_ok "$label: delivered" test -n "$f"
    t_lacks "$(lab_header "${f:-/dev/null}" X-Sluice-Result)" "$mark" \
        "$label: delivered without the forged X-Sluice-Result"
    v=$(lab_header "${f:-/dev/null}" X-Sluice-Verdict | tail -n 1)
    t_like "$v" '^accept;' "$label: verdict accept (claimed score ignored)"
    s=$(lab_verdict_field "$v" score)
    t_ok "$label: verdict score ${s:-?} below the claimed 50" num_lt "${s:-99}" 50
    t_like "$v" 'SLUICE_FORGED_RESULT' "$label: verdict names SLUICE_FORGED_RESULT"
}

# 1. wrong signature, claiming a rejectable score from a chained milter
sig=$(random_sig)
LAB_MSG_HEADERS="X-Sluice-Result: v=1; attach; qid=4XyZ1AB2C3; score=50.00;
 symbols=ATTACH_BANNED_EXT(50.00)[evil.exe]; sig=$sig" \
    e2e_msg badsig "Forged" "This message claims a verdict it never got."
check_forged badsig "wrong signature" "$sig"

# 2. wrong signature claiming a large negative score: an .exe stays refused
sig=$(random_sig)
LAB_MSG_HEADERS="X-Sluice-Result: v=1; policy; qid=4XyZ1AB2C4; score=-100.00; symbols=POLICY_ALLOW(-100.00); sig=$sig" \
    e2e_msg negsig "Forged allow" "Run the attached update." \
    "$S/fake.exe|application/octet-stream|update.exe"
e2e_send lab negsig
t_like "$LAB_REPLY" '^550 5\.7\.1 ' "forged negative score: the .exe is still refused"
t_ok "forged negative score: not delivered" not e2e_in_sink lab negsig

# 3. correctly signed with the lab's secret, but for another queue ID
if sign=$(e2e_bin sign); then
    hv=$("$sign" "$D/secret" attach 4XyZ1AB2C5 "ATTACH_BANNED_EXT=50:evil.exe")
    t_like "$hv" 'sig=' "sluice-sign made a signed header"
    mark=${hv##*sig=}
    LAB_MSG_HEADERS="X-Sluice-Result: $hv" \
        e2e_msg otherqid "Replayed" "This result was signed for another message."
    check_forged otherqid "signed for another qid" "${mark:-no-sig}"
else
    for c in "sluice-sign made a signed header" "signed for another qid: accepted" \
        "signed for another qid: delivered" "signed for another qid: header removed" \
        "signed for another qid: verdict accept" "signed for another qid: score" \
        "signed for another qid: SLUICE_FORGED_RESULT"; do
        t_skip "$c" "t/sluice-sign is not built"
    done
fi

e2e_finish
