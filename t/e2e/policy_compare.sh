#!/bin/bash
# e2e: the two deployments give the same answers for the policy messages.
# (a) the chain sluice-policy -> sluice-grey -> sluice-attach (attach
# enforces, results in signed headers) and (b) sluice-milter (the same
# modules in one process) get
# the same messages from documentation-range clients (addresses on lo in
# the test's own network namespace); for each,
# the SMTP reply and the verdict (action and score) must be the same.
# (The testmod/attach comparison is t/e2e/deploy_compare.sh; this is its
# policy half, in a script of its own because each lab here also runs its
# own DNS server.)
. "$(dirname "$0")/lib.sh"

e2e_private_net "$@"
e2e_init
e2e_need policy grey attach all
e2e_client_addr 192.0.2.30 192.0.2.50 192.0.2.51 192.0.2.99 192.0.2.199
cat >"$T/senders" <<'MAP'
@plain.policy.test   REJECT Mail from plain.policy.test is not wanted here
MAP
chmod 644 "$T/senders"
LAB_CONF_policy="$(lab_policy_policy)
access_sender = addr:$T/senders"
# sluice-milter also runs sluice-grey: both deployments get the lab's
# [grey] (greylisting only for grey.rcpt.test, not the recipients here)
e2e_lab chain "policy grey attach"
e2e_lab all "policy grey attach" "$(e2e_bin all)"

IDS=()
declare -A LABEL WANT ARGS
# msg ID LABEL WANT ADDR FROM [FROM_HEADER]
msg() {
    IDS+=("$1")
    LABEL[$1]=$2
    WANT[$1]=$3
    ARGS[$1]="--local-interface $4 --from $5"
    LAB_MSG_FROM=${6:-"Alice <alice@sender.test>"} \
        e2e_msg "$1" "$2" "Message for the policy deployment comparison."
}
msg plain "unlisted client, SPF none" accept 192.0.2.50 alice@sender.test
msg spfpass "SPF and DMARC pass" accept 192.0.2.30 a@good.policy.test \
    "Ann <a@good.policy.test>"
msg spffail "SPF fail" reject 192.0.2.99 a@good.policy.test
msg dmarcrej "DMARC p=reject fail" reject 192.0.2.30 a@bounce.strict.policy.test \
    "Ann <a@good.policy.test>"
msg pnone "DMARC p=none fail (scored)" accept 192.0.2.30 a@good.policy.test \
    "Pat <p@pnone.policy.test>"
msg dnsbl "DNSBL listed" reject 192.0.2.199 alice@sender.test
msg nx "sender NXDOMAIN" reject 192.0.2.50 a@nx.policy.test
msg nullmx "sender null MX" reject 192.0.2.50 a@nullmx.policy.test
msg sfail "sender SERVFAIL" tempfail 192.0.2.50 a@x.servfail.test
msg access "access map REJECT" reject 192.0.2.50 bob@plain.policy.test
msg other "another unlisted client (no PTR)" accept 192.0.2.51 alice@sender.test
msg exe "policy pass, .exe attachment" reject 192.0.2.30 a@good.policy.test
e2e_msg exe "exe" "Run the update." "$S/fake.exe|application/octet-stream|update.exe"

# outcome LAB ID: "CODE TEXT | ACTION; score=S" (queue IDs left out)
outcome() {
    local lab=$1 id=$2 v a s r q line
    # shellcheck disable=SC2086
    e2e_send "$lab" "$id" ${ARGS[$id]} >/dev/null
    r=$(printf '%s' "$LAB_REPLY" | sed -E 's/queued as [0-9A-Za-z]+/queued as QID/;
        s/^(250 2\.0\.0) [0-9A-Za-z]+ (Message accepted)/\1 QID \2/')
    if [ "$LAB_CODE" = 250 ]; then
        v=$(e2e_verdict "$lab" "$id")
        a=$(lab_verdict_field "$v" action)
        s=$(lab_verdict_field "$v" score)
    else
        a=$([ "${LAB_CODE:-0}" -ge 500 ] 2>/dev/null && echo reject || echo tempfail)
        s=-
        if q=$(LAB_WAIT=2 lab_qid "${E2E_DIR[$lab]}" "$id") &&
            line=$(LAB_SUMMARY_WAIT=2 lab_final "${E2E_DIR[$lab]}" "$q"); then
            a=$(lab_field "$line" action)
            s=$(lab_field "$line" score)
        fi
    fi
    echo "$r | $a; score=$s"
}

for id in "${IDS[@]}"; do
    a=$(outcome chain "$id")
    b=$(outcome all "$id")
    t_diag "${LABEL[$id]}: chain:      $a" "${LABEL[$id]}: all-in-one: $b"
    t_is "$b" "$a" "${LABEL[$id]}: same reply and verdict in both deployments"
    t_like "$a" "\\| ${WANT[$id]};" "${LABEL[$id]}: ${WANT[$id]} (chain)"
done

e2e_finish
