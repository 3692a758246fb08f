#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial10: a database whose message table is corrupt (its pages
# overwritten; the counts intact). report's last section, "Expiring
# within 24h", reads the message records: before, its failure was
# ignored, so the text report ended with the bare heading and the JSON
# with "expiring_24h":[] (as if nothing expired), exit status 0. Now the
# report says why (the store's error) and exits 1.
set -eu

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
now=$(date -u +%s)
for i in $(seq 1 300); do
	printf '%s mx postfix/smtp[1%03d]: A%09d: to=<u%d@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred (host mx.example.com[192.0.2.1] said: 421 4.7.0 Try again later (in reply to RCPT TO command))\n' \
	    "$(date -u -d "@$((now - 3600))" '+%b %e %H:%M:%S')" \
	    "$i" "$i" "$i"
done >"$tmp/mail.log"
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/mail.log" >/dev/null 2>&1 ||
	fail "import"
sqlite3 "$tmp/db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
wipe_table "$tmp/db" message
# The counts are intact: the report's other sections still read them.
rc=0
"$BOUNCESTAT" report --db "$tmp/db" --since 1d >"$tmp/text.out" \
    2>"$tmp/text.err" || rc=$?
grep -q '^  deferred  *300 ' "$tmp/text.out" || fail "text: counts not shown"
[ "$rc" = 1 ] || fail "text: exit status $rc, want 1"
grep -q '^bouncestat report: error: messages expiring: .*malformed' "$tmp/text.err" ||
	fail "text: no error naming the corrupt records"
rc=0
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --format json \
    >"$tmp/json.out" 2>"$tmp/json.err" || rc=$?
[ "$rc" = 1 ] || fail "json: exit status $rc, want 1"
grep -q '^bouncestat report: error: messages expiring: .*malformed' "$tmp/json.err" ||
	fail "json: no error naming the corrupt records"
echo ok
