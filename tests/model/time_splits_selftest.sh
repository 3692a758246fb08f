#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
#
# Checks that tests/model/time_splits.sh finds every collection of
# train.tsv: on the real file it must succeed with one split per
# collection, and on copies with a collection it has no split for (a new
# "# Seventeenth collection (branch classifier17)" section, or a section
# whose header style it would not know) it must fail. Usage (in a
# checkout with the history): tests/model/time_splits_selftest.sh
set -eu
top=$(git rev-parse --show-toplevel)
ts=$top/tests/model/time_splits.sh
t=$top/tests/data/replies/train.tsv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "time_splits_selftest: $*" >&2; exit 1; }

"$ts" "$tmp/ok" >"$tmp/ok.log" 2>&1 || fail "the real train.tsv: $(cat "$tmp/ok.log")"
n=0
for d in "$tmp"/ok/T*; do [ -d "$d" ] && n=$((n + 1)); done
[ "$n" -eq 15 ] || fail "expected 15 splits, got $n"
# the last split holds exactly the rows after the last collection header
last=$(grep -n '^# Sixteenth collection (branch classifier16)' "$t" | cut -d: -f1)
want=$(tail -n +"$last" "$t" | grep -v '^#' | grep -c .)
got=$(grep -v '^#' "$tmp/ok/T15/test.tsv" | grep -c .)
[ "$got" -eq "$want" ] || fail "T15 has $got rows, the last collection $want"

cp "$t" "$tmp/new.tsv"
printf '# Seventeenth collection (branch classifier17): 1 reply\npolicy\t-\t550 x\thttps://example.com/\n' >>"$tmp/new.tsv"
if TIME_SPLITS_TRAIN=$tmp/new.tsv "$ts" "$tmp/new" >"$tmp/new.log" 2>&1; then
	fail "a collection without a split was not noticed"
fi
grep -q 'have no split\|has no split' "$tmp/new.log" || fail "unexpected error: $(cat "$tmp/new.log")"

sed 's/^# Eleventh collection (branch classifier11)/# Eleventh part (branch classifier11)/' "$t" >"$tmp/renamed.tsv"
if TIME_SPLITS_TRAIN=$tmp/renamed.tsv "$ts" "$tmp/renamed" >"$tmp/renamed.log" 2>&1; then
	fail "a collection whose header is not found was not noticed"
fi
echo "time_splits_selftest: ok (15 splits; a missed collection fails)"
