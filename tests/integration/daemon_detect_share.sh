#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The detector's catch-up while lines stream in (issue 14): its chunks
# run when reading has caught up, and while lines keep coming each one
# waits three times as long as the chunk before took (loop.c,
# LOOP_DETECT_SHARE), so a catch-up takes at most a quarter of the
# reading thread's time. Here a stream is followed while the detector
# catches up over 20 days of windows: SIGUSR1's detect_rests counts the
# chunks that waited, the catch-up still finishes (the resume point
# reaches the present) and every line is counted once.
. "$(dirname "$0")/daemon_lib.bash"

LOG=$T/mail.log
write_conf "commit_lines 1000"
# Lines of 20 days ago, so that the detector's first run (1 s after
# start-up) has 20 days of windows to catch up over.
old=$(LC_ALL=C date -d '20 days ago' '+%b %e %H:%M:%S')
line 1 --count 200 | sed "s/^.\{15\}/$old/" >"$LOG"
daemon_start --follow "$LOG"

# A stream of 4,000 lines a second for 6 s while it catches up.
writer "$LOG" --first 201 --count 24000 --rate 4000 --keep-open
wait "$WPID"
wait_events 24200 60

# The catch-up finishes once the stream has stopped.
now=$(date +%s)
for i in $(seq 1 300); do
	u=$(sql "SELECT value FROM meta WHERE key = 'detect.until'" ||
	    true)
	[ -n "$u" ] && [ "$u" -ge $((now - 120)) ] && break
	sleep 0.1
done
[ -n "$u" ] && [ "$u" -ge $((now - 120)) ] ||
    fail "detect.until=${u:-none}: the catch-up did not reach $now"

rests=$(usr1_counter detect_rests)
echo "detect_rests=$rests"
[ "$rests" -gt 0 ] ||
    fail "detect_rests=0: no detector chunk waited for the stream"

daemon_stop
total=$(events)
distinct=$(sql 'SELECT count(DISTINCT queue_id) FROM event')
[ "$total" = 24200 ] && [ "$distinct" = 24200 ] ||
    fail "expected 24200 events, have $total ($distinct distinct)"
echo "ok"
