#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
#
# Recreates, in DIR, the time splits the model's settings were chosen on
# (clsmodel2; tests/data/replies/README.md): for each, the rules of an
# older commit (DIR/Tn/rules) and the train.tsv rows collected after it
# (DIR/Tn/test.tsv: sources no rule of that time was written from) and
# before it (DIR/Tn/train.tsv). Then: python3 tests/model/choose_settings.py DIR
# Usage (in a checkout with the history): tests/model/time_splits.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
top=$(git rev-parse --show-toplevel)
t=$top/tests/data/replies/train.tsv
mk() { # name commit first-line-of-test last-line-of-test
	mkdir -p "$dir/$1"
	rm -rf "$dir/$1/rules" "$dir/$1/parsers"
	git -C "$top" archive "$2" parsers/rules | tar -x -C "$dir/$1"
	mv "$dir/$1/parsers/rules" "$dir/$1/rules"
	rmdir "$dir/$1/parsers"
	sed -n "1,$(($3 - 1))p" "$t" >"$dir/$1/train.tsv"
	sed -n "$3,$4p" "$t" >"$dir/$1/test.tsv"
}
mk T1 fea3895 573 674 # fourth collection (classifier4)
mk T2 2319e65 449 572 # third collection (classifier3)
mk T3 48703bb 245 448 # classifier2's additions
mk T4 4799519 676 774 # fifth collection (classifier5)
mk T5 a8228c2 775 '$' # sixth collection (classifier6)
