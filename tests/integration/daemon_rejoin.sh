#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# daemon18: the daemon's message join no longer waits for the writer
# thread at each batch's first line; the writer thread checks at the
# batch's BEGIN whether the join had to read its open messages back
# (another program committed), and such a batch is read again from the
# committed positions. Here imports commit on the daemon's database again
# and again while a writer streams lines to the log it follows: every
# line, the daemon's and the imports', must be counted exactly once, and
# the daemon must have read batches again (else this tests nothing).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
N=6000
write_conf ""

daemon_start --follow "$F"
writer "$F" --first 1 --count "$N" --rate 1500
ranges=("1:$N")
i=0
# Imports while the writer writes (at least three).
while [ "$i" -lt 3 ] || kill -0 "$WPID" 2>/dev/null; do
	i=$((i + 1))
	[ "$i" -le 40 ] || break
	first=$((100000 + i * 100))
	line "$first" --count 20 >"$T/other$i.log"
	ranges+=("$first:20")
	sleep 0.3
	# The daemon's batches hold the write lock; on a loaded machine
	# past the import's busy timeout ("database is locked").
	for k in 1 2 3 4 5; do
		"$BOUNCESTAT" import --quiet --db "$DB" "$T/other$i.log" \
		    2>"$T/imp.err" && break
		grep -q 'database is locked' "$T/imp.err" ||
		    { cat "$T/imp.err" >&2; fail "import $i"; }
		[ "$k" = 5 ] && fail "import $i: locked 5 times"
	done
done
wait "$WPID" || fail "writer"
wait_events $((N + i * 20))
daemon_stop
again=$(grep -c 'while a batch was read; reading it again' "$DLOG" || true)
[ "$again" -ge 1 ] || fail "no batch was read again: the test tested nothing"
check_exact "${ranges[@]}"
echo "ok: daemon_rejoin ($again batches read again, $i imports)"
