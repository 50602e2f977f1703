# t/install/lib.sh - helpers of t/install/run.sh (bash; sourced).
#
# CONTRACT
#	$W is the work directory, $R the chroot, $SRC the source tree, $MIRROR
#	the Debian mirror; t/lab/readme.sh is loaded.  TAP: t_ok NAME CMD...,
#	t_is GOT WANT NAME, t_like GOT ERE NAME, t_result STATUS NAME, t_diag.
#	in_root CMD runs bash -c CMD in the chroot (network of this machine,
#	for apt-get); in_net CMD does the same in a private network namespace
#	with only lo, where the daemons run.  readme_run NAME DIR runs
#	README.md's block NAME in DIR of the chroot, with "set -e", as
#	written.  Nothing outside $W is changed; every process started in
#	the chroot is stopped (or killed by inst_kill_chrooted, by PID).

. "$SRC/t/lib/tap.sh"

inst_finish() {
    inst_stop_daemons
    inst_kill_chrooted "$R"
    t_diag "t/install: ${SECONDS}s"
    echo "1..$T_N"
    [ "$T_FAILED" -eq 0 ] && [ -f "$W/passed.tmp" ] && touch "$W/passed"
}

# inst_kill_chrooted ROOT: SIGKILL every process whose root is ROOT.
inst_kill_chrooted() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$1" ] && kill -KILL "${p#/proc/}" 2>/dev/null
    done
    return 0
}

INST_ENV="PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
DEB_BUILD_OPTIONS=parallel=2 MAKEFLAGS=-j2"

in_root() { # CMD
    # shellcheck disable=SC2086
    chroot "$R" /usr/bin/env -i $INST_ENV /bin/bash -c "$1"
}

in_net() { # CMD
    # shellcheck disable=SC2086
    unshare -n sh -c 'ip link set lo up && exec chroot "$1" /usr/bin/env -i $2 /bin/bash -c "$3"' \
        _ "$R" "$(echo $INST_ENV)" "$1"
}

readme_run() { # NAME DIR
    local cmds
    cmds=$(readme_block "$W/src/README.md" "$1") || {
        echo "README.md has no block marked \"<!-- test: $1 -->\""
        return 1
    }
    in_root "set -ex; cd $2; $cmds"
}

# inst_debootstrap ROOT: Debian 12 (minbase) from the mirror, or from the
# cache when one younger than a week is there.
inst_debootstrap() {
    local c=${SLUICE_INSTALL_CACHE:-} tarball
    tarball=$c/bookworm-minbase.tar
    mkdir -p "$1"
    if [ -n "$c" ] && [ -n "$(find "$tarball" -mtime -7 2>/dev/null)" ]; then
        tar -xf "$tarball" -C "$1" && return 0
    fi
    debootstrap --variant=minbase bookworm "$1" "$MIRROR" >"$W/debootstrap.log" 2>&1 ||
        return 1
    if [ -n "$c" ]; then
        mkdir -p "$c" && tar -cf "$tarball.tmp" -C "$1" . && mv "$tarball.tmp" "$tarball"
    fi
    return 0
}

# inst_prepare ROOT: /proc, DNS for apt, no service starts by packages.
inst_prepare() {
    mount -t proc proc "$1/proc" || return 1
    cp /etc/resolv.conf "$1/etc/resolv.conf" || return 1
    printf '#!/bin/sh\n# t/install: no daemon starts while packages install\nexit 101\n' \
        >"$1/usr/sbin/policy-rc.d" && chmod 755 "$1/usr/sbin/policy-rc.d"
}

# inst_lintian DIR LOG: lintian on the package built in DIR.
inst_lintian() {
    local changes tags
    changes=$(ls "$1"/sluice_*.changes 2>/dev/null | head -n 1)
    if [ -z "$changes" ]; then
        t_result 1 "lintian: no .changes to check"
        return
    fi
    lintian --pedantic -I -E "$changes" >"$2" 2>&1
    tags=$(grep -E '^[EW]: ' "$2")
    t_is "$tags" "" "lintian: no error and no warning"
    t_diag "lintian: $(grep -cE '^[IPX]: ' "$2") informational tags (see $2):" \
        "$(grep -E '^[IPX]: ' "$2" | sort -u)"
}

# st PATH: owner, group and mode as the chroot names them (its users).
st() { in_root "stat -c '%U:%G %a' $1" 2>/dev/null; }

inst_check_package() {
    local pw
    pw=$(in_root "getent passwd sluice")
    t_like "$pw" '^sluice:x:[0-9]{3}:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$' \
        "package: a system user sluice (no home, no shell)"
    t_like "$(in_root "id -Gn postfix")" '(^| )sluice( |$)' "package: postfix is in the group sluice"
    t_is "$(st /etc/sluice/secret) $(stat -c %s "$R/etc/sluice/secret" 2>/dev/null)" \
        "root:sluice 640 48" "package: the secret, 48 bytes, root:sluice 0640"
    t_is "$(st /var/spool/postfix/sluice)" "sluice:sluice 750" \
        "package: the socket directory /var/spool/postfix/sluice, sluice:sluice 0750"
    t_is "$(st /var/log/sluice)" "sluice:adm 2750" "package: /var/log/sluice, sluice:adm 2750"
    t_like "$(in_root "dpkg-query -W -f='\${Conffiles}' sluice")" ' /etc/sluice/sluice\.conf ' \
        "package: /etc/sluice/sluice.conf is a conffile"
    t_ok "package: sluice.conf says user = sluice" grep -qx 'user = sluice' \
        "$R/etc/sluice/sluice.conf"
    t_ok "package: units in /lib/systemd/system" test -f "$R/lib/systemd/system/sluice-attach.service" \
        -a -f "$R/lib/systemd/system/sluice-milter.service"
    t_is "$(cd "$R/etc/systemd/system/multi-user.target.wants" 2>/dev/null && ls -d sluice-* | tr '\n' ' ')" \
        "sluice-attach.service " "package: sluice-attach.service enabled, no other sluice unit"
    t_ok "package: every milter's unit and page shipped" test \
        -f "$R/lib/systemd/system/sluice-policy.service" -a -f "$R/lib/systemd/system/sluice-grey.service" \
        -a -f "$R/lib/systemd/system/sluice-content.service" \
        -a -f "$R/usr/share/man/man8/sluice-policy.8.gz" -a -f "$R/usr/share/man/man8/sluicectl.8.gz"
    t_like "$(cat "$R/usr/lib/tmpfiles.d/sluice.conf" 2>/dev/null)" '^d /run/sluice 0755 root root' \
        "package: tmpfiles.d makes /run/sluice"
    t_ok "package: logrotate for /var/log/sluice" grep -q '^/var/log/sluice/\*\.log' \
        "$R/etc/logrotate.d/sluice"
    t_ok "package: the man pages" test -f "$R/usr/share/man/man8/sluice-attach.8.gz" \
        -a -f "$R/usr/share/man/man8/sluice-milter.8.gz" -a -f "$R/usr/share/man/man5/sluice.conf.5.gz" \
        -a -f "$R/usr/share/man/man7/sluice.7.gz"
    t_ok "package: no unit copies in /etc/sluice/systemd" test ! -e "$R/etc/sluice/systemd"
    t_ok "package: no .secret.sha256 (make install's, not the package's)" \
        test ! -e "$R/etc/sluice/.secret.sha256"
}

# The secret is made once: a reinstall keeps it.
inst_secret_kept() {
    local before after
    before=$(sha256sum <"$R/etc/sluice/secret")
    in_root "cd /root/sluice && apt-get install -y --reinstall ../sluice_*.deb" \
        >>"$W/pkg-install.log" 2>&1
    after=$(sha256sum <"$R/etc/sluice/secret")
    t_is "$after" "$before" "package: a reinstall keeps the secret"
}

# inst_mail_test LABEL: README's start-by-hand and check blocks against the
# chroot's Postfix (with the main.cf lines already in), in a private net.
inst_mail_test() {
    local l=$1 start check out
    readme_run check-tools / >"$W/$l-tools.log" 2>&1 ||
        t_diag "check-tools: $(tail -n 5 "$W/$l-tools.log")"
    start=$(readme_block "$W/src/README.md" start-by-hand)
    check=$(readme_block "$W/src/README.md" check)
    cat >"$R/root/mail-test.sh" <<EOF
rm -f /var/mail/root /tmp/start.out /tmp/check.out
( set -e
$start
) >/tmp/start.out 2>&1
echo "\$?" >/tmp/start.rc
stat -c '%U:%G %a' /var/spool/postfix/sluice/attach.sock >/tmp/sock.st 2>&1
sup=\$(cat /run/sluice/attach.pid 2>/dev/null)
for p in /proc/[0-9]*; do
    [ "\$(awk '/^PPid:/ { print \$2 }' \$p/status 2>/dev/null)" = "\$sup" ] &&
        awk '/^Uid:/ { print \$2 }' \$p/status >/tmp/worker.uid
done
postfix start >/tmp/postfix.out 2>&1
for i in \$(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null && break; sleep 0.1; done
( $check ) >/tmp/check.out 2>&1
for i in \$(seq 1 100); do grep -q 'Lunch on Friday' /var/mail/root 2>/dev/null && break; sleep 0.1; done
postfix stop >/dev/null 2>&1
[ -n "\$sup" ] && kill -TERM "\$sup"
for i in \$(seq 1 150); do kill -0 "\$sup" 2>/dev/null || break; sleep 0.1; done
exit 0
EOF
    in_net "bash /root/mail-test.sh"
    t_is "$(cat "$R/tmp/start.rc" 2>/dev/null)" 0 "$l: README start-by-hand: sluice-attach -n, sluice-attach exit 0" ||
        t_diag "$(cat "$R/tmp/start.out")"
    out=$(cat "$R/tmp/start.out" 2>/dev/null)
    t_like "$out" 'configuration OK' "$l: sluice-attach -n says configuration OK"
    t_ok "$l: no warning about root (user = sluice)" not grep -q 'running as root' "$R/tmp/start.out"
    t_is "$(cat "$R/tmp/sock.st" 2>/dev/null)" "sluice:sluice 660" "$l: the socket is sluice:sluice 0660"
    t_is "$(cat "$R/tmp/worker.uid" 2>/dev/null)" "$(in_root "id -u sluice")" "$l: the worker runs as sluice"
    out=$(cat "$R/tmp/check.out" 2>/dev/null)
    t_like "$out" '<\*\* +550 5\.7\.1 Attachment evil\.exe was refused: files of this type are not accepted here\.' \
        "$l: README check: Postfix refuses the .exe with 550 5.7.1" || t_diag "$(tail -n 40 "$R/var/log/mail.log")"
    t_like "$out" '<- +250 2\.0\.0 Ok: queued as' "$l: README check: the clean message is accepted"
    t_ok "$l: it reaches root's mailbox with X-Sluice-Verdict: accept" \
        grep -q '^X-Sluice-Verdict: accept; score=' "$R/var/mail/root"
    t_ok "$l: Postfix never failed to reach the milter" \
        not grep -q 'connect to Milter service' "$R/var/log/mail.log"
    cp "$R/var/log/mail.log" "$W/$l-mail.log" 2>/dev/null
    : >"$R/var/log/mail.log"
}

inst_stop_daemons() {
    [ -d "$R/etc/postfix" ] || return 0
    in_root "postfix stop" >/dev/null 2>&1
    local p
    for p in "$R"/run/sluice/*.pid; do
        [ -s "$p" ] && kill -TERM "$(cat "$p")" 2>/dev/null
    done
    return 0
}

inst_purge() {
    local left f
    in_root "dpkg -L sluice" >"$W/sluice.files" 2>/dev/null
    in_root "apt-get purge -y sluice" >"$W/purge.log" 2>&1
    t_result $? "apt-get purge sluice" || t_diag "$(tail -n 20 "$W/purge.log")"
    left=
    while IFS= read -r f; do
        # directories are shared (/etc, /lib -> usr/lib); files must go
        [ -d "$R$f" ] && continue
        [ -e "$R$f" ] || [ -L "$R$f" ] && left="$left $f"
    done <"$W/sluice.files"
    for f in /etc/sluice /var/spool/postfix/sluice /var/log/sluice /var/lib/sluice /run/sluice \
        /etc/systemd/system/multi-user.target.wants/sluice-attach.service; do
        [ -e "$R$f" ] || [ -L "$R$f" ] && left="$left $f"
    done
    t_is "$left" "" "purge: no file or directory of the package or its milters is left"
    t_is "$(in_root "getent passwd sluice; getent group sluice")" "" "purge: the user and group sluice are gone"
    t_is "$(in_root "dpkg-statoverride --list | grep sluice")" "" "purge: no statoverride is left"
    t_like "$(in_root "dpkg-query -W -f='\${db:Status-Status}' sluice 2>&1")" '^(not-installed|)$|no packages found' \
        "purge: dpkg knows nothing of sluice any more"
}

# The old README built in the tree ("./configure" in the clone); quickstart
# must clean that up and build in build/, as it does for check.
inst_in_tree_quickstart() {
    local d=$W/src-intree rc
    cp -a "$W/src" "$d"
    (cd "$d" && autoreconf -fi && ./configure -q --prefix=/usr --sysconfdir=/etc) \
        >"$W/intree.log" 2>&1
    t_ok "old README: configured in the source tree" test -f "$d/config.status"
    (cd "$d" && SLUICE_BUILD_DIR=$d/build ./quickstart build) >>"$W/intree.log" 2>&1
    rc=$?
    t_result $rc "quickstart build after an in-tree ./configure: builds" ||
        t_diag "$(tail -n 30 "$W/intree.log")"
    t_ok "quickstart said what it did (make distclean in the tree)" \
        grep -q "running 'make distclean' there" "$W/intree.log"
    t_ok "the tree is unconfigured again, the build is in build/" \
        test ! -e "$d/config.status" -a -x "$d/build/sluice-attach"
}

# inst_postfix: Debian's Postfix as an admin installs it ("Local only"),
# logging to a file (no syslog daemon in the chroot).
inst_postfix() {
    in_root "echo 'postfix postfix/main_mailer_type select Local only' | debconf-set-selections &&
             echo 'postfix postfix/mailname string mx.install.test' | debconf-set-selections &&
             apt-get install -q -y postfix &&
             postconf -e myhostname=mx.install.test maillog_file=/var/log/mail.log" \
        >>"$W/apt.log" 2>&1
}

# Postfix installed after the package: the trigger puts postfix in the
# group then (the postinst could not: there was no user postfix yet).
inst_trigger_test() {
    in_root "apt-get purge -y postfix" >>"$W/apt.log" 2>&1
    in_root "cd /root/sluice && apt-get install -y ../sluice_*.deb" >"$W/trigger.log" 2>&1
    t_result $? "package without Postfix: installs" || t_diag "$(tail -n 20 "$W/trigger.log")"
    inst_postfix || bail_out "cannot install postfix again"
    t_like "$(in_root "id -Gn postfix")" '(^| )sluice( |$)' \
        "package, then Postfix: the trigger puts postfix in the group sluice"
    in_root "apt-get purge -y sluice" >>"$W/trigger.log" 2>&1
    t_is "$(in_root "getent passwd sluice; getent group sluice")" "" \
        "package, then Postfix: purged again, no user or group left"
}
