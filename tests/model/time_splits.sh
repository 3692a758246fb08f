#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
#
# Recreates, in DIR, the time splits the model's settings were chosen on
# (clsmodel2, clsgen; tests/data/replies/README.md): for each, the rules
# of an older commit (DIR/Tn/rules) and the train.tsv rows collected after
# it (DIR/Tn/test.tsv: sources no rule of that time was written from) and
# before it (DIR/Tn/train.tsv). Then: python3 tests/model/choose_settings.py DIR
# The parts are found by their "# --- Added" section headers, not by line
# numbers (the file's header grows with each collection's relabels).
# Usage (in a checkout with the history): tests/model/time_splits.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
top=$(git rev-parse --show-toplevel)
t=$top/tests/data/replies/train.tsv
# first line of the section whose header contains $1
at() {
	n=$(grep -n -m1 -F -- "# --- Added 2026-12-06$1" "$t" | cut -d: -f1)
	[ -n "$n" ] || { echo "$0: no section '$1' in $t" >&2; exit 1; }
	echo "$n"
}
mk() { # name commit first-line-of-test line-after-test ('' = to the end)
	mkdir -p "$dir/$1"
	rm -rf "$dir/$1/rules" "$dir/$1/parsers"
	git -C "$top" archive "$2" parsers/rules | tar -x -C "$dir/$1"
	mv "$dir/$1/parsers/rules" "$dir/$1/rules"
	rmdir "$dir/$1/parsers"
	sed -n "1,$(($3 - 1))p" "$t" >"$dir/$1/train.tsv"
	if [ -n "$4" ]; then
		sed -n "$3,$(($4 - 1))p" "$t" >"$dir/$1/test.tsv"
	else
		sed -n "$3,\$p" "$t" >"$dir/$1/test.tsv"
	fi
}
c2=$(at ' (branch classifier2)')
c3=$(at ' (branch classifier3)')
c4=$(at ' (branch classifier4), fourth collection: ')
c5=$(at ' (branch classifier5)')
c6=$(at ' (branch classifier6)')
c7=$(at ' (branch classifier7)')
c8=$(at ' (branch classifier8)')
c9=$(at ' (branch classifier9)')
mk T1 fea3895 "$c4" "$c5" # fourth collection (classifier4, both sections)
mk T2 2319e65 "$c3" "$c4" # third collection (classifier3)
mk T3 48703bb "$c2" "$c3" # classifier2's additions
mk T4 4799519 "$c5" "$c6" # fifth collection (classifier5)
mk T5 a8228c2 "$c6" "$c7" # sixth collection (classifier6)
mk T6 0dfb323 "$c7" "$c8" # seventh collection (classifier7)
mk T7 5f4f6d6 "$c8" "$c9" # eighth collection (classifier8)
mk T8 78bf942 "$c9" ''    # ninth collection (classifier9)
