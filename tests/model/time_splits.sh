#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
#
# Recreates, in DIR, the time splits the model's settings were chosen on
# (clsmodel2, clsgen; tests/data/replies/README.md): for each, the rules
# of an older commit (DIR/Tn/rules) and the train.tsv rows collected after
# it (DIR/Tn/test.tsv: sources no rule of that time was written from) and
# before it (DIR/Tn/train.tsv). Then: python3 tests/model/choose_settings.py DIR
# The parts are found by their section headers ("# --- Added ..." and
# "# <Ordinal> collection (branch ...)"), not by line numbers (the file's
# header grows with each collection's relabels); a collection without a
# split fails the script.
# Usage (in a checkout with the history): tests/model/time_splits.sh DIR
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir=$1
top=$(git rev-parse --show-toplevel)
t=${TIME_SPLITS_TRAIN:-$top/tests/data/replies/train.tsv} # override: tests only
# Every collection's section header: "# --- Added 2026-12-0D ..." (the
# first to ninth collections) or "# <Ordinal> collection (branch
# classifierN): ..." (the tenth on). The file's own notes near its top
# ("Eleventh collection (after its split ...") are not headers.
hdr='^# (--- Added 2026-12-[0-9][0-9]|[A-Z][a-z]+ collection \(branch classifier[0-9]+\))'
# first line of the section whose header contains $1
at() {
	n=$(grep -n -E "$hdr" "$t" | grep -m1 -F -- "$1" | cut -d: -f1)
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
c2=$(at '(branch classifier2)')
c3=$(at '(branch classifier3)')
c4=$(at '(branch classifier4), fourth collection: ')
c5=$(at '(branch classifier5)')
c6=$(at '(branch classifier6)')
c7=$(at '(branch classifier7)')
c8=$(at '(branch classifier8)')
c9=$(at '(branch classifier9)')
c10=$(at '(branch classifier10)')
c11=$(at '(branch classifier11)')
c12=$(at '(branch classifier12)')
c13=$(at '(branch classifier13)')
c14=$(at '(branch classifier14)')
c15=$(at '(branch classifier15)')
c16=$(at '(branch classifier16)')
# Every collection must start a split: the first header of each branch
# (classifier2 on) is one of the starts above, and the last split runs
# from the last collection to the end. A collection added without a
# split here fails (the ninth split once ran to the end of the file and
# took the tenth to twelfth collections' rows as its own).
starts=" $c2 $c3 $c4 $c5 $c6 $c7 $c8 $c9 $c10 $c11 $c12 $c13 $c14 $c15 $c16 "
missed=$(grep -n -E "$hdr" "$t" | sed -n 's/^\([0-9]*\):.*(branch \(classifier[0-9]*\)).*/\1 \2/p' |
	awk '!seen[$2]++ { print $1 }' | while read -r n; do
		case $starts in *" $n "*) ;; *) echo "$n" ;; esac
	done)
# $missed holds line numbers only: split on purpose
# shellcheck disable=SC2086
[ -z "$missed" ] || {
	echo "$0: collection section(s) at line(s) $(printf '%s ' $missed)of $t have no split" >&2
	exit 1
}
last=$(grep -n -E "$hdr" "$t" | tail -1 | cut -d: -f1)
[ "$last" -le "$c16" ] || { echo "$0: a section after line $c16 of $t has no split" >&2; exit 1; }
mk T1 fea3895 "$c4" "$c5"   # fourth collection (classifier4, both sections)
mk T2 2319e65 "$c3" "$c4"   # third collection (classifier3)
mk T3 48703bb "$c2" "$c3"   # classifier2's additions
mk T4 4799519 "$c5" "$c6"   # fifth collection (classifier5)
mk T5 a8228c2 "$c6" "$c7"   # sixth collection (classifier6)
mk T6 0dfb323 "$c7" "$c8"   # seventh collection (classifier7)
mk T7 5f4f6d6 "$c8" "$c9"   # eighth collection (classifier8)
mk T8 78bf942 "$c9" "$c10"  # ninth collection (classifier9)
mk T9 4062024 "$c10" "$c11" # tenth collection (classifier10)
mk T10 520d1ad "$c11" "$c12" # eleventh collection (classifier11)
mk T11 54702ff "$c12" "$c13" # twelfth collection (classifier12)
mk T12 44c19de "$c13" "$c14" # thirteenth collection (classifier13)
mk T13 f2fd26a "$c14" "$c15" # fourteenth collection (classifier14)
mk T14 9bce2dc "$c15" "$c16" # fifteenth collection (classifier15)
mk T15 3821b6d "$c16" ''    # sixteenth collection (classifier16)
