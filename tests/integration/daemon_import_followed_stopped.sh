#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review15: `import` leaves the file a daemon follows into the same
# database to the daemon (3a1a6f5), also when the daemon was stopped and
# the file grew since: its lines after the daemon's offset are counted
# only when a daemon runs again. That is said now (before, the warning
# read as if a daemon counted them). Not said while a daemon runs.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf

import_left_to_daemon "$F"
grep -q "no daemon runs" "$T/imp.err" &&
	fail "said no daemon runs while one does: $(cat "$T/imp.err")"
daemon_stop
line 21 --count 5 >>"$F"
"$BOUNCESTAT" import --db "$DB" "$F" >"$T/imp.out" 2>"$T/imp.err" ||
	fail "import: $(cat "$T/imp.err")"
grep -q "no daemon runs on this database now: the [0-9]* bytes after" \
    "$T/imp.err" ||
	fail "the lines after the stopped daemon's offset, counted by no \
one, not said: $(cat "$T/imp.err")"
check_exact 1:20
echo "ok: daemon_import_followed_stopped"
