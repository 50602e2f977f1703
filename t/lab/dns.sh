# t/lab/dns.sh - the lab's DNS server: unbound on a loopback port (bash).
#
# CONTRACT
#	Sourced by ./quickstart and t/e2e/lib.sh after t/lib/unbound.sh.  In
#	a lab directory D:
#	    D/dns/            the admin's zones: one RFC 1035 master file per
#	                      zone, named ZONE.zone ($ORIGIN, $TTL, SOA, TXT
#	                      strings in quotes...).  Never regenerated: it
#	                      survives lab restarts (lab_fresh_dir keeps it).
#	    D/run/zones/      what unbound serves, made by lab_dns_zones: the
#	                      sample zones the lab ships (t/lab/zones:
#	                      sender.test, bl.lab.test, dbl.lab.test (the
#	                      URI list of sluice-content); t/data/dns/policy.test;
#	                      the DKIM
#	                      test keys of $SLUICE_TESTDATA when present),
#	                      then every D/dns/*.zone (a dropped zone of the
#	                      same name replaces a sample).  Each zone is an
#	                      auth-zone: a name in no zone does not exist
#	                      (local-zone "." static: NXDOMAIN, nothing is
#	                      asked outside), each served zone is punched out
#	                      of it (transparent), so a dropped kvarn.test is
#	                      answered even though "test." itself is not;
#	                      timeout.test, servfail.test and refused.test
#	                      behave as in t/lib/unbound.sh.
#	    D/run/ubd/        unbound's config, PID and log
#	lab_dns_port PORT: the DNS port of a lab whose Postfix is on PORT
#	(PORT + 3; unbound also holds PORT + 4 for its SERVFAIL zone).
#	lab_dns_start D DNSPORT, lab_dns_stop D, lab_dns_reload D DNSPORT
#	(new zones without restarting the lab: only unbound restarts, in
#	about 0.2 s).  Return 0/1 with messages on stderr.

lab_dns_port() { echo $(($1 + 3)); }

lab_dns_zones() { # D
    local d=$1 z f td
    z=$d/run/zones
    rm -rf "$z" && mkdir -p "$z" "$d/dns" || return 1
    cp "$UBD_SRC"/t/lab/zones/*.zone "$UBD_SRC/t/data/dns/policy.test.zone" \
        "$z/" || return 1
    td=${SLUICE_TESTDATA:-$UBD_SRC/../shared/testdata}
    if [ -d "$td/dkim-dkimpy" ]; then
        /usr/bin/python3 "$UBD_SRC/t/lib/dkimzones.py" "$z" "$td" || return 1
    fi
    for f in "$d"/dns/*.zone; do
        [ -f "$f" ] && cp "$f" "$z/"
    done
    return 0
}

lab_dns_start() { # D DNSPORT
    lab_dns_zones "$1" || { echo "lab: cannot make the zones" >&2; return 1; }
    UBD_EXTRA='local-zone: "." static' ubd_start "$1/run/ubd" "$2" "$1/run/zones"
}

lab_dns_stop() { ubd_stop "$1/run/ubd"; } # D

lab_dns_pid() { ubd_pid "$1/run/ubd"; } # D

lab_dns_reload() { # D DNSPORT
    lab_dns_stop "$1" && lab_dns_start "$1" "$2"
}
