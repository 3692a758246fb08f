#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The daemon follows a growing file: lines present at start-up and lines
# appended while it runs are each counted once; a line appended to an idle
# daemon is visible in `report` within 2 s; SIGTERM commits and exits 0; a
# restart resumes at the committed offset (nothing counted twice);
# `status` shows the file; SIGUSR1 logs counters.
. "$(dirname "$0")/daemon_lib.bash"

LOG=$T/mail.log
COMMIT=1s write_conf # the default, for the latency check
line 1 --count 100 >"$LOG"

daemon_start --follow "$LOG"
wait_events 100
writer "$LOG" --first 101 --count 900 --rate 600
wait "$WPID"
wait_events 1000
sleep 0.7
check_exact 1:1000

# Latency: with the default commit_interval, one line written to an idle
# daemon shows up in report within 2 s.
sleep 1
t0=$(date +%s.%N)
line 1001 >>"$LOG"
ok=
for i in $(seq 1 40); do
	if [ "$(report_deferred)" = 1001 ]; then
		ok=1
		break
	fi
	sleep 0.05
done
t1=$(date +%s.%N)
lat=$(echo "$t1 - $t0" | bc)
echo "latency: ${lat}s from write to report"
[ -n "$ok" ] || fail "line not in report after 2s"

# status while running.
"$BOUNCESTAT" status --db "$DB" --format json >"$T/status.json" ||
    fail "status says the daemon is not running"
jq -e --arg p "$LOG" '.daemon.running and .daemon.pid > 0 and
    (.files[0].path == $p) and (.files[0].lag == 0) and
    (.files[0].offset == .files[0].size) and .files[0].last_event > 0' \
    "$T/status.json" >/dev/null || { cat "$T/status.json"; fail "status"; }
"$BOUNCESTAT" status --db "$DB" | grep -q "daemon: running, pid $DPID" ||
    fail "status text"

usr1_wait "counters: $LOG: inode=" # the dump's last line
grep -q "counters: lines=1001 events=1001" "$DLOG" || fail "SIGUSR1 counters"
grep -q "counters: $LOG: inode=.* lag=0" "$DLOG" || fail "SIGUSR1 file lag"

daemon_stop
"$BOUNCESTAT" status --db "$DB" >/dev/null && fail "status: still running"

# Restart: nothing counted twice, new lines counted.
line 1002 >>"$LOG"
daemon_start --follow "$LOG"
line 1003 >>"$LOG"
wait_events 1003
sleep 0.7
check_exact 1:1003
grep -q "resuming inode=" "$DLOG" || fail "no resume logged"
daemon_stop
echo "ok"
