#!/usr/bin/python3
"""dkimzones.py OUTDIR TESTDATA - zone files serving the DKIM test keys.

Writes OUTDIR/DOMAIN.zone (RFC 1035 master files, TXT strings split at 255
bytes) for the keys of the third-party DKIM vectors, so that the tests
verify them through our resolver and a real unbound:
  - dkimpy: test._domainkey.football.example.com = test.txt,
    brisbane._domainkey.football.example.com = the RFC 8463 A.2 key,
    sed._domainkey.test.ex = eximtest.dns;
  - stalwart mail-auth: the "<selector>._domainkey.<domain> <TXT>" lines
    that head every dkim/NNN.txt.
A key's zone is its domain (the part after "_domainkey."); a name given
twice (dkimpy and stalwart publish the same RFC 8463 keys) is written once.
"""
import glob
import os
import sys


def main():
    out, td = sys.argv[1], sys.argv[2]
    keys = {}
    seen = set()

    def add(name, txt):
        dom = name.split("._domainkey.", 1)[1].lower().rstrip(".")
        name = name.lower().rstrip(".")
        if name in seen:  # one record per name (the same key twice)
            return
        seen.add(name)
        keys.setdefault(dom, []).append((name, txt.strip()))

    dk = os.path.join(td, "dkim-dkimpy")
    add("test._domainkey.football.example.com",
        open(os.path.join(dk, "test.txt")).read())
    add("brisbane._domainkey.football.example.com",
        "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    add("sed._domainkey.test.ex", open(os.path.join(dk, "eximtest.dns")).read())
    for f in sorted(glob.glob(os.path.join(td, "mail-auth-stalwart/dkim/*.txt"))):
        for line in open(f, encoding="utf-8", errors="replace"):
            if not line.strip():
                break
            name, txt = line.split(None, 1)
            add(name, txt)
    for dom, recs in keys.items():
        with open(os.path.join(out, dom + ".zone"), "w") as z:
            z.write("$TTL 300\n@ IN SOA ns.dns.test. hostmaster.dns.test. "
                    "1 3600 600 86400 60\n@ IN NS ns.dns.test.\n")
            for name, txt in recs:
                data = txt.replace("\\", "\\\\").replace('"', '\\"')
                parts = [data[i:i + 250] for i in range(0, len(data), 250)]
                z.write("%s. IN TXT %s\n" % (name, " ".join(
                    '"%s"' % p for p in parts)))
    return 0


sys.exit(main())
