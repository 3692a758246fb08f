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

: "${BOUNCESTAT:?}"
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/out.* "$tmp"/err.*; do
		[ -s "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }
	done
	exit 1
}
export TZ=UTC
unset BOUNCESTAT_DB
now=$(date -u +%s)
for i in $(seq 1 300); do
	printf '%s mx postfix/smtp[1%03d]: A%09d: to=<u%d@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred (host mx.example.com[192.0.2.1] said: 421 4.7.0 Try again later (in reply to RCPT TO command))\n' \
	    "$(date -u -d "@$((now - 3600))" '+%b %e %H:%M:%S')" \
	    "$i" "$i" "$i"
done >"$tmp/mail.log"
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/mail.log" >/dev/null 2>&1 ||
	fail "import"
sqlite3 "$tmp/db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
pages=$(sqlite3 "$tmp/db" \
    "SELECT group_concat(pageno, ' ') FROM dbstat WHERE name = 'message'") ||
	{ echo "SKIP: sqlite3 has no dbstat"; exit 77; }
[ -n "$pages" ] || fail "no pages of the message table"
python3 - "$tmp/db" $pages <<'PY'
import sys
path, pages = sys.argv[1], [int(p) for p in sys.argv[2:]]
with open(path, "r+b") as f:
    f.seek(16)
    size = int.from_bytes(f.read(2), "big")
    size = 65536 if size == 1 else size
    for p in pages:
        f.seek((p - 1) * size)
        f.write(b"\xff" * size)
PY
# The counts are intact: the report's other sections still read them.
rc=0
"$BOUNCESTAT" report --db "$tmp/db" --since 1d >"$tmp/out.txt" \
    2>"$tmp/err.txt" || rc=$?
grep -q '^  deferred  *300 ' "$tmp/out.txt" || fail "text: counts not shown"
[ "$rc" = 1 ] || fail "text: exit status $rc, want 1"
grep -q 'error: report: messages expiring: .*malformed' "$tmp/err.txt" ||
	fail "text: no error naming the corrupt records"
rc=0
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --format json \
    >"$tmp/out.json" 2>"$tmp/err.json" || rc=$?
[ "$rc" = 1 ] || fail "json: exit status $rc, want 1"
grep -q 'error: report: messages expiring: .*malformed' "$tmp/err.json" ||
	fail "json: no error naming the corrupt records"
echo ok
