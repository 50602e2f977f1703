#!/bin/bash
# e2e: answers that depend on the client's address, which the milters
# learn at connect.  In the test's own network namespace the TEST-NET
# addresses below are added to lo and swaks binds to them (the same for
# both MTAs: Sendmail has no XCLIENT).  The test module refuses
# 192.0.2.66 and fails on 192.0.2.67 (on_error = tempfail); 192.0.2.10
# is accepted.  A refusal at connect is answered by both MTAs with their
# own 554 greeting (the module's text is not shown); a temporary failure
# at connect with 451 at MAIL FROM (Postfix gives the module's text,
# Sendmail its own "4.3.2 Please try again later").  The debug lines show what reached the
# milters: {client_addr}, no verified name ("unknown" under both MTAs),
# and the macros of sluice(7)'s Postfix/Sendmail table.  Per-recipient
# answers at RCPT, chained and all in one (t/e2e/stages.sh has more).
. "$(dirname "$0")/lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need attach testmod milter-test
e2e_client_addr 192.0.2.10 192.0.2.66 192.0.2.67
LAB_CONF_common="debug = yes"
e2e_lab chain "testmod attach"
e2e_lab all "testmod attach" "$(e2e_bin milter-test)"

# refused_at FILE: the client command answered by the first 4xx/5xx of a
# swaks transcript ("banner" when the greeting itself was one).
refused_at() {
    awk '/^ -> / { cmd = substr($0, 5); sub(/[: ].*/, "", cmd) }
         /^<\*\* [45]/ { print (cmd == "" ? "banner" : cmd); exit }' "$1"
}

# debug_line LAB STAGE ADDR: the "macros at STAGE" debug line of the
# first milter for the session from ADDR.
debug_line() {
    local log=${E2E_DIR[$1]}/log/sluice.log
    grep -F "debug: macros at $2:" "$log" | grep -F "{client_addr}=$3 " | head -n 1
}

for lab in chain all; do
    # -- accepted ---------------------------------------------------------
    e2e_msg "$lab-ok" "From a documentation address" "Hello from 192.0.2.10."
    e2e_send "$lab" "$lab-ok" --local-interface 192.0.2.10
    t_is "$LAB_CODE" 250 "$lab: 192.0.2.10 accepted with 250"
    f=$(e2e_delivered "$lab" "$lab-ok")
    t_like "$(lab_header "${f:-/dev/null}" X-Sluice-Verdict)" '^accept;' \
        "$lab: 192.0.2.10 delivered with verdict accept"
    e2e_check_headers "$lab" "$f" "$lab: 192.0.2.10"
    t_ok "$lab: the milters saw 192.0.2.10 with no verified name" \
        grep -qF "connect from unknown [192.0.2.10]:" "${E2E_DIR[$lab]}/log/sluice.log"

    # -- the sluice(7) table: which macros arrive when ---------------------
    l=$(debug_line "$lab" connect 192.0.2.10)
    t_diag "$lab connect: ${l#*debug: }"
    t_like "$l" "\\{client_addr\\}=192\\.0\\.2\\.10 " "$lab: {client_addr} at connect"
    t_like "$l" " j=$LAB_MX_NAME " "$lab: j (the MTA's name) at connect"
    if [ "$E2E_MTA" = sendmail ]; then
        want_daemon=MTA want_i_mail=yes want_greeting="not accepting messages"
        want_tempfail="451 4.3.2 Please try again later"
    else
        want_daemon=$LAB_MX_NAME want_i_mail=no want_greeting="not accepting connections"
        want_tempfail="451 4.3.0 Temporary problem checking this message; please try again later."
    fi
    t_like "$l" "\\{daemon_name\\}=$want_daemon " \
        "$lab: {daemon_name} is $want_daemon under $E2E_MTA"
    l=$(debug_line "$lab" MAIL 192.0.2.10)
    t_diag "$lab MAIL: ${l#*debug: }"
    if [ "$want_i_mail" = yes ]; then
        t_like "$l" "macros at MAIL: i=[0-9A-Za-z]+ " "$lab: {i} already at MAIL ($E2E_MTA)"
    else
        t_like "$l" "not sent: i " "$lab: no {i} at MAIL yet ($E2E_MTA)"
    fi
    l=$(debug_line "$lab" DATA 192.0.2.10)
    t_like "$l" "macros at DATA: i=[0-9A-Za-z]+ " "$lab: {i} at DATA"

    # -- per recipient: one refused, one deferred, the other delivered --------
    e2e_msg "$lab-rcpt" "Three recipients" "Two of them are refused."
    smtp_open "$lab" && smtp_cmd "EHLO client.sender.test" &&
        smtp_cmd "MAIL FROM:<alice@sender.test>"
    smtp_cmd "RCPT TO:<$lab-rcpt@rcpt.test>"
    t_is "$SMTP_CODE" 250 "$lab: a plain recipient gets 250"
    smtp_cmd "RCPT TO:<refuse-z@rcpt.test>"
    t_is "$SMTP_TEXT" \
        "$(e2e_mta_text "550 5.1.1" refuse-z@rcpt.test "Recipient refused by a test rule.")" \
        "$lab: refuse-z refused at RCPT"
    smtp_cmd "RCPT TO:<defer-z@rcpt.test>"
    t_is "$SMTP_TEXT" "451 4.2.1 Recipient deferred by a test rule." \
        "$lab: defer-z deferred at RCPT"
    smtp_data "$T/msg/$lab-rcpt.eml"
    t_is "$SMTP_CODE" 250 "$lab: accepted for the other recipient"
    smtp_close
    f=$(e2e_delivered "$lab" "$lab-rcpt")
    t_like "$(lab_header "${f:-/dev/null}" X-Sluice-Verdict)" \
        'TEST_STATE\(0\.00\)\[msg1-rcpts1\]' "$lab: delivered, one recipient counted"
    t_ok "$lab: never delivered to refuse-z" not lab_mta_sent_ok "${E2E_DIR[$lab]}" refuse-z

    # -- refused at connect -------------------------------------------------
    e2e_msg "$lab-refused" "From a refused address" "Hello from 192.0.2.66."
    e2e_send "$lab" "$lab-refused" --local-interface 192.0.2.66
    t_is "$LAB_REPLY" "554 $LAB_MX_NAME ESMTP $want_greeting" \
        "$lab: 192.0.2.66 refused with $E2E_MTA's 554 greeting"
    t_is "$(refused_at "$T/$lab/out/$lab-refused.swaks")" banner \
        "$lab: 192.0.2.66 refused at the greeting"
    t_ok "$lab: 192.0.2.66 not delivered" not e2e_in_sink "$lab" "$lab-refused"

    # -- the module fails at connect: on_error = tempfail -------------------
    e2e_msg "$lab-failed" "From a failing address" "Hello from 192.0.2.67."
    e2e_send "$lab" "$lab-failed" --local-interface 192.0.2.67
    t_is "$LAB_REPLY" "$want_tempfail" "$lab: 192.0.2.67 gets $E2E_MTA's 451"
    t_is "$(refused_at "$T/$lab/out/$lab-failed.swaks")" MAIL \
        "$lab: 192.0.2.67 deferred at MAIL FROM"
    t_ok "$lab: 192.0.2.67 not delivered" not e2e_in_sink "$lab" "$lab-failed"
done

e2e_finish
