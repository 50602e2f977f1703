#!/bin/bash
# e2e: per-recipient answers at RCPT TO.  The test module refuses the
# recipients whose local part starts with "refuse" (550 5.1.1) and defers
# those starting with "defer" (451 4.2.1).  Only those recipients are
# refused; the others get 250, the message goes on and reaches exactly
# them, with its verdict.  Chained (t/sluice-testmod + sluice-attach) and
# all in one (t/sluice-milter-test), through the same MTA.  Sendmail puts
# "<address>... " in front of the text of a 5xx refusal at RCPT (its
# own formatting, sluice(7)); the rest of the reply is the module's.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach testmod milter-test
e2e_lab chain "testmod attach"
e2e_lab all "testmod attach" "$(e2e_bin milter-test)"

# rcpt_reply ADDR: SMTP_CODE/SMTP_TEXT of "RCPT TO:<ADDR>".
rcpt_reply() {
    smtp_cmd "RCPT TO:<$1>"
    t_diag "RCPT $1: $SMTP_TEXT"
}

# rcpt_case LAB: one session, four recipients.
rcpt_case() {
    local lab=$1 id=$1-mixed f args v
    e2e_msg "$id" "Four recipients" "Two of the four recipients are refused."
    smtp_open "$lab"
    t_is "$SMTP_CODE" 220 "$lab: banner"
    smtp_cmd "EHLO client.sender.test"
    smtp_cmd "MAIL FROM:<alice@sender.test>"
    t_is "$SMTP_CODE" 250 "$lab: MAIL FROM accepted"
    rcpt_reply "$id@rcpt.test"
    t_is "$SMTP_CODE" 250 "$lab: a plain recipient gets 250"
    rcpt_reply "refuse-bob@rcpt.test"
    t_is "$SMTP_TEXT" "550 5.1.1 ${RCPT_PREFIX}Recipient refused by a test rule." \
        "$lab: refuse-bob gets the module's 550 5.1.1"
    rcpt_reply "defer-carol@rcpt.test"
    t_is "$SMTP_TEXT" "451 4.2.1 Recipient deferred by a test rule." \
        "$lab: defer-carol gets the module's 451 4.2.1"
    rcpt_reply "dave@rcpt.test"
    t_is "$SMTP_CODE" 250 "$lab: a recipient after the refused ones gets 250"
    smtp_data "$T/msg/$id.eml"
    t_diag "$lab DATA: $SMTP_TEXT"
    t_is "$SMTP_CODE" 250 "$lab: the message is accepted for the others"
    smtp_close
    f=$(e2e_delivered "$lab" "$id")
    t_ok "$lab: delivered" test -n "$f"
    args=$(lab_header "${f:-/dev/null}" X-Rcpt-Args | sed 's/>.*/>/' | sort | tr '\n' ' ')
    t_is "$args" "<$id@rcpt.test> <dave@rcpt.test> " \
        "$lab: delivered to the two accepted recipients only"
    v=$(lab_header "${f:-/dev/null}" X-Sluice-Verdict)
    t_like "$v" '^accept;' "$lab: verdict accept"
    t_like "$v" 'TEST_STATE\(0\.00\)\[msg1-rcpts2\]' \
        "$lab: the module counted the two accepted recipients"
    e2e_check_headers "$lab" "$f" "$lab"
    t_is "$(grep -c 'action=reject .*reason="recipient refused"' \
        "${E2E_DIR[$lab]}/log/sluice.log")" 1 "$lab: the refusal is logged once"
}

RCPT_PREFIX=
[ "$E2E_MTA" = sendmail ] && RCPT_PREFIX="<refuse-bob@rcpt.test>... "
rcpt_case chain
rcpt_case all

# A session whose every recipient is refused delivers nothing.
for lab in chain all; do
    smtp_open "$lab"
    smtp_cmd "EHLO client.sender.test"
    smtp_cmd "MAIL FROM:<alice@sender.test>"
    rcpt_reply "refuse-only@rcpt.test"
    t_like "$SMTP_TEXT" '^550 5\.1\.1 ' "$lab: the only recipient is refused"
    smtp_cmd DATA
    t_like "$SMTP_CODE" '^5' "$lab: DATA without a recipient is refused"
    smtp_close
done

e2e_finish
