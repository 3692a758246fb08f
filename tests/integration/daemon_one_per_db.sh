#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# One daemon per database. A second `bouncestat daemon` on the database
# of a running one (root trying it by hand while the service runs: both
# use /var/lib/bouncestat/bouncestat.db) read the same log from the same
# committed position and committed every line again: with a real Postfix
# (trial7), 3 batches of mail counted twice (sent 48 instead of 36). The
# second one now refuses (exit 1) and names the first one's pid; the
# first goes on counting each line once. After the first is killed (-9),
# a new one starts at once (the lock dies with its holder).
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf
line 1 --count 20 >"$F"
daemon_start --follow "$F"
FIRST=$DPID
wait_events 20
rc=0
timeout 10 "$BOUNCESTAT" daemon -c "$CONF" --db "$DB" $ROOTOPT --follow "$F" \
    >"$T/second.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a second daemon on the database: exit $rc, want 1"
grep -q "error: daemon: another bouncestat daemon (pid $FIRST) is writing to $DB" \
    "$T/second.log" || { cat "$T/second.log" >&2; fail "the refusal does not name the first daemon"; }
line 21 --count 20 >>"$F"
wait_events 40
sleep 1
check_exact 1:40
daemon_kill9
daemon_start --follow "$F"
line 41 --count 5 >>"$F"
wait_events 45
sleep 1
check_exact 1:45
daemon_stop
echo "ok: daemon_one_per_db"
