#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial11: after a crash the file system may leave a block of NUL bytes
# where a log's last writes were lost; the first line written after the
# restart then follows them with no newline between. Before, that line
# gave no result (no_prefix): a delivery after each such crash was lost.
# Now leading NUL bytes are skipped: the log counts as without them.
# Also with a block longer than max_line (64 KiB): before, the line
# after it was cut with the NULs and lost (counted as cut).
set -eu

. "$BS_SRC/tests/integration/lib/cli.sh"
for case in postfix/sent:4096 sendmail/maillog:4096 exim/mainlog:4096 \
    postfix/sent:200000 exim/mainlog:1100000; do
	f=${case%:*} size=${case#*:}
	src=$BS_SRC/tests/data/$f.log
	# The NUL block before the first delivery result's line.
	first=$("$BOUNCESTAT" parse --all --now 2026-12-01 "$src" 2>/dev/null |
	    awk -F'\t' '$2 == "ok" { print $1; exit }')
	[ -n "$first" ] || fail "$f: no delivery result"
	{
		head -n $((first - 1)) "$src"
		head -c "$size" /dev/zero
		tail -n +"$first" "$src"
	} >"$tmp/nul.log"
	"$BOUNCESTAT" parse --all --now 2026-12-01 "$src" >"$tmp/clean.tsv" \
	    2>/dev/null
	"$BOUNCESTAT" parse --all --now 2026-12-01 "$tmp/nul.log" \
	    >"$tmp/nul.tsv" 2>/dev/null
	cmp -s "$tmp/clean.tsv" "$tmp/nul.tsv" ||
		fail "$f ($size NULs): the line after the NUL block reads otherwise: \
$(diff "$tmp/clean.tsv" "$tmp/nul.tsv" | head -3 | cut -c1-120)"
	cp "$src" "$tmp/clean.log"
	touch -r "$src" "$tmp/clean.log" "$tmp/nul.log"
	for e in clean nul; do
		rm -f "$tmp/$e.db"
		"$BOUNCESTAT" import --db "$tmp/$e.db" "$tmp/$e.log" \
		    >"$tmp/$e.out" 2>&1 || fail "import $f ($e)"
		grep -q ', 0 cut$' "$tmp/$e.out" ||
			fail "$f ($size NULs): a line cut: $(cat "$tmp/$e.out")"
		"$BOUNCESTAT" report --db "$tmp/$e.db" --since all \
		    --format json | jq -c .totals >"$tmp/$e.totals" ||
			fail "report $f ($e)"
	done
	cmp -s "$tmp/clean.totals" "$tmp/nul.totals" ||
		fail "$f ($size NULs): totals $(cat "$tmp/nul.totals"), want \
$(cat "$tmp/clean.totals")"
done
echo ok
