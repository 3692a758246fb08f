#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Incidents over time with the real binary, time given by --now:
#  1. ten NetEase "421 HL:ICC" deferrals 20 s apart ending 11 minutes
#     before NOW open a rate_limited incident; `incidents` and `alert
#     --dry-run` one minute later (a segmentation fault before) and for
#     the next 40 minutes keep it and then resolve it;
#  2. six "554 5.7.1 ... blocked using zen.spamhaus.org" bounces stamped
#     25 minutes back, imported after the detector passed that time, open
#     one dnsbl incident with its true start, alerted once;
#  3. `incidents --replay` over the same history gives the same incidents
#     as the live passes, and writes nothing;
#  4. `alert` is quiet on success, names a full From address and an
#     absolute --db path, and says what is missing without --mail-to.
# Log lines: Postfix 3.x smtp(8) results with RFC 3339 stamps as Debian
# 12's rsyslog writes them.
set -eu

: "${BOUNCESTAT:?}"
command -v python3 >/dev/null || { echo "SKIP: no python3" >&2; exit 77; }

tmp=$(mktemp -d)
cleanup() { rm -rf "$tmp"; }
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.out "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 4000 "$f" >&2; }
	done
	exit 1
}
trap cleanup EXIT
export TZ=UTC
unset BOUNCESTAT_DB
db="$tmp/t.db"
NOW=1765000800 # 2025-12-06 06:00:00 UTC, a minute boundary

# gen.py WHAT END: lines to stdout.
cat >"$tmp/gen.py" <<'EOF'
import sys, time
what, end = sys.argv[1], int(sys.argv[2])
def stamp(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t))
if what == "icc":
    for i in range(10):
        t = end - (9 - i) * 20
        print("%s mx1 postfix/smtp[%d]: %X: to=<u%d@163.com>, "
              "relay=mx1.163.com[220.181.14.135]:25, delay=1.2, "
              "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
              "mx1.163.com[220.181.14.135] said: 421 HL:ICC 163 "
              "mx1,QMCowACXR8vZq2Jl1dEFAA--.%dS2 %d too many connections "
              "(in reply to RCPT TO command))" %
              (stamp(t), 3000 + i, 0xA1000 + i, i, 41521 + i, t))
elif what == "zen":
    for i in range(6):
        t = end + i * 5
        print("%s mx1 postfix/smtp[%d]: %X: to=<v%d@gmail.com>, "
              "relay=gmail-smtp-in.l.google.com[142.250.1.27]:25, "
              "delay=0.4, delays=0.1/0/0.2/0.1, dsn=5.7.1, status=bounced "
              "(host gmail-smtp-in.l.google.com[142.250.1.27] said: 554 "
              "5.7.1 Service unavailable; Client host [198.51.100.7] "
              "blocked using zen.spamhaus.org; "
              "https://www.spamhaus.org/query/ip/198.51.100.7 (in reply to "
              "RCPT TO command))" % (stamp(t), 4000 + i, 0xB1000 + i, i))
EOF
bs() { "$BOUNCESTAT" "$@"; }

# --- 1. the steps of the report ---
python3 "$tmp/gen.py" icc $((NOW - 11 * 60)) >"$tmp/t.log"
bs import --db "$db" "$tmp/t.log" >"$tmp/import.out" 2>"$tmp/import.err" ||
	fail "import"
bs incidents --db "$db" --now @$NOW >"$tmp/i0.out" 2>"$tmp/i0.err" ||
	fail "incidents at NOW"
grep -q '^open .*rate_limited  *163.com' "$tmp/i0.out" ||
	fail "no open rate_limited 163.com incident"
rc=0
bs incidents --db "$db" --now @$((NOW + 60)) >"$tmp/i1.out" \
	2>"$tmp/i1.err" || rc=$?
[ "$rc" -eq 0 ] || fail "incidents one minute later: exit $rc"
grep -q '^open .*rate_limited  *163.com' "$tmp/i1.out" ||
	fail "the incident is gone one minute later"
rc=0
bs alert --dry-run --db "$db" --now @$((NOW + 120)) >"$tmp/a1.out" \
	2>"$tmp/a1.err" || rc=$?
[ "$rc" -eq 0 ] || fail "alert --dry-run two minutes later: exit $rc"
grep -q '^Subject: .*163.com' "$tmp/a1.out" || fail "no alert subject"
# Forty one-minute passes: it resolves, once.
for m in $(seq 3 42); do
	bs incidents --db "$db" --now @$((NOW + m * 60)) --format json \
		>"$tmp/ij.out" 2>"$tmp/ij.err" || fail "incidents at +${m}m"
done
python3 - "$tmp/ij.out" <<'EOF' || fail "after 40 passes"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1, v
assert v[0]["state"] == "resolved", v[0]
EOF

# --- 2. a late listing ---
python3 "$tmp/gen.py" zen $((NOW + 42 * 60 - 25 * 60)) >"$tmp/late.log"
bs import --db "$db" "$tmp/late.log" >"$tmp/import2.out" \
	2>"$tmp/import2.err" || fail "import of the late log"
bs incidents --db "$db" --now @$((NOW + 43 * 60)) --format json \
	>"$tmp/late.out" 2>"$tmp/late.err" || fail "incidents after import"
python3 - "$tmp/late.out" $((NOW + 42 * 60 - 25 * 60)) <<'EOF' ||
import json, sys
v = json.load(open(sys.argv[1]))
d = [i for i in v if i["kind"] == "dnsbl"]
assert len(d) == 1, v
assert d[0]["key"] == "zen.spamhaus.org", d[0]
assert d[0]["listed_ip"] == "198.51.100.7", d[0]
assert d[0]["start_epoch"] == int(sys.argv[2]), d[0]
assert d[0]["state"] == "open", d[0]
EOF
	fail "late listing"

# --- 4. alert: quiet, full From, absolute --db, one mail per change ---
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
n=\$(ls "$tmp"/msg.* 2>/dev/null | wc -l)
cat >"$tmp/msg.\$n"
EOF
chmod +x "$tmp/sendmail"
(cd "$tmp" && bs alert --db t.db --mail-to postmaster@example.org \
	--sendmail "$tmp/sendmail" --now @$((NOW + 44 * 60)) \
	>"$tmp/alert.out" 2>"$tmp/alert.err") || fail "alert"
[ ! -s "$tmp/alert.out" ] && [ ! -s "$tmp/alert.err" ] ||
	fail "alert printed something on success"
[ -f "$tmp/msg.0" ] || fail "no mail"
grep -q '^From: bouncestat <[^@>]*@[^>]*>' "$tmp/msg.0" ||
	fail "From is not a full address: $(grep '^From:' "$tmp/msg.0")"
grep -q "More: .*--db $tmp/t.db" "$tmp/msg.0" ||
	fail "More: without the absolute --db path"
grep -q 'zen.spamhaus.org' "$tmp/msg.0" || fail "the listing not mailed"
bs alert --db "$db" --mail-to postmaster@example.org \
	--sendmail "$tmp/sendmail" --now @$((NOW + 45 * 60)) \
	>"$tmp/alert2.out" 2>"$tmp/alert2.err" || fail "second alert"
[ ! -f "$tmp/msg.1" ] || fail "a second mail with nothing new"
rc=0
bs alert --db "$db" >"$tmp/noto.out" 2>"$tmp/noto.err" || rc=$?
[ "$rc" -eq 2 ] || fail "alert without --mail-to: exit $rc"
grep -q -- '--mail-to' "$tmp/noto.err" ||
	fail "alert without --mail-to does not say what is missing"

# --- 3. replay equals the live passes, and writes nothing ---
cp "$db" "$tmp/before.db"
bs incidents --db "$db" --replay --since all --now @$((NOW + 45 * 60)) \
	--format json >"$tmp/replay.out" 2>"$tmp/replay.err" || fail "replay"
bs incidents --db "$db" --no-detect --since all --format json \
	>"$tmp/live.out" 2>"$tmp/live.err" || fail "live listing"
cmp -s "$db" "$tmp/before.db" || fail "replay wrote to the database"
python3 - "$tmp/live.out" "$tmp/replay.out" <<'EOF' || fail "replay != live"
import json, sys
keys = ("kind", "key", "listed_ip", "state", "start_epoch", "hosts")
live = sorted(tuple(i[k] for k in keys) for i in json.load(open(sys.argv[1])))
rep = sorted(tuple(i[k] for k in keys) for i in json.load(open(sys.argv[2])))
assert len(live) == 2, live
assert all(t[5] for t in live), live  # the logging hosts, mx1
assert live == rep, (live, rep)
EOF
# A replay with a higher bar opens nothing for the throttle.
bs incidents --db "$db" --replay --since all --now @$((NOW + 45 * 60)) \
	--detect rate_limited.min_count=20 >"$tmp/replay2.out" \
	2>"$tmp/replay2.err" || fail "replay with --detect"
if grep -q 'rate_limited' "$tmp/replay2.out"; then
	fail "--detect not applied to the replay"
fi
grep -q 'opened  *dnsbl' "$tmp/replay2.out" || fail "no timeline"
echo "ok"
