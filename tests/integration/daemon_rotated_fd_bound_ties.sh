#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# daemon_rotated_fd_bound's bound (only the oldest TAIL_QUEUE_MAX = 32 of
# the generations rotated while the daemon was down are kept open while
# the directory is read) with generations of one mtime: their order is
# then by name, and tail_generation_cmp() is not transitive when numbered
# names (mail.log.1, .2, ...) and names without a rotation number that
# sort between them (mail.log.20261201: 8 digits, a date) are mixed
# (mail.log.1 < mail.log.20261201 < mail.log.2 < mail.log.1). The
# generation closed as "the newest open one" while the directory was read
# could then be sorted among the 32 queued: queued without a descriptor,
# it "cannot be read" and its lines were lost, while an open one was
# named beyond the bound. Every queued generation must be read.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

F=$T/mail.log
read_before_renamed "$F"
for i in $(seq 1 40); do
	line $((1000 + i)) --count 1 >"$F.$i"
	touch -d "@$((NOW + 1))" "$F.$i"
done
for d in $(seq 1 7); do
	line $((1100 + d)) --count 1 >"$F.2026120$d"
	touch -d "@$((NOW + 1))" "$F.2026120$d"
done
line 2000 --count 1 >"$F"
daemon_start --follow "$F"
wait_log "queued to be read (32 of 32)"
last=$(sed -n "s|.*tail: $F: \(.*\) was rotated while the daemon was down, after .*(32 of 32)|\1|p" "$DLOG")
[ -n "$last" ] || fail "no last queued generation"
wait_log "done with rotated file $last \|$last: cannot be read"
grep "cannot be read\|cannot be opened" "$DLOG" | head -3 >&2
grep -q "cannot be read\|cannot be opened" "$DLOG" &&
	fail "a queued generation could not be read"
wait_events $((5 + 32 + 1))
daemon_stop
[ "$(grep -c "beyond the 32 generations read back" "$DLOG")" = 15 ] ||
	fail "not 15 generations named beyond the bound"
[ "$(grep -c "was rotated while the daemon was down, after $F-0000: queued to be read" "$DLOG")" = 32 ] ||
	fail "not 32 generations queued"
[ "$(events)" = 38 ] && [ "$(sql 'SELECT count(DISTINCT queue_id) FROM event')" = 38 ] ||
	fail "expected 38 events once each, have $(events)"
echo "ok: daemon_rotated_fd_bound_ties"
