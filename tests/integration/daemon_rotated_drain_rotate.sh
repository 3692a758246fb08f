#!/bin/bash
# SPDX-License-Identifier: ISC
#
# review14: logrotate runs again while the daemon is still reading the
# generations rotated while it was down (the queue is drained), then a
# kill -9 at various moments (while a middle generation is read, right
# after one finished), one more rotation while down, and a restart. Every
# line counted exactly once, over several rounds with different delays.
# Passes on follow14 (dc9f1b5) too: kept as a regression test.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf

# rot: one rename + create rotation, keeping mail.log.1..mail.log.9.
rot() {
	local i
	for i in 8 7 6 5 4 3 2 1; do
		[ -e "$F.$i" ] && mv "$F.$i" "$F.$((i + 1))"
	done
	mv "$F" "$F.1"
	: >"$F"
}

follow_from_start "$F" 5
n=6
for d in 0.3 1.2 2.1 0.1 3.0; do
	daemon_kill9
	for r in 1 2 3; do
		line $n --count 3 >>"$F"
		n=$((n + 3))
		rot
	done
	line $n --count 2 >>"$F"
	n=$((n + 2))
	daemon_start --follow "$F"
	sleep "$d"
	rot # logrotate while the queue is drained
	line $n --count 2 >>"$F"
	n=$((n + 2))
	sleep 0.$((RANDOM % 9 + 1))
	daemon_kill9
	line $n --count 2 >>"$F"
	n=$((n + 2))
	rot # once more while down
	line $n --count 1 >>"$F"
	n=$((n + 1))
	daemon_start --follow "$F"
done
wait_events $((n - 1)) 30
sleep 4 # the last generations' rotate_wait, and a commit
daemon_stop
check_exact 1:$((n - 1))
[ "$(grep -c "queued to be read" "$DLOG")" -ge 10 ] ||
	fail "fewer generations queued than the rounds rotated"
echo "ok: daemon_rotated_drain_rotate"
