#!/usr/bin/python3
"""bomb.py - zip bombs for bench/run.sh and a timing driver for them.

Usage:
  bomb.py build OUTDIR
      writes OUTDIR/bomb-8x4.eml and OUTDIR/bomb-16x5.eml: the bench
      text with one zip attachment "42.zip", a 42.zip-style recursive
      bomb: a leaf zip of 4 MiB of zeros, then LEVELS levels of zips
      each holding COPIES copies of the level below.
        8x4   8 copies, 4 levels: 16 GiB nominal (the shape that
              t/unit/attach_archive_test.c builds)
        16x5  16 copies, 5 levels like the original 42.zip: 4 TiB
              nominal (42.zip's leaf is 4.3 GB; ours is 4 MiB, so the
              file stays small and quick to build)
  bomb.py send --port P --pid PID FILE...
      sends each FILE once over SMTP to 127.0.0.1:P (one session each)
      and prints one JSON line per message: the SMTP reply to the end of
      DATA, "data_s" (from sending the message text until that reply:
      Postfix and its milters processing it), and for the process tree
      of PID (the milter): the CPU seconds the message cost and VmHWM
      (peak RSS of the process so far) before and after.

Only the Python standard library is used; loopback only; every wait is
bounded by a 120 s socket timeout.
"""
import io
import json
import os
import smtplib
import sys
import time
import zipfile
from email.message import EmailMessage

TCK = os.sysconf("SC_CLK_TCK")
DT = (2026, 11, 22, 10, 0, 0)


def zip_of(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, DT)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return out.getvalue()


def bomb(copies, levels, leaf_mib=4):
    cur = zip_of([("zeros.txt", bytes(leaf_mib << 20))])
    for lv in range(1, levels + 1):
        cur = zip_of([("%d-%d.zip" % (lv, i), cur) for i in range(copies)])
    return cur


def message(zdata, nominal):
    m = EmailMessage()
    m["From"] = "Alice Andersson <alice@bench.example>"
    m["To"] = "Bob Berg <bob@dest.example>"
    m["Subject"] = "Documents"
    m["Date"] = "Sun, 22 Nov 2026 10:00:00 +0000"
    m["Message-ID"] = "<bomb-%d@bench.example>" % len(zdata)
    m.set_content("Hello Bob,\n\nthe documents you asked for (%s).\n\n"
                  "Alice\n" % nominal)
    m.add_attachment(zdata, maintype="application", subtype="zip",
                     filename="42.zip")
    return m.as_bytes()


def build(outdir):
    for copies, levels in ((8, 4), (16, 5)):
        z = bomb(copies, levels)
        nominal = 4 * copies ** levels
        name = os.path.join(outdir, "bomb-%dx%d.eml" % (copies, levels))
        with open(name, "wb") as f:
            f.write(message(z, "%d MiB nominal" % nominal))
        print("%s: zip %d bytes, %d MiB nominal" % (name, len(z), nominal))


def tree_stats(root):
    kids = {}
    stat = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
        stat[int(d)] = sum(int(x) for x in rest[11:15])
    ticks, hwm, todo = 0, 0, [root]
    while todo:
        p = todo.pop()
        if p not in stat:
            continue
        ticks += stat[p]
        todo.extend(kids.get(p, []))
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
    return ticks / TCK, hwm


def send(port, pid, files):
    for path in files:
        data = open(path, "rb").read()
        cpu0, hwm0 = tree_stats(pid)
        s = smtplib.SMTP("127.0.0.1", port, local_hostname="mail.bench."
                         "example", timeout=120)
        s.ehlo("mail.bench.example")
        s.mail("alice@bench.example")
        s.rcpt("bob@dest.example")
        s.putcmd("data")
        code, resp = s.getreply()
        if code != 354:
            sys.exit("%s: DATA answered %d %s" % (path, code, resp))
        t0 = time.monotonic()
        s.send(smtplib.quotedata(data.decode("latin-1")).encode("latin-1")
               + b"\r\n.\r\n")
        code, resp = s.getreply()
        t1 = time.monotonic()
        s.quit()
        time.sleep(0.2)
        cpu1, hwm1 = tree_stats(pid)
        print(json.dumps({"file": os.path.basename(path), "bytes": len(data),
                          "reply": "%d %s" % (code, resp.decode(
                              "utf-8", "replace")),
                          "data_s": round(t1 - t0, 4),
                          "milter_cpu_s": round(cpu1 - cpu0, 3),
                          "hwm_kb_before": hwm0, "hwm_kb_after": hwm1}))
        sys.stdout.flush()


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "build":
        build(sys.argv[2])
    elif len(sys.argv) >= 7 and sys.argv[1] == "send" and \
            sys.argv[2] == "--port" and sys.argv[4] == "--pid":
        send(int(sys.argv[3]), int(sys.argv[5]), sys.argv[6:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
