#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes3), with the real binary: check-config
# names the line of webhook, exec and dnsbl_resolver problems; a failed
# write to stdout is an error for alert --dry-run as for every command;
# incidents --replay --open filters the timeline too. Each block failed
# before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# 1. check-config: webhook and exec entries (list directives) with their
# own line, an exec program that is not there or not executable, and a
# dnsbl_resolver c-ares refuses.
printf '#!/bin/sh\nexit 0\n' >"$tmp/hook"
chmod 755 "$tmp/hook"
printf 'not a program\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
cat >"$tmp/bad.conf" <<CONF
webhook https://hooks.example.org/ok
webhook ftp://hooks.example.org/bad
# a comment
exec relative/hook
exec $tmp/no-such-hook
exec $tmp/noexec
exec $tmp/hook
dnsbl_resolver localhost
CONF
rc=0
bs check-config -c "$tmp/bad.conf" >"$tmp/cc.out" 2>"$tmp/cc.err" || rc=$?
[ "$rc" = 1 ] || fail "check-config bad.conf: exit $rc, want 1"
for want in "bad.conf:2: webhook ftp://hooks.example.org/bad: " \
	"bad.conf:4: exec relative/hook: not an absolute path" \
	"bad.conf:5: exec $tmp/no-such-hook: No such file or directory" \
	"bad.conf:6: exec $tmp/noexec: not an executable file" \
	"bad.conf:8: dnsbl_resolver localhost: not a list of IP addresses" \
	"bad.conf: 5 errors"; do
	grep -qF "$want" "$tmp/cc.err" || fail "check-config: no '$want'"
done
grep -q "hooks.example.org/ok\|:7:" "$tmp/cc.err" &&
	fail "check-config: a good webhook or exec named"
cat >"$tmp/good.conf" <<CONF
webhook slack https://hooks.example.org/ok
exec $tmp/hook
dnsbl_resolver 127.0.0.1:5353,[::1]:53
CONF
bs check-config -c "$tmp/good.conf" >"$tmp/ccg.out" 2>"$tmp/ccg.err" ||
	fail "check-config good.conf"
grep -qx "configuration OK" "$tmp/ccg.out" || fail "check-config good.conf: not OK"

# 2. A failed write to stdout: alert --dry-run fails with one error line,
# worded as every command's failure (it logged a warning, and main() then
# said "bouncestat: stdout: ..." again); report likewise.
qq_deferrals "$tmp/q.log"
bs import --db "$tmp/q.db" "$tmp/q.log" >/dev/null 2>"$tmp/q.err" ||
	fail "import q.log"
for args in "--mail-to pm@example.org" "--mail-to pm@example.org --html" \
	"--webhook http://127.0.0.1:9/hook"; do
	rc=0
	# shellcheck disable=SC2086
	bs alert --db "$tmp/q.db" --now 2026-11-22T10:20:00Z --dry-run $args \
		>/dev/full 2>"$tmp/full.err" || rc=$?
	[ "$rc" = 1 ] || fail "alert --dry-run $args >/dev/full: exit $rc"
	[ "$(grep -c . "$tmp/full.err")" = 1 ] ||
		fail "alert --dry-run $args >/dev/full: not one line"
	grep -qx "bouncestat alert: error: stdout: No space left on device" \
		"$tmp/full.err" || fail "alert --dry-run $args >/dev/full: wording"
done
rc=0
bs report --db "$tmp/q.db" --since all >/dev/full 2>"$tmp/full.err" || rc=$?
[ "$rc" = 1 ] || fail "report >/dev/full: exit $rc"
grep -qx "bouncestat report: error: stdout: No space left on device" \
	"$tmp/full.err" || fail "report >/dev/full: wording"
rm "$tmp/full.err"

# 3. incidents --replay --open: the timeline and the summary are of the
# incidents open at the end, as the table is (only the table was
# filtered). qq.com throttles 10:00-10:11 (opened, resolved), 163.com
# 12:00-12:11 (open at 12:20).
python3 - "$tmp/r.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
for h, dom in ((10, "qq.com"), (12, "163.com")):
    relay = "mx1.%s[192.0.2.%d]" % (dom, h)
    for i in range(12):
        out.write("2026-11-22T%02d:%02d:00+00:00 mx1 postfix/smtp[%d]: "
                  "%X: to=<u%d@%s>, relay=%s:25, delay=1, "
                  "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host %s "
                  "said: 421 HL:ICC too many connections (in reply to RCPT "
                  "TO command))\n"
                  % (h, i, 100 + i, 0xA0000 + h * 256 + i, i, dom, relay,
                     relay))
PY
bs import --db "$tmp/r.db" "$tmp/r.log" >/dev/null 2>"$tmp/r.err" ||
	fail "import r.log"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay >"$tmp/rall.out" 2>"$tmp/rall.err" || fail "replay"
grep -q "resolved  rate_limited   qq.com" "$tmp/rall.out" ||
	fail "replay: qq.com did not resolve (the test's premise)"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay --open >"$tmp/ropen.out" 2>"$tmp/ropen.err" ||
	fail "replay --open"
grep -q "opened    rate_limited   163.com" "$tmp/ropen.out" ||
	fail "replay --open: the opening of 163.com is not listed"
grep -q "qq.com" "$tmp/ropen.out" &&
	fail "replay --open: qq.com (resolved) is listed"
grep -q "resolved" "$tmp/ropen.out" &&
	fail "replay --open: a resolution is listed"
grep -q ": 1 open at the end" "$tmp/ropen.out" ||
	fail "replay --open: the summary"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay --open --format json >"$tmp/rjson.out" 2>"$tmp/rjson.err" ||
	fail "replay --open --format json"
python3 - "$tmp/rjson.out" <<'PY' || fail "replay --open --format json: rows"
import json, sys
d = json.load(open(sys.argv[1]))
assert [(i["key"], i["state"]) for i in d] == [("163.com", "open")], d
PY
rm "$tmp"/r*.out

# 4. Zones half an hour or 45 minutes off UTC. Counts are kept per UTC
# hour, so there a chart mark starts at HH:30 (HH:45) local: the text
# sparkline's range said 04:00 where its first hour starts at 05:30, and
# the HTML chart of more than two days had no day labels at all. Every
# failure stays in exactly one mark; incidents and the alert mail show
# the zone's local time and offset.
python3 - "$tmp/z.log" <<'PY'
import sys, datetime
out = open(sys.argv[1], "w")
t0 = datetime.datetime(2026, 11, 18, 0, 0, tzinfo=datetime.timezone.utc)
lines = []
for m in range(0, 5 * 24 * 60, 30):
    t = t0 + datetime.timedelta(minutes=m)
    for j in range(1 + (m // 60) % 3):
        lines.append("%s mx1 postfix/smtp[100]: %X: to=<u%d@example.com>, "
                     "relay=mx.example.com[192.0.2.25]:25, delay=1, "
                     "delays=0.1/0/1/0.1, dsn=5.1.1, status=bounced (host "
                     "mx.example.com[192.0.2.25] said: 550 5.1.1 "
                     "<u@example.com>: Recipient address rejected: User "
                     "unknown (in reply to RCPT TO command))"
                     % ((t + datetime.timedelta(seconds=j))
                        .strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                        0x10000 + m * 4 + j, m * 4 + j))
for i in range(12):  # a throttling at 06:10-06:21 UTC on the 22nd
    lines.append("2026-11-22T06:%02d:30+00:00 mx1 postfix/smtp[101]: %X: "
                 "to=<q%d@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, "
                 "delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred "
                 "(host mx1.qq.com[203.205.219.57] said: 421 HL:ICC too "
                 "many connections (in reply to RCPT TO command))"
                 % (10 + i, 0xB0000 + i, i))
out.write("\n".join(sorted(lines)) + "\n")
PY
bs import --db "$tmp/z.db" "$tmp/z.log" >/dev/null 2>"$tmp/z.err" ||
	fail "import z.log"
failures=$(grep -c "status=" "$tmp/z.log")
for zm in Asia/Kolkata:30:+0530 Asia/Kathmandu:45:+0545 \
	Australia/Adelaide:30:+1030 America/St_Johns:30:-0330; do
	zone=${zm%%:*} min=${zm#*:} off=${zm##*:}
	min=${min%%:*}
	[ -f "/usr/share/zoneinfo/$zone" ] ||
		fail "no /usr/share/zoneinfo/$zone (package tzdata)"
	# Text: the sparkline's range starts and ends at HH:$min.
	TZ=$zone bs report --db "$tmp/z.db" --since all \
		--now 2026-11-23T00:00:00Z >"$tmp/zt.out" 2>"$tmp/zt.err" ||
		fail "$zone: report"
	range=$(sed -n '/^Failures per/{n;n;p;}' "$tmp/zt.out")
	echo "$range" | grep -Eq "^ +[0-9-]+ [0-9]{2}:$min +[0-9-]+ [0-9]{2}:$min$" ||
		fail "$zone: the sparkline's range '$range' is not at :$min"
	# HTML: a label for each of the 5 local days that start in the data,
	# and the marks hold every failure once.
	TZ=$zone bs report --db "$tmp/z.db" --since all \
		--now 2026-11-23T00:00:00Z --format html >"$tmp/zh.html" \
		2>"$tmp/zh.err" || fail "$zone: report --format html"
	days=$(grep -Eo 'fill="#555555">[0-9]{2}-[0-9]{2}<' "$tmp/zh.html" |
		grep -c .) || true
	[ "$days" = 5 ] || fail "$zone: $days day labels in the HTML chart, want 5"
	sum=$(grep -Eo ' [0-9]+</title></rect>' "$tmp/zh.html" |
		grep -Eo '[0-9]+' | paste -sd+ | bc)
	[ "$sum" = "$failures" ] ||
		fail "$zone: the HTML chart holds $sum failures, want $failures"
	# Incidents and the alert mail: local time of 06:10 UTC, the offset.
	want=$(python3 -c 'import datetime, zoneinfo, sys
t = datetime.datetime(2026, 11, 22, 6, 10, tzinfo=datetime.timezone.utc)
print(t.astimezone(zoneinfo.ZoneInfo(sys.argv[1])).strftime("%Y-%m-%d %H:%M"))' "$zone")
	TZ=$zone bs incidents --db "$tmp/z.db" --since all \
		--now 2026-11-22T07:00:00Z >"$tmp/zi.out" 2>"$tmp/zi.err" ||
		fail "$zone: incidents"
	grep -q "rate_limited qq.com" "$tmp/zi.out" || fail "$zone: no incident"
	grep -q " $want " "$tmp/zi.out" || fail "$zone: incidents: no '$want'"
	TZ=$zone bs alert --db "$tmp/z.db" --now 2026-11-22T07:00:00Z \
		--mail-to pm@example.org --dry-run >"$tmp/za.out" \
		2>"$tmp/za.err" || fail "$zone: alert --dry-run"
	grep -q "^Date: .* $off$" "$tmp/za.out" || fail "$zone: alert Date"
	grep -q "$want $off" "$tmp/za.out" || fail "$zone: alert: no '$want $off'"
done
rm "$tmp"/z*.out

# 5. A log line stamped 1970-01-01T00:00Z (a host whose clock was not set
# yet): the counts of the epoch's hour are data too. report said it had
# none ("data": null in JSON, empty in CSV, "no data" in HTML) and did not
# clamp its header, as the first hour, 0, stood for "none".
# Since fixes6, import skips such a line (reason bad_time, fixes6_cli.sh);
# a database written before holds it still: made here by moving the
# counts of an imported line to the epoch with sqlite3.
E='%s mx1 postfix/smtp[1]: E%04d: to=<u@example.com>, relay=mx.example.com[192.0.2.25]:25, delay=1, delays=0/0/0/0, dsn=5.1.1, status=bounced (host mx.example.com[192.0.2.25] said: 550 5.1.1 User unknown (in reply to RCPT TO command))\n'
# shellcheck disable=SC2059
printf "$E" 2026-11-22T10:00:00+00:00 1 >"$tmp/e1.log"
# shellcheck disable=SC2059
printf "$E" 2026-11-22T10:00:00+00:00 2 >"$tmp/e.log"
bs import --db "$tmp/e.db" "$tmp/e1.log" >/dev/null 2>"$tmp/e.err" ||
	fail "import e1.log"
sqlite3 "$tmp/e.db" "UPDATE count_hour SET bucket = 0;
	UPDATE count_hour_class SET bucket = 0; UPDATE count_day SET bucket = 0;
	UPDATE count_month SET bucket = 0; UPDATE count_minute_pk SET bucket = 0;
	UPDATE meta SET value = '0' WHERE key = 'roll_mark';
	UPDATE event SET t = 5; UPDATE message SET first = 5, last = 5,
	final = CASE final WHEN 0 THEN 0 ELSE 5 END;" ||
	fail "sqlite3: moving e1.log's counts to 1970"
bs import --db "$tmp/e.db" "$tmp/e.log" >/dev/null 2>"$tmp/e.err" ||
	fail "import e.log"
bs report --db "$tmp/e.db" --since all --now 2026-11-23T00:00:00Z \
	--format json >"$tmp/ej.out" 2>"$tmp/ej.err" || fail "report json"
python3 - "$tmp/ej.out" <<'PY' || fail "report json: the data range"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["data"] == {"since": "1970-01-01T00:00:00Z",
                     "until": "2026-11-22T11:00:00Z"}, d["data"]
assert d["totals"]["bounced"] == 2, d["totals"]
PY
bs report --db "$tmp/e.db" --since all --now 2026-11-23T00:00:00Z \
	--format csv >"$tmp/ec.out" 2>"$tmp/ec.err" || fail "report csv"
grep -q "^range,data_since,1970-01-01T00:00:00Z," "$tmp/ec.out" ||
	fail "report csv: data_since"
bs report --db "$tmp/e.db" --since all --now 2026-11-23T00:00:00Z \
	--format html >"$tmp/eh.out" 2>"$tmp/eh.err" || fail "report html"
grep -q "data from 1970-01-01 00:00 to 2026-11-22 11:00" "$tmp/eh.out" ||
	fail "report html: the data range"
bs report --db "$tmp/e.db" --since all --now 2026-11-23T00:00:00Z \
	>"$tmp/et.out" 2>"$tmp/et.err" || fail "report text"
grep -q "^bouncestat report: the beginning to 2026-11-22 11:00 (UTC)" \
	"$tmp/et.out" || fail "report text: not clamped to the data"
rm "$tmp"/e*.out

# 6. The webhook's JSON and an exec hook's standard input carry the
# incident's logging hosts, as 'incidents --format json' does (they had
# "hosts": "": the pending list reads no events). A local receiver.
qq_deferrals "$tmp/w6.log"
bs import --db "$tmp/w6.db" "$tmp/w6.log" >/dev/null 2>"$tmp/w6.err" ||
	fail "import w6.log"
mkdir "$tmp/rx"
python3 "$BS_SRC/tests/integration/webhook_receiver.py" "$tmp/rx" &
RPID=$!
trap 'kill "$RPID" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
	[ -s "$tmp/rx/port" ] && break
	sleep 0.05
done
[ -s "$tmp/rx/port" ] || fail "webhook receiver did not start"
# shellcheck disable=SC2016 # $BOUNCESTAT_ID is the hook's to expand
printf '#!/bin/sh\ncat >"%s/hook.$BOUNCESTAT_ID.json"\n' "$tmp" >"$tmp/hook6"
chmod 755 "$tmp/hook6"
bs incidents --db "$tmp/w6.db" --since all --now 2026-11-22T10:20:00Z \
	--format json >"$tmp/hi.out" 2>"$tmp/hi.err" || fail "incidents json"
bs alert --db "$tmp/w6.db" --now 2026-11-22T10:20:00Z --no-detect \
	--webhook "http://127.0.0.1:$(cat "$tmp/rx/port")/hook" \
	--exec "$tmp/hook6" >"$tmp/h6.out" 2>"$tmp/h6.err" ||
	fail "alert --webhook --exec"
# A receiver failing: "1 incident left" (it said "1 incidents").
echo 500 >"$tmp/rx/status"
rc=0
bs alert --db "$tmp/w6.db" --now 2026-11-22T10:20:00Z --no-detect \
	--webhook "http://127.0.0.1:$(cat "$tmp/rx/port")/other" \
	>"$tmp/h6b.out" 2>"$tmp/h6b.err" || rc=$?
[ "$rc" = 1 ] || fail "alert, webhook answering 500: exit $rc"
grep -q "HTTP 500 (1 incident left for the next run)" "$tmp/h6b.err" ||
	fail "alert, webhook answering 500: the message"
rm "$tmp"/h6b.*
kill "$RPID"
python3 - "$tmp/hi.out" "$tmp/rx/req-1.json" "$tmp"/hook.*.json <<'PY' ||
import json, sys
live = json.load(open(sys.argv[1]))
assert [i["hosts"] for i in live] == ["mx1"], live
hook = json.loads(json.load(open(sys.argv[2]))["body"])["incidents"]
assert [i["hosts"] for i in hook] == ["mx1"], hook
for f in sys.argv[3:]:
    d = json.load(open(f))
    d = d["incidents"][0] if "incidents" in d else d
    assert d["hosts"] == "mx1", (f, d)
assert len(sys.argv) == 4, sys.argv
PY
	fail "webhook or exec: hosts not those of incidents --format json"

# 7. alert --webhook-format after the last --webhook applied to nothing and
# was silently ignored (the URL got JSON): a usage error now.
qq_deferrals "$tmp/w7.log"
bs import --db "$tmp/w7.db" "$tmp/w7.log" >/dev/null 2>"$tmp/w7.err" ||
	fail "import w7.log"
rc=0
bs alert --db "$tmp/w7.db" --now 2026-11-22T10:20:00Z --dry-run \
	--webhook http://127.0.0.1:9/hook --webhook-format slack \
	>"$tmp/wf.out" 2>"$tmp/wf.err" || rc=$?
[ "$rc" = 2 ] || fail "alert --webhook URL --webhook-format slack: exit $rc"
grep -q "^bouncestat alert: --webhook-format slack: no --webhook follows it" \
	"$tmp/wf.err" || fail "alert: trailing --webhook-format not told"
bs alert --db "$tmp/w7.db" --now 2026-11-22T10:20:00Z --dry-run \
	--webhook-format slack --webhook http://127.0.0.1:9/hook \
	>"$tmp/wf.out" 2>"$tmp/wf.err" || fail "alert --webhook-format slack --webhook URL"
grep -q '^POST http://127.0.0.1:9/... (slack, 1 incident)$' "$tmp/wf.out" ||
	fail "alert --webhook-format slack --webhook URL: not slack"
rm "$tmp"/wf.*

# 8. report --since after --now, no --until: the message named "--until:
# now" (an option not given); it names the present (--now) and --since.
qq_deferrals "$tmp/w8.log"
bs import --db "$tmp/w8.db" "$tmp/w8.log" >/dev/null 2>"$tmp/w8.err" ||
	fail "import w8.log"
rc=0
bs report --db "$tmp/w8.db" --since 2026-11-22 --now 2026-11-21 \
	>"$tmp/sn.out" 2>"$tmp/sn.err" || rc=$?
[ "$rc" = 2 ] || fail "report --since after --now: exit $rc"
grep -qx "bouncestat report: --since is not before the present (--now, the default --until): 2026-11-22" \
	"$tmp/sn.err" || fail "report --since after --now: the message"
rm "$tmp"/sn.*

# 9. Usage errors read "bouncestat CMD: ..." also when getopt finds them
# (they read "messages: unrecognized option"); --incident past the range
# of a number is a usage error (it became "no incident 9223372036854775807").
for c in report messages incidents alert trace status import classify; do
	rc=0
	bs "$c" --no-such-option >"$tmp/uo.out" 2>"$tmp/uo.err" || rc=$?
	[ "$rc" = 2 ] || fail "$c --no-such-option: exit $rc"
	grep -q "^bouncestat $c: unrecognized option '--no-such-option'" \
		"$tmp/uo.err" || fail "$c --no-such-option: the wording"
done
rc=0
bs messages --db "$tmp/w8.db" --incident 99999999999999999999 \
	>"$tmp/uo.out" 2>"$tmp/uo.err" || rc=$?
[ "$rc" = 2 ] || fail "messages --incident 99999999999999999999: exit $rc"
grep -q "^bouncestat messages: bad --incident: 99999999999999999999" \
	"$tmp/uo.err" || fail "messages --incident 99999999999999999999: message"
rm "$tmp"/uo.*

# 10. A receiver's name with a control character and a bidi override
# ("ex<ESC>ample<U+202E>.com", a recipient domain as logged) read as
# "example.com" in incidents, the alert mail (text and HTML), the HTML
# report and the Slack message: they were removed. Each byte is a '?'.
python3 - "$tmp/n.log" <<'PY'
import sys
out = open(sys.argv[1], "wb")
dom = "ex\x1bample\u202e.com"
for i in range(12):
    out.write(("2026-11-22T10:%02d:00+00:00 mx1 postfix/smtp[1]: N%04X: "
               "to=<u%d@%s>, relay=mx.%s[192.0.2.66]:25, delay=1, "
               "delays=0/0/1/0, dsn=4.0.0, status=deferred (host "
               "mx.x[192.0.2.66] said: 421 4.7.0 too many connections, "
               "slow down (in reply to RCPT TO command))\n"
               % (i, i + 1, i, dom, dom)).encode())
PY
bs import --db "$tmp/n.db" "$tmp/n.log" >/dev/null 2>"$tmp/n.err" ||
	fail "import n.log"
spoof='ex?ample???.com'
bs incidents --db "$tmp/n.db" --since all --now 2026-11-22T10:20:00Z \
	>"$tmp/n1.out" 2>"$tmp/n1.err" || fail "incidents"
bs alert --db "$tmp/n.db" --now 2026-11-22T10:20:00Z --no-detect --dry-run \
	--mail-to pm@example.org >"$tmp/n2.out" 2>"$tmp/n2.err" || fail "alert"
bs alert --db "$tmp/n.db" --now 2026-11-22T10:20:00Z --no-detect --dry-run \
	--html --mail-to pm@example.org >"$tmp/n3.out" 2>"$tmp/n3.err" ||
	fail "alert --html"
bs report --db "$tmp/n.db" --since all --now 2026-11-22T10:20:00Z \
	--format html >"$tmp/n4.out" 2>"$tmp/n4.err" || fail "report html"
bs alert --db "$tmp/n.db" --now 2026-11-22T10:20:00Z --no-detect --dry-run \
	--webhook-format slack --webhook http://127.0.0.1:9/s \
	>"$tmp/n5.out" 2>"$tmp/n5.err" || fail "alert slack"
for n in 1 2 3 4 5; do
	grep -qF "$spoof" "$tmp/n$n.out" || fail "n$n.out: '$spoof' not shown"
	grep -q "example\.com" "$tmp/n$n.out" &&
		fail "n$n.out: the name reads as example.com"
done
grep '^Subject: ' "$tmp/n2.out" | grep -qF "vm: $spoof is throttling" ||
	fail "alert Subject: not '$spoof'"
rm "$tmp"/n[0-9].out

# 11. status printed a followed file's name raw: an escape sequence or a
# bidi override in a name (a glob matches any) reached the terminal.
hp="$tmp/ev$(printf '\033')[31mil$(printf '\342\200\256').log"
qq_deferrals "$hp"
daemon_briefly hp --follow "$hp"
rc=0 # 1: the daemon is not running
bs status --db "$tmp/hp.db" >"$tmp/hp.out" 2>"$tmp/hp.err" || rc=$?
[ "$rc" -le 1 ] || fail "status (hostile file name): exit $rc"
grep -qF "/ev?[31mil???.log " "$tmp/hp.out" ||
	fail "status: the file name is not shown with '?'"
LC_ALL=C grep -q "$(printf '\033')\|$(printf '\342\200\256')" "$tmp/hp.out" &&
	fail "status: an escape or a bidi override reached the output"
rm "$tmp"/hp.out

# 12. `bouncestat help CMD` printed the general usage, not CMD's help.
bs help report >"$tmp/hr.out" 2>"$tmp/hr.err" || fail "help report"
bs report --help >"$tmp/hr2.out" 2>&1 || fail "report --help"
cmp -s "$tmp/hr.out" "$tmp/hr2.out" || fail "help report is not report --help"
rc=0
bs help no-such-command >"$tmp/hr.out" 2>"$tmp/hr.err" || rc=$?
[ "$rc" = 2 ] || fail "help no-such-command: exit $rc"
rm "$tmp"/hr*

# 13. dnsbl_resolver / --resolver with a port c-ares takes but cannot use
# (99999 became another port; 0): refused like any unusable address.
for r in 127.0.0.1:99999 127.0.0.1:0 '[::1]:' '[::1]:70000'; do
	printf 'dnsbl_resolver %s\n' "$r" >"$tmp/port.conf"
	rc=0
	bs check-config -c "$tmp/port.conf" >"$tmp/port.out" \
		2>"$tmp/port.err" || rc=$?
	[ "$rc" = 1 ] || fail "check-config dnsbl_resolver $r: exit $rc"
	grep -qF "port.conf:1: dnsbl_resolver $r: not a list of IP addresses" \
		"$tmp/port.err" || fail "check-config dnsbl_resolver $r: message"
	rc=0
	bs dnsbl-check --resolver "$r" 192.0.2.1 >"$tmp/port.out" \
		2>"$tmp/port.err" || rc=$?
	[ "$rc" = 2 ] || fail "dnsbl-check --resolver $r: exit $rc"
done
for r in 127.0.0.1:5353 '[::1]:53,127.0.0.1' ::1 '127.0.0.1,[::1]:65535'; do
	printf 'dnsbl_resolver %s\n' "$r" >"$tmp/port.conf"
	bs check-config -c "$tmp/port.conf" >"$tmp/port.out" \
		2>"$tmp/port.err" || fail "check-config dnsbl_resolver $r refused"
done
rm "$tmp"/port.*

# 14. The daemon refusing to start is an error, not a warning, also when
# it refuses root without `user` and when metrics_listen cannot be served
# (both ended with exit 1 after a "warning:").
printf 'metrics_listen nonsense\n' >"$tmp/m14.conf"
qq_deferrals "$tmp/m14.log"
rc=0
bs daemon --allow-root -c "$tmp/m14.conf" --db "$tmp/m14.db" \
	--follow "$tmp/m14.log" >/dev/null 2>"$tmp/m14.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon with metrics_listen nonsense: exit $rc"
grep -q "^bouncestat: error: metrics: nonsense: " "$tmp/m14.err" ||
	fail "daemon with metrics_listen nonsense: not an error"
if [ "$(id -u)" = 0 ]; then
	rc=0
	: >"$tmp/empty.conf" # no `user`
	bs daemon -c "$tmp/empty.conf" --db "$tmp/m14.db" \
		--follow "$tmp/m14.log" >/dev/null 2>"$tmp/m14.err" || rc=$?
	[ "$rc" = 1 ] || fail "daemon as root without user: exit $rc"
	grep -q "^bouncestat: error: daemon: refusing to run as root" \
		"$tmp/m14.err" || fail "daemon as root without user: not an error"
fi
rm "$tmp"/m14.err

# 15. classify: a failed write or read is one error line in the commands'
# words (it was "bouncestat: warning: classify: stdout: ..." and then
# "bouncestat classify: error: stdout: write error").
rc=0
echo "550 5.1.1 user unknown" | bs classify - >/dev/full 2>"$tmp/c15.err" ||
	rc=$?
[ "$rc" = 1 ] || fail "classify - >/dev/full: exit $rc"
[ "$(grep -c . "$tmp/c15.err")" = 1 ] ||
	fail "classify - >/dev/full: not one line"
grep -qx "bouncestat classify: error: stdout: No space left on device" \
	"$tmp/c15.err" || fail "classify - >/dev/full: the message"
rc=0
bs classify - <"$tmp" >/dev/null 2>"$tmp/c15.err" || rc=$?
[ "$rc" = 1 ] || fail "classify - <DIR: exit $rc"
grep -qx "bouncestat classify: error: stdin: Is a directory" "$tmp/c15.err" ||
	fail "classify - <DIR: the message"
rm "$tmp"/c15.err

# 16. An exec hook's BOUNCESTAT_KEY for the receiver "ex<ESC>ample<RLO>.com"
# was "example.com" (control characters removed), which
# contrib/hooks/postfix-throttle accepts and would throttle: the wrong,
# real domain. It is "ex?ample???.com" now, which the hook refuses (10's
# database: its alerts were dry runs, so the incident is not notified yet).
cat >"$tmp/khook" <<HOOK
#!/bin/sh
printf '%s\n' "\$BOUNCESTAT_KEY" >"$tmp/k.key"
BS_DRY_RUN=1 BS_TRANSPORT_MAP="$tmp/k.map" \
	"$BS_SRC/contrib/hooks/postfix-throttle" "\$@" >"$tmp/k.hook" 2>&1
echo \$? >"$tmp/k.rc"
HOOK
chmod 755 "$tmp/khook"
bs alert --db "$tmp/n.db" --now 2026-11-22T10:20:00Z --exec "$tmp/khook" \
	>"$tmp/k.out" 2>"$tmp/k.err" || fail "alert --exec khook"
[ "$(cat "$tmp/k.key")" = 'ex?ample???.com' ] ||
	fail "BOUNCESTAT_KEY is '$(cat "$tmp/k.key")', want 'ex?ample???.com'"
[ "$(cat "$tmp/k.rc")" = 1 ] ||
	fail "postfix-throttle accepted the key: $(cat "$tmp/k.hook")"
grep -q "refusing key" "$tmp/k.hook" ||
	fail "postfix-throttle: no refusal: $(cat "$tmp/k.hook")"

# 17. incidents: "logged by" and "reported by" are names too: a logging
# host "mx<ESC>1<RLO>" read "mx1" (removed); now "mx?1???".
python3 - "$tmp/lh.log" <<'PY'
import sys
out = open(sys.argv[1], "wb")
for i in range(13):
    out.write(("2026-11-22T10:%02d:00+00:00 mx\x1b1\u202e postfix/smtp[1]: "
               "L%04X: to=<u%d@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, "
               "delay=1, delays=0/0/1/0, dsn=4.0.0, status=deferred (host "
               "mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many "
               "connections (in reply to RCPT TO command))\n"
               % (i, i + 1, i)).encode())
PY
bs import --db "$tmp/lh.db" "$tmp/lh.log" >/dev/null 2>"$tmp/lh.err" ||
	fail "import lh.log"
bs incidents --db "$tmp/lh.db" --since all --now 2026-11-22T10:20:00Z \
	>"$tmp/lh.out" 2>"$tmp/lh.err" || fail "incidents (hostile host)"
grep -qF "logged by mx?1???" "$tmp/lh.out" ||
	fail "incidents: the logging host is not shown with '?'"
rm "$tmp"/lh.out
