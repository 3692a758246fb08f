#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Group commit with an open batch (issue 14): a batch that is full while
# the previous commit is still being applied is opened, its lines handed
# to the writer thread as they are read, instead of held until that
# commit is done (up to 8 MiB of lines before, parsed only then). So the
# daemon holds at most commit_lines lines of a burst, whatever the
# writer thread's speed: SIGUSR1's held_bytes_max. Every line is still
# counted once, each position with the counts of its lines.
. "$(dirname "$0")/daemon_lib.bash"

LOG=$T/mail.log
COMMIT=60s write_conf "commit_lines 1000"
: >"$LOG"
daemon_start --follow "$LOG"

# One burst of 60 batches: the first commit is still running when the
# next 1000 lines are read.
line 1 --count 60000 >"$T/burst"
cat "$T/burst" >>"$LOG"
wait_events 60000 300

held=$(usr1_counter held_bytes_max)
longest=$(awk 'length($0) >= m { m = length($0) + 1 } END { print m }' \
    "$T/burst")
[ -n "$held" ] || fail "SIGUSR1: no held_bytes_max"
[ "$held" -gt 0 ] || fail "held_bytes_max=0: no line was held"
[ "$held" -le $((1000 * longest)) ] ||
    fail "held_bytes_max=$held: more than commit_lines (1000) lines of" \
    "at most $longest bytes were held"

daemon_stop
check_exact 1:60000
echo "ok"
