#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The database deleted while the daemon runs: SQLite would go on
# committing into the unlinked file while every reader sees none. The
# daemon must notice at its next commit, say so once, and stop with
# status 1 (systemd then restarts it into a fresh database).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf
daemon_start --follow "$F"
line 1 --count 100 >>"$F"
wait_events 100
rm -f "$DB" "$DB-wal" "$DB-shm"
line 101 --count 10 >>"$F"
for i in $(seq 1 100); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DPID" 2>/dev/null && fail "daemon still running 10 s after its database was deleted"
rc=0
wait "$DPID" || rc=$?
DPID=
[ "$rc" = 1 ] || fail "daemon exited $rc, want 1"
grep -q "error: store: the database $DB was deleted while running; stopping" \
    "$DLOG" || fail "the loss was not logged"
echo ok
