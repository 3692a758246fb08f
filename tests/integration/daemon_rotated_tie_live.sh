#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review15: the file read before was rotated while the daemon was down
# (mail.log.1, whose writer may still append to it until it reopens the
# log), and another generation has the same mtime second (queued: "may be
# newer"). d574b34 finishes the old file at its end at once when anything
# is queued after it, without rotate_wait: lines appended to mail.log.1
# after the start were lost.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
ROTATE_WAIT=10s write_conf
follow_from_start "$F" 10
sleep 1
daemon_stop
mv "$F" "$F.1"
line 100 --count 2 >"$F.2"
touch -r "$F.1" "$F.2"
line 200 --count 2 >"$F"
daemon_start --follow "$F"
wait_events 12 # mail.log's; mail.log.2's come after mail.log.1's wait
line 11 --count 3 >>"$F.1" # the writer has not reopened the log yet
wait_events 17
sleep 1 # a commit
daemon_stop
check_exact 1:13 100:2 200:2
echo "ok: daemon_rotated_tie_live"
