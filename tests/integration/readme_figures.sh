#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The README's first screens show what the binary and the data say now
# (the trial of 2026-12-06, trial6, found the classify example's rule at
# a line the rule file no longer has, and the reply counts of an older
# collection): the `$ bouncestat classify "..."` example's output lines
# (all but those the README elides with "...") are the real output, and
# the counts of real replies, of train.tsv and holdout.tsv rows, are
# those of the files.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

python3 - "$BOUNCESTAT" "$BS_SRC" \
	"${BS_BUILD:?}/tests/classify_holdout" <<'PY' ||
	fail "README figures (update README.md to what the binary and data say)"
import re
import shlex
import subprocess
import sys

binary, src, holdout_bin = sys.argv[1], sys.argv[2], sys.argv[3]
readme = open(src + "/README.md", encoding="utf-8").read()
bad = []

# The classify example: the first "$ bouncestat classify" line of a
# console block and the output lines up to the next prompt.
m = re.search(r"^\$ bouncestat classify (\".*\")\n((?:(?!\$ ).*\n)*)",
              readme, re.M)
assert m, "no classify example in README.md"
arg = shlex.split(m.group(1))[0]
shown = m.group(2).splitlines()
out = subprocess.run([binary, "classify", arg], capture_output=True,
                     text=True, check=True).stdout.splitlines()
real = {}
for line in out:
    k, _, v = line.partition(":")
    real[k] = v.strip()
n = 0
for line in shown:
    k, sep, v = line.partition(":")
    v = v.strip()
    if not sep or line.startswith("...") or v.endswith("..."):
        continue
    n += 1
    if real.get(k) != v:
        bad.append("classify example, %s: README %r, binary %r"
                   % (k, v, real.get(k)))
assert n >= 8, "too few classify lines compared: %d" % n


def rows(name):
    with open("%s/tests/data/replies/%s" % (src, name),
              encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and
                   not line.startswith("#"))


train, holdout = rows("train.tsv"), rows("holdout.tsv")
want = {
    r"(\d+) real\s+replies with their provenance": train + holdout,
    r"`train\.tsv`\s+\((\d+) replies": train,
    r"`holdout\.tsv`\s+\((\d+) replies": holdout,
    r"The train part is at [\d.]+% \(\d+ of (\d+)": train,
}
for pat, n in want.items():
    m = re.search(pat, readme)
    if not m:
        bad.append("README: no match for %s" % pat)
    elif int(m.group(1)) != n:
        bad.append("README: %s says %s, the files %d"
                   % (pat, m.group(1), n))
# The train part's accuracy, with the model and rules only, as
# classify_holdout measures it.
m = re.search(r"The train part is at ([\d.]+)% \((\d+) of \d+ with the"
              r"\s+model; ([\d.]+)% rules only\)", readme)
if not m:
    bad.append("README: no train accuracy sentence")
else:
    for opts, want_right, want_pct in (([], m.group(2), m.group(1)),
                                       (["-n"], None, m.group(3))):
        r = subprocess.run([holdout_bin] + opts +
                           [src + "/tests/data/replies/train.tsv"],
                           capture_output=True, text=True, check=True)
        o = re.search(r"^overall\s+(\d+)\s+(\d+)\s+([\d.]+)%",
                      r.stdout, re.M)
        if want_right is not None and o.group(2) != want_right:
            bad.append("README: train %s right, classify_holdout %s"
                       % (want_right, o.group(2)))
        if o.group(3) != want_pct:
            bad.append("README: train %s%% %s, classify_holdout %s%%"
                       % (want_pct, " ".join(opts), o.group(3)))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
echo "readme_figures: ok"
