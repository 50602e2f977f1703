#!/bin/bash
# e2e: sluice-attach with the lab's default policy, through real Postfix.
# Dangerous attachments are refused with 550 5.7.1 and a reply naming the
# file; harmless ones are delivered with an "accept" verdict.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_need attach
e2e_lab lab attach

# -- refused ---------------------------------------------------------------
e2e_msg exe "Update" "Please run the attached update." \
    "$S/fake.exe|application/octet-stream|update.exe"
expect_reject lab exe ".exe attachment" 'update\.exe' ATTACH_BANNED_EXT
# One log form: the finding and the summary both start "qid=Q: milter=attach".
q=$(lab_qid "$T/lab" exe)
t_like "$(grep -F "qid=$q:" "$T/lab/log/sluice.log" | grep -F 'update.exe' | head -n 1)" \
    "qid=$q: milter=attach file=\"update\\.exe\" rule=ATTACH_BANNED_EXT action=reject\$" \
    "log: the finding line is qid=Q: milter=attach file=... rule=... action=..."
t_like "$(e2e_summary lab exe attach)" "qid=$q: milter=attach action=reject score=" \
    "log: the summary line is qid=Q: milter=attach action=... score=..."

e2e_msg pdfexe "Invoice" "Your invoice is attached." \
    "$S/invoice.pdf.exe|application/octet-stream"
expect_reject lab pdfexe ".pdf.exe double extension" 'invoice\.pdf\.exe' \
    ATTACH_DOUBLE_EXT

e2e_msg disguised "Report" "The report, as a PDF." \
    "$S/report.pdf|application/pdf"
expect_reject lab disguised "PE renamed .pdf" 'report\.pdf' ATTACH_DISGUISED_EXE

e2e_msg zipexe "Tools" "The tools you asked for." \
    "$S/tools.zip|application/zip"
expect_reject lab zipexe "zip containing an .exe" '(tools\.zip|setup\.exe)' \
    ATTACH_ARCHIVE_BANNED

e2e_msg nested "Nested" "Three zips deep." \
    "$S/nested.zip|application/zip"
expect_reject lab nested "zip in zip in zip with a .js" '(nested\.zip|run\.js)' \
    ATTACH_ARCHIVE_BANNED

e2e_msg encpw "Encrypted" "Hi Bob,

the files are in the encrypted zip.
The password is: $LAB_ZIP_PASSWORD

Alice" "$S/secret.zip|application/zip"
expect_reject lab encpw "encrypted zip, password in the body" \
    '(secret\.zip|payload\.exe)' ATTACH_ARCHIVE_BANNED

e2e_msg encpw2 "Scan" "Hi Bob,

the scan is in the zip, password: $LAB_ZIP_PASSWORD

Alice" "$S/locked.zip|application/zip"
expect_reject lab encpw2 "encrypted zip, password in the body, PE named .pdf" \
    '(locked\.zip|scan\.pdf)' '(ATTACH_ARCHIVE_BANNED|ATTACH_DISGUISED_EXE)'

e2e_msg encnopw "Scan" "The scan is in the zip; I will call you." \
    "$S/locked.zip|application/zip"
expect_reject lab encnopw "encrypted zip, no password anywhere" 'locked\.zip' \
    ATTACH_ENCRYPTED
t_unlike "$(e2e_summary lab encnopw attach)" '(ARCHIVE_BANNED|DISGUISED_EXE)' \
    "encrypted zip, no password anywhere: its content stays unread"

e2e_msg docm "Figures" "The figures, with the macro." \
    "$S/macro.docm|application/vnd.ms-word.document.macroEnabled.12"
expect_reject lab docm ".docm with a macro" 'macro\.docm' ATTACH_MACRO

# -- delivered ---------------------------------------------------------------
e2e_msg text "Lunch" "Hello Bob, lunch on Friday?"
expect_accept lab text "plain text"
# The headers as written: a space after the colon, as sluice.conf(5) shows.
f=$(e2e_delivered lab text)
t_like "$(grep -m1 '^X-Sluice-Verdict:' "$f")" '^X-Sluice-Verdict: accept; score=[0-9.]+(/[0-9.]+)?; symbols=' \
    "X-Sluice-Verdict: a space after the colon, score=S or S/T"
t_like "$(grep -m1 '^X-Sluice-Result:' "$f")" '^X-Sluice-Result: v=1; attach; qid=' \
    "X-Sluice-Result: a space after the colon"

e2e_msg pdf "Minutes" "The minutes, as a PDF." "$S/clean.pdf|application/pdf"
expect_accept lab pdf "clean PDF"

e2e_msg docx "Figures" "The figures." \
    "$S/clean.docx|application/vnd.openxmlformats-officedocument.wordprocessingml.document"
expect_accept lab docx "clean docx"

e2e_msg zip "Notes" "Notes, zipped." "$S/notes.zip|application/zip"
expect_accept lab zip "zip of text files"

e2e_msg ics "Invitation: Mail filter review" "You are invited." \
    "$S/invite.ics|text/calendar; method=REQUEST; charset=utf-8|invite.ics|7bit"
expect_accept lab ics "calendar invitation"

e2e_finish
