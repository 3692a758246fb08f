#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review14: generations rotated while the daemon was down are read one
# after the other, and each waited rotate_wait after its end before the
# next was opened, in case a writer still had it open. Only the newest
# can still be written: one with a newer generation queued after it is
# sealed and is finished at its end. Here rotate_wait is 60 s: the file
# read before (mail.log.3) and mail.log.2 are finished at once, so every
# line (mail.log.1's, the newest, which still waits, and the current
# file's, read meanwhile) is counted within 20 s. Before, mail.log.2 and
# mail.log.1 waited: 'only 17 of 29 events after 20s'. Then a stop in the
# middle of mail.log.1's wait and a restart: every line once.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

F=$T/mail.log
write_conf
sed -i 's/^rotate_wait .*/rotate_wait 60s/' "$CONF"

rotated_while_down "$F" "$F.3"
line 15 --count 6 >"$F.2"
line 21 --count 6 >"$F.1"
line 27 --count 3 >"$F"
touch -d '-3 minutes' "$F.3"
touch -d '-2 minutes' "$F.2"
touch -d '-1 minutes' "$F.1"
daemon_start --follow "$F"
wait_events 29
grep -q "reading $F.1, rotated while the daemon was down" "$DLOG" ||
	fail "mail.log.1 not read as a queued generation"
daemon_stop
check_exact 1:29
write_conf
daemon_start --follow "$F"
line 30 --count 2 >>"$F"
wait_events 31
sleep 2 # a commit
daemon_stop
check_exact 1:31
echo "ok: daemon_rotated_sealed"
