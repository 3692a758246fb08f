#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# rename+create rotation under continuous writes, as logrotate does it
# (mail.log.1 -> mail.log.2, mail.log -> mail.log.1, a new mail.log), with
# two kinds of writers at once:
#   a.log  a syslogd-like writer holding its descriptor: it keeps writing
#          to the renamed file until SIGHUP makes it reopen the path
#          (logrotate's postrotate), 0.4 s later;
#   b.log  a writer that opens the path for each line (echo >> FILE).
# Then a rotation while the daemon is down (killed with -9), with lines
# written to the old file after its last commit: found again by inode and
# read from the committed offset. Every line must be counted exactly once.
. "$(dirname "$0")/daemon_lib.bash"

A=$T/a.log
B=$T/b.log
write_conf

rotate() {
	local f=$1
	[ -e "$f.1" ] && mv "$f.1" "$f.2"
	mv "$f" "$f.1"
}

daemon_start --follow "$A" --follow "$B"
writer "$A" --first 1 --count 3000 --rate 400 --keep-open --done "$T/a.done"
WA=$WPID
writer "$B" --first 100001 --count 3000 --rate 400 --done "$T/b.done"
WB=$WPID
for r in 1 2 3; do
	sleep 1.6
	rotate "$A"
	rotate "$B"
	sleep 0.4
	kill -HUP "$WA" 2>/dev/null || true # (the writer may be done)
done
wait "$WA" "$WB"
[ "$(cat "$T/a.done")" = 3000 ] && [ "$(cat "$T/b.done")" = 3000 ] ||
    fail "writers did not finish"
wait_events 6000
sleep 1.5 # rotate_wait ends, the old files are closed
check_exact 1:3000 100001:3000
[ "$(grep -Fc "a.log: rotated: renamed to $A.1;" "$DLOG")" -ge 3 ] ||
    fail "rotations of a.log not seen as renames to a.log.1"
grep -q "done with rotated file" "$DLOG" || fail "old file not finished"

# Rotation while the daemon is down: kill -9 between a commit and more
# lines written to the file, rotate, write to the new file, restart.
line 5001 >>"$A"
wait_events 6001
daemon_kill9
line 5002 --count 49 >>"$A"
rotate "$A"
line 5051 --count 50 >>"$A"
daemon_start --follow "$A" --follow "$B"
wait_events 6100
sleep 1.5
check_exact 1:3000 100001:3000 5001:100
grep -q "the file read before is now $A.1" "$DLOG" ||
    fail "rotated file not found again after restart"
daemon_stop
echo "ok"
