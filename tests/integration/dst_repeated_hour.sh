#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial10: classic syslog stamps (no year, no zone) through the night a
# DST change repeats an hour (TZ=Europe/Berlin, 2026-10-25 02:00-02:59)
# and over the year's end, read by import and by the daemon: each pass of
# the repeated hour lands in its own UTC hour (before: both in 01:00Z,
# 00:00Z empty), the December lines in 2026 and the January ones in 2027,
# also when the daemon's clock is still in December; an incident over
# the repeated hour is one, and shows each time with its offset.
. "$(dirname "$0")/daemon_lib.bash"

export TZ=Europe/Berlin
LOG=$T/mail.log
# rcpt N STAMP: a deferral of queue id N (hex) at STAMP.
rcpt() {
	printf '%s mx1 postfix/smtp[1%d]: %X: to=<u%d@163.com>, relay=mx1.163.com[220.181.14.135]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host mx1.163.com[220.181.14.135] said: 421 HL:ICC 163 mx1,QMCowAC too many connections (in reply to RCPT TO command))\n' \
	    "$2" "$1" "$((0x100000 + $1))" "$1"
}
{
	rcpt 1 "Oct 25 01:59:00"
	rcpt 2 "Oct 25 02:10:00"
	rcpt 3 "Oct 25 02:50:00"
	rcpt 4 "Oct 25 02:10:00"
	rcpt 5 "Oct 25 02:50:00"
	rcpt 6 "Oct 25 03:05:00"
	rcpt 7 "Dec 31 23:59:30"
	rcpt 8 "Jan  1 00:00:30"
} >"$LOG"
touch -d '2027-01-01 00:05:00 UTC' "$LOG"
# The UTC times (ISO) expected, by queue id.
want="100001 2026-10-24T23:59:00
100002 2026-10-25T00:10:00
100003 2026-10-25T00:50:00
100004 2026-10-25T01:10:00
100005 2026-10-25T01:50:00
100006 2026-10-25T02:05:00
100007 2026-12-31T22:59:30
100008 2026-12-31T23:00:30"
times() {
	sqlite3 -separator ' ' "$1" "SELECT queue_id, strftime('%Y-%m-%dT%H:%M:%S', t,
	    'unixepoch') FROM event ORDER BY queue_id"
}
"$BOUNCESTAT" import --db "$T/import.db" "$LOG" >/dev/null 2>&1 ||
	fail "import"
got=$(times "$T/import.db")
[ "$got" = "$want" ] || fail "import: times
$got
want
$want"

# The daemon on a test clock just after the year's end.
echo 1798763400 >"$T/clock" # 2027-01-01 00:30 UTC
export BOUNCESTAT_TEST_CLOCK=$T/clock
write_conf "follow $LOG"
daemon_start
wait_events 8
daemon_stop
got=$(times "$DB")
[ "$got" = "$want" ] || fail "daemon: times
$got
want
$want"

# A throttle from 02:40 CEST to 02:20 CET (the repeated hour's two
# passes): one incident of all 80 deferrals, and its table shows each
# time with its offset (before: "02:40" then "02:20", time running back).
python3 - >"$T/thr.log" <<'PY'
import datetime as d
u = d.timezone.utc
t = d.datetime(2026, 10, 24, 23, 30, tzinfo=u)
n = 0
while t < d.datetime(2026, 10, 25, 2, 30, tzinfo=u):
    off = 2 if t < d.datetime(2026, 10, 25, 1, 0, tzinfo=u) else 1
    st = (t + d.timedelta(hours=off)).strftime("%b %e %H:%M:%S")
    thr = (d.datetime(2026, 10, 25, 0, 40, tzinfo=u) <= t <
           d.datetime(2026, 10, 25, 1, 20, tzinfo=u))
    for i in range(2 if thr else 1):
        n += 1
        if thr:
            print("%s mx1 postfix/smtp[1]: %X: to=<c%d@163.com>, relay=mx1.163.com[220.181.14.135]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host mx1.163.com[220.181.14.135] said: 421 HL:ICC 163 mx1,QMCowAC too many connections (in reply to RCPT TO command))" % (st, 0x200000 + n, n))
        else:
            print("%s mx1 postfix/smtp[1]: %X: to=<a%d@gmail.com>, relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" % (st, 0x200000 + n, n))
    t += d.timedelta(minutes=1)
PY
touch -d '2026-10-25 04:00:00 UTC' "$T/thr.log"
"$BOUNCESTAT" import --db "$T/thr.db" "$T/thr.log" >/dev/null 2>&1 ||
	fail "import of the throttle"
"$BOUNCESTAT" incidents --db "$T/thr.db" --now @1792896000 --since 2d \
    >"$T/inc.txt" 2>&1 || fail "incidents: $(cat "$T/inc.txt")"
[ "$(grep -c '^resolved .*rate_limited' "$T/inc.txt")" = 1 ] ||
	fail "not one incident: $(cat "$T/inc.txt")"
grep -Eq '^resolved +2026-10-25 02:40 \+0200 +02:20 \+0100 +rate_limited .* 80$' \
    "$T/inc.txt" || fail "incident row: $(cat "$T/inc.txt")"

# The daemon's reference for a classic stamp's year is its clock at the
# last commit: a January line read just after it, at Dec 31 23:59:50,
# is of the year after (before: 2026-01-01, a year back).
LOG2=$T/mail2.log
rcpt 9 "Dec 31 23:59:40" >"$LOG2"
echo 1798757990 >"$T/clock" # 2026-12-31 23:59:50 +0100
write_conf "follow $LOG2
retention 0"
rm -f "$DB" "$DB"-*
daemon_start
wait_events 1
rcpt 10 "Jan  1 00:00:05" >>"$LOG2"
wait_events 2
daemon_stop
got=$(times "$DB")
[ "$got" = "100009 2026-12-31T22:59:40
10000A 2026-12-31T23:00:05" ] || fail "daemon at the year's end: $got"
echo ok
