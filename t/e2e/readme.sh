#!/bin/bash
# e2e: README.md's lab lines, word for word, with Debian's swaks, against
# a lab on 127.0.0.1:2525 as the README says (this test runs in the
# suite's own network namespace, so the port is free).  The .exe is
# refused by its name (swaks reads "@/tmp/evil.exe"; a bare "evil.exe"
# would send the words as an unnamed part), the text is delivered.
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/t/lab/readme.sh"

e2e_init
e2e_need attach
e2e_lab lab attach
t_is "${E2E_PORT[lab]}" 2525 "the lab listens on 127.0.0.1:2525, as in the README"

cmds=$(readme_block "$top_srcdir/README.md" lab-swaks)
t_like "$cmds" 'swaks --server 127.0.0.1:2525 .*--attach @' \
    "README: the lab's swaks lines are marked and attach a file with @"
# Run them as written, with a /tmp of their own (the lines write
# /tmp/evil.exe; other test runs on this machine may do the same).
out=$(unshare -m bash -c 'mount -t tmpfs tmpfs /tmp && cd /tmp && eval "$1"' _ "$cmds" 2>&1)
t_like "$out" '<\*\* +550 5\.7\.1 Attachment evil\.exe was refused: files of this type are not accepted here\.' \
    "README lines: the .exe is refused with 550 5.7.1, by its name evil.exe"
t_like "$out" '<- +250 2\.0\.0 Ok: queued as' "README lines: the text message is delivered"
t_unlike "$out" 'Attachment @' "README lines: swaks named the part evil.exe, not @..."
t_ok "README: states the 550 reply the lines get" \
    grep -q 'The first is refused, `550 5.7.1 Attachment evil.exe was refused: files of' "$top_srcdir/README.md"
e2e_finish
