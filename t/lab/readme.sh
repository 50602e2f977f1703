# t/lab/readme.sh - README.md's commands, as the tests run them (bash).
#
# CONTRACT
#	README.md marks each block of commands a test runs word for word
#	with a line "<!-- test: NAME ... -->" before it (invisible when the
#	page is shown).  readme_block FILE NAME prints the indented code
#	block that follows the marker, without its four spaces of
#	indentation; nothing (and status 1) when there is no such block.
#	Used by t/e2e/readme.sh (the lab's swaks lines) and t/install/ (the
#	install paths in a fresh Debian 12 chroot).

readme_block() {
    awk -v name="$2" '
        !found && (index($0, "<!-- test: " name " ") == 1 ||
                   $0 == "<!-- test: " name " -->") { found = 1; next }
        !found { next }
        /^$/ { if (started) exit; next }
        /^    / { started = 1; print substr($0, 5); next }
        { exit }
        END { exit !started }
    ' "$1"
}
