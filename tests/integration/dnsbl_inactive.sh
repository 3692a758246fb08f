#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The `inactive` incident (daemon/detect/inactive.c), moved through time
# with --now: seven days of results from 08:00 to 18:00 and an eighth day
# that stops at 10:00. At 03:00 nothing opens (the baseline has no result
# at that hour); at 12:30 one opens (no result for 2 h where the baseline
# had 12; it started at 09:51, after the last result); a result at 12:40 resolves it at 12:45; a threshold above the
# baseline (--detect inactive.min_count=50) opens nothing.
set -eu

: "${BOUNCESTAT:?BOUNCESTAT must name the bouncestat binary}"
command -v jq >/dev/null 2>&1 || { echo "SKIP: no jq"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_inactive.XXXXXX")
trap 'rc=$?; rm -rf "$T"; exit $rc' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

gen() { # gen FILE DAY0 DAYS LAST_HOUR_OF_LAST_DAY
	python3 - "$@" <<'PY'
import datetime, sys
out, day0, days, last = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
d0 = datetime.datetime.fromisoformat(day0 + "T00:00:00+00:00")
n = 0
with open(out, "w") as f:
    for d in range(days):
        day = d0 + datetime.timedelta(days=d)
        for h in range(8, 18 if d < days - 1 else last):
            for m in range(0, 60, 10):
                n += 1
                t = day + datetime.timedelta(hours=h, minutes=m)
                f.write("%s mx postfix/smtp[1]: %010X: to=<u%d@example.com>, "
                        "relay=mx.example.com[203.0.113.5]:25, delay=1, "
                        "delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 "
                        "OK)\n" % (t.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                                   0x1000000 + n, n))
PY
}

inactive() { # inactive NOW [ARGS]: the inactive incidents as of NOW
	local now=$1
	shift
	"$BOUNCESTAT" incidents -c "$T/empty.conf" --db "$T/db" --now "$now" --since all \
	    --kind inactive --format json "$@" |
	    jq -c '[.[] | {state, start, resolved, baseline}]'
}

: >"$T/empty.conf" # not /etc/bouncestat's
gen "$T/hist.log" 2026-11-28 8 10
"$BOUNCESTAT" import -c "$T/empty.conf" --db "$T/db" "$T/hist.log" >/dev/null
cp "$T/db" "$T/db.copy"

got=$(inactive 2026-12-05T03:00:00Z)
echo "03:00: $got"
[ "$got" = "[]" ] || fail "an inactive incident at 03:00 (no baseline): $got"

got=$(inactive 2026-12-05T12:30:00Z)
echo "12:30: $got"
[ "$(jq 'length' <<<"$got")" = 1 ] || fail "no inactive incident at 12:30"
[ "$(jq -r '.[0].state' <<<"$got")" = open ] || fail "not open: $got"
# Since the minute after the last result (09:50).
[ "$(jq -r '.[0].start' <<<"$got")" = 2026-12-05T09:51:00Z ] ||
    fail "start: $got"
[ "$(jq -r '.[0].baseline' <<<"$got")" = 12 ] || fail "baseline: $got"
# The alert names it.
"$BOUNCESTAT" alert -c "$T/empty.conf" --db "$T/db" --now 2026-12-05T12:31:00Z --no-detect \
    --dry-run >"$T/alert.txt"
grep -q 'no delivery result logged' "$T/alert.txt" ||
    { cat "$T/alert.txt"; fail "the alert does not name the inactivity"; }

printf '%s\n' "2026-12-05T12:40:00+00:00 mx postfix/smtp[1]: 0FFFFFFF01: to=<z@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 2.0.0 OK)" >"$T/more.log"
"$BOUNCESTAT" import -c "$T/empty.conf" --db "$T/db" "$T/more.log" >/dev/null
got=$(inactive 2026-12-05T12:45:00Z)
echo "12:45: $got"
[ "$(jq -r '.[0].state' <<<"$got")" = resolved ] || fail "not resolved: $got"
[ "$(jq -r '.[0].resolved' <<<"$got")" = 2026-12-05T12:45:00Z ] ||
    fail "resolved at: $got"

# A threshold above the baseline: nothing opens.
got=$(inactive 2026-12-05T12:30:00Z --detect inactive.min_count=50 \
    --db "$T/db.copy")
echo "12:30, min_count 50: $got"
[ "$got" = "[]" ] || fail "opened above the threshold: $got"
echo "dnsbl_inactive: OK"
