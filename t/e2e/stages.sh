#!/bin/bash
# e2e: the module interface at every SMTP stage, through the real MTA
# (Postfix, or Sendmail: t/e2e/sendmail/stages.sh), with the test-only
# module in the chain (t/sluice-testmod -> sluice-attach,
# attach enforcing).  Several messages on one SMTP session keep their own
# state; a refused or deferred recipient is answered at RCPT (550 5.1.1 /
# 451 4.2.1) while the others are delivered; a module that cannot decide
# follows on_error (tempfail: 451 4.3.0) at RCPT and at the end of the
# message; refusals at connect and MAIL FROM; every refusal is logged.
# Sendmail writes "<address>... " in front of the module's text of a 5xx
# at RCPT and MAIL (e2e_mta_text); the refused client's address is put
# on lo (Sendmail has no XCLIENT).
. "$(dirname "$0")/lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need attach testmod
e2e_client_addr 192.0.2.66
e2e_lab lab "testmod attach"
D=${E2E_DIR[lab]}

# session_msg ID FROM RCPT...: one message on the open session.
session_msg() {
    local id=$1 from=$2 r
    shift 2
    smtp_cmd "MAIL FROM:<$from>"
    t_is "$SMTP_CODE" 250 "$id: MAIL FROM accepted"
    for r in "$@"; do
        smtp_cmd "RCPT TO:<$r>"
        RCPT_REPLY[$r]="$SMTP_TEXT"
    done
}

declare -A RCPT_REPLY

# Three messages on one session: each its own per-message state.
e2e_msg m1 "First" "The first message."
e2e_msg m2 "Second" "The second message, three recipients."
e2e_msg m3 "Third" "The third message."
smtp_open lab && smtp_cmd "EHLO client.sender.test"
t_is "$SMTP_CODE" 250 "session: EHLO"
session_msg m1 alice@sender.test m1@rcpt.test
smtp_data "$T/msg/m1.eml"
t_is "$SMTP_CODE" 250 "m1: accepted"
session_msg m2 bob@sender.test m2@rcpt.test m2-b@rcpt.test m2-c@rcpt.test
smtp_data "$T/msg/m2.eml"
t_is "$SMTP_CODE" 250 "m2: accepted"
session_msg m3 carol@sender.test m3@rcpt.test
smtp_data "$T/msg/m3.eml"
t_is "$SMTP_CODE" 250 "m3: accepted"
smtp_close
for c in "m1 msg1-rcpts1" "m2 msg2-rcpts3" "m3 msg3-rcpts1"; do
    set -- $c
    v=$(e2e_verdict lab "$1")
    t_like "$v" "TEST_STATE\\(0\\.00\\)\\[$2\\]" "$1: its own state ($2) in the verdict"
    t_unlike "$v" TEST_STATE_LEAK "$1: nothing of another message"
done

# Four recipients: one refused, one deferred, both answered at RCPT.
e2e_msg multi "Several" "To four recipients, two of them refused."
smtp_open lab && smtp_cmd "EHLO client.sender.test"
session_msg multi alice@sender.test multi@rcpt.test refuse-x@rcpt.test \
    defer-x@rcpt.test multi-b@rcpt.test
t_like "${RCPT_REPLY[multi@rcpt.test]}" '^250 ' "multi: the first recipient is accepted"
t_is "${RCPT_REPLY[refuse-x@rcpt.test]}" \
    "$(e2e_mta_text "550 5.1.1" refuse-x@rcpt.test "Recipient refused by a test rule.")" \
    "multi: refuse-x gets its own 550 5.1.1"
t_is "${RCPT_REPLY[defer-x@rcpt.test]}" \
    "451 4.2.1 Recipient deferred by a test rule." \
    "multi: defer-x gets its own 451 4.2.1"
t_like "${RCPT_REPLY[multi-b@rcpt.test]}" '^250 ' "multi: the last recipient is accepted"
smtp_data "$T/msg/multi.eml"
t_is "$SMTP_CODE" 250 "multi: the message is accepted for the others"
smtp_close
t_like "$(e2e_verdict lab multi)" 'TEST_STATE\(0\.00\)\[msg1-rcpts2\]' \
    "multi: the module's state counted the two accepted recipients"
LAB_WAIT=10 lab_wait lab_mta_sent_ok "$D" multi-b
t_result $? "multi: delivered to multi-b"
t_ok "multi: never delivered to refuse-x" not lab_mta_sent_ok "$D" refuse-x
line=$(grep 'recipient <refuse-x@rcpt.test>' "$D/log/sluice.log" | tail -n 1)
t_like "$line" '^.*qid=[0-9A-Za-z]*[0-9][0-9A-Za-z]*: milter=testmod action=reject ' \
    "multi: the refusal's summary line carries the queue ID"
line=$(grep 'recipient <defer-x@rcpt.test>' "$D/log/sluice.log" | tail -n 1)
t_like "$line" 'milter=testmod action=tempfail' "multi: the deferral is logged"

# on_error (tempfail) at RCPT: that recipient only; at end of message: all.
e2e_msg okf "Failing" "A module fails on one recipient."
smtp_open lab && smtp_cmd "EHLO client.sender.test"
session_msg okf alice@sender.test okf@rcpt.test fail-x@rcpt.test
t_is "${RCPT_REPLY[fail-x@rcpt.test]}" \
    "451 4.3.0 Temporary problem checking this message; please try again later." \
    "on_error at RCPT: 451 4.3.0 for that recipient"
smtp_data "$T/msg/okf.eml"
t_is "$SMTP_CODE" 250 "on_error at RCPT: the message goes on for the others"
smtp_close
t_like "$(e2e_verdict lab okf)" 'TEST_STATE\(0\.00\)\[msg1-rcpts1\]' \
    "on_error at RCPT: delivered with its verdict"
LAB_MSG_HEADERS="X-Testmod-Fail: yes" e2e_msg eomfail "Failing" "A module fails at the end."
e2e_send lab eomfail
t_is "$LAB_REPLY" "451 4.3.0 Temporary problem checking this message; please try again later." \
    "on_error at end of message: 451 4.3.0"
t_ok "on_error at end of message: not delivered" not e2e_in_sink lab eomfail
t_ok "on_error at end of message: logged with its reason" \
    grep -q "testmod: check could not run: test failure at end of message (on_error=tempfail)" "$D/log/sluice.log"

# The macros the milters ask for themselves (smfi_setsymlist; the lab's
# main.cf sets no milter_*_macros): {j}, the client port, {auth_authen}.
# Postfix only: XCLIENT LOGIN makes the client authenticated (Sendmail's
# SASL set-up lives in system paths).
if [ "$E2E_MTA" = postfix ]; then
    e2e_msg macros "Macros" "Who is asking?"
    e2e_send lab macros --xclient-addr 203.0.113.9 --xclient-login alice@rcpt.test
    t_like "$(e2e_verdict lab macros)" \
        'TEST_CONN\(0\.00\)\[j=mx\.lab\.test\.example/port=set/auth=alice@rcpt\.test/tls=-\]' \
        "the MTA gave {j}, the client port and {auth_authen} without milter_*_macros"
fi

# Refusals at connect (both MTAs answer a milter's connect-time reject
# with their own 554 greeting) and at MAIL FROM.
e2e_msg conn "Refused" "From a refused client."
e2e_send lab conn --local-interface 192.0.2.66
t_like "$LAB_REPLY" "^554 .*not accepting (connections|messages)" "a client refused at connect: 554"
t_ok "a client refused at connect: nothing delivered" not e2e_in_sink lab conn
e2e_msg mailref "Refused" "From a refused sender."
e2e_send lab mailref --from refuse@sender.test
t_is "$LAB_REPLY" "$(e2e_mta_text "550 5.7.1" refuse@sender.test "Refused by a test rule.")" \
    "a sender refused at MAIL FROM"
t_ok "the refusals are logged" grep -q 'milter=testmod action=reject .*reason="client refused"' "$D/log/sluice.log"

e2e_finish
