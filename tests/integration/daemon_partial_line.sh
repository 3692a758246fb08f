#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A line written in two halves seconds apart is counted once, when its
# newline arrives: while the daemon runs, across a kill -9 and across a
# SIGTERM restart between the halves (the committed offset stops before
# the partial line). Over-long lines (max_line 2k here) are cut, counted
# as cut, and do not disturb the lines around them, also when the long
# line's newline comes later.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf "max_line 2k"
line 1 --count 10 >"$F"
daemon_start --follow "$F"
wait_events 10

half() { python3 "$WRITER" "$F" --half "$1"; }
rest() { python3 "$WRITER" "$F" --rest "$1"; }

# While running.
half 11
sleep 2.5
[ "$(events)" = 10 ] || fail "half a line was counted"
usr1_wait "counters: $F: inode=" # the dump's last line
grep -Eq "counters: $F: .* partial=[1-9]" "$DLOG" || fail "partial not held"
rest 11
wait_events 11
sleep 0.7
check_exact 1:11

# Across kill -9.
half 12
sleep 1
daemon_kill9
daemon_start --follow "$F"
sleep 1.5
[ "$(events)" = 11 ] || fail "half a line was counted after kill -9"
rest 12
wait_events 12
sleep 0.7
check_exact 1:12

# Across SIGTERM.
half 13
sleep 0.5
daemon_stop
daemon_start --follow "$F"
sleep 1
rest 13
wait_events 13
sleep 0.7
check_exact 1:13

# Over-long lines: one whole, one whose end comes later.
python3 -c 'import sys; sys.stdout.write("x" * 5000 + "\n")' >>"$F"
line 14 >>"$F"
python3 -c 'import sys; sys.stdout.write("y" * 3000)' >>"$F"
sleep 1
python3 -c 'import sys; sys.stdout.write("y" * 3000 + "\n")' >>"$F"
line 15 >>"$F"
wait_events 15
sleep 0.7
check_exact 1:15
usr1_wait "counters: $F: inode=" # the dump's last line
grep -q "counters: lines=.* cut=2 " "$DLOG" || fail "cut lines not counted"
daemon_stop
echo "ok"
