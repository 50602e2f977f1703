#!/bin/bash
# dkim_dns.sh - t/unit/dkim_dns_test (libcommon/dns_dkim.c) against a
# private unbound serving keys made here: an RSA 2048 key and an Ed25519
# key (openssl), published as sel-rsa and sel-ed._domainkey.dkim.test; the
# private keys go to $SLUICE_DNS_DIR/keys for the test to sign with.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/t/lib/dnstest.sh"

# txt_strings TEXT: TEXT as quoted character-strings of at most 255 bytes.
txt_strings() {
    local t=$1 out=
    while [ -n "$t" ]; do
        out="$out \"${t:0:255}\""
        t=${t:255}
    done
    echo "$out"
}

dnstest_zones() {
    local keys rsa ed
    keys=$(dirname "$1")/keys
    mkdir -p "$keys" || return 1
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
        -out "$keys/rsa.pem" 2>/dev/null || return 1
    openssl genpkey -algorithm ED25519 -out "$keys/ed.pem" 2>/dev/null || return 1
    rsa=$(openssl pkey -in "$keys/rsa.pem" -pubout -outform DER | base64 -w0) || return 1
    # RFC 8463: p= is the raw 32-byte key, the end of the DER SPKI
    ed=$(openssl pkey -in "$keys/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0) || return 1
    cat >"$1/dkim.test.zone" <<ZONE
; dkim.test - keys made by t/unit/dkim_dns.sh for this run only.
\$TTL 300
@   IN SOA ns.dns.test. hostmaster.dns.test. 1 3600 600 86400 60
@   IN NS  ns.dns.test.
sel-rsa._domainkey IN TXT $(txt_strings "v=DKIM1; k=rsa; p=$rsa")
sel-ed._domainkey  IN TXT "v=DKIM1; k=ed25519; p=$ed"
; a key record with no key: revoked (RFC 6376 3.6.1)
revoked._domainkey IN TXT "v=DKIM1; k=rsa; p="
ZONE
}

# libopendkim leaks the key of every ed25519 signature it makes (see
# t/lsan.supp); the suppression names dkim_privkey_load, which only a
# slow unwind through libcrypto finds.
ASAN_OPTIONS="${ASAN_OPTIONS:-}:fast_unwind_on_malloc=0"
export ASAN_OPTIONS
dnstest_run 4 t/unit/dkim_dns_test
