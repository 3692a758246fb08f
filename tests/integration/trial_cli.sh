#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What a new postmaster meets first, with the real binary: the small
# things a walk through every command found (the trial of 2026-12-06).
# Each block names what it guards.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# A small Postfix log: deferrals and a bounce at two providers.
qq_deferrals "$tmp/t.log"
echo "2026-11-22T10:30:00+00:00 mx1 postfix/smtp[200]: B0001:" \
	"to=<x@example.org>, relay=mx.example.org[192.0.2.9]:25, delay=1," \
	"delays=0.1/0/1/0.1, dsn=5.1.1, status=bounced (host" \
	"mx.example.org[192.0.2.9] said: 550 5.1.1 no such user (in reply to" \
	"RCPT TO command))" >>"$tmp/t.log"
bs import --db "$tmp/db" "$tmp/t.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import"

# status names the database once (a merge once printed it twice).
bs status --db "$tmp/db" >"$tmp/status.out" 2>"$tmp/status.err" || true
[ "$(grep -c '^database:' "$tmp/status.out")" = 1 ] ||
	fail "status: the database line is not printed exactly once"

# A database that is not one: the error names the file once and points
# to 'bouncestat rebuild' (it named the file twice, with no way out).
printf 'not a database at all, overwritten..............................\n' \
	>"$tmp/junk.db"
for c in report status incidents messages; do
	if bs "$c" --db "$tmp/junk.db" >/dev/null 2>"$tmp/junk.err"; then
		fail "$c: a junk database was accepted"
	fi
	[ "$(grep -o 'junk.db' "$tmp/junk.err" | wc -l)" = 1 ] ||
		fail "$c: the database is not named exactly once"
	grep -q "bouncestat rebuild" "$tmp/junk.err" ||
		fail "$c: no hint at 'bouncestat rebuild'"
done

# The daemon refuses a database it cannot open with an error (it was a
# warning), and points to 'bouncestat rebuild' only for a corrupt one,
# not for a directory that does not exist.
: >"$tmp/follow.log"
rc=0
timeout 30 "$BOUNCESTAT" daemon --allow-root --db "$tmp/no/such/dir/db" \
	--follow "$tmp/follow.log" >/dev/null 2>"$tmp/d1.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon, missing directory: exit $rc, want 1"
grep -q "error: database: .*unable to open" "$tmp/d1.err" ||
	fail "daemon, missing directory: no error line"
grep -q "rebuild" "$tmp/d1.err" &&
	fail "daemon, missing directory: told to rebuild a corrupt database"
rc=0
timeout 30 "$BOUNCESTAT" daemon --allow-root --db "$tmp/junk.db" \
	--follow "$tmp/follow.log" >/dev/null 2>"$tmp/d2.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon, junk database: exit $rc, want 1"
grep -q "error: database: .*bouncestat rebuild" "$tmp/d2.err" ||
	fail "daemon, junk database: no hint at 'bouncestat rebuild'"

# The incidents table fits 80 columns (README, bouncestat(8)) also when
# an incident's last minute is on another day than its start, next to a
# resolved rate_limited one: the key column kept 10 columns and the rows
# were 83 wide.
python3 - "$tmp/span.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
for i, t in enumerate(["22T23:58", "23T00:03", "23T00:06"]):
    out.write("2026-11-%s:00+00:00 mx1 postfix/smtp[%d]: C%04X: "
              "to=<v%d@example.net>, relay=mx.example.net[192.0.2.10]:25, "
              "delay=1, delays=0.1/0/1/0.1, dsn=5.7.1, status=bounced "
              "(host mx.example.net[192.0.2.10] said: 554 5.7.1 Service "
              "unavailable; Client host [198.51.100.7] blocked using "
              "zen.spamhaus.org (in reply to RCPT TO command))\n"
              % (t, 300 + i, i, i))
for i in range(8):
    out.write("2026-11-22T10:%02d:00+00:00 mx1 postfix/smtp[%d]: D%04X: "
              "to=<w%d@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, "
              "delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred "
              "(host mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many "
              "connections (in reply to RCPT TO command))\n"
              % (i, 400 + i, i, i))
PY
bs import --db "$tmp/span.db" "$tmp/span.log" >/dev/null 2>"$tmp/span.err" ||
	fail "import span.log"
(unset COLUMNS; bs incidents --db "$tmp/span.db" --since all \
	--now 2026-11-23T01:00 >"$tmp/span.out" 2>>"$tmp/span.err") ||
	fail "incidents over span.log"
grep -q "resolved .*rate_limited" "$tmp/span.out" &&
	grep -q "open .*2026-11-23 .*dnsbl" "$tmp/span.out" ||
	fail "incidents over span.log: not the two incidents expected"
w=$(LC_ALL=C.UTF-8 wc -L <"$tmp/span.out")
[ "$w" -le 80 ] || fail "incidents: $w columns, want at most 80"
grep -q "^ *zen.spamhaus.org 198.51.100.7$" "$tmp/span.out" ||
	fail "incidents: the cut key is not shown in full below its row"

# report --by fits 80 columns (its header alone was 99 wide, a client
# name pushed rows to 125): the key is cut to what is left and shown in
# full on the line below.
python3 - "$tmp/by.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
client = "host-203-0-113-77.dyn.very-long-isp-name.example.net[203.0.113.77]"
for i in range(3):
    q = "E%04X" % i
    t = "2026-11-22T11:%02d:%%02d+00:00 mx1 postfix/" % i
    out.write(t % 0 + "smtpd[10]: %s: client=%s, sasl_method=PLAIN, "
              "sasl_username=someone.with.a.long.name@customers.example.org\n"
              % (q, client))
    out.write(t % 1 + "cleanup[11]: %s: message-id=<m%d@example.org>\n"
              % (q, i))
    out.write(t % 2 + "qmgr[12]: %s: from=<news@lists.example.org>, "
              "size=900, nrcpt=1 (queue active)\n" % q)
    out.write(t % 3 + "smtp[13]: %s: to=<u%d@qq.com>, "
              "relay=mx1.qq.com[203.205.219.57]:25, delay=1, "
              "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
              "mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many "
              "connections (in reply to RCPT TO command))\n" % (q, i))
PY
bs import --db "$tmp/by.db" "$tmp/by.log" >/dev/null 2>"$tmp/by.err" ||
	fail "import by.log"
for k in client sasl-user sender-domain transport host; do
	(unset COLUMNS; bs report --db "$tmp/by.db" --since all --by "$k" \
		>"$tmp/by.out" 2>>"$tmp/by.err") || fail "report --by $k"
	grep -q "^  [^ ].* 3 .* 3 .*rate_limited$" "$tmp/by.out" ||
		fail "report --by $k: no row of the 3 messages"
	w=$(LC_ALL=C.UTF-8 wc -L <"$tmp/by.out")
	[ "$w" -le 80 ] || fail "report --by $k: $w columns, want at most 80"
done
bs report --db "$tmp/by.db" --since all --by client >"$tmp/by.out"
grep -q "^ *host-203-0-113-77.dyn.very-long-isp-name.example.net\[203.0.113.77\]$" \
	"$tmp/by.out" || fail "report --by client: the cut name is not shown in full"

# messages --status takes the states and statuses it lists; another word
# is a usage error, as for --class (it listed nothing and exited 0).
rc=0
bs messages --db "$tmp/by.db" --since all --status defered \
	>/dev/null 2>"$tmp/status.err" || rc=$?
[ "$rc" = 2 ] || fail "messages --status defered: exit $rc, want 2"
grep -q "status" "$tmp/status.err" || fail "messages --status: no reason"
for s in queued deferred sent bounced expired removed incomplete; do
	bs messages --db "$tmp/by.db" --since all --status "$s" >/dev/null ||
		fail "messages --status $s refused"
done
[ "$(bs messages --db "$tmp/by.db" --since all --status deferred --qids |
	wc -l)" = 3 ] || fail "messages --status deferred: not the 3 messages"

# messages --domain ignores case, as report --domain does (QQ.com found
# nothing in messages while the report counted qq.com).
[ "$(bs messages --db "$tmp/by.db" --since all --domain QQ.Com --qids |
	wc -l)" = 3 ] || fail "messages --domain QQ.Com: not the 3 messages"

# daemon --follow DIR: the warning says it is a directory (it said
# "Invalid argument", then "does not exist yet; waiting for it").
mkdir "$tmp/adir"
daemon_briefly dir --follow "$tmp/adir"
grep -q "tail: $tmp/adir: open: Is a directory" "$tmp/dir.err" ||
	fail "daemon --follow DIR: not told it is a directory"
grep -q "does not exist" "$tmp/dir.err" &&
	fail "daemon --follow DIR: told that it does not exist"

# dnsbl-check with a resolver that never answers (a closed port on
# 127.0.0.1): every query fails, and that is a failure, exit 1 (it exited
# 0, "no listing", as for a clean IP). The errors are still listed.
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
rc=0
bs dnsbl-check --resolver "127.0.0.1:$port" --timeout 200ms 192.0.2.1 \
	>"$tmp/dnsbl.out" 2>"$tmp/dnsbl.err" || rc=$?
[ "$rc" = 1 ] || fail "dnsbl-check, no resolver: exit $rc, want 1"
grep -q "ERROR" "$tmp/dnsbl.out" || fail "dnsbl-check: the errors not shown"
grep -q "error: no list answered" "$tmp/dnsbl.err" ||
	fail "dnsbl-check: no reason for the failure"

# --utc "in every command" (README): trace and messages refused it, and
# trace showed local times with no way to ask for UTC.
TZ=Europe/Berlin bs trace --db "$tmp/by.db" --utc E0000 >"$tmp/trace.out" ||
	fail "trace --utc refused"
grep -q "^  2026-11-22 11:00:00  from news@lists.example.org" \
	"$tmp/trace.out" || fail "trace --utc: not in UTC"
TZ=Europe/Berlin bs trace --db "$tmp/by.db" E0000 >"$tmp/trace.out" ||
	fail "trace"
grep -q "^  2026-11-22 12:00:00  from " "$tmp/trace.out" ||
	fail "trace: not in local time"
[ "$(bs messages --db "$tmp/by.db" --utc --since 2026-11-22T11:01 --qids |
	wc -l)" = 2 ] || fail "messages --utc --since: not the 2 later messages"

# classify -: the text lines' columns are documented (--help said only
# "one result per line") and are what the help says.
bs classify --help | tr '\n' ' ' |
	grep -q "text: class, rule, code, enhanced status, temporary or permanent, DNSBL and listed IP, tab-separated" ||
	fail "classify --help: the columns of 'classify -' are not described"
printf '550 5.7.1 blocked using zen.spamhaus.org\n421 HL:ICC too many\n' |
	bs classify - >"$tmp/classify.out" || fail "classify -"
[ "$(sed -n 1p "$tmp/classify.out")" = "$(printf 'blacklisted\tspamhaus\t550\t5.7.1\tpermanent\tzen.spamhaus.org\t-')" ] ||
	fail "classify -: line 1 is not the columns the help names"
[ "$(cut -f1,3,5 "$tmp/classify.out" | sed -n 2p)" = "$(printf 'rate_limited\t421\ttemporary')" ] ||
	fail "classify -: line 2 is not the columns the help names"

# A truncated .gz: the error is the input's name and zlib's reason, not
# zlib's name for a descriptor ("gzip: <fd:7>: unexpected end of file").
python3 - "$tmp/big.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
for i in range(20000):
    out.write("2026-11-22T12:%02d:%02d+00:00 mx1 postfix/smtp[7]: F%05X: "
              "to=<z%d@example.com>, relay=mx.example.com[192.0.2.7]:25, "
              "delay=1, delays=0.1/0/1/0.1, dsn=2.0.0, status=sent (250 ok "
              "%d)\n" % (i // 60 % 60, i % 60, i, i, i * 7919))
PY
gzip -c "$tmp/big.log" | head -c 20000 >"$tmp/cut.gz"
rc=0
bs import --db "$tmp/gz.db" "$tmp/cut.gz" >/dev/null 2>"$tmp/gz.err" || rc=$?
[ "$rc" = 1 ] || fail "import of a truncated .gz: exit $rc, want 1"
grep -q "cut.gz: gzip: unexpected end of file" "$tmp/gz.err" ||
	fail "import of a truncated .gz: not the reason"
grep -q "<fd:" "$tmp/gz.err" && fail "import: zlib's descriptor name shown"

# The daemon's warning about results older than the late bound names a
# time, not epoch seconds ("results before 1794218400 arrived ...").
NOW=1795341600
echo "$NOW" >"$tmp/clock"
late_lines() { # FIRST_EPOCH COUNT PREFIX
	python3 - "$@" <<'PY'
import sys, time
t, n, q = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for i in range(n):
    print("%s mx1 postfix/smtp[1]: %s%05X: to=<l%d@qq.com>, "
          "relay=mx1.qq.com[203.205.219.57]:25, delay=1, "
          "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
          "mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many (in reply "
          "to RCPT TO command))"
          % (time.strftime("%Y-%m-%dT%H:%M:%S+00:00",
                           time.gmtime(t + i * 60)), q, i, i))
PY
}
# 8 recent replies: the detector opens an incident, so it has passed
# their minutes before the old ones come.
late_lines $((NOW - 3600)) 8 A >"$tmp/late.log"
BOUNCESTAT_TEST_CLOCK="$tmp/clock" "$BOUNCESTAT" daemon --allow-root \
	--db "$tmp/late.db" --follow "$tmp/late.log" >/dev/null \
	2>"$tmp/late.err" &
dpid=$!
wait_grep "detect: incident opened" "$tmp/late.err" 600 ||
	fail "daemon over late.log: no incident from the recent replies"
late_lines $((NOW - 20 * 86400)) 3 B >>"$tmp/late.log"
wait_grep "late bound" "$tmp/late.err" 600 || true
kill -TERM "$dpid"
wait "$dpid" || fail "daemon over late.log: exit $?"
grep -q "detect: results before 20[0-9-]*T[0-9:]*Z arrived more than the late bound" \
	"$tmp/late.err" || fail "daemon: the late-bound warning names no time"

# rebuild of one file says "1 file" (it said "from 1 files").
bs rebuild --db "$tmp/rebuilt.db" "$tmp/t.log" >"$tmp/rebuild.out" \
	2>"$tmp/rebuild.err" || fail "rebuild of one file"
grep -q "^rebuilt $tmp/rebuilt.db from 1 file$" "$tmp/rebuild.out" ||
	fail "rebuild: not 'from 1 file'"

# trace of a message that is not kept says why it may be missing (a
# delivered message is not kept by default; it said only "No message
# matches the argument.").
bs trace --db "$tmp/by.db" F00001 >"$tmp/trace.out" 2>"$tmp/trace.err" ||
	fail "trace of an unknown queue id: exit $?"
grep -q "No message matches" "$tmp/trace.out" && grep -q "message_records" \
	"$tmp/trace.out" || fail "trace: no hint at message_records"

# A message whose arrival was never logged has an unknown sender ("-"),
# not the null sender "<>" of a bounce (both were shown as "<>").
cat >"$tmp/null.log" <<'LOG'
2026-11-22T13:00:00+00:00 mx1 postfix/qmgr[12]: 1A2B3C4D5E: from=<>, size=3906, nrcpt=1 (queue active)
2026-11-22T13:00:01+00:00 mx1 postfix/smtp[13]: 1A2B3C4D5E: to=<n1@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many connections (in reply to RCPT TO command))
2026-11-22T13:00:02+00:00 mx1 postfix/smtp[13]: 6F7E8D9C0B: to=<n2@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many connections (in reply to RCPT TO command))
LOG
bs import --db "$tmp/null.db" "$tmp/null.log" >/dev/null 2>"$tmp/null.err" ||
	fail "import null.log"
bs messages --db "$tmp/null.db" --since all >"$tmp/null.out" ||
	fail "messages over null.log"
grep -q "^1A2B3C4D5E	deferred	<>	n1@qq.com	" "$tmp/null.out" ||
	fail "messages: the null sender is not <>"
grep -q "^6F7E8D9C0B	deferred	-	n2@qq.com	" "$tmp/null.out" ||
	fail "messages: an unknown sender is not -"
bs trace --db "$tmp/null.db" 6F7E8D9C0B | grep -q "  from -, client" ||
	fail "trace: an unknown sender is not -"
bs trace --db "$tmp/null.db" 1A2B3C4D5E | grep -q "  from <>, client" ||
	fail "trace: the null sender is not <>"

# The daemon's other reasons to refuse to start are errors too, not
# warnings: a journal directory that does not exist, a bad rule file.
rc=0
timeout 30 "$BOUNCESTAT" daemon --allow-root --db "$tmp/j.db" \
	--journal-dir "$tmp/no-journal" </dev/null >/dev/null \
	2>"$tmp/j.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon --journal-dir missing: exit $rc, want 1"
grep -q "error: daemon: the journal cannot be followed" "$tmp/j.err" ||
	fail "daemon --journal-dir missing: not an error"
mkdir "$tmp/badrules"
printf 'rule x\nclass nonsense\n' >"$tmp/badrules/a.rules"
printf 'rules_dir %s\n' "$tmp/badrules" >"$tmp/badrules.conf"
rc=0
timeout 30 "$BOUNCESTAT" daemon --allow-root -c "$tmp/badrules.conf" \
	--db "$tmp/j.db" --follow "$tmp/follow.log" >/dev/null \
	2>"$tmp/r.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon with a bad rule file: exit $rc, want 1"
grep -q "error: .*nonsense" "$tmp/r.err" ||
	fail "daemon with a bad rule file: not an error"

# Every option of a command's usage line is in bouncestat(8)'s synopsis
# of that command (report --by, incidents --utc, status --utc, daemon
# --log-level and others were missing).
syn=$(awk '/^\.SH SYNOPSIS/ { f = 1; next } /^\.SH/ { f = 0 } f' \
	"$BS_SRC/contrib/bouncestat.8" | sed 's/\\-/-/g')
for c in daemon import rebuild report incidents messages trace alert \
	classify parse status dnsbl-check check-config; do
	block=$(awk -v c="$c" '/^\.B bouncestat / { f = ($3 == c) } f' \
		<<<"$syn")
	[ -n "$block" ] || fail "bouncestat(8): no synopsis of $c"
	# The usage line: the first line of --help (alert: its SYNOPSIS).
	usage=$(bs "$c" --help | grep -m1 "bouncestat $c \[")
	for o in $(grep -o -- '--[a-z][a-z-]*' <<<"$usage" | sort -u); do
		grep -q -- "$o\b" <<<"$block" ||
			fail "bouncestat(8): $c $o is not in the synopsis"
	done
done

# report --by with --unknown is a usage error: --unknown was dropped
# without a word. (--by --host filters: fixes2_cli.sh.)
for o in --unknown; do
	rc=0
	# shellcheck disable=SC2086
	bs report --db "$tmp/by.db" --since all --by host $o >/dev/null \
		2>"$tmp/byopt.err" || rc=$?
	[ "$rc" = 2 ] || fail "report --by host $o: exit $rc, want 2"
done

# -c '' is a usage error like --db '' (it was "error: : No such file or
# directory").
for c in report status messages incidents import check-config daemon; do
	rc=0
	bs "$c" -c '' >/dev/null 2>"$tmp/c.err" || rc=$?
	[ "$rc" = 2 ] || fail "$c -c '': exit $rc, want 2"
	grep -q -- "-c: empty path" "$tmp/c.err" || fail "$c -c '': no reason"
done

# Every command's --help ends quietly when its reader goes away (alert,
# which keeps SIGPIPE ignored for sendmail, said "stdout: Broken pipe").
for c in daemon import rebuild report incidents messages trace alert \
	classify parse status dnsbl-check check-config; do
	bs "$c" --help 2>"$tmp/pipe.err" | head -c 1 >/dev/null
	[ ! -s "$tmp/pipe.err" ] ||
		fail "$c --help | head: $(head -c 200 "$tmp/pipe.err")"
done

# messages --incident N --since 7d keeps the --since given (7d was taken
# for the default and replaced by the incident's whole time).
id=$(bs incidents --db "$tmp/span.db" --since all --no-detect \
	--format json --kind rate_limited | python3 -c \
	'import json, sys; print(json.load(sys.stdin)[0]["id"])')
[ "$(bs messages --db "$tmp/span.db" --incident "$id" --qids |
	wc -l)" = 8 ] || fail "messages --incident $id: not its 8 messages"
[ "$(bs messages --db "$tmp/span.db" --incident "$id" --since 7d \
	--now 2026-12-20 --qids | wc -l)" = 0 ] ||
	fail "messages --incident $id --since 7d: --since ignored"

# incidents --replay --kind K: the timeline and its summary are of kind K
# (they showed every kind, and counted the dnsbl opening too).
bs incidents --db "$tmp/span.db" --replay --since all \
	--now 2026-11-23T01:00 --kind rate_limited >"$tmp/replay.out" ||
	fail "incidents --replay --kind"
grep -q "opened    dnsbl" "$tmp/replay.out" &&
	fail "incidents --replay --kind rate_limited: a dnsbl event listed"
grep -q "opened    rate_limited   qq.com" "$tmp/replay.out" ||
	fail "incidents --replay --kind rate_limited: its opening is missing"
grep -q ": 1 opened, 1 resolved, 0 open at the end" "$tmp/replay.out" ||
	fail "incidents --replay --kind: the summary counts other kinds"

echo "trial_cli: OK"
