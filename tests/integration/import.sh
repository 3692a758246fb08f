#!/bin/bash
# SPDX-License-Identifier: ISC
# bouncestat import with the real binary and a real SQLite file: plain,
# .gz and standard input; importing the same content twice (also under
# another name, grown, or compressed) counts it once; hostile input (binary
# garbage, a 1 MiB line, invalid UTF-8, NUL bytes, a truncated last line)
# is skipped and counted, and no delivery line around it is lost; bad
# paths and corrupt .gz files are clear errors (exit 1).
# Lines follow Postfix 3.x smtp/qmgr formats with RFC 3339 stamps.
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
T=$(mktemp -d)
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "--- last output:"; cat "$T"/out 2>/dev/null; cat "$T"/err 2>/dev/null; fi; rm -rf "$T"; exit $rc' EXIT
export TZ=UTC
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# line N KIND: one Postfix delivery line with queue id derived from N.
line() {
	local n=$1 kind=$2 qid
	qid=$(printf 'C%09X' "$n")
	local ts
	ts=$(printf '2026-11-20T10:%02d:%02d.000000+00:00' $((n / 60 % 60)) $((n % 60)))
	case $kind in
	sent)
		echo "$ts mx postfix/smtp[100]: $qid: to=<u$n@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as X$n)" ;;
	throttle)
		echo "$ts mx postfix/smtp[100]: $qid: to=<u$n@163.com>, relay=163mx01.mxmail.netease.com[220.181.12.11]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host 163mx01.mxmail.netease.com[220.181.12.11] said: 421 HL:ICC 163 mx1,abc too many connections (in reply to end of DATA command))" ;;
	unknown)
		echo "$ts mx postfix/smtp[100]: $qid: to=<u$n@gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.27]:25, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host gmail-smtp-in.l.google.com[192.0.2.27] said: 550-5.1.1 The email account that you tried to reach does not exist. - gsmtp (in reply to RCPT TO command))" ;;
	noise)
		echo "$ts mx postfix/qmgr[99]: $qid: removed" ;;
	esac
}

# gen FROM TO: a log of lines FROM..TO-1, cycling sent/throttle/unknown/noise.
gen() {
	local i kinds=(sent throttle unknown noise)
	for ((i = $1; i < $2; i++)); do
		line "$i" "${kinds[i % 4]}"
	done
}

# totals DB: "sent deferred bounced expired" from report JSON.
totals() {
	"$BIN" report --db "$1" --since 2026-11-01 --until 2026-12-01 \
	    --format json >"$T/out" 2>"$T/err" || fail "report exit $?"
	python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["totals"]
print(t["sent"], t["deferred"], t["bounced"], t["expired"])' "$T/out"
}

expect() {
	local got
	got=$(totals "$1")
	[ "$got" = "$2" ] || fail "$3: totals '$got', want '$2'"
	echo "ok: $3 ($got)"
}

# 1. A plain file, then the same file again: counted once.
gen 0 400 >"$T/mail.log"
DB=$T/a.db
"$BIN" import --db "$DB" "$T/mail.log" >"$T/out" 2>"$T/err" || fail "import exit $?"
grep -q '400 lines, 300 deliveries' "$T/out" || fail "summary: $(cat "$T/out")"
expect "$DB" "100 100 100 0" "plain import"
"$BIN" import --db "$DB" "$T/mail.log" >"$T/out" 2>"$T/err"
grep -q '0 lines' "$T/out" || fail "second import read lines: $(cat "$T/out")"
expect "$DB" "100 100 100 0" "same file twice"

# 2. The file grows and is rotated to mail.log.1: only the new lines count;
#    then the compressed copy adds nothing; a fresh file counts in full.
gen 400 480 >>"$T/mail.log"
mv "$T/mail.log" "$T/mail.log.1"
"$BIN" import --db "$DB" "$T/mail.log.1" >"$T/out" 2>"$T/err"
grep -q 'already imported' "$T/out" || fail "no skip noted: $(cat "$T/out")"
expect "$DB" "120 120 120 0" "grown and renamed"
gzip -k "$T/mail.log.1"
"$BIN" import --db "$DB" "$T/mail.log.1.gz" >"$T/out" 2>"$T/err"
expect "$DB" "120 120 120 0" "compressed copy of imported content"
gen 1000 1040 | gzip >"$T/new.gz"
"$BIN" import --db "$DB" "$T/new.gz" >"$T/out" 2>"$T/err"
expect "$DB" "130 130 130 0" "new .gz content"

# 3. Standard input, twice: counted once. Compressed stdin works too.
DB=$T/b.db
gen 0 200 | "$BIN" import --db "$DB" - >"$T/out" 2>"$T/err"
expect "$DB" "50 50 50 0" "stdin"
gen 0 200 | "$BIN" import --db "$DB" - >"$T/out" 2>"$T/err"
expect "$DB" "50 50 50 0" "stdin twice"
gen 200 240 | gzip | "$BIN" import --db "$DB" - >"$T/out" 2>"$T/err"
expect "$DB" "60 60 60 0" "gzip on stdin"

# 4. Hostile input between good lines: nothing good is lost.
DB=$T/c.db
{
	gen 0 40
	head -c 4096 /dev/urandom | tr -d '\n'
	echo
	gen 40 80
	printf '%*s\n' 1048576 '' | tr ' ' 'x'            # a 1 MiB line
	gen 80 120
	printf 'Nov 20 10:00:00 mx postfix/smtp[1]: D0000000A1: to=<\xff\xfe@ex\xc3\x28.com>, relay=x[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host x[192.0.2.9] said: 451 \xe9\xff bad \x1b[31m utf8 (in reply to RCPT TO command))\n'
	printf 'Nov 20 10:00:01 mx postfix/smtp[1]: D0000000A2: to=<n@nul.example>, relay=x[192.0.2.9]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host x[192.0.2.9] said: 451 has\0a NUL (in reply to RCPT TO command))\n'
	printf 'Nov 20 10:00:02 mx postfix/smtp[1]: D0000000A3: to=<broken@example.com, status=deferred\n'
	gen 120 160
	line 160 throttle | head -c 300                      # cut in its reply, no newline
} >"$T/bad.log"
"$BIN" import --db "$DB" "$T/bad.log" >"$T/out" 2>"$T/err" || fail "bad input: exit $?"
cat "$T/out"
grep -q ', 1 cut' "$T/out" || fail "the 1 MiB line was not counted as cut"
grep -qE ', [1-9][0-9]* bad' "$T/out" || fail "the broken delivery line was not counted as bad"
# 160 generated lines: 40 sent, 40 deferred, 40 bounced; plus the invalid
# UTF-8 and the NUL deferrals (2); the truncated throttle line is cut
# inside its reply and still counts as a deferral (its reply runs to the end).
expect "$DB" "40 43 40 0" "hostile input between good lines"
"$BIN" report --db "$DB" --since 2026-11-01 --until 2026-12-01 >"$T/out" 2>&1
if LC_ALL=C grep -q $'\x1b' "$T/out"; then fail "an escape reached the text report"; fi
echo "ok: no escape sequence in the text report"

# 4b. The configuration's max_line holds for import as for the daemon: a
# 1,500-byte deferral is whole by default and cut (still a deferral) with
# max_line 1k.
{
	gen 0 3
	line 3 throttle | sed "s/too many connections/too many connections $(printf '%*s' 1300 '' | tr ' ' 'y')/"
} >"$T/long.log"
printf 'max_line 1k\n' >"$T/long.conf"
"$BIN" import --db "$T/l1.db" "$T/long.log" >"$T/out" 2>"$T/err" || fail "long line: exit $?"
grep -q ', 0 cut' "$T/out" || fail "a 1,500-byte line was cut by default"
"$BIN" import -c "$T/long.conf" --db "$T/l2.db" "$T/long.log" >"$T/out" 2>"$T/err" ||
	fail "long line, max_line 1k: exit $?"
grep -q ', 1 cut' "$T/out" || fail "max_line 1k did not cut the 1,500-byte line"
expect "$T/l2.db" "1 2 1 0" "a cut deferral still counts"
echo "ok: import cuts at the configuration's max_line"

# 5. Errors: exit 1 with a message naming the input; other files still go in.
DB=$T/d.db
gen 0 8 >"$T/ok.log"
set +e
"$BIN" import --db "$DB" "$T/missing.log" "$T/ok.log" >"$T/out" 2>"$T/err"
rc=$?
set -e
[ $rc -eq 1 ] || fail "missing file: exit $rc"
grep -q 'missing.log' "$T/err" || fail "missing file not named: $(cat "$T/err")"
expect "$DB" "2 2 2 0" "good file after a missing one"
printf '\x1f\x8b\x08\x00garbage-not-gzip' >"$T/corrupt.gz"
set +e
"$BIN" import --db "$DB" "$T/corrupt.gz" >"$T/out" 2>"$T/err"
rc=$?
"$BIN" import --db "$DB" "$T" >/dev/null 2>"$T/err2"
rc2=$?
"$BIN" import --db "$DB" >/dev/null 2>&1
rc3=$?
set -e
[ $rc -eq 1 ] || fail "corrupt .gz: exit $rc"
grep -qi 'gzip' "$T/err" || fail "corrupt .gz: no gzip error: $(cat "$T/err")"
[ $rc2 -eq 1 ] || fail "directory: exit $rc2"
[ $rc3 -eq 2 ] || fail "no argument: exit $rc3 (want usage error 2)"
expect "$DB" "2 2 2 0" "errors add nothing"
echo "import: all checks passed"
