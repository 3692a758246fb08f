#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes6), with the real binary. Each block
# failed before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# 1. Two imports at once into one database (12 files each, 12 times over).
# b. Each names its files in meta import.inputs (status's list of
# imported files); the list was read and written back outside a
# transaction, so one import could write back a list read before the
# other's entry and drop it. status must list all 24 files every time.
# a. The message store took the next message id from its own count once
# per run: the second import reused ids the first had added and failed
# ("message insert: UNIQUE constraint failed: message.id"). Both must
# succeed with every message stored.
for i in $(seq 1 24); do
	printf '2026-11-22T10:%02d:00+00:00 mx1 postfix/smtp[%d]: A%04X: to=<u@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' \
		"$i" "$i" "$i" >"$tmp/i$i.log"
done
for round in $(seq 1 12); do
	rm -f "$tmp"/s1.db*
	bs import --quiet --db "$tmp/s1.db" "$tmp"/i{1..12}.log \
		2>"$tmp/s1a.err" &
	pa=$!
	bs import --quiet --db "$tmp/s1.db" "$tmp"/i{13..24}.log \
		2>"$tmp/s1b.err" &
	pb=$!
	wait "$pa" || fail "import a (round $round): exit $?"
	wait "$pb" || fail "import b (round $round): exit $?"
	bs messages --db "$tmp/s1.db" --now 2026-11-23 --qids >"$tmp/s1q.out" ||
		fail "messages (round $round)"
	[ "$(sort -u "$tmp/s1q.out" | wc -l)" = 24 ] ||
		fail "round $round: want 24 messages"
	rc=0
	bs status --db "$tmp/s1.db" --format json >"$tmp/s1.out" || rc=$?
	[ "$rc" = 1 ] || fail "status (round $round): exit $rc"
	python3 - "$tmp/s1.out" <<'PY' || fail "round $round: status"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["data"]["sent"] == 24, d["data"]
names = sorted(i["path"].rsplit("/", 1)[1] for i in d["imports"])
want = sorted("i%d.log" % i for i in range(1, 25))
assert names == want, (len(names), sorted(set(want) - set(names)))
PY
done
rm "$tmp"/s1*
echo "ok: two imports at once: both succeed, every message stored, every file listed by status"

# c. Two imports at once into a database that does not exist yet: the one
# that did not create it failed at "PRAGMA journal_mode = WAL: database is
# locked" (SQLite answers that without the busy handler). 50 rounds.
for round in $(seq 1 50); do
	rm -f "$tmp"/s1c.db*
	bs import --quiet --db "$tmp/s1c.db" "$tmp/i1.log" 2>"$tmp/s1ca.err" &
	pa=$!
	bs import --quiet --db "$tmp/s1c.db" "$tmp/i2.log" 2>"$tmp/s1cb.err" &
	pb=$!
	wait "$pa" || fail "new database, import a (round $round): exit $?"
	wait "$pb" || fail "new database, import b (round $round): exit $?"
done
rm -f "$tmp"/s1c*
echo "ok: two imports at once into a new database: both succeed"

# 2. An empty (0-byte) database file: incidents and alert (their detector
# pass) made it a database while status, report, messages and trace said
# "empty database". Now every command but import, rebuild and the daemon
# says "empty database (no schema yet)", exits 1 and leaves the file as it
# is (0 bytes, no -wal or -shm); import makes it a database.
check_empty() {
	local rc=0
	rm -f "$tmp"/s2.db*
	: >"$tmp/s2.db"
	bs "$@" --db "$tmp/s2.db" >"$tmp/s2.out" 2>"$tmp/s2.err" || rc=$?
	[ "$rc" = 1 ] || fail "$* on an empty file: exit $rc, want 1"
	grep -q "error: $tmp/s2.db: empty database (no schema yet) (nothing has written to it yet: 'bouncestat import' or the daemon makes it a database" \
		"$tmp/s2.err" || fail "$* on an empty file: no 'empty database'"
	[ "$(stat -c %s "$tmp/s2.db")" = 0 ] || fail "$* wrote to an empty file"
	if [ -e "$tmp/s2.db-wal" ] || [ -e "$tmp/s2.db-shm" ]; then
		fail "$* made -wal or -shm next to an empty file"
	fi
	echo "ok: $* on an empty file: refused, left as it is"
}
check_empty status
check_empty report
check_empty report --format csv
check_empty messages
check_empty trace 5AMAK1ab005103
check_empty incidents
check_empty incidents --no-detect
check_empty alert --dry-run
check_empty alert --dry-run --no-detect
check_empty alert --mail-to postmaster@example.org
rm -f "$tmp"/s2.db*
: >"$tmp/s2.db"
bs import --db "$tmp/s2.db" "$BS_SRC/tests/data/postfix/sent.log" >/dev/null ||
	fail "import into an empty file"
bs incidents --db "$tmp/s2.db" --now 2026-11-25 >"$tmp/s2.out" ||
	fail "incidents after import into an empty file"
rm -f "$tmp"/s2*
echo "ok: import makes an empty file a database"

# 4. CSV cells that a spreadsheet would run as a formula: one writer
# (daemon/render/csv.c) serves report's and messages' CSV and prefixes a
# cell starting with = + - @, TAB or CR with a single quote (OWASP). The
# messages CSV had a writer of its own that let invalid UTF-8 through and
# did not prefix a cell starting with a TAB (shown as '?').
printf '2026-11-22T10:00:00+00:00 mx1 postfix/qmgr[10]: B00001: from=<\t=HYPERLINK("http://x")@evil.example>, size=1, nrcpt=2 (queue active)\n' >"$tmp/s4.log"
printf '2026-11-22T10:00:01+00:00 mx1 postfix/smtp[11]: B00001: to=<+cmd@example.net>, relay=mx.example.net[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host mx.example.net[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command))\n' >>"$tmp/s4.log"
printf '2026-11-22T10:00:01+00:00 mx1 postfix/smtp[11]: B00001: to=<u\xff\xfe@=evil.example>, relay=mx.evil.example[192.0.2.2]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' >>"$tmp/s4.log"
printf '2026-11-22T10:00:02+00:00 mx1 postfix/qmgr[10]: B00001: removed\n' >>"$tmp/s4.log"
bs import --quiet --db "$tmp/s4.db" "$tmp/s4.log" || fail "import s4.log"
bs messages --db "$tmp/s4.db" --now 2026-11-23 --format csv >"$tmp/s4.out" ||
	fail "messages --format csv"
grep -q ',"'"'"'?=HYPERLINK(""http://x"")@evil.example",' "$tmp/s4.out" ||
	fail "messages csv: a sender starting with TAB is not prefixed"
grep -q ",'+cmd@example.net,bounced," "$tmp/s4.out" ||
	fail "messages csv: a recipient starting with + is not prefixed"
grep -q ',u??@=evil.example,sent,' "$tmp/s4.out" ||
	fail "messages csv: invalid UTF-8 not shown as ?"
# RFC 4180 records end with CRLF, as report's do (messages' ended with LF).
[ "$(grep -c "$(printf '\r')\$" "$tmp/s4.out")" = "$(wc -l <"$tmp/s4.out")" ] ||
	fail "messages csv: a record does not end with CRLF"
bs report --db "$tmp/s4.db" --now 2026-11-23 --format csv >"$tmp/s4r.out" ||
	fail "report --format csv"
grep -q "^domain,'=evil.example," "$tmp/s4r.out" ||
	fail "report csv: a domain starting with = is not prefixed"
[ "$(grep -c "$(printf '\r')\$" "$tmp/s4r.out")" = "$(wc -l <"$tmp/s4r.out")" ] ||
	fail "report csv: a record does not end with CRLF"
rm -f "$tmp"/s4*
echo "ok: CSV cells starting with = + - @ TAB CR are prefixed with '"

# 5. Lines dated 1970 or 9999 (a clock that lost its battery, a typo in a
# forwarded stamp) were counted: a 9999 line made report --format json
# print "until": "10000-01-01T00:00:00Z". Now a delivery line before 2000
# or over a day after the present (the later of the file's time and the
# clock) is skipped with reason bad_time, counted, and named in a warning.
R='to=<a@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)'
{
	echo "2026-11-22T10:00:00+00:00 mx postfix/smtp[1]: A00001: $R"
	echo "1970-01-01T00:00:01+00:00 mx postfix/smtp[1]: A00002: $R"
	echo "<22>1 9999-12-31T23:59:59Z mx postfix/smtp 1 - - A00003: $R"
	echo "{\"__REALTIME_TIMESTAMP\":\"1000000\",\"SYSLOG_IDENTIFIER\":\"postfix/smtp\",\"_PID\":\"1\",\"_HOSTNAME\":\"mx\",\"MESSAGE\":\"A00004: $R\"}"
	echo "9999-12-31 23:59:59 1tEaZk-000Ab1-3x => b@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.1] C=\"250 ok\""
} >"$tmp/s5.log"
bs import --db "$tmp/s5.db" "$tmp/s5.log" >"$tmp/s5.out" 2>"$tmp/s5.err" ||
	fail "import s5.log"
grep -q "s5.log: 5 lines, 1 deliveries (1 sent, .*), 4 skipped, 0 bad" \
	"$tmp/s5.out" || fail "import: the 1970/9999 lines are not skipped"
grep -q 'input: .*s5.log: 4 lines with a time out of range skipped (reason=bad_time: before 2000 or over a day ahead); first: line="1970-01-01T00:00:01+00:00 mx postfix/smtp\[1\]: A00002: to=<\*@example.com>' \
	"$tmp/s5.err" || fail "import: no bad_time warning"
# Only out-of-range results: one warning, not a second "no delivery
# result, but lines look like one" for the same line (trial6).
sed -n 2,3p "$tmp/s5.log" >"$tmp/s5b.log"
bs import --db "$tmp/s5b.db" "$tmp/s5b.log" >/dev/null 2>"$tmp/s5b.err" ||
	fail "import s5b.log"
grep -q 'reason=bad_time: before 2000' "$tmp/s5b.err" ||
	fail "import s5b: no bad_time warning"
! grep -q 'lines look like one' "$tmp/s5b.err" ||
	fail "import s5b: the bad_time line warned twice"
bs report --db "$tmp/s5.db" --now 2026-11-23 --since all --format json \
	>"$tmp/s5r.out" || fail "report"
python3 - "$tmp/s5r.out" <<'PY' || fail "report: the data range is not 2026-11-22"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["data"] == {"since": "2026-11-22T10:00:00Z",
                     "until": "2026-11-22T11:00:00Z"}, d["data"]
assert d["totals"]["sent"] == 1, d["totals"]
PY
TZ=UTC bs parse --all --now 2026-11-24T12:00:00Z "$tmp/s5.log" \
	>"$tmp/s5p.out" 2>"$tmp/s5p.err" || fail "parse"
[ "$(cut -f2,3 "$tmp/s5p.out" | tail -n +2 | tr '\t' ' ' | tr '\n' '|')" = \
	"ok -|skip bad_time|skip bad_time|skip bad_time|skip bad_time|" ] ||
	fail "parse --all: want bad_time for the 1970/9999 lines"
rm -f "$tmp"/s5*
echo "ok: 1970 and 9999 lines are skipped as bad_time, with a warning"

# 6. Sendmail logs no removal from the queue: a message whose from= line
# was not read (the log starts after it: multi_rcpt.log of tests/data) was
# shown "queued" for good, even when every recipient had a final stat=.
# Now its state is their outcome (sent, bounced), it is not listed by
# --open, a deferred recipient keeps it deferred, a later line still
# joins it, and when it goes quiet it ends with that state (not
# incomplete).
bs import --quiet --db "$tmp/s6.db" "$BS_SRC/tests/data/sendmail/multi_rcpt.log" ||
	fail "import multi_rcpt.log"
bs messages --db "$tmp/s6.db" --now 2026-11-23 >"$tmp/s6.out" ||
	fail "messages"
[ "$(awk 'NR > 1 { print $1, $2 }' "$tmp/s6.out" | sort -u | tr '\n' '|')" = \
	"5AMAK1ab005102 deferred|5AMAK1ab005103 bounced|5AMAK1ab005104 sent|" ] ||
	fail "messages: Sendmail states (want deferred, bounced, sent)"
bs messages --db "$tmp/s6.db" --now 2026-11-23 --open --qids >"$tmp/s6.out" ||
	fail "messages --open"
[ "$(cat "$tmp/s6.out")" = 5AMAK1ab005102 ] ||
	fail "messages --open: want only the deferred message"
# One recipient sent, then another deferred, then sent: one message,
# deferred in between; a line a week later ends it (quiet) as sent.
S='mail sm-mta[5201]: 5AMAK2ab005201: to=<%s>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=120311, relay=mx.example.net. [192.0.2.40], dsn=%s, stat=%s\n'
printf "Nov 22 11:00:01 $S" ann@example.net 2.0.0 'Sent (ok)' >"$tmp/s6.log"
printf "Nov 22 11:00:02 $S" bob@example.net 4.0.0 'Deferred: 451 4.3.5 try later' >>"$tmp/s6.log"
rm -f "$tmp"/s6.db*
bs import --quiet --db "$tmp/s6.db" "$tmp/s6.log" || fail "import s6.log"
bs messages --db "$tmp/s6.db" --now 2026-11-23 --qids --open >"$tmp/s6.out"
[ "$(cat "$tmp/s6.out")" = 5AMAK2ab005201 ] ||
	fail "a Sendmail message with a deferred recipient is not open"
printf "Nov 22 12:00:02 $S" bob@example.net 2.0.0 'Sent (ok)' >>"$tmp/s6.log"
printf "Nov 30 12:00:00 $S" cat@example.net 2.0.0 'Sent (ok)' |
	sed 's/5AMAK2ab005201/5AMAK2ab005299/' >>"$tmp/s6.log"
bs import --quiet --db "$tmp/s6.db" "$tmp/s6.log" || fail "import s6.log again"
bs messages --db "$tmp/s6.db" --now 2026-12-01 --since 2026-11-01 \
	--format csv >"$tmp/s6.out" || fail "messages csv"
[ "$(grep -c '^5AMAK2ab005201,' "$tmp/s6.out")" = 2 ] ||
	fail "the Sendmail message was split or lost a recipient"
grep -q '^5AMAK2ab005201,sendmail,mail,sent,2026-11-22T11:00:01Z,2026-11-22T12:00:02Z,' \
	"$tmp/s6.out" || fail "a quiet Sendmail message did not end as sent"
rm -f "$tmp"/s6*
echo "ok: Sendmail messages show their recipients' outcome, not queued"
