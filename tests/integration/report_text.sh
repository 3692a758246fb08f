#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The text report as a new user reads it (issue 19), one check per
# complaint, with the real binary on a fixed database (a Postfix log
# written here, RFC 3339 stamps), TZ=Asia/Shanghai and --now fixed:
#
#  - it fits 80 columns by default (piped, no $COLUMNS); a wider terminal
#    ($COLUMNS=300) gives the reply text the room;
#  - one time zone: local time in the header and the buckets (aligned to
#    local midnight when hours merge), "--utc" switches, the zone is named;
#    `status` and `incidents` take --utc too;
#  - --since yesterday / this-week / last-week;
#  - --class: that class's counts and its share of all results (no "sent
#    0", no "fail% 100.0%");
#  - the range clamped to the data, shown; --since all starts at the data;
#  - an empty range says where the data is, and the hint works;
#  - the sparkline: an empty hour differs from a low one, a peak of 1 is a
#    full block; ASCII only under LC_ALL=C;
#  - classify --format json - carries input, meaning and action.
set -eu

: "${BOUNCESTAT:?}"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_report_text.XXXXXX")
passed=
cleanup() {
	if [ -z "$passed" ]; then
		for f in "$T"/*.out "$T"/*.err; do
			[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# Not the host's /etc/bouncestat (configuration, operator rules).
CONF=$T/bs.conf
RULES=$T/rules.d
: >"$CONF"
mkdir "$RULES"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

export TZ=Asia/Shanghai LC_ALL=C.UTF-8
unset COLUMNS BOUNCESTAT_DB BOUNCESTAT_ASCII NO_COLOR
DB=$T/bs.db
LONG="421-4.7.28 [192.0.2.25 15] Our system has detected an unusual rate of unsolicited mail originating from your IP address. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. TAILMARK"
line() { # time id rcpt relay dsn status reply
	echo "$1 mx1 postfix/smtp[1810]: $2: to=<$3>, relay=$4[192.0.2.9]:25, delay=1, delays=0.1/0/0.8/0.1, dsn=$5, status=$6 ($7)"
}
{
	# 2026-11-21 01:30 in Shanghai: the oldest data.
	line 2026-11-20T17:30:00Z A00001 a@gmail.com gmail-smtp-in.l.google.com 4.7.28 deferred "host gmail-smtp-in.l.google.com[192.0.2.9] said: 421 4.7.28 Try again later, rate limited (in reply to RCPT TO command)"
	# 2026-12-06 02:30 local
	line 2026-12-05T18:30:00Z A00002 b@gmail.com gmail-smtp-in.l.google.com 4.7.28 deferred "host gmail-smtp-in.l.google.com[192.0.2.9] said: 421 4.7.28 Try again later, rate limited (in reply to RCPT TO command)"
	# 10:30 local: three with the long reply
	for i in 1 2 3; do
		line "2026-12-06T02:3$i:00Z" "B0000$i" "c$i@gmail.com" gmail-smtp-in.l.google.com 4.7.28 deferred "host gmail-smtp-in.l.google.com[192.0.2.9] said: $LONG (in reply to RCPT TO command)"
	done
	for i in 1 2 3 4 5 6; do
		line "2026-12-06T02:4$i:00Z" "C0000$i" "s$i@gmail.com" gmail-smtp-in.l.google.com 2.0.0 sent "250 2.0.0 OK 17 - gsmtp"
	done
	# 11:10 local: a bounce; 13:10 local: a greylisting
	line 2026-12-06T03:10:00Z D00001 x@example.com mx.example.com 5.1.1 bounced "host mx.example.com[192.0.2.9] said: 550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"
	line 2026-12-06T05:10:00Z E00001 y@example.net mx.example.net 4.7.1 deferred "host mx.example.net[192.0.2.9] said: 450 4.7.1 <y@example.net>: Recipient address rejected: Greylisted for 300 seconds (in reply to RCPT TO command)"
} >"$T/mail.log"
"$BOUNCESTAT" import -c "$CONF" --rules "$RULES" --db "$DB" --quiet "$T/mail.log" >"$T/import.out" 2>&1 ||
	fail "import"

NOW=2026-12-06T12:00:00Z # 20:00 in Shanghai
rep() { "$BOUNCESTAT" report -c "$CONF" --db "$DB" --now "$NOW" "$@"; }

# --- One time zone, stated; the range clamped to the data, shown.
rep --since 2026-12-06 --until 2026-12-07 >"$T/day.out" 2>"$T/day.err" ||
	fail "report --since 2026-12-06"
grep -qx 'bouncestat report: 2026-12-06 00:00 to 2026-12-06 14:00 (UTC+08:00)' \
	"$T/day.out" || fail "header: local range and zone"
grep -qx '  (clamped to the data; asked 2026-12-06 00:00 to 2026-12-07 00:00)' \
	"$T/day.out" || fail "header: the clamp"
# Hourly marks from 00:00 local: two empty hours, 1, seven empty hours,
# 3 (the peak), 1,
# an empty hour, 1. Empty is a dot, the peak a full block.
grep -qx '  ··▃·······█▃·▃' "$T/day.out" || fail "sparkline (empty vs low)"
# A peak of 1 is a full block, not the second-lowest one.
rep --since 2026-12-05T18:00Z --until 2026-12-05T20:00Z >"$T/one.out" ||
	fail "report of one failure"
grep -qx '  █·' "$T/one.out" || fail "sparkline: a peak of 1"
rep --since 2026-12-06 --until 2026-12-07 --utc >"$T/utc.out" ||
	fail "report --utc"
grep -qx 'bouncestat report: 2026-12-06 00:00 to 2026-12-06 06:00 (UTC)' \
	"$T/utc.out" || fail "--utc header"
rep --since 2026-12-06 --until 2026-12-07 --format json >"$T/day.json" ||
	fail "report json"
python3 - "$T/day.json" <<'EOF' || fail "JSON range (UTC, local day)"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["requested"]["since"] == "2026-12-05T16:00:00Z", r["requested"]
assert r["totals"]["deferred"] == 5 and r["totals"]["sent"] == 6, r["totals"]
EOF
# Hours merged into marks start on local midnight: 16 days, 6-hour marks.
rep --since all >"$T/all.out" || fail "report --since all"
grep -q 1970 "$T/all.out" && fail "--since all shows 1970"
grep -qx 'bouncestat report: 2026-11-21 01:00 to 2026-12-06 14:00 (UTC+08:00)' \
	"$T/all.out" || fail "--since all: not the data's range"
grep -q '^Failures per 6 hours' "$T/all.out" || fail "--since all: no chart"
grep -q '^  2026-11-21 00:00 ' "$T/all.out" ||
	fail "--since all: marks not aligned to local midnight"
rep --since all --utc >"$T/allutc.out" || fail "report --since all --utc"
grep -q '^  2026-11-20 12:00 ' "$T/allutc.out" ||
	fail "--since all --utc: marks not aligned to UTC"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" >"$T/status.out" 2>&1 || true
grep -qx 'times: UTC+08:00' "$T/status.out" || fail "status: zone"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" --utc >"$T/status2.out" 2>&1 || true
grep -qx 'times: UTC' "$T/status2.out" || fail "status --utc"
"$BOUNCESTAT" incidents -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --no-detect --utc \
	>"$T/inc.out" 2>&1 || fail "incidents --utc"

# --- Calendar periods (local): 2026-12-07 12:00 in Shanghai is a Monday.
MON=2026-12-07T04:00:00Z
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now "$MON" --since yesterday \
	>"$T/yday.out" 2>&1 || fail "--since yesterday refused"
grep -q '^  (clamped to the data; asked 2026-12-06 00:00 to 2026-12-07 00:00)' \
	"$T/yday.out" || fail "--since yesterday: not yesterday"
grep -q '^  deferred  *5 ' "$T/yday.out" || fail "--since yesterday: counts"
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now "$MON" --since last-week \
	>"$T/lweek.out" 2>&1 || fail "--since last-week refused"
grep -q 'asked 2026-11-30 00:00 to 2026-12-07 00:00' "$T/lweek.out" ||
	fail "--since last-week: not Monday to Monday"
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now "$MON" --since this-week \
	>"$T/tweek.out" 2>&1 || fail "--since this-week refused"
grep -q 'holds no counts\|No results in this range' "$T/tweek.out" ||
	fail "--since this-week: Monday has no data"
rep --since today >"$T/today.out" 2>&1 || fail "--since today"

# --- --class: the class's counts and shares, no sent column.
rep --since 2026-12-06 --until 2026-12-07 --class rate_limited \
	>"$T/cls.out" || fail "report --class"
grep -q '^  sent ' "$T/cls.out" && fail "--class shows sent"
grep -q '^Results of class rate_limited' "$T/cls.out" || fail "--class title"
# 4 of 12 results, 4 of 6 failures.
grep -Eq '^  total +4 +33\.3% +66\.7%$' "$T/cls.out" ||
	fail "--class: share of all results / of failures"
# gmail.com: 4 rate-limited of its 10 results.
grep -Eq '^  gmail\.com +4 +0 +0 +4 +40\.0%' "$T/cls.out" ||
	fail "--class: gmail.com share of its results"
grep -q '100\.0%' "$T/cls.out" && fail "--class: a 100.0% rate"

# --- Empty: where the data is, and the hint works.
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now 2026-12-30T00:00:00Z >"$T/empty.out" ||
	fail "empty report"
grep -q 'newest data 2026-12-06; try --since 24d' "$T/empty.out" ||
	fail "empty: no hint where the data is"
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now 2026-12-30T00:00:00Z --since 24d \
	>"$T/hint.out" || fail "the hint"
grep -q '^  deferred ' "$T/hint.out" || fail "the hint finds no data"

# --- Width: 80 columns piped; the reply gets a wide terminal's room.
for f in day utc all cls yday empty; do
	w=$(wc -L <"$T/$f.out")
	[ "$w" -le 80 ] || fail "$f: $w columns"
done
grep -q TAILMARK "$T/day.out" && fail "80 columns: the long reply not cut"
COLUMNS=300 rep --since 2026-12-06 --until 2026-12-07 >"$T/wide.out" ||
	fail "COLUMNS=300"
grep -q 'rate limited\. TAILMARK' "$T/wide.out" ||
	fail "COLUMNS=300: the reply is still cut"
w=$(wc -L <"$T/wide.out")
[ "$w" -le 300 ] || fail "COLUMNS=300: $w columns"

# --- ASCII under a non-UTF-8 locale.
LC_ALL=C rep --since 2026-12-06 --until 2026-12-07 >"$T/ascii.out" ||
	fail "LC_ALL=C"
LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/ascii.out" &&
	fail "LC_ALL=C: non-ASCII output"
grep -qx '  ..=.......@=.=' "$T/ascii.out" || fail "LC_ALL=C: sparkline"

# --- classify --format json - : input, meaning, action.
echo '421 HL:ICC 163 mx21 Sender frequency limited' |
	"$BOUNCESTAT" classify --rules "$RULES" --format json - >"$T/classify.out" ||
	fail "classify json"
python3 - "$T/classify.out" <<'EOF' || fail "classify json keys"
import json, sys
o = json.loads(open(sys.argv[1]).readline())
assert o["input"].startswith("421 HL:ICC"), o
assert o["meaning"] and o["action"], o
EOF

passed=1
echo ok
