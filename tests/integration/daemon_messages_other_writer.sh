#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review13: an import commits on the daemon's database while the daemon
# holds an open message, and the daemon's own transactions (here the
# detector's turns, every 0.2 s under the test clock) begin before its
# next batch. That batch must still read the open messages back
# (msgtrack_begin(): another writer committed), as two imports do
# (messages_two_writers.sh). Before, the flag of "another writer
# committed" (PRAGMA data_version moved) was taken by whichever BEGIN
# came first on the connection: a detector's turn took it, and the batch
# after went on with its stale copy of 3F2A1B0C9D, which the later lines
# (9 days on) ended as incomplete over the import's `sent`.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
CLOCK=$T/clock
date -u -d 2026-11-29T12:00:00 +%s >"$CLOCK"
export BOUNCESTAT_TEST_CLOCK=$CLOCK
write_conf ""

state() {
	"$BOUNCESTAT" messages --db "$DB" --now 2026-11-30 --since 2026-11-01 \
	    --format csv | awk -F, '$1 == "3F2A1B0C9D" { print $4 }'
}

daemon_start --follow "$F"
. "$BS_SRC/tests/integration/lib/open_message.sh"
open_message_logs "$T"
cat "$T/f0.log" >>"$F"
for i in $(seq 1 100); do
	[ "$(sql 'SELECT count(*) FROM message' 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
[ "$(sql 'SELECT count(*) FROM message')" = 1 ] ||
    fail "the daemon did not store the open message"
# The detector's turns may hold the write lock past the import's busy
# timeout on a loaded machine ("database is locked ... try again").
for i in 1 2 3 4 5; do
	"$BOUNCESTAT" import --quiet --db "$DB" "$T/fa.log" 2>"$T/imp.err" &&
	    break
	grep -q 'database is locked' "$T/imp.err" || { cat "$T/imp.err" >&2; fail "import"; }
	[ "$i" = 5 ] && fail "import: locked 5 times"
done
[ "$(state)" = sent ] || fail "after the import: want sent, got $(state)"
# The detector's turns (every 0.2 s) begin transactions meanwhile.
sleep 1.5
cat >>"$F" <<'L'
2026-11-29T10:11:00+00:00 mx1 postfix/smtpd[107]: 5B6C7D8E9F: client=web1.example.org[198.51.100.9]
2026-11-29T10:11:00+00:00 mx1 postfix/qmgr[102]: 5B6C7D8E9F: from=<web@example.org>, size=600, nrcpt=1 (queue active)
2026-11-29T10:11:01+00:00 mx1 postfix/smtp[103]: 5B6C7D8E9F: to=<erin@example.net>, relay=mx.example.net[198.51.100.50]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=4.4.1, status=deferred (connect to mx.example.net[198.51.100.50]:25: Connection timed out)
L
wait_events 2
sleep 0.5
daemon_stop
got=$(state)
[ "$got" = sent ] ||
    fail "the daemon wrote its stale copy over the import's sent: got $got"
echo ok
