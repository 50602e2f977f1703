#!/bin/bash
# e2e: strip mode.  The offending part is replaced by a short text/plain
# notice; the message is delivered, still parses, keeps every other part
# byte for byte and its top-level headers (Content-Type changes only when
# the whole body was the attachment).  Signed mail is refused, not stripped.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
LAB_CONF_attach="banned_action = strip
double_extension_action = strip
archive_action = strip
encrypted_action = reject
macro_action = strip"
e2e_lab lab attach

# same_header SENT DELIVERED NAME
same_header() {
    t_is "$(lab_header "$2" "$3")" "$(lab_header "$1" "$3")" \
        "$4: $3 unchanged"
}

# -- 1. multipart/mixed: text, PDF, .exe, text file --------------------------
e2e_msg multi "Monthly pack" "Four parts; the third one must go." \
    "$S/clean.pdf|application/pdf" \
    "$S/fake.exe|application/octet-stream|update.exe" \
    "$S/hello.txt|text/plain; charset=us-ascii|notes.txt"
sent=$T/msg/multi.eml
b=$(lab_boundary multi)
e2e_send lab multi
t_is "$LAB_CODE" 250 "multipart: accepted with 250"
f=$(e2e_delivered lab multi) || f=/dev/null
t_ok "multipart: delivered" test "$f" != /dev/null
t_is "$(mime_count "$f" "$b")" 4 "multipart: still parses, four parts, closed"
for k in 1 2 4; do
    t_ok "multipart: part $k identical byte for byte" \
        cmp -s <(mime_part "$sent" "$b" $k) <(mime_part "$f" "$b" $k)
done
notice=$(mime_part "$f" "$b" 3)
t_like "$notice" '^Content-Type: text/plain' "multipart: part 3 is a text/plain notice"
t_like "$notice" 'update\.exe' "multipart: the notice names the removed file"
t_lacks "$(cat "$f")" "$(base64 -w 76 "$S/fake.exe" | head -n 1)" \
    "multipart: the executable's bytes are gone"
for h in From To Subject Message-ID Content-Type; do
    same_header "$sent" "$f" "$h" multipart
done
t_like "$(lab_header "$f" X-Sluice-Verdict)" '.' "multipart: carries X-Sluice-Verdict"

# -- 2. the whole body is the attachment -------------------------------------
sent=$T/msg/whole.eml
{
    printf 'From: Alice <alice@sender.test>\nTo: <whole@rcpt.test>\n'
    printf 'Subject: Bare attachment\nDate: %s\n' "$(date -R)"
    printf 'Message-ID: <whole.%s@sender.test>\nX-Lab-Id: whole\n' "$$"
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: application/octet-stream; name="update.exe"\n'
    printf 'Content-Disposition: attachment; filename="update.exe"\n'
    printf 'Content-Transfer-Encoding: base64\n\n'
    base64 -w 76 "$S/fake.exe"
} >"$sent"
e2e_send lab whole
t_is "$LAB_CODE" 250 "whole body: accepted with 250"
f=$(e2e_delivered lab whole) || f=/dev/null
t_like "$(lab_header "$f" Content-Type)" '^text/plain' \
    "whole body: Content-Type is now text/plain"
t_like "$(sed '1,/^$/d' "$f")" 'update\.exe' "whole body: the notice names the file"
t_lacks "$(cat "$f")" "$(base64 -w 76 "$S/fake.exe" | head -n 1)" \
    "whole body: the executable's bytes are gone"
for h in From To Subject Message-ID; do
    same_header "$sent" "$f" "$h" "whole body"
done

# -- 3. multipart/signed is refused, never stripped --------------------------
sent=$T/msg/signed.eml
{
    printf 'From: Alice <alice@sender.test>\nTo: <signed@rcpt.test>\n'
    printf 'Subject: Signed update\nDate: %s\n' "$(date -R)"
    printf 'Message-ID: <signed.%s@sender.test>\nX-Lab-Id: signed\n' "$$"
    printf 'MIME-Version: 1.0\n'
    printf 'Content-Type: multipart/signed; protocol="application/pkcs7-signature";\n'
    printf ' micalg=sha-256; boundary="sig-B"\n\n'
    printf 'This is a signed message.\n\n--sig-B\n'
    printf 'Content-Type: multipart/mixed; boundary="inner-B"\n\n--inner-B\n'
    printf 'Content-Type: text/plain\n\nRun the update.\n\n--inner-B\n'
    lab_part "$S/fake.exe" application/octet-stream update.exe
    printf '\n--inner-B--\n\n--sig-B\n'
    printf 'Content-Type: application/pkcs7-signature; name="smime.p7s"\n'
    printf 'Content-Transfer-Encoding: base64\n'
    printf 'Content-Disposition: attachment; filename="smime.p7s"\n\n'
    # A DER SEQUENCE header then zeros: fixed bytes, never something
    # libmagic could take for an archive (random bytes sometimes were).
    { printf '\060\202\001\050\006\011\052\206\110\206\367\015\001\007\002'
      head -c 285 /dev/zero; } | base64 -w 76
    printf '\n--sig-B--\n'
} >"$sent"
e2e_send lab signed
t_like "$LAB_REPLY" '^550 5\.7\.1 ' "signed: refused with 550 5.7.1 instead of stripped"
t_like "$LAB_REPLY" 'update\.exe' "signed: the reply names the file"
t_ok "signed: not delivered" not e2e_in_sink lab signed

e2e_finish
