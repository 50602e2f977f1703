#!/bin/bash
# t/install/run.sh - README.md's install paths, word for word, on a fresh
# Debian 12, ending with an .exe refused by a real Postfix (TAP).
#
# A CI step of its own (.ci/run), not part of "make check": it needs the
# network (debootstrap, apt-get) and about ten minutes.  As root:
#
#   - the source is what is committed (git archive HEAD), as a fresh clone;
#   - a Debian 12 chroot from the mirror (debootstrap --variant=minbase),
#     with Postfix installed the Debian way ("Local only": Debian's
#     main.cf, and its master.cf, whose smtpd runs chrooted);
#   - the package path: the README's blocks pkg-build and pkg-install,
#     lintian on the package (no error, no warning), what the package
#     made, the main.cf lines it printed (the README's main-cf block),
#     the milter started by hand (start-by-hand), Postfix started, the
#     README's check block: 550 for the .exe, 250 and root's mailbox for
#     the clean message; then "apt-get purge" and nothing left behind;
#     then the package before Postfix (its trigger), purged again;
#   - the by-hand path in the same chroot: hand-build, hand-setup, the
#     same main.cf lines, start-by-hand, check;
#   - on this machine: the old README's in-tree "./configure" followed by
#     "./quickstart build" (which must clean the tree and build in build/),
#     and autoreconf without a warning.
#
# Every daemon runs inside the chroot in a private network namespace
# (Postfix listens on the usual port 25 there, alone); the chroot lives in
# a private mount namespace, so its /proc goes away with it.  Environment:
# SLUICE_INSTALL_DIR (work directory; default /var/tmp/sluice-install.PID),
# SLUICE_INSTALL_KEEP (keep it), SLUICE_INSTALL_MIRROR (Debian mirror;
# default http://deb.debian.org/debian), SLUICE_INSTALL_CACHE (a directory
# where the debootstrap result is kept and reused for a week).
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=${SLUICE_INSTALL_DIR:-/var/tmp/sluice-install.$$}
R=$W/root
MIRROR=${SLUICE_INSTALL_MIRROR:-http://deb.debian.org/debian}
. "$SRC/t/lab/readme.sh"
. "$SRC/t/install/lib.sh"

if [ -z "${SLUICE_INSTALL_INNER:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 0; }
    mkdir -p "$W" && chmod 755 "$W" || { echo "Bail out! cannot create $W"; exit 1; }
    SLUICE_INSTALL_INNER=1 SLUICE_INSTALL_DIR=$W unshare -m --propagation private "$0" "$@"
    rc=$?
    inst_kill_chrooted "$R"
    if [ -z "${SLUICE_INSTALL_KEEP:-}" ] && [ -f "$W/passed" ]; then
        rm -rf "$W"
    else
        echo "# work directory kept: $W"
    fi
    exit $rc
fi

trap 'inst_finish' EXIT

# ---- the source, as committed ------------------------------------------------
mkdir -p "$W/src"
git -C "$SRC" archive HEAD | tar -x -C "$W/src"
t_ok "the committed source exported (git archive HEAD)" test -f "$W/src/README.md"
cp -a "$W/src" "$W/src-ar"
out=$(cd "$W/src-ar" && autoreconf -fi 2>&1 | grep -i 'warn')
t_is "$out" "" "autoreconf -fi in a fresh tree: no warning"

# ---- a fresh Debian 12 with its Postfix ----------------------------------------
inst_debootstrap "$R" || bail_out "debootstrap failed (see $W/debootstrap.log)"
inst_prepare "$R" || bail_out "cannot prepare the chroot"
in_root "apt-get update -q" >"$W/apt.log" 2>&1 || bail_out "apt-get update failed"
inst_postfix || bail_out "cannot install postfix"
t_like "$(in_root "postconf -M smtp/inet")" '^smtp +inet +n +- +y ' \
    "Debian's master.cf: smtpd runs chrooted in /var/spool/postfix"
cp -a "$W/src" "$R/root/sluice"

# ---- the package path ----------------------------------------------------------
readme_run pkg-build /root/sluice >"$W/pkg-build.log" 2>&1
t_result $? "README pkg-build: builds the package" || t_diag "$(tail -n 30 "$W/pkg-build.log")"
inst_lintian "$R/root" "$W/lintian.log"
readme_run pkg-install /root/sluice >"$W/pkg-install.log" 2>&1
t_result $? "README pkg-install: installs it" || t_diag "$(tail -n 30 "$W/pkg-install.log")"
inst_check_package
lines=$(sed -n 's/^    \(smtpd_milters = .*\|milter_default_action = .*\)$/\1/p' "$W/pkg-install.log")
t_is "$lines" "$(readme_block "$W/src/README.md" main-cf)" \
    "postinst prints the README's two main.cf lines"
inst_secret_kept
printf '%s\n' "$lines" >>"$R/etc/postfix/main.cf"
inst_mail_test package
inst_purge
inst_trigger_test

# ---- the by-hand path ----------------------------------------------------------
cp -a "$W/src" "$R/root/sluice-hand"
readme_run hand-build /root/sluice-hand >"$W/hand-build.log" 2>&1
t_result $? "README hand-build: builds and installs" || t_diag "$(tail -n 30 "$W/hand-build.log")"
readme_run hand-setup /root/sluice-hand >"$W/hand-setup.log" 2>&1
t_result $? "README hand-setup: user, group, secret, socket directory" ||
    t_diag "$(cat "$W/hand-setup.log")"
printf '%s\n' "$(readme_block "$W/src/README.md" main-cf)" >>"$R/etc/postfix/main.cf"
inst_mail_test by-hand

# ---- the old README: ./configure in the tree, then ./quickstart ---------------
inst_in_tree_quickstart

touch "$W/passed.tmp"
