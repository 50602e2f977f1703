#!/usr/bin/python3
"""measure.py - the timing and CPU half of bench/run.sh (one timed run).

Usage:
  measure.py --sink-out FILE --target N --timeout S --out JSON
             [--group NAME=PID ...] --source 'smtp-source ...' [--source ...]

Reads the CPU time of every process tree given with --group (the process
and all its descendants: utime+stime of the live ones plus cutime+cstime,
which holds the children they have already reaped) and of the whole
machine (/proc/stat), starts every --source command at once, polls the
counter that `smtp-sink -c` writes to FILE until it reaches N, reads the
CPU times again and writes one JSON object:

  elapsed_s      from starting the sources until the sink counted N
  msgs           N - the counter before the run (messages of this run)
  rate           msgs / elapsed_s
  groups         NAME -> {cpu_s, ms_per_msg, hwm_kb (largest VmHWM in the
                 tree at the end), rss_kb (sum of VmRSS at the end)}
  sources        CMD -> exit status (None: still running at the end)
  machine_busy_cores   busy CPU (all of /proc/stat but idle+iowait) / s
  not_ours_cores       busy CPU that none of the groups used / s
  timed_out      true when the counter never reached N within S seconds

Every loop is bounded: the poll by --timeout, the wait for the sources
by another 10 s.  Only the standard library is used.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

TCK = os.sysconf("SC_CLK_TCK")


def proc_table():
    """pid -> (ppid, cpu ticks incl. reaped children)"""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rindex(")") + 2:].split()
        # rest[0] = state (field 3); utime = field 14 -> rest[11]
        ppid = int(rest[1])
        ticks = sum(int(x) for x in rest[11:15])
        table[int(d)] = (ppid, ticks)
    return table


def tree(table, root):
    """root and every descendant of it in table."""
    kids = {}
    for pid, (ppid, _) in table.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        if p in table:
            out.append(p)
            todo.extend(kids.get(p, []))
    return out


def tree_ticks(table, root):
    return sum(table[p][1] for p in tree(table, root))


def tree_mem(table, root):
    hwm, rss = 0, 0
    for p in tree(table, root):
        try:
            with open("/proc/%d/status" % p) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
                    elif line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
        except OSError:
            pass
    return hwm, rss


def machine_ticks():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + v[4]
    return sum(v[:8]) - idle  # user nice system idle iowait irq softirq steal


def sink_count(path):
    """Last mesg=N of smtp-sink -c output (CR separated, only grows)."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 200))
            tail = f.read().decode("ascii", "replace")
    except OSError:
        return 0
    i = tail.rfind("mesg=")
    if i < 0:
        return 0
    digits = ""
    for ch in tail[i + 5:]:
        if not ch.isdigit():
            break
        digits += ch
    return int(digits or 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sink-out", required=True)
    ap.add_argument("--target", type=int, required=True)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--out", required=True)
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("--source", action="append", default=[])
    ap.add_argument("--source-log")
    a = ap.parse_args()

    groups = []
    for g in a.group:
        name, _, pid = g.partition("=")
        groups.append((name, int(pid)))
    c0 = sink_count(a.sink_out)
    t_before = proc_table()
    cpu0 = {n: tree_ticks(t_before, p) for n, p in groups}
    m0 = machine_ticks()
    log = open(a.source_log, "ab") if a.source_log else subprocess.DEVNULL
    t0 = time.monotonic()
    procs = [subprocess.Popen(shlex.split(cmd), stdout=log, stderr=log)
             for cmd in a.source]
    timed_out = False
    while sink_count(a.sink_out) < a.target:
        if time.monotonic() - t0 > a.timeout:
            timed_out = True
            break
        time.sleep(0.01)
    t1 = time.monotonic()
    t_after = proc_table()
    m1 = machine_ticks()
    elapsed = t1 - t0
    res = {"elapsed_s": round(elapsed, 3), "timed_out": timed_out,
           "count_before": c0, "count_after": sink_count(a.sink_out)}
    msgs = a.target - c0
    res["msgs"] = msgs
    res["rate"] = round(msgs / elapsed, 2) if not timed_out else 0.0
    ours = 0
    res["groups"] = {}
    for n, p in groups:
        ticks = tree_ticks(t_after, p) - cpu0[n]
        ours += ticks
        hwm, rss = tree_mem(t_after, p)
        res["groups"][n] = {"cpu_s": ticks / TCK,
                            "ms_per_msg": round(ticks / TCK / msgs * 1000, 3),
                            "hwm_kb": hwm, "rss_kb": rss}
    # the sources: wait (bounded) and account their CPU via our children
    deadline = time.monotonic() + 10
    rcs = {}
    for cmd, p in zip(a.source, procs):
        left = max(0.1, deadline - time.monotonic())
        try:
            rcs[cmd] = p.wait(timeout=left)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            rcs[cmd] = None
    res["sources"] = rcs
    ru = os.times()
    res["source_cpu_s"] = round(ru.children_user + ru.children_system, 3)
    res["machine_busy_cores"] = round((m1 - m0) / TCK / elapsed, 3)
    res["not_ours_cores"] = round(max(
        0.0, (m1 - m0 - ours) / TCK - res["source_cpu_s"]) / elapsed, 3)
    with open(a.out, "w") as f:
        json.dump(res, f)
    return 1 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
