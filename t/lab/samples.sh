# t/lab/samples.sh - sample attachments and messages for the lab (bash).
#
# CONTRACT
#	Sourced by ./quickstart and t/e2e/lib.sh.  lab_samples_make DIR
#	writes every sample attachment into DIR (generated at run time with
#	printf and zip; nothing binary is committed).  lab_msg writes one
#	RFC 5322 message (LF line ends; swaks sends CRLF) to a file.  Static
#	inputs live next to this file in samples/ (LAB_SAMPLES_SRC).
#
#	Attachment files (all in DIR):
#	    fake.exe          a minimal PE32 header (libmagic: PE32 executable)
#	    invoice.pdf.exe   the same PE under a double extension
#	    report.pdf        the same PE named as a PDF
#	    tools.zip         zip: setup.exe (PE) and readme.txt
#	    nested.zip        zip > middle.zip > inner.zip > run.js
#	    secret.zip        zip -P "$LAB_ZIP_PASSWORD": payload.exe (PE)
#	    locked.zip        zip -P "$LAB_ZIP_PASSWORD": scan.pdf (a PE: only
#	                      decrypting the content reveals the executable)
#	    macro.docm        OOXML with word/vbaProject.bin (an OLE2 header)
#	    clean.docx        OOXML without macros
#	    clean.pdf         copy of samples/clean.pdf
#	    notes.zip         zip of two text files
#	    invite.ics        copy of samples/invite.ics
#	    hello.txt         plain text
#	    eicar.com         the EICAR test file (from its base64: no scanner
#	                      ever sees it in the repository)
#	    eicar.zip         zip: eicar.com
#	    eicar2.zip        zip > eicar.zip > eicar.com
#	    pnr.txt           five of Skatteverket's test personnummer

LAB_SAMPLES_SRC=${LAB_SAMPLES_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/samples}
LAB_ZIP_PASSWORD=${LAB_ZIP_PASSWORD:-Tr0ut-Sluice-42}

# lab_fake_pe: a PE32 header (i386, GUI subsystem, one .text section).
lab_fake_pe() {
    printf 'MZ'
    head -c 58 /dev/zero
    printf '\x80\x00\x00\x00'
    head -c 64 /dev/zero
    printf 'PE\x00\x00\x4c\x01\x01\x00'
    head -c 12 /dev/zero
    printf '\xe0\x00\x02\x01'
    printf '\x0b\x01'
    head -c 66 /dev/zero
    printf '\x02\x00'
    head -c 154 /dev/zero
    printf '.text\x00\x00\x00'
    head -c 32 /dev/zero
}

# lab_ooxml DIR NAME MACRO(0|1): a minimal Word document.
lab_ooxml() {
    local w=$1/.ooxml.$$ name=$2 macro=$3 main
    rm -rf "$w" && mkdir -p "$w/_rels" "$w/word/_rels" || return 1
    main="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    [ "$macro" = 1 ] && main="application/vnd.ms-word.document.macroEnabled.main+xml"
    cat >"$w/[Content_Types].xml" <<EOF
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
$([ "$macro" = 1 ] && echo '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')
<Override PartName="/word/document.xml" ContentType="$main"/>
</Types>
EOF
    cat >"$w/_rels/.rels" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
</Relationships>
EOF
    cat >"$w/word/document.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>Quarterly figures, see attached.</w:t></w:r></w:p></w:body>
</w:document>
EOF
    if [ "$macro" = 1 ]; then
        cat >"$w/word/_rels/document.xml.rels" <<'EOF'
<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>
</Relationships>
EOF
        { printf '\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'; head -c 504 /dev/zero
          printf 'Attribute VB_Name = "ThisDocument"\r\nSub AutoOpen()\r\nEnd Sub\r\n'
        } >"$w/word/vbaProject.bin"
    fi
    rm -f "$1/$name"
    (cd "$w" && zip -q -X -r "../$name" "[Content_Types].xml" _rels word) || return 1
    rm -rf "$w"
}

# lab_samples_make DIR: every sample attachment (see the list above).
lab_samples_make() {
    local d=$1 w
    mkdir -p "$d" || return 1
    w=$d/.work.$$
    rm -rf "$w" && mkdir -p "$w" || return 1
    lab_fake_pe >"$d/fake.exe"
    cp "$d/fake.exe" "$d/invoice.pdf.exe"
    cp "$d/fake.exe" "$d/report.pdf"
    printf 'Lab notes, line one.\nLine two.\n' >"$d/hello.txt"
    cp "$LAB_SAMPLES_SRC/clean.pdf" "$LAB_SAMPLES_SRC/invite.ics" "$d/"
    cp "$d/fake.exe" "$w/setup.exe"
    printf 'Run setup.exe to install.\n' >"$w/readme.txt"
    (cd "$w" && rm -f ../tools.zip && zip -q -X ../tools.zip setup.exe readme.txt) || return 1
    printf 'WScript.Echo("hello");\n' >"$w/run.js"
    (cd "$w" && zip -q -X inner.zip run.js && zip -q -X middle.zip inner.zip &&
        rm -f ../nested.zip && zip -q -X ../nested.zip middle.zip) || return 1
    cp "$d/fake.exe" "$w/payload.exe"
    (cd "$w" && rm -f ../secret.zip &&
        zip -q -X -P "$LAB_ZIP_PASSWORD" ../secret.zip payload.exe) || return 1
    cp "$d/fake.exe" "$w/scan.pdf"
    (cd "$w" && rm -f ../locked.zip &&
        zip -q -X -P "$LAB_ZIP_PASSWORD" ../locked.zip scan.pdf) || return 1
    printf 'Minutes of the meeting.\n' >"$w/minutes.txt"
    printf 'Action items: none.\n' >"$w/actions.txt"
    (cd "$w" && rm -f ../notes.zip && zip -q -X ../notes.zip minutes.txt actions.txt) || return 1
    lab_ooxml "$d" macro.docm 1 || return 1
    lab_ooxml "$d" clean.docx 0 || return 1
    printf '%s' 'WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=' |
        base64 -d >"$d/eicar.com" || return 1
    cp "$d/eicar.com" "$w/eicar.com"
    (cd "$w" && rm -f ../eicar.zip ../eicar2.zip && zip -q -X ../eicar.zip eicar.com &&
        cp ../eicar.zip . && zip -q -X ../eicar2.zip eicar.zip) || return 1
    printf 'Personnummer: 811228-9874, 670919-9530, 880320-0016,
8803200073 och 19880320-0099.
' \
        >"$d/pnr.txt"
    rm -rf "$w"
}

lab_boundary() { echo "=_sluice_lab_$1"; }

# lab_part FILE CTYPE NAME [ENC]: one MIME body part (without boundary).
# ENC base64 (default) or 7bit (the file is text ending in a newline).
lab_part() {
    local f=$1 ct=$2 name=${3:-$(basename "$1")} enc=${4:-base64}
    if [ -n "$name" ]; then
        printf 'Content-Type: %s; name="%s"\n' "$ct" "$name"
        printf 'Content-Disposition: attachment; filename="%s"\n' "$name"
    else
        printf 'Content-Type: %s\n' "$ct"
    fi
    printf 'Content-Transfer-Encoding: %s\n\n' "$enc"
    if [ "$enc" = base64 ]; then
        base64 -w 76 "$f"
    else
        cat "$f"
    fi
}

# lab_msg OUT ID SUBJECT BODY [FILE|CTYPE|NAME[|ENC]]...
# Envelope-independent headers: From alice@sender.test ($LAB_MSG_FROM
# replaces it: "Name <addr>"), To ID@rcpt.test,
# X-Lab-Id: ID (how the delivered copy is found).  $LAB_MSG_HEADERS
# (lines) is added to the top-level header.
lab_msg() {
    local out=$1 id=$2 subj=$3 body=$4 b spec f ct name enc
    shift 4
    b=$(lab_boundary "$id")
    {
        printf 'From: %s\nTo: <%s@rcpt.test>\n' \
            "${LAB_MSG_FROM:-Alice <alice@sender.test>}" "$id"
        printf 'Subject: %s\nDate: %s\n' "$subj" "$(date -R)"
        printf 'Message-ID: <%s.%s@sender.test>\nX-Lab-Id: %s\n' "$id" "$$" "$id"
        [ -n "${LAB_MSG_HEADERS:-}" ] && printf '%s\n' "$LAB_MSG_HEADERS"
        printf 'MIME-Version: 1.0\n'
        if [ $# -eq 0 ]; then
            printf 'Content-Type: text/plain; charset=utf-8\n'
            printf 'Content-Transfer-Encoding: 8bit\n\n%s\n' "$body"
        else
            printf 'Content-Type: multipart/mixed; boundary="%s"\n\n' "$b"
            printf 'This is a multi-part message in MIME format.\n\n--%s\n' "$b"
            printf 'Content-Type: text/plain; charset=utf-8\n'
            printf 'Content-Transfer-Encoding: 8bit\n\n%s\n' "$body"
            for spec in "$@"; do
                IFS='|' read -r f ct name enc <<<"$spec"
                printf '\n--%s\n' "$b"
                lab_part "$f" "$ct" "$name" "$enc"
            done
            printf '\n--%s--\n' "$b"
        fi
    } >"$out"
}
