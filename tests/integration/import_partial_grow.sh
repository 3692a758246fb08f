#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# `import` of a log whose last line is still being written (no newline
# yet), then of the same file grown (or its rotated copy the next day):
# every line counted once. It was counted twice: the partial line's
# offset and fingerprint were stored, the grown line no longer ended
# there, so the input was taken as other content and read whole (25
# bounces for 15 lines; found by review5). Now an unfinished last line
# that gives no result leaves the position before it (read whole next
# time), and one that gives a result (cut in its reply) is recognised
# when it has grown and not counted again.
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

for i in $(seq 1 15); do
	printf 'Dec  6 10:%02d:00 mail postfix/smtp[12]: ABCDE%02d: to=<u%d@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.1] said: 550 5.1.1 unknown user (in reply to RCPT TO command))\n' \
	    "$i" "$i" "$i"
done >"$T/full.log"
# The log as import saw it: 10 lines, then 60 bytes of the 11th.
head -n 10 "$T/full.log" >"$T/mail.log"
sed -n 11p "$T/full.log" | head -c 60 >>"$T/mail.log"
"$BIN" import --quiet --db "$T/db" "$T/mail.log"
# The writer finished the line and wrote four more.
cp "$T/full.log" "$T/mail.log"
"$BIN" import --db "$T/db" "$T/mail.log" >"$T/out" 2>"$T/err"
"$BIN" status --db "$T/db" >"$T/status" || true
grep -q '^data: .*: 0 sent, 0 deferred, 15 bounced,' "$T/status" ||
	fail "15 lines, counted: $(grep '^data' "$T/status"); import said: $(cat "$T/out" "$T/err")"
"$BIN" import --db "$T/db" "$T/mail.log" >/dev/null # nothing new
"$BIN" status --db "$T/db" >"$T/status" || true
grep -q '^data: .*: 0 sent, 0 deferred, 15 bounced,' "$T/status" ||
	fail "third import counted again: $(grep '^data' "$T/status")"

# An unfinished last line imported twice before it grows: still once.
head -n 10 "$T/full.log" >"$T/b.log"
sed -n 11p "$T/full.log" | head -c 60 >>"$T/b.log"
"$BIN" import --db "$T/db2" "$T/b.log" >"$T/out2"
grep -q "unfinished last line (60 bytes, no result yet) is read at the next import" \
	"$T/out2" || fail "no word about the unfinished line: $(cat "$T/out2")"
"$BIN" import --quiet --db "$T/db2" "$T/b.log"
gzip -c "$T/full.log" >"$T/b.log.1.gz" # rotated and compressed, grown
"$BIN" import --quiet --db "$T/db2" "$T/b.log.1.gz"
"$BIN" status --db "$T/db2" >"$T/status" || true
grep -q '^data: .*: 0 sent, 0 deferred, 15 bounced,' "$T/status" ||
	fail "partial, again, then .gz: $(grep '^data' "$T/status")"

# An unfinished last line cut inside its reply gives a result: counted
# then, and not again when it has grown.
head -n 10 "$T/full.log" >"$T/c.log"
sed -n 11p "$T/full.log" | head -c 230 >>"$T/c.log"
"$BIN" import --quiet --db "$T/db3" "$T/c.log"
"$BIN" status --db "$T/db3" >"$T/status" || true
grep -q '^data: .*: 0 sent, 0 deferred, 11 bounced,' "$T/status" ||
	fail "a partial line with a result not counted: $(grep '^data' "$T/status")"
cp "$T/full.log" "$T/c.log"
"$BIN" import --quiet --db "$T/db3" "$T/c.log"
"$BIN" status --db "$T/db3" >"$T/status" || true
grep -q '^data: .*: 0 sent, 0 deferred, 15 bounced,' "$T/status" ||
	fail "grown partial line with a result: $(grep '^data' "$T/status")"
echo "ok: a grown partial last line is counted once"
