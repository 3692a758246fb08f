#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review15: the daemon followed a file while it was empty (a log just
# created by a rotation) and was stopped; the file grew; `import` of it
# into the same database. The daemon's position names the inode with an
# empty head fingerprint, which its resume accepts for any content: at
# its restart it reads the file from 0. 3a1a6f5 left a followed file to
# the daemon only when the head fingerprint was not empty, so import
# counted the lines and the daemon again (20 events for 10 lines).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
: >"$F"
write_conf
daemon_start --follow "$F"
sleep 1.5 # a commit of the position (offset 0, empty head)
daemon_stop
line 1 --count 10 >>"$F"
"$BOUNCESTAT" import --db "$DB" "$F" >"$T/imp.out" 2>"$T/imp.err" ||
	fail "import: $(cat "$T/imp.err")"
daemon_start --follow "$F"
wait_events 10
sleep 2 # anything more it would count
daemon_stop
check_exact 1:10
echo "ok: daemon_import_followed_empty"
