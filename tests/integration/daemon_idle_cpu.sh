#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# An idle daemon sleeps: over 10 s with nothing written it uses no CPU
# (utime + stime from /proc/<pid>/stat grow by at most 2 ticks) and wakes
# up only for its rescan timer (voluntary context switches stay low), with
# the default configuration's intervals; then a written line still wakes
# it at once (inotify).
. "$(dirname "$0")/daemon_lib.bash"

[ -r /proc/self/stat ] || { echo "SKIP: no /proc"; exit 77; }
F=$T/mail.log
mkdir "$T/more"
printf 'log_level info\n' >"$CONF" # defaults: commit 1s, rescan 10s
line 1 --count 50 >"$F"
daemon_start --follow "$F" --follow "$T/more/*.log"
wait_events 50
sleep 2

ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
switches() { awk '/^voluntary_ctxt_switches/ { print $2 }' "/proc/$DPID/status"; }
t0=$(ticks)
s0=$(switches)
sleep 10
t1=$(ticks)
s1=$(switches)
hz=$(getconf CLK_TCK)
echo "idle 10s: cpu $((t1 - t0)) ticks (of $hz/s), $((s1 - s0)) wake-ups"
[ $((t1 - t0)) -le 2 ] || fail "idle daemon used $((t1 - t0)) ticks in 10s"
[ $((s1 - s0)) -le 20 ] || fail "idle daemon woke up $((s1 - s0)) times in 10s"

line 51 >>"$F"
wait_events 51 8 # within 8 s, before the 10 s rescan: not the rescan timer
daemon_stop
echo "ok"
