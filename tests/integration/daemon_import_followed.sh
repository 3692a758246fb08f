#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# follow14 noticed: `bouncestat import mail.log` of the file a daemon
# follows into the same database counted its lines twice (the daemon's
# position names the file's inode and head, which import did not look
# at; only files the daemon finished carry the identity import checks).
# Now import leaves such a file to the daemon, with a warning, and the
# daemon's counts stay exact, also for the lines appended after the
# import; into another database it is imported as before, and once the
# daemon follows a new file at the path (rotated), the old one, finished,
# counts nothing again either.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf

import_left_to_daemon "$F"
line 21 --count 5 >>"$F"
wait_events 25
sleep 1
check_exact 1:25
# Another database: imported as before.
"$BOUNCESTAT" import --quiet --db "$T/other.sqlite" "$F" ||
	fail "import into another database"
[ "$(sqlite3 "$T/other.sqlite" 'SELECT count(*) FROM event')" = 25 ] ||
	fail "another database: not 25 events"
# Rotated: the finished file counts nothing again.
mv "$F" "$F.1"
line 26 --count 3 >"$F"
wait_events 28
sleep 3 # rotate_wait (1 s), the finish and a commit
"$BOUNCESTAT" import --quiet --db "$DB" "$F.1" ||
	fail "import of the rotated file"
daemon_stop
check_exact 1:28
echo "ok: daemon_import_followed"
