#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# copytruncate rotation under continuous writes (logrotate's copytruncate:
# mail.log is copied to mail.log.1, then truncated in place; the writer
# keeps its O_APPEND descriptor). Lines the daemon had not read yet when
# the file was truncated are read from the copy (found by the fingerprint
# of the file's head and of the bytes before the offset reached); lines
# before that offset are not read again from the copy, lines after the
# truncation are read from offset 0. The writer and the rotation take a
# lock, so that no line is written between the copy and the truncation:
# logrotate itself loses such lines, and no reader could count them.
# Also: a truncation while the daemon is down, with lines written after
# its last commit, is recovered from the copy at restart.
. "$(dirname "$0")/daemon_lib.bash"

command -v flock >/dev/null 2>&1 || { echo "SKIP: no flock"; exit 77; }
F=$T/mail.log
write_conf

copytruncate() {
	(
		flock 9
		[ -e "$F.1" ] && mv "$F.1" "$F.2"
		cp "$F" "$F.1"
		truncate -s 0 "$F"
	) 9>"$F.lock"
}

daemon_start --follow "$F"
writer "$F" --first 1 --count 3000 --rate 400 --keep-open --lock \
    --done "$T/w.done"
W=$WPID
for r in 1 2 3 4; do
	sleep 1.3
	copytruncate
done
wait "$W"
[ "$(cat "$T/w.done")" = 3000 ] || fail "writer did not finish"
wait_events 3000
sleep 1
check_exact 1:3000
[ "$(grep -c "mail.log: truncated" "$DLOG")" -ge 4 ] ||
    fail "truncations not seen"

# The daemon is behind (stopped) when the file is copied and truncated:
# first with less written after the truncation than it had read (the size
# is below its offset), then with more (only the bytes before its offset
# tell that the file was rewritten). The unread lines come from the copy.
n=3000
for after in 5 1500; do
	kill -STOP "$DPID"
	line $((10001 + n)) --count 20 >>"$F"
	copytruncate
	line $((10021 + n)) --count "$after" >>"$F"
	kill -CONT "$DPID"
	n=$((n + 20 + after))
	wait_events "$n"
done
sleep 1
check_exact 1:3000 13001:$((n - 3000))
n2=$(grep -c "reading the rest of the copy" "$DLOG")
[ "$n2" -ge 6 ] || fail "copy not used while stopped"

# Truncation while the daemon is down, after lines it had not committed.
line 5001 >>"$F"
wait_events $((n + 1))
daemon_kill9
line 5002 --count 29 >>"$F"
copytruncate
line 5031 --count 20 >>"$F"
daemon_start --follow "$F"
wait_events $((n + 50))
sleep 1.2
check_exact 1:3000 13001:$((n - 3000)) 5001:50
grep -q "the file read before is now $F.1" "$DLOG" ||
    fail "copy not found after restart"
daemon_stop
grep -E "truncated|copy|read before" "$DLOG" | sed "s|$T/||g"
echo "ok"
