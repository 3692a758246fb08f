#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review15: a log imported while it ends in a block of NUL bytes (a
# crash's padding, the line after it not yet written), then imported
# again once the line after the padding is there. The second import must
# add only the new lines. On 7ac9bf4 the stored offset lay past the
# padding while the last line imported ended before it, so the second
# import took the file as changed and re-read it whole: the lines before
# the padding were counted twice (12 sent for 10).
set -eu

. "$BS_SRC/tests/integration/lib/cli.sh"
src=$BS_SRC/tests/data/postfix/sent.log
n=$(wc -l <"$src")
half=$((n / 2))
for size in 100 70000; do
	rm -f "$tmp/a.db" "$tmp/c.db"
	{
		head -n "$half" "$src"
		head -c "$size" /dev/zero
	} >"$tmp/a.log"
	bs import --db "$tmp/a.db" "$tmp/a.log" >"$tmp/first.out" 2>&1 ||
		fail "first import ($size NULs)"
	tail -n +$((half + 1)) "$src" >>"$tmp/a.log"
	bs import --db "$tmp/a.db" "$tmp/a.log" >"$tmp/second.out" 2>&1 ||
		fail "second import ($size NULs)"
	grep -q 're-read whole' "$tmp/second.out" &&
		fail "$size NULs: the grown file was taken as changed"
	cp "$src" "$tmp/clean.log"
	bs import --db "$tmp/c.db" "$tmp/clean.log" >/dev/null 2>&1 ||
		fail "clean import"
	got=$(bs report --db "$tmp/a.db" --since all --format json |
	    jq -c .totals)
	want=$(bs report --db "$tmp/c.db" --since all --format json |
	    jq -c .totals)
	[ "$got" = "$want" ] ||
		fail "$size NULs: totals $got, want $want (counted twice)"
	# Unchanged since: nothing more, and no 'older copy' warning.
	bs import --db "$tmp/a.db" "$tmp/a.log" >"$tmp/third.out" 2>&1 ||
		fail "third import ($size NULs)"
	grep -q 'older copy' "$tmp/third.out" &&
		fail "$size NULs: an unchanged file taken as an older copy"
done
echo ok
