#!/bin/bash
# SPDX-License-Identifier: ISC
# KNOWN BUG (review5, not fixed): `import` of a log whose last line is
# still being written (no newline yet) counts that partial line and stores
# the offset after it, with the fingerprint of the partial line. When the
# same file is imported again after it grew (or as mail.log.1 the next
# day), the first line that crosses the stored offset does not end there,
# so the input is taken as other content and read whole: every line is
# counted twice (here 25 bounces for 15 lines). README ("Import is
# idempotent ... mail.log today and mail.log.1 (the same content, grown)
# tomorrow counts every line once") says otherwise.
#
# Skipped (exit 77) unless BS_KNOWN_BUGS=1, so the suite stays green until
# someone fixes it; run it with BS_KNOWN_BUGS=1 to see it fail, and delete
# the skip with the fix.
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
if [ "${BS_KNOWN_BUGS:-0}" != 1 ]; then
	echo "skip: known bug (set BS_KNOWN_BUGS=1 to run)"
	exit 77
fi
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
echo "ok: a grown partial last line is counted once"
