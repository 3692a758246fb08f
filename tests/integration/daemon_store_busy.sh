#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Another writer holds the database's write lock for longer than the busy
# timeout (5 s) while lines keep coming: the daemon's batch fails (BEGIN
# IMMEDIATE or COMMIT returns SQLITE_BUSY), is rolled back, logged, and
# every tail is rebuilt from the committed positions once the lock is
# free: nothing lost, nothing counted twice, the daemon never exits.
# Readers (report) are never blocked meanwhile (WAL).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf
daemon_start --follow "$F"
writer "$F" --first 1 --count 3000 --rate 300 --done "$T/w.done"
W=$WPID
sleep 1.5
python3 - "$DB" <<'EOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
time.sleep(7)
db.execute("COMMIT")
EOF
L=$!
sleep 3
# A reader is not blocked by the writers.
timeout 5 "$BOUNCESTAT" report --db "$DB" --since 1d --format json \
    >/dev/null || fail "report blocked or failed while the lock was held"
wait "$L"
kill -0 "$DPID" || fail "daemon exited on SQLITE_BUSY"
wait "$W"
wait_events 3000
sleep 1
check_exact 1:3000
grep -q "store: batch not committed (begin): .*locked" "$DLOG" || fail "busy not logged"
grep -q "store: commits succeed again" "$DLOG" || fail "no recovery logged"
# One line for the failing state, however many retries (backing off).
n=$(grep -c "store: batch not committed" "$DLOG" || true)
[ "$n" = 1 ] || fail "the failure was logged $n times, not once"
daemon_stop
echo "ok"
