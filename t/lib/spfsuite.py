#!/usr/bin/python3
"""spfsuite.py - the openspf test suite (YAML) as zone files and test lists.

usage: spfsuite.py SUITE.yml OUTDIR

For every scenario (YAML document) N of SUITE.yml, writes OUTDIR/sNN/:
  zones/root.zone  the scenario's zonedata as one root zone (RFC 1035
                   master file), for t/lib/unbound.sh: every name not in
                   it is NXDOMAIN, as the suite wants
  drop             for t/lib/dnsdelay.py --drop: the TIMEOUT names, each
                   with the types still answered
  tests            one test a line, fields separated by spaces, each
                   percent-encoded: name scenario spec host helo
                   mailfrom results explanation ("-" when none is
                   expected, "DEFAULT" when any will do)
and prints the number of scenarios.

Zone data as the suite's own driver (pyspf test/testspf.py) reads it: an
SPF entry is served as type SPF and, unless the name has a TXT entry, as
TXT too; "TXT: NONE" makes the name exist without that type; a list
value of TXT is one record of several character-strings; strings are
bytes (YAML \\xNN escapes are Latin-1).  TIMEOUT in a name's list: a
query for a type that has no record listed before it times out, and
entries after it (and TXT made from SPF) are never served.
Standard library and python3-yaml (Debian) only.
"""
import os
import sys
import urllib.parse

import yaml


def latin1(s):
    """The suite's strings as bytes: Latin-1 (its \\xNN escapes), or
    UTF-8 for a character Latin-1 does not have."""
    try:
        return s.encode("latin-1")
    except UnicodeEncodeError:
        return s.encode("utf-8")


def zname(name):
    """A domain name as an absolute master-file name, escaped."""
    out = []
    for ch in latin1(name.rstrip(".")):
        c = chr(ch)
        if c.isascii() and (c.isalnum() or c in "-_."):
            out.append(c)
        else:
            out.append("\\%03d" % ch)
    return "".join(out) + "."


def zstring(s):
    """One TXT character-string (at most 255 bytes) as a quoted string."""
    out = ['"']
    for ch in s:
        if 0x20 <= ch < 0x7F and chr(ch) not in '"\\':
            out.append(chr(ch))
        else:
            out.append("\\%03d" % ch)
    out.append('"')
    return "".join(out)


def txt_rdata(value):
    """TXT RDATA: a list is several strings; a long one is split."""
    parts = value if isinstance(value, list) else [value]
    strings = []
    for p in parts:
        b = latin1(p) if isinstance(p, str) else bytes(p)
        if not b:
            strings.append(b"")
        while b:
            strings.append(b[:255])
            b = b[255:]
    # a TXT record has at least one string: [] is one empty string
    return " ".join(zstring(s) for s in strings or [b""])


def records(name, entries):
    """Master-file lines for one name; None, or the types still answered
    when the name has TIMEOUT."""
    lines, answered = [], set()
    has_txt = any(isinstance(e, dict) and "TXT" in e for e in entries)
    timeout = "TIMEOUT" in entries
    if timeout:
        entries = entries[:entries.index("TIMEOUT")]
    exists = False
    owner = zname(name)
    for e in entries:
        (typ, val), = e.items()
        if val == "NONE":
            continue
        exists = True
        answered.add(typ)
        if typ in ("TXT", "SPF"):
            lines.append("%s 300 IN %s %s" % (owner, typ, txt_rdata(val)))
            if typ == "SPF" and not has_txt and not timeout:
                lines.append("%s 300 IN TXT %s" % (owner, txt_rdata(val)))
        elif typ == "MX":
            lines.append("%s 300 IN MX %d %s" % (owner, val[0], zname(val[1])))
        elif typ in ("PTR", "CNAME"):
            lines.append("%s 300 IN %s %s" % (owner, typ, zname(val)))
        elif typ in ("A", "AAAA"):
            for v in val if isinstance(val, list) else [val]:
                lines.append("%s 300 IN %s %s" % (owner, typ, v))
        else:
            raise SystemExit("spfsuite.py: record type %s not known" % typ)
    if not exists and not timeout:
        # the name exists, with no record of the types asked
        lines.append("%s 300 IN TYPE65280 \\# 0" % owner)
    return lines, (answered if timeout else None)


def enc(v):
    if v is None:
        return "-"
    if isinstance(v, list):
        v = ",".join(v)
    b = latin1(v) if isinstance(v, str) else bytes(v)
    return urllib.parse.quote_from_bytes(b, safe="") or "%"


def scenario(n, doc, outdir):
    d = os.path.join(outdir, "s%02d" % n)
    os.makedirs(os.path.join(d, "zones"), exist_ok=True)
    zone = ["$TTL 300",
            ". 300 IN SOA ns.root.test. hostmaster.root.test. 1 3600 600 86400 300",
            ". 300 IN NS ns.root.test."]
    drop = []
    for name, entries in (doc.get("zonedata") or {}).items():
        lines, answered = records(name, entries)
        zone += lines
        if answered is not None:
            drop.append(" ".join([name.lower().rstrip(".")] + sorted(answered)))
    with open(os.path.join(d, "zones", "root.zone"), "w") as f:
        f.write("\n".join(zone) + "\n")
    with open(os.path.join(d, "drop"), "w", encoding="latin-1") as f:
        f.write("".join(x + "\n" for x in drop))
    with open(os.path.join(d, "tests"), "w") as f:
        for tname, t in doc["tests"].items():
            res = t["result"]
            res = res if isinstance(res, list) else [res]
            f.write(" ".join([enc(tname), enc(doc["description"]),
                              enc(str(t.get("spec", "-"))), enc(t["host"]),
                              enc(t.get("helo", "")), enc(t.get("mailfrom", "")),
                              enc(res), enc(t.get("explanation"))]) + "\n")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    with open(sys.argv[1], "rb") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for n, doc in enumerate(docs):
        scenario(n, doc, sys.argv[2])
    print(len(docs))


if __name__ == "__main__":
    main()
