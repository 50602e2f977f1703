#!/usr/bin/python3
"""rules1000.py N: N PCRE2 rules in SpamAssassin's syntax for the content
benchmark, deterministic (the same file on every run): a mix of header,
body, rawbody, uri and filename rules over word lists, with case-folding,
alternations, bounded repeats and a few metas; none matches bench.eml
(made of words that never appear in it).  Writes to stdout."""
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
rnd = random.Random(20261206)
words = ["zorblax", "quintessa", "frobnitz", "vexillum", "plumbago",
         "quixotic", "zephyrine", "brumalis", "glossator", "hypnagog",
         "jacquerie", "kerfuffle", "lagniappe", "mamihlapi", "nudiustert",
         "oxter", "pilgarlic", "quomodocunque", "rhabdomancy", "snollygoster",
         "tatterdemalion", "ultracrepid", "vomitory", "wabbit", "xertz",
         "yarborough", "zenzizenzic", "abecedarian", "bumfuzzle", "cattywampus"]
print("# %d generated rules for bench/run.sh (bench/lib/rules1000.py)" % n)
names = []
kinds = ["body"] * 50 + ["header"] * 25 + ["rawbody"] * 10 + ["uri"] * 10 + \
        ["filename"] * 5
for i in range(n):
    k = rnd.choice(kinds)
    a, b, c = rnd.sample(words, 3)
    name = "BENCH_%s_%04d" % (k.upper(), i)
    style = i % 5
    if style == 0:
        re_ = r"\b%s\b" % a
    elif style == 1:
        re_ = r"(?:%s|%s)\s+%s" % (a, b, c)
    elif style == 2:
        re_ = r"%s.{0,40}%s" % (a, b)
    elif style == 3:
        re_ = r"\b%s(?:ing|ed|s)?\b" % a[:6]
    else:
        re_ = r"%s[\s\W_]{0,3}%s" % (a[:4], b[:4])
    if k == "header":
        hdr = rnd.choice(["Subject", "From", "To", "X-Mailer", "Reply-To"])
        print("header %s %s =~ /%s/i" % (name, hdr, re_))
    elif k == "uri":
        print("uri %s /%s\\.example/i" % (name, a))
    elif k == "filename":
        print("filename %s /%s\\.(?:exe|scr|js)$/i" % (name, a))
    else:
        print("%s %s /%s/i" % (k, name, re_))
    print("score %s %.2f" % (name, rnd.uniform(0.1, 3.0)))
    names.append(name)
for i in range(0, n // 10):
    a, b, c = rnd.sample(names, 3)
    print("meta BENCH_META_%03d (%s || %s) && !%s" % (i, a, b, c))
