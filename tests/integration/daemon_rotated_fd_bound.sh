#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A log rotated 200 times while the daemon was down (an hourly dateext
# rotation through eight days of downtime), the daemon started with 64
# descriptors: at start every generation written after the file read
# before was opened and held until the queue was sorted, so most failed
# with EMFILE, in directory order, and the oldest among them were lost
# ("cannot be opened (Too many open files)"). Now only the oldest 32
# (TAIL_QUEUE_MAX) are kept open while the directory is read: they are
# read, oldest first, and the 168 newer ones are named for `import`.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

F=$T/mail.log
read_before_renamed "$F"
for i in $(seq 1 200); do
	g=$F-$(printf %04d "$i")
	line $((1000 + i)) --count 1 >"$g"
	touch -d "@$((NOW + i))" "$g"
done
line 2000 --count 1 >"$F"
ulimit -n 64
daemon_start --follow "$F"
wait_log "tail: $F: done with rotated file $F-0032 " 60
wait_events $((5 + 32 + 1))
daemon_stop
grep "cannot be opened" "$DLOG" | head -3 >&2
grep -q "cannot be opened" "$DLOG" && fail "a generation could not be opened"
[ "$(grep -c "beyond the 32 generations read back" "$DLOG")" = 168 ] ||
	fail "not 168 generations named beyond the bound"
grep -q "tail: $F: $F-0032 was rotated while the daemon was down, after $F-0000: queued to be read (32 of 32)" \
    "$DLOG" || fail "$F-0032 not the last queued"
check_exact 1:5 1001:32 2000:1
echo "ok: daemon_rotated_fd_bound"
