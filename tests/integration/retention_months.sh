#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial10: retention over simulated months. The daemon runs on a test
# clock (BOUNCESTAT_TEST_CLOCK; it then prunes every second instead of
# every hour) that moves to day 0, 40 and 80 while a throttled-then-sent
# message batch is logged on each of those days. With retention 30d,
# minute_retention 20d and message_retention 15d:
# - the events and minute counts of the earlier days are pruned, the
#   hourly counts are not: report over the 80 days still adds up;
# - `messages` over the pruned days says that the finished records there
#   were pruned (before: only the column header, an empty list as fact),
#   also when the range lists later messages;
# - `incidents --replay` over them says that their minute counts were
#   pruned (trial11).
. "$(dirname "$0")/daemon_lib.bash"

export TZ=UTC
CLOCK=$T/clock
LOG=$T/mail.log
: >"$LOG"
D0=1767571200 # 2026-01-05 00:00 UTC
DAY=86400
echo $D0 >"$CLOCK"
export BOUNCESTAT_TEST_CLOCK=$CLOCK
write_conf "follow $LOG
retention 30d
minute_retention 20d
message_retention 15d
detect inactive.quiet=0"

# batch DAY: 20 messages deferred (421), then sent and removed, in the
# ten minutes before DAY's noon.
batch() {
	python3 - "$1" <<'PY'
import sys, time
day = int(sys.argv[1])
t0 = 1767571200 + day * 86400 + 12 * 3600 - 600
def st(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
for i in range(20):
    q = "%02X%08X" % (day, i)
    t = t0 + i * 10
    print("%s mx1 postfix/smtp[%d]: %s: to=<u%d@163.com>, relay=mx1.163.com"
          "[220.181.14.135]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, "
          "status=deferred (host mx1.163.com[220.181.14.135] said: 421 "
          "HL:ICC 163 mx1,QMCowAC.%dS2 too many connections (in reply to "
          "RCPT TO command))" % (st(t), 1000 + i, q, i, t))
    print("%s mx1 postfix/smtp[%d]: %s: to=<u%d@163.com>, relay=mx1.163.com"
          "[220.181.14.135]:25, delay=301, delays=0/0/0/1, dsn=2.0.0, "
          "status=sent (250 Mail OK)" % (st(t + 300), 1000 + i, q, i))
    print("%s mx1 postfix/qmgr[99]: %s: removed" % (st(t + 301), q))
PY
}

daemon_start
for d in 0 40 80; do
	echo $((D0 + d * DAY + 12 * 3600)) >"$CLOCK"
	batch "$d" >>"$LOG"
	for i in $(seq 1 200); do
		n=$(sql "SELECT count(*) FROM event WHERE t >= $((D0 + d * DAY))")
		[ "$n" -ge 20 ] && break
		sleep 0.1
	done
	[ "$n" = 20 ] || fail "day $d: $n of its 20 deferrals committed"
	sleep 1.5
done
now=$((D0 + 80 * DAY + 12 * 3600))
# Pruning runs every second under the test clock: wait for it.
for i in $(seq 1 100); do
	old=$(sql "SELECT count(*) FROM event WHERE t < $((now - 30 * DAY))")
	[ "$old" = 0 ] && break
	sleep 0.1
done
[ "$old" = 0 ] || fail "$old events older than retention 30d are left"
[ "$(sql "SELECT count(*) FROM event")" = 20 ] ||
	fail "events: $(sql 'SELECT count(*) FROM event'), want day 80's 20"
sleep 1.5 # the minute counts and messages are pruned in the same pass
[ "$(sql "SELECT count(*) FROM count_minute_pk
    WHERE bucket < $((now - 20 * DAY))")" = 0 ] ||
	fail "minute counts older than minute_retention 20d are left"
[ "$(sql "SELECT count(*) FROM count_minute_pk")" -gt 0 ] ||
	fail "day 80's minute counts were pruned too"
kill -0 "$DPID" || fail "the daemon died"
daemon_stop

# Hourly counts are kept: the 80 days add up.
"$BOUNCESTAT" report --db "$DB" --since @$D0 --until @$now --format json \
    >"$T/r.json" || fail "report"
[ "$(jq -r '.totals.sent, .totals.deferred' "$T/r.json" | tr '\n' ' ')" = \
    "60 60 " ] || fail "report totals: $(jq -c .totals "$T/r.json")"

# Messages over the pruned days: the finished ones of day 0 and 40 are
# gone, and the list says so.
"$BOUNCESTAT" messages --db "$DB" --since @$D0 --until @$((D0 + 50 * DAY)) \
    >"$T/m.txt" || fail "messages"
grep -q '^# finished messages last seen before .* were pruned' "$T/m.txt" ||
	fail "messages over pruned days does not say so: $(cat "$T/m.txt")"
[ "$(grep -vc '^#' "$T/m.txt")" = 0 ] || fail "pruned messages listed"
# Over all 80 days: day 80's 20 messages, and the note.
"$BOUNCESTAT" messages --db "$DB" --since @$D0 --until @$now \
    >"$T/mall.txt" || fail "messages all"
[ "$(grep -vc '^#' "$T/mall.txt")" = 20 ] ||
	fail "all: $(grep -vc '^#' "$T/mall.txt") messages, want 20"
grep -q '^# finished messages last seen before .* were pruned' \
    "$T/mall.txt" || fail "all: no pruning note"
# Over day 80 (not pruned): its 20 messages, no note.
"$BOUNCESTAT" messages --db "$DB" --since @$((D0 + 79 * DAY)) \
    --until @$now >"$T/m80.txt" || fail "messages day 80"
[ "$(grep -vc '^#' "$T/m80.txt")" = 20 ] ||
	fail "day 80: $(grep -vc '^#' "$T/m80.txt") messages, want 20"
grep -q 'pruned' "$T/m80.txt" && fail "day 80: a pruning note"

# trial11: a replay over the days whose minute counts were pruned starts
# only after them, and says why (before: the later start alone).
"$BOUNCESTAT" incidents --db "$DB" --replay --since @$D0 --now @$now \
    >"$T/rp.txt" || fail "incidents --replay"
grep -q '^Replay of the window ends after' "$T/rp.txt" ||
	fail "replay: no summary: $(cat "$T/rp.txt")"
grep -q '^The per-minute counts before .* were pruned (minute_retention)' \
    "$T/rp.txt" || fail "replay over pruned minutes does not say so: \
$(cat "$T/rp.txt")"
"$BOUNCESTAT" incidents --db "$DB" --replay --since @$((D0 + 79 * DAY)) \
    --now @$now >"$T/rp80.txt" || fail "incidents --replay day 80"
grep -q 'pruned' "$T/rp80.txt" && fail "replay of day 80: a pruning note"
echo ok
