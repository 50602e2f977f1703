#!/bin/bash
# e2e: the two deployments give the same answers.  (a) the chain
# t/sluice-testmod + sluice-content + sluice-attach (one process and socket
# per module, results passed in signed headers, attach enforces) and (b)
# t/sluice-milter-test (the three modules in one process, results in memory)
# get the same messages; for each, the SMTP reply and the verdict (action
# and score) must be the same.  The test module adds TEST_MODULE (1.0) to
# every message and TEST_SCORE (N) for "X-Testmod-Score: N", so the sum
# of scores, thresholds, forced actions and header trust are exercised.
# Under Sendmail the same messages also go through both deployments
# behind Postfix, and all four must agree: the answers do not depend on
# the MTA (the text of a 250 is the MTA's own and is not compared).
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach content testmod milter-test
LAB_CONF_common="score_add_header = 3
score_rewrite_subject = 0
score_greylist = 0
score_quarantine = 0
score_reject = 15
force_actions = ATTACH_MACRO=reject
local_domains = sender.test"
# Macros only score in attach; the verdict's forced action refuses them,
# so the forced-action path of the enforcer is compared too.
LAB_CONF_attach="$(lab_policy_attach | sed 's/^macro_action = .*/macro_action = tag/')"
# content: DLP tags outbound mail (every lab client is inside, and with
# local_domains = sender.test every recipient at rcpt.test outside), a local
# GTUBE rule, clamd with the test database (each lab has its own).
content_conf() {
    printf 'dlp_action = tag\nrules = %s\nclamd_socket = unix:%s/clamd/clamd.sock\n' \
        "$top_srcdir/t/data/content/gtube.cf" "$T/$1"
}
LAB_CONF_content=$(content_conf chain)
e2e_lab chain "testmod content attach"
LAB_CONF_content=$(content_conf all)
e2e_lab all "testmod content attach" "$(e2e_bin milter-test)"
REF=
if [ "$E2E_MTA" != postfix ]; then
    LAB_CONF_content=$(content_conf pf-chain)
    E2E_LAB_MTA=postfix e2e_lab pf-chain "testmod content attach"
    LAB_CONF_content=$(content_conf pf-all)
    E2E_LAB_MTA=postfix e2e_lab pf-all "testmod content attach" "$(e2e_bin milter-test)"
    REF="pf-chain pf-all"
fi

# msg ID LABEL EXPECTED_ACTION SCORE_HEADER [ATTACHMENT...]
IDS=()
declare -A LABEL WANT
msg() {
    local id=$1 label=$2 want=$3 score=$4
    shift 4
    IDS+=("$id")
    LABEL[$id]=$label
    WANT[$id]=$want
    LAB_MSG_HEADERS=${score:+"X-Testmod-Score: $score"} \
        e2e_msg "$id" "$label" "Message for the deployment comparison." "$@"
}

msg plain "plain text (1.0)" accept ""
msg sum5 "TEST_SCORE 4 (sum 5.0)" add_header 4
msg sum14 "TEST_SCORE 13.5 (sum 14.5)" add_header 13.5
msg sum15 "TEST_SCORE 14 (sum 15.0)" reject 14
msg sum21 "TEST_SCORE 20 (sum 21.0)" reject 20
msg neg "TEST_SCORE -5 with an .exe" reject -5 \
    "$S/fake.exe|application/octet-stream|update.exe"
msg exe ".exe attachment" reject "" \
    "$S/fake.exe|application/octet-stream|update.exe"
msg zipexe "zip with an .exe" reject "" "$S/tools.zip|application/zip"
msg pdfexe ".pdf.exe double extension" reject "" \
    "$S/invoice.pdf.exe|application/octet-stream"
msg disguised "PE renamed .pdf" reject "" "$S/report.pdf|application/pdf"
msg nested "zip in zip in zip with a .js" reject "" \
    "$S/nested.zip|application/zip"
msg encnopw "encrypted zip, no password" reject "" \
    "$S/locked.zip|application/zip"
msg docx "clean docx" accept "" \
    "$S/clean.docx|application/vnd.openxmlformats-officedocument.wordprocessingml.document"
msg docm ".docm with a macro (forced reject)" reject "" \
    "$S/macro.docm|application/vnd.ms-word.document.macroEnabled.12"
msg pdf "clean PDF with TEST_SCORE 2.5" add_header 2.5 \
    "$S/clean.pdf|application/pdf"
msg zip "zip of text files" accept "" "$S/notes.zip|application/zip"
msg ics "calendar invitation" accept "" \
    "$S/invite.ics|text/calendar; method=REQUEST; charset=utf-8|invite.ics|7bit"
msg pnr "5 personnummer outbound (DLP tag, sum 6.0)" add_header "" \
    "$S/pnr.txt|text/plain|lista.txt"
msg eicar "EICAR (content's own reject)" reject "" \
    "$S/eicar.com|application/octet-stream"
msg eicarzip "EICAR in a zip in a zip" reject "" \
    "$S/eicar2.zip|application/zip"
e2e_msg gtube "GTUBE" "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"
IDS+=(gtube)
LABEL[gtube]="GTUBE (a local rule, score 1000)"
WANT[gtube]=reject
e2e_msg encpw "encrypted zip, password in the body" "Hi Bob,

the files are in the encrypted zip.
The password is: $LAB_ZIP_PASSWORD

Alice" "$S/secret.zip|application/zip"
IDS+=(encpw)
LABEL[encpw]="encrypted zip, password in the body"
WANT[encpw]=reject
sig=$(head -c 32 /dev/urandom | base64 -w0)
LAB_MSG_HEADERS="X-Sluice-Result: v=1; testmod; qid=4XyZ1AB2C3; score=30.00; symbols=TEST_SCORE(30.00); sig=$sig" \
    e2e_msg forged "forged testmod result" "A forged result."
IDS+=(forged)
LABEL[forged]="forged testmod result claiming 30"
WANT[forged]=accept

# outcome LAB ID: "CODE TEXT | ACTION; score=S" (the queue ID left out):
# from the delivered copy's X-Sluice-Verdict, or for a refused message
# from the final summary line of the log.
outcome() {
    local lab=$1 id=$2 v a s r q line
    e2e_send "$lab" "$id" >/dev/null
    # the text of an acceptance is the MTA's own (and names the queue ID)
    r=$LAB_REPLY
    [ "$LAB_CODE" = 250 ] && r="250 (accepted)"
    if [ "$LAB_CODE" = 250 ]; then
        v=$(e2e_verdict "$lab" "$id")
        a=$(lab_verdict_field "$v" action)
        s=$(lab_verdict_field "$v" score)
    else
        q=$(lab_qid "${E2E_DIR[$lab]}" "$id")
        line=$(lab_final "${E2E_DIR[$lab]}" "$q")
        a=$(lab_field "$line" action)
        s=$(lab_field "$line" score)
    fi
    echo "$r | $a; score=$s"
}

for id in "${IDS[@]}"; do
    a=$(outcome chain "$id")
    b=$(outcome all "$id")
    t_diag "${LABEL[$id]}: chain:      $a" "${LABEL[$id]}: all-in-one: $b"
    t_is "$b" "$a" "${LABEL[$id]}: same reply and verdict in both deployments"
    t_like "$a" "\\| ${WANT[$id]};" "${LABEL[$id]}: ${WANT[$id]} (chain)"
    for r in $REF; do
        c=$(outcome "$r" "$id")
        t_is "$c" "$a" "${LABEL[$id]}: Postfix ($r) answers as $E2E_MTA does"
    done
done

e2e_finish
