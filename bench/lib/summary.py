#!/usr/bin/python3
"""summary.py - the tables of a bench/run.sh sitting, in Markdown.

Usage: bench/lib/summary.py SITTING.jsonl [SITTING.bomb.jsonl]

One table per set (main, two, zip, c1, grey, content).  Per configuration: passed runs, the
median msgs/s of its passed runs with min-max, the ratios of that median
to the medians of the set's "none" and "null" configurations (same
sitting), median CPU ms/msg of the Postfix tree and of the milter trees
(sum over the milter processes, each listed), the largest peak RSS of a
milter process, and the median of busy cores on the machine.  Ratios
With the bomb file: one row per (milter instance, message): SMTP reply,
time from the end of DATA to the reply (median, min-max), the milter's
CPU seconds for the message and its VmHWM before and after.
"""
import os
import json
import statistics
import sys

SETS = (("main", "Concurrency C, the bench message"),
        ("two", "Two Sluice modules: chained (2 processes) vs all in one"),
        ("zip", "Concurrency C, one message in ten carries a zip"),
        ("c1", "Concurrency 1, the bench message"),
        ("grey", "Distinct triplets (every message new to sluice-grey)"),
        ("content", "sluice-content with DLP, 1,000 rules, SpamAssassin's "
         "rules, clamd and YARA; clamd alone against clamav-milter"))


def med(xs):
    return statistics.median(xs) if xs else None


def fmt(x, nd=1):
    return "-" if x is None else ("%.*f" % (nd, x))


def main():
    runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    by = {}
    order = []
    for r in runs:
        if r["label"] not in by:
            order.append(r["label"])
        by.setdefault(r["label"], []).append(r)

    def rate(label):
        return med([r["rate"] for r in by.get(label, []) if r["pass"]])

    for set_, title in SETS:
        labels = [lb for lb in order if by[lb][0]["set"] == set_]
        if not labels:
            continue
        r0 = by[labels[0]][0]
        print("\n### %s (set `%s`, C=%d, N=%d per run)\n" % (
            title, set_, r0["concurrency"], r0["messages"]))
        print("| config | passed | msgs/s median | min-max | vs none | "
              "vs null | Postfix CPU ms/msg | milter CPU ms/msg | "
              "milter peak RSS MiB | busy cores |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for lb in labels:
            rs = by[lb]
            ok = [r for r in rs if r["pass"]]
            rates = [r["rate"] for r in ok]
            m = med(rates)
            rn, rl = rate(rs[0]["ref_none"]), rate(rs[0]["ref_null"])
            pf = med([r["groups"]["postfix"]["ms_per_msg"] for r in ok])
            mnames = [g for g in (ok[0]["groups"] if ok else {})
                      if g not in ("postfix", "sink")]
            mil = med([sum(r["groups"][g]["ms_per_msg"] for g in mnames)
                       for r in ok]) if mnames else None
            each = ""
            if len(mnames) > 1:
                each = " (" + " + ".join(
                    fmt(med([r["groups"][g]["ms_per_msg"] for r in ok]), 2)
                    for g in mnames) + ")"
            rss = max([r["groups"][g]["hwm_kb"] for r in ok
                       for g in mnames] or [0]) / 1024 if mnames else None
            busy = med([r["machine_busy_cores"] for r in ok])
            print("| %s | %d/%d | **%s** | %s | %s | %s | %s | %s%s | %s | %s |"
                  % (lb, len(ok), len(rs), fmt(m),
                     "%s-%s" % (fmt(min(rates)), fmt(max(rates)))
                     if rates else "-",
                     fmt(m / rn, 2) if m and rn else "-",
                     fmt(m / rl, 2) if m and rl else "-",
                     fmt(pf, 2), fmt(mil, 2), each,
                     fmt(rss, 1) if rss else "-", fmt(busy, 2)))
        stores = [(lb, r["round"], r["store"]) for lb in labels
                  for r in by[lb] if r.get("store")]
        if stores:
            print("\nThe sqlite store at the end of each run (file, -wal and "
                  "-shm; rows, and live rows not yet expired):\n")
            for lb, rnd, st in stores:
                print("- %s round %d: %.1f MiB, %d rows, %d live" % (
                    lb, rnd, st["bytes"] / 1048576.0, st["rows"], st["live"]))
        fails = [(r["label"], r["round"], "; ".join(r["why"]))
                 for lb in labels for r in by[lb] if not r["pass"]]
        for lb, rnd, why in fails:
            print("\nFAIL %s round %d: %s" % (lb, rnd, why))


def bombs(path):
    if not os.path.exists(path):
        return
    rows = [json.loads(line) for line in open(path) if line.strip()]
    if not rows:
        return
    print("\n### Zip bomb (one SMTP session per message)\n")
    print("| milter | message | sent | SMTP reply | end of DATA to reply, s "
          "(median, min-max) | milter CPU s (median) | milter VmHWM MiB "
          "before -> after |")
    print("|---|---|---|---|---|---|---|")
    seen = []
    for r in rows:
        k = (r["instance"], r["file"])
        if k not in seen:
            seen.append(k)
    for inst, f in seen:
        rs = [r for r in rows if r["instance"] == inst and r["file"] == f]
        ts = [r["data_s"] for r in rs]
        print("| %s | %s (%d bytes) | %d | %s | %.3f (%.3f-%.3f) | %.3f | "
              "%.1f -> %.1f |" % (
                  inst, f, rs[0]["bytes"], len(rs), rs[-1]["reply"][:70],
                  med(ts), min(ts), max(ts),
                  med([r["milter_cpu_s"] for r in rs]),
                  rs[0]["hwm_kb_before"] / 1024, rs[-1]["hwm_kb_after"] / 1024))


if __name__ == "__main__":
    main()
    if len(sys.argv) > 2:
        bombs(sys.argv[2])
