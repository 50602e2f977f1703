#!/bin/bash
# e2e: the ways a banned file got 250 from sluice-attach in hostile testing
# (issue 7), through real Postfix, each with variants (another banned
# extension, one level deeper): uuencoded files in a text body, TNEF
# (winmail.dat), zips whose central directory names other files than
# their local headers, parts with two Content-Type (CTE, disposition)
# headers, a message larger than the buffer (lab "small"), the nesting
# reply, NTFS stream names and a NUL inside an RFC 2231 name.  Header
# floods: t/e2e/header_flood.sh.  The hostile files are made by
# t/unit/mkhostile (t/unit/hostile.c).
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
MK=$top_builddir/t/unit/mkhostile
[ -x "$MK" ] || bail_out "$MK is not built (make check builds it)"
e2e_lab lab attach
LAB_CONF_common="message_buffer_limit = 64k" e2e_lab small attach

W=$T/work
mkdir -p "$W"

# raw_msg ID SUBJECT: the top of a message (headers up to MIME-Version);
# the caller appends the rest to $T/msg/ID.eml.
raw_msg() {
    printf 'From: Alice <alice@sender.test>\nTo: <%s@rcpt.test>\n' "$1"
    printf 'Subject: %s\nDate: %s\nMessage-ID: <%s.%s@sender.test>\n' \
        "$2" "$(date -R)" "$1" "$$"
    printf 'X-Lab-Id: %s\nMIME-Version: 1.0\n' "$1"
}

# expect_refused LAB ID LABEL REPLY_ERE SYMBOL: 5xx naming what REPLY_ERE
# says, logged with SYMBOL, not delivered.
expect_refused() {
    local lab=$1 id=$2 label=$3 re=$4 sym=$5
    e2e_send "$lab" "$id"
    t_like "$LAB_REPLY" "^55[02] 5\.[37]\.[14] " "$label: refused with 5xx"
    t_like "$LAB_REPLY" "$re" "$label: the reply says why"
    t_like "$(e2e_summary "$lab" "$id" attach)" "action=reject .*symbols=.*$sym" \
        "$label: logged as $sym"
    t_ok "$label: not delivered" not e2e_in_sink "$lab" "$id"
}

# -- 1. uuencoded files in a text body ----------------------------------------
uu_body() { # NAME FILE: a letter with FILE uuencoded in it
    printf 'Hi Bob,\n\nthe file, as you asked:\n\n'
    "$MK" uu "$1" "$2"
    printf '\nRegards,\nAlice\n'
}
e2e_msg uu1 "Invoice" "$(uu_body invoice.exe "$S/fake.exe")"
expect_reject lab uu1 "uuencoded .exe in a text body" 'invoice\.exe' \
    ATTACH_BANNED_EXT
e2e_msg uu2 "Tools" "$(uu_body tools.zip "$S/tools.zip")"
expect_reject lab uu2 "uuencoded zip holding an .exe (one level deeper)" \
    '(tools\.zip|setup\.exe)' ATTACH_ARCHIVE_BANNED
uu_body update.scr "$S/fake.exe" >"$W/letter.txt"
e2e_msg uu3 "Update" "The update is in the letter." \
    "$S/clean.pdf|application/pdf" \
    "$W/letter.txt|text/plain; charset=us-ascii||7bit"
expect_reject lab uu3 "uuencoded .scr in a second text part" 'update\.scr' \
    ATTACH_BANNED_EXT
e2e_msg uu4 "Notes" "$(uu_body notes.txt "$S/hello.txt")"
expect_accept lab uu4 "uuencoded text file"

# -- 2. TNEF (winmail.dat) -------------------------------------------------------
"$MK" tnef "$W/exe.tnef" invoice.exe "$S/fake.exe" notes.txt "$S/hello.txt" ||
    bail_out "mkhostile tnef failed"
e2e_msg tnef1 "Invoice" "From Outlook." \
    "$W/exe.tnef|application/ms-tnef|winmail.dat"
expect_reject lab tnef1 "winmail.dat holding invoice.exe" \
    '(winmail\.dat|invoice\.exe)' ATTACH_ARCHIVE_BANNED
"$MK" tnef "$W/nested.tnef" nested.zip "$S/nested.zip"
e2e_msg tnef2 "Scripts" "From Outlook." \
    "$W/nested.tnef|application/ms-tnef|winmail.dat"
expect_reject lab tnef2 "winmail.dat > zip > zip > zip > .js (deeper)" \
    '(winmail\.dat|run\.js)' ATTACH_ARCHIVE_BANNED
printf 'WScript.Echo("x");\n' >"$W/update.vbs"
"$MK" tnef "$W/inner.tnef" update.vbs "$W/update.vbs" &&
    "$MK" tnef-embed "$W/embed.tnef" "Fwd: update" "$W/inner.tnef"
e2e_msg tnef3 "Fwd" "From Outlook." \
    "$W/embed.tnef|application/ms-tnef|winmail.dat"
expect_reject lab tnef3 "winmail.dat with an embedded message with a .vbs" \
    '(winmail\.dat|update\.vbs)' ATTACH_ARCHIVE_BANNED
"$MK" tnef "$W/clean.tnef" notes.txt "$S/hello.txt" minutes.pdf "$S/clean.pdf"
"$MK" tnef-corrupt "$W/clean.tnef" "$W/broken.tnef" size
e2e_msg tnef4 "Broken" "From Outlook." \
    "$W/broken.tnef|application/ms-tnef|winmail.dat"
expect_refused lab tnef4 "unreadable winmail.dat" 'winmail\.dat.*could not be read' \
    ATTACH_TNEF_UNREADABLE
"$MK" tnef-corrupt "$W/exe.tnef" "$W/broken2.tnef" checksum
e2e_msg tnef4b "Broken" "From Outlook." \
    "$W/broken2.tnef|application/ms-tnef|winmail.dat"
expect_refused lab tnef4b "unreadable winmail.dat, invoice.exe read before the \
error" 'invoice\.exe' '(ATTACH_ARCHIVE_BANNED.*ATTACH_TNEF_UNREADABLE|ATTACH_TNEF_UNREADABLE.*ATTACH_ARCHIVE_BANNED)'
e2e_msg tnef5 "Notes" "From Outlook." \
    "$W/clean.tnef|application/ms-tnef|winmail.dat"
expect_accept lab tnef5 "winmail.dat with a text file and a PDF"
t_lacks "$(cat "${E2E_DIR[lab]}"/log/attach.out 2>/dev/null)" "ERROR" \
    "libytnef's messages stay out of the milter's output"

# -- 3. zips whose central directory names other files -----------------------------
"$MK" zip-rename "$S/notes.zip" "$W/notes.zip" minutes.txt minutes.vbs
e2e_msg zipcd1 "Notes" "Notes, zipped." "$W/notes.zip|application/zip"
expect_reject lab zipcd1 "zip: local minutes.txt, central minutes.vbs" \
    'notes\.zip' ATTACH_ZIP_NAME_MISMATCH
(cd "$W" && rm -f outer.zip && zip -q -X outer.zip notes.zip)
e2e_msg zipcd2 "Notes" "Notes, zipped twice." "$W/outer.zip|application/zip"
expect_reject lab zipcd2 "the same zip inside a zip (deeper)" 'outer\.zip' \
    ATTACH_ZIP_NAME_MISMATCH
"$MK" zip-rename "$S/notes.zip" "$W/actions.zip" actions.txt actions.scr
e2e_msg zipcd3 "Actions" "Actions, zipped." "$W/actions.zip|application/zip"
expect_reject lab zipcd3 "zip: central actions.scr (another extension)" \
    'actions\.zip' '(ATTACH_ZIP_NAME_MISMATCH|ATTACH_ARCHIVE_BANNED)'

# -- 4. two Content-Type (CTE, disposition) headers in one part --------------------
b64exe=$(base64 -w 76 "$S/fake.exe")
{
    raw_msg ct2 "Two types"
    printf 'Content-Type: multipart/mixed; boundary="AAA"\n'
    printf 'Content-Type: multipart/mixed; boundary="BBB"\n\n'
    printf -- '--BBB\nContent-Type: text/plain\n\nHello.\n--BBB--\n'
    printf -- '--AAA\nContent-Type: application/octet-stream; name="run.exe"\n'
    printf 'Content-Transfer-Encoding: base64\n\n%s\n--AAA--\n' "$b64exe"
} >"$T/msg/ct2.eml"
expect_refused lab ct2 "two Content-Type, the .exe behind the first boundary" \
    'Content-Type' ATTACH_MIME_AMBIGUOUS
{
    raw_msg cd2 "Two names"
    printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
    printf -- '--b\nContent-Type: text/plain\n\nHello.\n'
    printf -- '--b\nContent-Type: application/octet-stream\n'
    printf 'Content-Disposition: attachment; filename="notes.txt"\n'
    printf 'Content-Disposition: attachment; filename="notes.js"\n'
    printf 'Content-Transfer-Encoding: base64\n\n%s\n--b--\n' \
        "$(base64 -w 76 "$W/update.vbs")"
} >"$T/msg/cd2.eml"
expect_refused lab cd2 "two Content-Disposition names (another extension)" \
    '.' ATTACH_MIME_AMBIGUOUS
{
    raw_msg cte2 "Two encodings"
    printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
    printf -- '--b\nContent-Type: multipart/alternative; boundary="c"\n\n'
    printf -- '--c\nContent-Type: text/plain\n'
    printf 'Content-Transfer-Encoding: base64\n'
    printf 'Content-Transfer-Encoding: 7bit\n\n%s\n--c--\n--b--\n' "$b64exe"
} >"$T/msg/cte2.eml"
expect_refused lab cte2 "two Content-Transfer-Encoding (the program in base64 \
read as 7bit text), one level deeper" 'Content-Transfer-Encoding' \
    ATTACH_MIME_AMBIGUOUS

# -- 6. a message larger than the buffer is a check that could not run --------------
head -c 150000 /dev/urandom >"$W/big.bin"
e2e_msg big6 "Big" "Larger than the lab's 64k buffer." \
    "$W/big.bin|application/octet-stream|data.bin"
e2e_send small big6
t_like "$LAB_REPLY" '^4[0-9][0-9] 4\.' "larger than the buffer: temporary failure (on_error)"
t_like "$(e2e_summary small big6 attach)" "action=tempfail .*ATTACH_TEMPFAIL" \
    "larger than the buffer: logged as ATTACH_TEMPFAIL"
t_ok "larger than the buffer: not delivered" not e2e_in_sink small big6
e2e_msg small6 "Small" "Fits the buffer." "$S/hello.txt|text/plain|hello.txt"
expect_accept small small6 "a message within the buffer"

# -- 7. the depth reply, NTFS stream names, a NUL inside a name ---------------------
{
    raw_msg deep7 "Deep"
    for i in $(seq 1 25); do
        printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' "$i" "$i"
    done
    printf 'Content-Type: text/plain\n\nbottom\n'
    for i in $(seq 25 -1 1); do printf -- '--b%d--\n' "$i"; done
} >"$T/msg/deep7.eml"
expect_refused lab deep7 "25 levels deep" 'nested too deeply' ATTACH_TOO_MANY_PARTS
t_unlike "$LAB_REPLY" 'parts' "25 levels deep: the reply does not speak of parts"

named_msg() { # ID DISPOSITION_PARAMS
    raw_msg "$1" "Named"
    printf 'Content-Type: multipart/mixed; boundary="b"\n\n'
    printf -- '--b\nContent-Type: text/plain\n\nSee attached.\n'
    printf -- '--b\nContent-Type: application/octet-stream\n'
    printf 'Content-Disposition: attachment; %s\n' "$2"
    printf 'Content-Transfer-Encoding: base64\n\n%s\n--b--\n' \
        "$(base64 -w 76 "$W/update.vbs")"
}
named_msg ads7 'filename="evil.vbs::$DATA"' >"$T/msg/ads7.eml"
expect_reject lab ads7 "NTFS stream name evil.vbs::\$DATA" 'evil\.vbs' ATTACH_BANNED_EXT
named_msg ads7b 'filename="report.pdf.js:Zone.Identifier"' >"$T/msg/ads7b.eml"
expect_reject lab ads7b "NTFS stream name, .pdf.js (another extension)" \
    'report\.pdf\.js' ATTACH_DOUBLE_EXT
named_msg nul7 "filename*=utf-8''evil.txt%00.vbs" >"$T/msg/nul7.eml"
expect_reject lab nul7 "NUL inside an RFC 2231 name" 'evil\.txt' ATTACH_BANNED_EXT
named_msg nul7b "filename*=utf-8''invoice.pdf%00.exe" >"$T/msg/nul7b.eml"
expect_reject lab nul7b "NUL inside an RFC 2231 name, .exe" 'invoice\.pdf' \
    '(ATTACH_BANNED_EXT|ATTACH_DOUBLE_EXT)'

e2e_finish
