#!/bin/bash
# e2e: sluice-content's antivirus through real Postfix, with a real clamd
# and its tiny test database (t/lib/clamd.sh).  EICAR as an attachment,
# in a zip, in a zip in a zip, and quoted-printable, and samples of
# clamav-testfiles are refused with 550 5.7.0 naming the malware (logged
# with it); clean mail is accepted.  clamd killed mid-run: every message
# gets on_error (451), none is accepted unscanned, none delivered; clamd
# back: scanned again without a restart of the milter.  A stalled clamd:
# the timeout, then 451.  virus_action = discard: accepted and destroyed.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/t/lib/clamd.sh"

e2e_init
e2e_need content attach
LAB_CONF_content="clamd_socket = unix:$T/av/clamd/clamd.sock
clamd_timeout = 2s"
e2e_lab av "content attach"
LAB_CONF_content="clamd_socket = unix:$T/disc/clamd/clamd.sock
virus_action = discard"
e2e_lab disc "content attach"

# expect_virus ID LABEL FILE_ERE: 550 5.7.0 naming the malware, logged,
# not delivered.
expect_virus() {
    local id=$1 label=$2 file=$3 line
    e2e_send av "$id"
    t_like "$LAB_REPLY" '^550 5\.7\.0 .*malware \(Testbed\.[A-Za-z.]+\)' \
        "$label: 550 5.7.0 naming the malware"
    [ -n "$file" ] && t_like "$LAB_REPLY" "$file" "$label: the reply names the attachment"
    line=$(grep -E "qid=$(lab_qid "$T/av" "$id"): content: virus=" "$T/av/log/sluice.log")
    t_like "$line" 'virus="Testbed\.[A-Za-z.]+" .*action=reject' "$label: logged with the malware's name"
    t_ok "$label: not delivered" not e2e_in_sink av "$id"
}

e2e_msg eicar "Test" "The EICAR file." "$S/eicar.com|application/octet-stream"
expect_virus eicar "EICAR attached" 'eicar\.com'
e2e_msg zip1 "Test" "Zipped." "$S/eicar.zip|application/zip"
expect_virus zip1 "EICAR in a zip" 'eicar\.zip'
e2e_msg zip2 "Test" "Zipped twice." "$S/eicar2.zip|application/zip"
expect_virus zip2 "EICAR in a zip in a zip" 'eicar2\.zip'
cp "$S/eicar.com" "$T/eicar.qp"
{
    printf 'From: <alice@sender.test>\nTo: <qp@rcpt.test>\nSubject: qp\nX-Lab-Id: qp\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
    printf -- '--b\nContent-Type: text/plain\n\nHi\n--b\n'
    printf 'Content-Type: application/octet-stream\n'
    printf 'Content-Disposition: attachment; filename="e.com"\n'
    printf 'Content-Transfer-Encoding: quoted-printable\n\n'
    sed 's/=/=3D/g' "$T/eicar.qp"
    printf '\n--b--\n'
} >"$T/msg/qp.eml"
expect_virus qp "EICAR quoted-printable" 'e\.com'
for f in clam.exe clam.zip clam.7z clam.tar.gz clam.cab clam.ole.doc clam.pdf clam.tnef; do
    id=tf-${f//./-}
    e2e_msg "$id" "Sample" "A sample." "/usr/share/clamav-testfiles/$f|application/octet-stream"
    expect_virus "$id" "clamav-testfiles $f" ''
done
e2e_msg clean "Lunch" "Hello Bob, lunch on Friday?" "$S/hello.txt|text/plain"
expect_accept av clean "clean mail"

# -- clamd killed mid-run, then back -------------------------------------------
wpid=$(lab_milter_workers "$T/av" content | head -n 1)
kill -KILL "$(clamd_pid "$T/av/clamd")"
for i in 1 2 3; do
    e2e_msg down$i "Test" "While clamd is down ($i)." "$S/eicar.com|application/octet-stream"
    e2e_send av down$i
    t_like "$LAB_REPLY" '^451 4\.' "clamd down, message $i: 451 (on_error tempfail)"
    t_ok "clamd down, message $i: not delivered" not e2e_in_sink av down$i
done
t_like "$(grep -F 'CONTENT_AV_TEMPFAIL' "$T/av/log/sluice.log" | tail -n 1)" \
    'cannot connect to clamd' "logged: CONTENT_AV_TEMPFAIL, cannot connect"
clamd_start "$T/av/clamd" 2>/dev/null
t_ok "clamd started again" clamd_ping "$T/av/clamd"
e2e_msg back "Lunch" "clamd is back." "$S/hello.txt|text/plain"
expect_accept av back "clamd back: clean mail scanned and accepted"
e2e_msg back2 "Test" "EICAR again." "$S/eicar.com|application/octet-stream"
expect_virus back2 "clamd back: EICAR" 'eicar\.com'
t_is "$(lab_milter_workers "$T/av" content | head -n 1)" "$wpid" \
    "the milter's worker was not restarted"

# -- clamd stalled ---------------------------------------------------------------
cpid=$(clamd_pid "$T/av/clamd")
kill -STOP "$cpid"
e2e_msg stall "Test" "clamd stalls." "$S/hello.txt|text/plain"
e2e_send av stall
t_like "$LAB_REPLY" '^451 4\.' "a stalled clamd: 451 after clamd_timeout"
t_like "$(grep -F 'CONTENT_AV_TEMPFAIL' "$T/av/log/sluice.log" | tail -n 1)" \
    'no answer within clamd_timeout' "logged: no answer within clamd_timeout"
kill -CONT "$cpid"
e2e_msg after "Lunch" "clamd goes on." "$S/hello.txt|text/plain"
expect_accept av after "clamd going on again: accepted"

# -- discard ----------------------------------------------------------------------
e2e_msg disc "Test" "The EICAR file." "$S/eicar.com|application/octet-stream"
e2e_send disc disc
t_is "$LAB_CODE" 250 "virus_action = discard: the client sees 250"
q=$(lab_qid "$T/disc" disc)
t_like "$(grep -E "qid=$q: content: virus=" "$T/disc/log/sluice.log")" \
    'virus="Testbed\.[A-Za-z.]+" file="eicar\.com" action=discard from=<alice@sender\.test> to=<disc@rcpt\.test>' \
    "discard: logged with the queue ID, sender, recipients and malware"
sleep 1
t_ok "discard: never delivered" not e2e_in_sink disc disc

e2e_finish
