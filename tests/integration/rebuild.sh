#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# bouncestat rebuild (issue 13, point 6): the daemon follows mail.log
# (configured with `follow`) through two rotations (a rename and gzip to
# mail.log.1.gz, a dateext rename to mail.log-20261206); then its database
# is corrupted (header overwritten). rebuild is refused while the daemon
# runs; stopped, rebuild re-reads the live log and the rotated copies,
# keeps the old database as PATH.broken-*, and the report gives the same
# totals as before. A daemon started on the rebuilt database resumes the
# live log where the rebuild stopped: every line still counted once.
. "$(dirname "$0")/daemon_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
A=$T/mail.log
write_conf "follow $A"
report_totals() {
	"$BOUNCESTAT" report --db "$DB" --since 3d \
	    --until @$(($(date +%s) + 86400)) --format json | jq -c '.totals'
}

daemon_start
line 1 --count 1000 >>"$A"
wait_events 1000
mv "$A" "$A.1"
line 1001 --count 1000 --status bounced >>"$A"
wait_events 2000
sleep 1.5 # rotate_wait: done with mail.log.1
gzip "$A.1"
mv "$A" "$A-20261206"
line 2001 --count 500 >>"$A"
wait_events 2500
sleep 1.5
[ "$(sql 'SELECT count(DISTINCT queue_id) FROM event')" = 2500 ] &&
    [ "$(events)" = 2500 ] || fail "want 2500 distinct events, have $(events)"
before=$(report_totals)
[ "$(echo "$before" | jq '.bounced')" = 1000 ] || fail "no bounces: $before"

# Refused while the daemon has the database open.
if "$BOUNCESTAT" rebuild -c "$CONF" --db "$DB" >"$T/r0.out" 2>&1; then
	fail "rebuild ran while the daemon was running"
fi
grep -q "stop it first" "$T/r0.out" || { cat "$T/r0.out"; fail "no reason given"; }
daemon_stop

# Corrupt the database: overwrite its header.
printf 'this is not a database, it was overwritten by a test...........' |
    dd of="$DB" bs=64 count=1 conv=notrunc 2>/dev/null
"$BOUNCESTAT" report --db "$DB" >/dev/null 2>&1 && fail "corruption not seen"

"$BOUNCESTAT" rebuild -c "$CONF" --db "$DB" >"$T/r1.out" 2>&1 ||
    { cat "$T/r1.out"; fail "rebuild failed"; }
cat "$T/r1.out"
ls "$DB".broken-* >/dev/null 2>&1 || fail "old database not kept"
[ ! -e "$DB.rebuild" ] && [ ! -e "$DB.rebuild-wal" ] ||
    fail "temporary database left"
after=$(report_totals)
[ "$before" = "$after" ] || fail "totals differ: before $before, after $after"

# The daemon resumes on the rebuilt database where the rebuild stopped.
daemon_start
line 2501 --count 100 >>"$A"
wait_events 2600
sleep 1
daemon_stop
grep -q "imported before up to offset=" "$DLOG" ||
    fail "the daemon did not resume where the rebuild stopped"
total=$(report_totals | jq '.deferred + .bounced')
[ "$total" = 2600 ] || fail "after restart: $total results, want 2600"
echo "ok"
