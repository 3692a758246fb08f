#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Rotation while the daemon is down (issue 13, point 5): lines are written
# all along by a writer that opens the path for each line; the daemon is
# stopped, the log renamed and gzip-compressed (logrotate's `compress`
# without `delaycompress`), the daemon started again: it finds the .gz by
# its fingerprints and reads it from the committed offset of the
# uncompressed stream before the new file. Three rounds:
#   1. SIGTERM, mail.log -> mail.log.1 -> mail.log.1.gz;
#   2. kill -9, Postfix's `postfix logrotate` naming
#      (maillog.YYYYMMDD-HHMMSS, then .gz);
#   3. kill -9 while the daemon is still reading a found .gz (a large
#      backlog), then restart: the "rotated:" position of the .gz resumes.
# Every line counted exactly once, no "not counted" warning (nothing was
# lost), and a later `import` of the .gz files counts nothing again.
. "$(dirname "$0")/daemon_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
A=$T/mail.log
write_conf

daemon_start --follow "$A"
writer "$A" --first 1 --count 3000 --rate 500 --done "$T/a.done"
WA=$WPID

# Round 1: stop, rename + gzip, restart.
sleep 1.2
daemon_stop
sleep 0.4 # lines written to the old file while down
mv "$A" "$A.1"
gzip "$A.1"
sleep 0.4 # and to the new file
daemon_start --follow "$A"
grep -q "was compressed to $A.1.gz" "$DLOG" ||
    fail "round 1: the .gz was not found"

# Round 2: kill -9, postfix logrotate naming, two generations while down.
sleep 1.2
daemon_kill9
sleep 0.3
S1=$A.20261206-010000
mv "$A" "$S1"
gzip "$S1"
sleep 0.3
daemon_start --follow "$A"
grep -q "was compressed to $S1.gz" "$DLOG" ||
    fail "round 2: the .gz was not found"

wait "$WA"
[ "$(cat "$T/a.done")" = 3000 ] || fail "writer did not finish"
wait_events 3000
sleep 1.5
check_exact 1:3000

# Round 3: a backlog in the old file, kill -9 while its .gz is read.
daemon_stop
line 10001 --count 60000 >>"$A"
mv "$A" "$A.2"
gzip "$A.2"
line 90001 --count 100 >>"$A"
daemon_start --follow "$A"
# Killed after a first commit of the .gz's lines, before its end.
for i in $(seq 1 200); do
	[ "$(events)" -gt 3000 ] && break
	sleep 0.02
done
daemon_kill9
mid=$(events)
daemon_start --follow "$A"
wait_events 63100 60
sleep 1.5
check_exact 1:3000 10001:60000 90001:100
if [ "$mid" -gt 3000 ] && [ "$mid" -lt 63000 ]; then
	grep -q "resuming compressed rotated file $A.2.gz" "$DLOG" ||
	    fail "round 3: the .gz was not resumed after kill -9"
else
	echo "note: round 3 was not killed in the middle of the .gz" >&2
fi
daemon_stop

if grep -E "warning: tail:|not counted" "$DLOG"; then
	fail "a loss was reported, yet every line was counted"
fi
# import of the compressed copies adds nothing.
"$BOUNCESTAT" import --db "$DB" "$A.1.gz" "$S1.gz" "$A.2.gz" \
    >"$T/import.out" 2>&1 || { cat "$T/import.out"; fail "import failed"; }
check_exact 1:3000 10001:60000 90001:100
echo "ok"
