#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A simulated week with the real daemon on a test clock
# (BOUNCESTAT_TEST_CLOCK): ordinary traffic, a 40-minute NetEase throttle
# (421 HL:ICC), a Spamhaus listing that starts during a 2-hour daemon
# outage and reaches the database afterwards (a log shipper's file,
# imported), then recovery. `alert` runs like cron at every step with a
# stand-in sendmail that keeps each message; the daemon is killed with
# SIGKILL or stopped between passes. Expected: exactly two incidents with
# their true start and end minutes, and exactly one mail per transition
# (four), no duplicate after any restart.
#
# Lines: Postfix 3.x smtp(8) results with RFC 3339 stamps (Debian 12's
# rsyslog), as in the other integration tests.
. "$(dirname "$0")/daemon_lib.bash"

export TZ=UTC
CLOCK=$T/clock
LOG=$T/mail.log
LATE=$T/shipper.log
: >"$LOG"
D0=1764547200 # 2025-12-01 00:00 UTC, a Monday
DAY=86400
echo $D0 >"$CLOCK"
export BOUNCESTAT_TEST_CLOCK=$CLOCK
# The outage leaves two hours without results in the followed log (they
# reach the database later, imported): the `inactive` kind would rightly
# see mail stop; this test is about spikes, so it is off.
write_conf "follow $LOG
detect inactive.quiet=0"

cat >"$T/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$T"/msg.* 2>/dev/null | wc -l)
cat >"$T/msg.\$n"
EOF
chmod +x "$T/sendmail"

# gen.py KIND FROM TO >>file: the lines of [FROM, TO).
cat >"$T/gen.py" <<'EOF'
import sys, time
kind, lo, hi = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
n = [lo // 7]
def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
def line(t, rcpt, relay, dsn, status, text):
    n[0] += 1
    print("%s mx1 postfix/smtp[%d]: %X: to=<%s>, relay=%s:25, delay=0.4, "
          "delays=0.1/0/0.2/0.1, dsn=%s, status=%s (%s)" %
          (stamp(t), 1000 + n[0] % 3000, 0x100000 + n[0], rcpt, relay, dsn,
           status, text))
GM = "gmail-smtp-in.l.google.com[142.250.1.27]"
NE = "mx1.163.com[220.181.14.135]"
for t in range(lo - lo % 60, hi, 60):
    if t < lo:
        continue
    if kind == "normal" and (t // 60) % 10 == 0:
        for i in range(3):
            line(t + i, "a%d@gmail.com" % i, GM, "2.0.0", "sent",
                 "250 2.0.0 OK 1764547200 x1si")
        line(t + 5, "b@163.com", NE, "2.0.0", "sent", "250 Mail OK")
    elif kind == "throttle":
        for i in range(2):
            line(t + 10 * i, "c%d@163.com" % i, NE, "4.0.0", "deferred",
                 "host %s said: 421 HL:ICC 163 mx1,QMCowAC.%dS2 %d too "
                 "many connections (in reply to RCPT TO command)" %
                 (NE, t, t))
    elif kind == "listing" and t == lo:
        for i in range(6):
            line(t + 5 * i, "d%d@gmail.com" % i, GM, "5.7.1", "bounced",
                 "host %s said: 554 5.7.1 Service unavailable; Client host "
                 "[198.51.100.7] blocked using zen.spamhaus.org (in reply "
                 "to RCPT TO command)" % GM)
EOF

now=$D0
up=0
meta() {
	sql "SELECT value FROM meta WHERE key = '$1'" 2>/dev/null || true
}

# settle: until the daemon has read the log and judged every minute.
settle() {
	local i size off until late redo

	size=$(stat -c %s "$LOG")
	for i in $(seq 1 600); do
		off=$(sql "SELECT max(off) FROM position WHERE path = '$LOG'" \
		    2>/dev/null || true)
		until=$(meta detect.until)
		late=$(meta detect.late)
		redo=$(meta detect.redo)
		if [ "${off:-0}" = "$size" ] && [ "$until" = "$now" ] &&
		    [ -z "$late" ] && [ -z "$redo" ]; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || fail "daemon died at $now"
		sleep 0.05
	done
	fail "daemon not settled at $now: off=$off size=$size until=$until" \
	    "late=$late redo=$redo"
}

# alert_cron: what cron would run at this minute.
alert_cron() {
	"$BOUNCESTAT" alert --db "$DB" --mail-to postmaster@example.org \
	    --detect inactive.quiet=0 \
	    --sendmail "$T/sendmail" >>"$T/alert.log" 2>&1 ||
	    fail "alert failed at $now"
}

# advance SECONDS [KIND]: traffic up to the new time, then a pass.
advance() {
	local to=$((now + $1))

	python3 "$T/gen.py" normal "$now" "$to" >>"$LOG"
	[ -n "${2:-}" ] && python3 "$T/gen.py" "$2" "$now" "$to" >>"$LOG"
	now=$to
	echo "$now" >"$CLOCK"
	[ "$up" = 1 ] && settle
	alert_cron
	passes=$((passes + 1))
}

passes=0
daemon_start
up=1
# Days 0-3: ordinary traffic, hourly steps (a restart now and then).
for h in $(seq 1 $((4 * 24 + 10))); do
	advance 3600
	if [ $((h % 37)) = 0 ]; then daemon_kill9; daemon_start; fi
done
# Day 4, 10:00-10:40: the throttle, minute steps, killed twice.
for m in $(seq 1 40); do
	advance 60 throttle
	case $m in 7 | 23) daemon_kill9; daemon_start ;; 15) daemon_stop; daemon_start ;; esac
done
for m in $(seq 1 80); do advance 60; done
# On to day 5, 14:00: the daemon goes down for two hours.
while [ "$now" -lt $((D0 + 5 * DAY + 14 * 3600)) ]; do advance 1800; done
daemon_kill9
up=0
python3 "$T/gen.py" listing $((now + 1800)) $((now + 1860)) >"$LATE"
for s in $(seq 1 8); do advance 900; done
daemon_start
up=1
settle
"$BOUNCESTAT" import --db "$DB" "$LATE" >"$T/import.out" 2>&1 ||
	fail "import of the shipper's file"
# Recovery: quarter-hour steps to day 6, then hourly to the week's end.
while [ "$now" -lt $((D0 + 6 * DAY)) ]; do
	advance 900
	[ $((passes % 29)) = 0 ] && { daemon_kill9; daemon_start; }
done
while [ "$now" -lt $((D0 + 7 * DAY)) ]; do advance 3600; done
daemon_stop

"$BOUNCESTAT" incidents --db "$DB" --no-detect --since all --format json \
    >"$T/incidents.json" || fail "incidents"
python3 - "$T/incidents.json" "$D0" <<'EOF' || fail "incidents differ"
import json, sys
d0, day = int(sys.argv[2]), 86400
got = sorted((i["kind"], i["key"], i["listed_ip"], i["start_epoch"],
              i.get("resolved_epoch")) for i in json.load(open(sys.argv[1])))
want = sorted([
    ("rate_limited", "163.com", "", d0 + 4 * day + 10 * 3600,
     d0 + 4 * day + 11 * 3600 + 19 * 60),
    ("dnsbl", "zen.spamhaus.org", "198.51.100.7",
     d0 + 5 * day + 14 * 3600 + 1800,
     d0 + 5 * day + 20 * 3600 + 41 * 60),
])
if got != want:
    print("got ", got, "\nwant", want, file=sys.stderr)
    sys.exit(1)
# Each incident names the hosts that logged its events (issue 15).
hosts = sorted(set(i.get("hosts") for i in json.load(open(sys.argv[1]))))
if hosts != ["mx1"]:
    print("hosts", hosts, file=sys.stderr)
    sys.exit(1)
EOF
python3 - "$T" <<'EOF' || fail "mails differ"
import email, glob, os, sys
msgs = sorted(glob.glob(os.path.join(sys.argv[1], "msg.*")),
              key=lambda p: int(p.rsplit(".", 1)[1]))
seen = []
for p in msgs:
    m = email.message_from_binary_file(open(p, "rb"))
    body = m.get_payload(decode=True).decode()
    seen.append([l for l in body.splitlines()
                 if l.startswith(("OPEN:", "RESOLVED:"))])
want = [("OPEN:", "163.com"), ("RESOLVED:", "163.com"),
        ("OPEN:", "zen.spamhaus.org"), ("RESOLVED:", "zen.spamhaus.org")]
ok = len(seen) == len(want) and all(
    len(s) == 1 and s[0].startswith(w[0]) and w[1] in s[0]
    for s, w in zip(seen, want))
if not ok:
    print(len(msgs), "messages:", seen, file=sys.stderr)
    sys.exit(1)
EOF
echo "ok: $passes passes, $(ls "$T"/msg.* | wc -l) mails"
