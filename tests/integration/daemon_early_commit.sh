#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Early commit (issue 14): once the daemon has read everything there is
# and no line has come for 50 ms, a partial batch is committed then, not
# commit_interval later, when it holds at least commit_lines/8 lines or
# is the rest after a full batch; a trickle below that still waits for
# commit_interval.
# commit_interval is 60 s here, so every wait below (at most 20 s) is
# far below it: a batch committed within it was committed early. The
# spike detector also commits the batch before each run: 1 s after
# start-up and at second 5 of every minute (loop.c, LOOP_DETECT_*), so
# each step starts in seconds 10-30 of a minute, well clear of it.
. "$(dirname "$0")/daemon_lib.bash"

clear_of_detector() {
	local s

	sleep 1.5 # past the first run after start-up
	for i in $(seq 1 150); do
		s=$(date -u +%S)
		[ $((10#$s)) -ge 10 ] && [ $((10#$s)) -le 30 ] && return 0
		sleep 0.5
	done
	fail "clock: no second 10-30 in 75s"
}

LOG=$T/mail.log
COMMIT=60s write_conf "commit_lines 1000"
: >"$LOG"
daemon_start --follow "$LOG"
clear_of_detector

# A burst smaller than commit_lines but above commit_lines/8: one
# partial batch, committed early.
line 1 --count 600 >>"$LOG"
wait_events 600 20

# A full batch and a rest of 50 lines (below commit_lines/8): the rest
# follows a full batch, so it goes early too.
line 601 --count 1050 >>"$LOG"
wait_events 1650 20

# A trickle: 10 lines after a partial batch wait for commit_interval.
clear_of_detector
line 1651 --count 10 >>"$LOG"
sleep 3
n=$(events)
[ "$n" = 1650 ] || fail "$n events after 3s: the 10-line trickle was " \
    "committed before commit_interval (60s)"

kill -USR1 "$DPID"
for i in $(seq 1 50); do
	grep -q 'early_commits=' "$DLOG" && break
	sleep 0.1
done
grep -q 'counters: commits=.* early_commits=[1-9]' "$DLOG" ||
    fail "SIGUSR1: no early commit counted"

# SIGTERM commits the trickle; every line counted once.
daemon_stop
check_exact 1:1660
echo "ok"
