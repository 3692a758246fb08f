#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review15: `bouncestat import mail.log.1` while the daemon still reads
# it (rotated, within rotate_wait: its writer may still append to it)
# into the same database. 3a1a6f5 leaves to the daemon a file its
# "file:" position names, but a file being read as the old one is named
# by the "rotated:" position: import counted every line the daemon had
# counted, and the daemon then the rest too (40 events for 20 lines).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
ROTATE_WAIT=30s write_conf

follow_from_start "$F" 20
mv "$F" "$F.1"
line 21 --count 3 >"$F"
wait_events 23
sleep 1 # a commit of the positions
"$BOUNCESTAT" import --db "$DB" "$F.1" >"$T/imp.out" 2>"$T/imp.err" ||
	fail "import: $(cat "$T/imp.err")"
daemon_stop
check_exact 1:23
echo "ok: daemon_import_rotated_reading"
