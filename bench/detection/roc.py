#!/usr/bin/python3
"""roc.py SCORES.tsv OUT.png - the ROC curves of bench/detection/eval.

Reads eval's scores.tsv (set, label, margin, rule score, combined score,
path), plots the TEST ROC of the classifier (and of the combined score when
rule scores were given) with a log false-positive axis, marks the point of
the cutoff fixed on TRAIN, and prints a table of recall at fixed false
positive counts.  Standard library + Debian's python3-matplotlib.
"""
import sys

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read(path):
    rows = []
    with open(path) as f:
        for line in f:
            s, lab, m, ext, comb, p = line.rstrip("\n").split("\t")
            rows.append((s, lab == "spam", float(m), float(ext), float(comb)))
    return rows


def roc(pairs):
    """[(score, is_spam)] -> [(fp, tp)] over every cutoff, high to low."""
    pairs = sorted(pairs, key=lambda x: -x[0])
    pts, tp, fp, i = [(0, 0)], 0, 0, 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            tp += pairs[j][1]
            fp += not pairs[j][1]
            j += 1
        pts.append((fp, tp))
        i = j
    return pts


def cutoff_of(summary, name):
    try:
        with open(summary) as f:
            for line in f:
                if line.startswith(name + ".cutoff:"):
                    return float(line.split(":")[1])
    except OSError:
        pass
    return None


def main():
    rows = read(sys.argv[1])
    out = sys.argv[2]
    summary = out.rsplit("/", 1)[0] + "/summary.txt" if "/" in out else "summary.txt"
    test = [r for r in rows if r[0] == "test"]
    ns = sum(r[1] for r in test)
    nh = len(test) - ns
    curves = [("classifier", 2)]
    if any(r[3] != 0 for r in test):
        curves += [("rules", 3), ("combined", 4)]
    fig, ax = plt.subplots(figsize=(7, 5))
    print("| score | recall at 0 FP | at 1 FP | at 2 FP | at 5 FP | at 14 FP (1 %) |")
    print("|---|---|---|---|---|---|")
    for name, col in curves:
        pts = roc([(r[col], r[1]) for r in test])
        xs = [max(fp, 0.5) / nh * 100 for fp, tp in pts]
        ys = [tp / ns * 100 for fp, tp in pts]
        ax.step(xs, ys, where="post", label=name)
        cells = []
        for k in (0, 1, 2, 5, 14):
            best = max(tp for fp, tp in pts if fp <= k)
            cells.append("%.1f %%" % (100.0 * best / ns))
        print("| %s | %s |" % (name, " | ".join(cells)))
        c = cutoff_of(summary, name)
        if c is not None:
            tp = sum(1 for r in test if r[1] and r[col] >= c)
            fp = sum(1 for r in test if not r[1] and r[col] >= c)
            ax.plot([max(fp, 0.5) / nh * 100], [tp / ns * 100], "o",
                    label="%s at the TRAIN cutoff (%d FP, %.1f %%)"
                    % (name, fp, 100.0 * tp / ns))
    ax.set_xscale("log")
    ax.set_xlim(0.03, 100)
    ax.set_ylim(50, 100.5)
    ax.axvline(0.2, color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("false positives, % of easy-ham-2 (log; 0 drawn at 0.5 messages)")
    ax.set_ylabel("spam-2 caught, %")
    ax.set_title("Sluice classifier, SpamAssassin corpus, TEST (held out)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


if __name__ == "__main__":
    main()
