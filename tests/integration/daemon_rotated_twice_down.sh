#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial12 (a simulated day: real logrotate on a real rsyslog): two
# rotations while the daemon is down. The tailer resumes the file it read
# before (now mail.log.2, or its copy compressed to mail.log.2.gz) and
# reads the current mail.log from its start, but the generation between
# them (mail.log.1) is read by neither: its lines were lost without a
# word. Reading it too is a change of the tailer's design (it holds the
# old file and the current one); now the daemon warns at start, naming
# the file and 'bouncestat import FILE', and that import makes the counts
# exact (import skips what the daemon counted, by content).
# Two cases: `create` twice, and `copytruncate` then `create` (the file
# read before is truncated, written again and then renamed).
. "$(dirname "$0")/daemon_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
F=$T/mail.log
write_conf

# round CASE FIRST: lines FIRST.. written through the two rotations.
round() {
	local c=$1 n=$2
	daemon_kill9
	line "$n" --count 10 >>"$F"
	if [ "$c" = create ]; then
		mv "$F" "$F.1"
		: >"$F"
	else
		cp "$F" "$F.1"
		truncate -s 0 "$F"
	fi
	line $((n + 10)) --count 7 >>"$F"
	# create + compress + delaycompress: .1 -> .2.gz, mail.log -> .1
	mv "$F.1" "$F.2"
	gzip "$F.2"
	mv "$F" "$F.1"
	: >"$F"
	line $((n + 17)) --count 5 >>"$F"
	daemon_start --follow "$F"
	wait_events $((n + 14)) 10
	sleep 1
	grep -q "tail: $F: $F.1 was written after $F.2.*count it with 'bouncestat import $F.1'" \
	    "$DLOG" || fail "$c: no warning naming $F.1"
	daemon_stop
	"$BOUNCESTAT" import --db "$DB" "$F.1" >/dev/null 2>>"$DLOG" ||
		fail "$c: import $F.1"
	rm -f "$F.1" "$F.2.gz"
}

daemon_start --follow "$F"
line 1 --count 20 >>"$F"
wait_events 20
round create 21
check_exact 1:42
n=$(grep -c "was written after" "$DLOG")
daemon_start --follow "$F"
round copytruncate 43
check_exact 1:64
# A restart after one rotation (the usual case) warns of nothing.
daemon_kill9
line 65 --count 3 >>"$F"
mv "$F" "$F.1"
: >"$F"
line 68 --count 3 >>"$F"
daemon_start --follow "$F"
wait_events 70 10
sleep 1
daemon_stop
check_exact 1:70
[ "$(grep -c "was written after" "$DLOG")" = $((n + 1)) ] ||
	fail "a warning after a single rotation"
echo "ok: daemon_rotated_twice_down"
