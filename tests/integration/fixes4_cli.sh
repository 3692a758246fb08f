#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes4), with the real binary: the daemon
# refuses a dnsbl_resolver as check-config does, at start and at a reload;
# report --domain/--host list only their incidents; alert times keep their
# own offset across a DST change; a widened --since today is said; trace
# of a Sendmail message; rebuild of a non-regular file; incidents --now.
# Each block failed before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# wait_log FILE TEXT: waits (up to 60 s) until FILE has a line with TEXT.
wait_log() {
	for _ in $(seq 600); do
		grep -qF "$2" "$1" && return 0
		sleep 0.1
	done
	fail "no '$2' in $1"
}

# 1. A dnsbl_resolver that check-config refuses: the daemon started with it
# (and failed at the first self-check); a reload took it. Now both refuse
# it with check-config's message.
qq_deferrals "$tmp/r1.log"
printf '# resolver\ndnsbl_resolver localhost\n' >"$tmp/r1bad.conf"
want="r1bad.conf:2: dnsbl_resolver localhost: not a list of IP addresses"
bs check-config -c "$tmp/r1bad.conf" >/dev/null 2>"$tmp/r1cc.err" &&
	fail "check-config accepts dnsbl_resolver localhost"
grep -qF "$want" "$tmp/r1cc.err" || fail "check-config: no '$want'"
rc=0
timeout 20 "$BOUNCESTAT" daemon --allow-root -c "$tmp/r1bad.conf" \
	--db "$tmp/r1.db" --follow "$tmp/r1.log" >/dev/null 2>"$tmp/r1.err" ||
	rc=$?
[ "$rc" = 1 ] || fail "daemon with dnsbl_resolver localhost: exit $rc, want 1"
grep -qF "$want" "$tmp/r1.err" || fail "daemon: no '$want'"
grep -q "^bouncestat: error: daemon: .*r1bad.conf: configuration has errors" \
	"$tmp/r1.err" || fail "daemon: not an error"
printf 'dnsbl_resolver 127.0.0.1:5353\n' >"$tmp/r1.conf"
"$BOUNCESTAT" daemon --allow-root -c "$tmp/r1.conf" --db "$tmp/r1.db" \
	--follow "$tmp/r1.log" >/dev/null 2>"$tmp/r1.err" &
dpid=$!
wait_log "$tmp/r1.err" "daemon: started"
printf 'dnsbl_resolver 127.0.0.1:99999\n' >"$tmp/r1.conf"
kill -HUP "$dpid"
wait_log "$tmp/r1.err" "keeping the running configuration"
kill -TERM "$dpid"
wait "$dpid" || fail "daemon r1: exit $?"
grep -qF "r1.conf:1: dnsbl_resolver 127.0.0.1:99999: not a list of IP" \
	"$tmp/r1.err" || fail "reload: the resolver is not refused"
rm "$tmp"/r1*

# 2. report --domain D / --host H listed every open incident of every
# receiver. Now only those of D (its key, or the provider D's mail went
# to: foxmail.com goes to qq.com's servers) and of H, and the heading says
# it is filtered; text, HTML and JSON.
python3 - "$tmp/f2.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
for q, dom, mx, ip, host in (
        ("A", "qq.com", "mx1.qq.com", "203.205.219.57", "mx1"),
        ("B", "foxmail.com", "mx1.qq.com", "203.205.219.57", "mx1"),
        ("C", "yahoo.com", "mta5.am0.yahoodns.net", "98.136.96.91", "mx2")):
    for i in range(12):
        out.write("2026-11-22T10:%02d:00+00:00 %s postfix/smtp[%d]: "
                  "%s%04X: to=<u%d@%s>, relay=%s[%s]:25, delay=1, "
                  "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
                  "%s[%s] said: 421 too many connections (in reply to "
                  "RCPT TO command))\n"
                  % (i, host, 100 + i, q, i, i, dom, mx, ip,
                     mx, ip))
PY
bs import --db "$tmp/f2.db" "$tmp/f2.log" >/dev/null 2>"$tmp/f2.err" ||
	fail "import f2.log"
n=(--db "$tmp/f2.db" --now 2026-11-22T10:30Z --since all)
bs incidents "${n[@]}" --open >"$tmp/f2all.out"
grep -q "yahoo.com" "$tmp/f2all.out" || fail "f2: no yahoo.com incident"
grep -q "qq.com" "$tmp/f2all.out" || fail "f2: no qq.com incident"
for d in qq.com foxmail.com QQ.com; do
	bs report "${n[@]}" --domain "$d" >"$tmp/f2.out"
	grep -qi "^Open incidents of --domain $d only " "$tmp/f2.out" ||
		fail "report --domain $d: the heading does not say it is filtered"
	grep -q "rate_limited qq.com" "$tmp/f2.out" ||
		fail "report --domain $d: qq.com's incident not listed"
	grep -q "yahoo.com" "$tmp/f2.out" &&
		fail "report --domain $d: yahoo.com's incident is listed"
done
bs report "${n[@]}" --domain foxmail.com --format html >"$tmp/f2h.out"
grep -q "<caption>Open incidents, then those seen in the range, of --domain foxmail.com only" \
	"$tmp/f2h.out" || fail "html --domain: the caption"
grep -q '<td class="key">yahoo.com\|>yahoo.com<' "$tmp/f2h.out" &&
	fail "html --domain foxmail.com: yahoo.com's incident is listed"
grep -c ">qq.com<" "$tmp/f2h.out" >/dev/null ||
	fail "html --domain foxmail.com: qq.com's incident not listed"
bs report "${n[@]}" --domain yahoo.com --format json >"$tmp/f2j.out"
python3 - "$tmp/f2j.out" <<'PY' || fail "json --domain yahoo.com: incidents"
import json, sys
keys = [i["key"] for i in json.load(open(sys.argv[1]))["incidents"]]
assert keys == ["yahoo.com"], keys
PY
bs report "${n[@]}" --host mx2 >"$tmp/f2.out"
grep -q "^Open incidents of --host mx2 only " "$tmp/f2.out" ||
	fail "report --host mx2: the heading"
grep -q "rate_limited qq.com" "$tmp/f2.out" &&
	fail "report --host mx2: qq.com's incident (logged by mx1) is listed"
bs report "${n[@]}" >"$tmp/f2.out"
grep -q "^Open incidents (all: bouncestat incidents --open)" "$tmp/f2.out" ||
	fail "report: the heading without a filter"
[ "$(grep -c "^open .* rate_limited" "$tmp/f2.out")" = 2 ] ||
	fail "report: not both incidents without a filter"
rm "$tmp"/f2*

# 3. The alert mail showed every time with the offset of "now": across a
# DST change a time before it was shown in the wrong offset (Berlin's
# 00:55Z on 2026-10-25 read "01:55 +0100", which is right as an instant but
# not the local time then, 02:55 +0200). Now each time has its own offset;
# a last-seen after the change is shown in full (its offset differs). The
# HTML names the offset of a time that differs from the caption's.
for spec in Australia/Adelaide,2026-10-03T16:25 \
	America/St_Johns,2026-11-01T04:25 Europe/Berlin,2026-10-25T00:55; do
	zone=${spec%%,*}
	t0=${spec#*,}
	[ -f "/usr/share/zoneinfo/$zone" ] ||
		fail "no /usr/share/zoneinfo/$zone (package tzdata)"
	python3 - "$t0" "$tmp/d3.log" <<'PY'
import datetime, sys
t0 = datetime.datetime.fromisoformat(sys.argv[1])
with open(sys.argv[2], "w") as out:
    for i in range(12):
        t = t0 + datetime.timedelta(minutes=i)
        out.write("%s+00:00 mx1 postfix/smtp[%d]: A%04X: to=<u%d@qq.com>, "
                  "relay=mx1.qq.com[203.205.219.57]:25, delay=1, "
                  "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
                  "mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many "
                  "connections (in reply to RCPT TO command))\n"
                  % (t.strftime("%Y-%m-%dT%H:%M:%S"), 100 + i, i, i))
PY
	rm -f "$tmp/d3.db"
	bs import --db "$tmp/d3.db" "$tmp/d3.log" >/dev/null 2>"$tmp/d3.err" ||
		fail "$zone: import"
	# start and last seen (the end of the last minute), local with their offsets
	want=$(python3 - "$t0" "$zone" <<'PY'
import datetime, sys, zoneinfo
z = zoneinfo.ZoneInfo(sys.argv[2])
t0 = datetime.datetime.fromisoformat(sys.argv[1]).replace(
    tzinfo=datetime.timezone.utc)
a = t0.astimezone(z)
b = (t0 + datetime.timedelta(minutes=12)).astimezone(z)
assert a.utcoffset() != b.utcoffset(), "not across a change"
print(a.strftime("%Y-%m-%d %H:%M %z"), "to",
      b.strftime("%Y-%m-%d %H:%M %z"))
print(a.strftime("%Y-%m-%d %H:%M"), "UTC" + a.strftime("%z")[:3] + ":" +
      a.strftime("%z")[3:])
PY
)
	TZ=$zone bs alert --db "$tmp/d3.db" --now "${t0%T*}T23:00:00Z" \
		--mail-to pm@example.org --dry-run >"$tmp/d3.out" \
		2>"$tmp/d3.err" || fail "$zone: alert --dry-run"
	grep -qF "From:     $(head -1 <<<"$want") (12 min)" "$tmp/d3.out" ||
		fail "$zone: alert: no 'From:     $(head -1 <<<"$want")'"
	TZ=$zone bs alert --db "$tmp/d3.db" --now "${t0%T*}T23:00:00Z" \
		--mail-to pm@example.org --dry-run --html >"$tmp/d3h.out" \
		2>"$tmp/d3.err" || fail "$zone: alert --dry-run --html"
	grep -qF "<td>$(tail -1 <<<"$want")</td>" "$tmp/d3h.out" ||
		fail "$zone: alert --html: no '$(tail -1 <<<"$want")'"
done
rm "$tmp"/d3*

# 4. In a zone 30 or 45 minutes off UTC, --since today starts at 23:30
# (23:45) of the day before: counts are per UTC hour. The header showed
# that start without saying why. Now it says "widened to whole UTC hours"
# with the range asked (text and HTML); a whole-hour zone, where nothing
# is widened, has no such line.
python3 - "$tmp/w4.log" <<'PY'
with open(__import__("sys").argv[1], "w") as out:
    for t in ("2026-11-21T17:00", "2026-11-22T10:05"):
        out.write("%s:00+00:00 mx1 postfix/smtp[1]: A%s: to=<u@qq.com>, "
                  "relay=mx1.qq.com[203.205.219.57]:25, delay=1, "
                  "delays=0.1/0/1/0.1, dsn=2.0.0, status=sent (250 ok)\n"
                  % (t, t[8:10] + t[11:13]))
PY
bs import --db "$tmp/w4.db" "$tmp/w4.log" >/dev/null 2>"$tmp/w4.err" ||
	fail "import w4.log"
for spec in Asia/Kolkata,23:30 Asia/Kathmandu,23:45 Europe/Berlin,-; do
	zone=${spec%,*}
	start=${spec#*,}
	[ "$start" = - ] && start=
	TZ=$zone bs report --db "$tmp/w4.db" --now 2026-11-22T10:20Z \
		--since today >"$tmp/w4.out" 2>"$tmp/w4.err" || fail "$zone: report"
	TZ=$zone bs report --db "$tmp/w4.db" --now 2026-11-22T10:20Z \
		--since today --format html >"$tmp/w4h.out" 2>"$tmp/w4.err" ||
		fail "$zone: report --format html"
	if [ -n "$start" ]; then
		grep -q "^bouncestat report: 2026-11-21 $start to " "$tmp/w4.out" ||
			fail "$zone: --since today does not start at $start"
		grep -q "^  (widened to whole UTC hours; asked 2026-11-22 00:00 to " \
			"$tmp/w4.out" || fail "$zone: the header does not say widened"
		grep -q "asked 2026-11-22 00:00 to [-0-9: ]*, widened to whole UTC hours</p>" \
			"$tmp/w4h.out" || fail "$zone: html does not say widened"
	else
		grep -q "^bouncestat report: 2026-11-22 00:00 to " "$tmp/w4.out" ||
			fail "$zone: --since today does not start at 00:00"
		grep -q "widened" "$tmp/w4.out" "$tmp/w4h.out" &&
			fail "$zone: widened, but nothing was"
	fi
done
rm "$tmp"/w4*

# 5. trace of a Sendmail message whose recipients all bounced said "still
# in the queue at the last line seen": Sendmail logs no removal. Now it
# says that every recipient has a final result; a message with a
# recipient deferred is still "in the queue".
bs import --db "$tmp/s5.db" "$BS_SRC/tests/data/sendmail/multi_rcpt.log" \
	>/dev/null 2>"$tmp/s5.err" || fail "import multi_rcpt.log"
bs trace --db "$tmp/s5.db" 5AMAK1ab005103 >"$tmp/s5.out" 2>"$tmp/s5.err" ||
	fail "trace 5AMAK1ab005103"
grep -q "bounced (last failure user_unknown)" "$tmp/s5.out" ||
	fail "trace 5AMAK1ab005103: not bounced"
grep -q "still in the queue" "$tmp/s5.out" &&
	fail "trace: a message whose recipients all bounced is 'still in the queue'"
grep -qx "  (every recipient has a final result; the MTA logged no removal from the queue)" \
	"$tmp/s5.out" || fail "trace: no final-result note"
bs trace --db "$tmp/s5.db" 5AMAK1ab005102 >"$tmp/s5.out" 2>"$tmp/s5.err" ||
	fail "trace 5AMAK1ab005102"
grep -q ": deferred " "$tmp/s5.out" || fail "trace 5AMAK1ab005102: not deferred"
grep -qx "  (still in the queue at the last line seen)" "$tmp/s5.out" ||
	fail "trace: a deferred message is not still in the queue"
rm "$tmp"/s5*

# 6. rebuild with a named path that is not a regular file (a directory,
# /dev/null) skipped it silently: alone it said "no mail log found to
# rebuild from; name the files", beside a log it was left out unsaid. Now
# an error naming it, and the database is not touched.
qq_deferrals "$tmp/r6.log"
for p in "$tmp" /dev/null; do
	rc=0
	bs rebuild --db "$tmp/r6.db" "$tmp/r6.log" "$p" >"$tmp/r6.out" \
		2>"$tmp/r6.err" || rc=$?
	[ "$rc" = 1 ] || fail "rebuild $p: exit $rc, want 1"
	grep -qF "bouncestat rebuild: error: $p: not a regular file" \
		"$tmp/r6.err" || fail "rebuild $p: the message"
	[ -e "$tmp/r6.db" ] && fail "rebuild $p: a database was made"
done
bs rebuild --db "$tmp/r6.db" "$tmp/r6.log" >"$tmp/r6.out" 2>"$tmp/r6.err" ||
	fail "rebuild r6.log"
rm "$tmp"/r6*

# 7. incidents --now WHEN (in the past) listed incidents opened after WHEN:
# the present it was told did not have them yet.
python3 - "$tmp/n7.log" <<'PY'
import sys
with open(sys.argv[1], "w") as out:
    for day in (17, 20):
        for i in range(30):
            out.write("2026-11-%02dT10:%02d:%02d+00:00 mx1 postfix/smtp[1]: "
                      "%X: to=<v%d@qq.com>, relay=mx1.qq.com[203.205.219.57]"
                      ":25, delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, "
                      "status=deferred (host mx1.qq.com[203.205.219.57] "
                      "said: 421 HL:ICC too many connections (in reply to "
                      "RCPT TO command))\n"
                      % (day, i % 20, i, 0x10000 + day * 100 + i, i))
PY
bs import --db "$tmp/n7.db" "$tmp/n7.log" >/dev/null 2>"$tmp/n7.err" ||
	fail "import n7.log"
bs incidents --db "$tmp/n7.db" --since all --now 2026-11-21T00:00Z \
	>"$tmp/n7.out" 2>"$tmp/n7.err" || fail "incidents n7"
# (table rows: the Messages block names them too)
[ "$(grep -Ec "^(open|resolved) .*rate_limited +qq.com" "$tmp/n7.out")" = 2 ] ||
	fail "incidents: not two incidents"
bs incidents --db "$tmp/n7.db" --since 2d --now 2026-11-18T00:00Z \
	--no-detect >"$tmp/n7.out" 2>"$tmp/n7.err" || fail "incidents --now"
grep -q "2026-11-17 10:00 " "$tmp/n7.out" ||
	fail "incidents --now 2026-11-18: the incident of the 17th is missing"
grep -q "2026-11-20" "$tmp/n7.out" &&
	fail "incidents --now 2026-11-18: the incident of the 20th is listed"

# 8. report --now WHEN (in the past) listed, in the HTML incident table,
# the incidents opened after WHEN (the same as 7, for report; 7's
# database).
bs report --db "$tmp/n7.db" --since all --now 2026-11-18T00:00Z \
	--format html >"$tmp/n8.out" 2>"$tmp/n8.err" || fail "report n8"
grep -q "<td>2026-11-17 10:00</td>" "$tmp/n8.out" ||
	fail "report --now 2026-11-18: the incident of the 17th is missing"
grep -q "<td>2026-11-20 10:00</td>" "$tmp/n8.out" &&
	fail "report --now 2026-11-18: the incident of the 20th is listed"
rm "$tmp"/n7* "$tmp"/n8*
