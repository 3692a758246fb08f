#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Local decisions of our MTA are no result: an Exim main log (format of
# Exim 4's own log, as in a real 2012 log where 2,714 of 3,069 "deferred"
# were queue-only decisions) with queue-only and retry-time deferrals, one
# real deferral, one bounce and deliveries. The report's totals, rates,
# class table and fail% count the real results only; the local decisions
# are on a line of their own (text) and apart in JSON.
set -eu

: "${BOUNCESTAT:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -s "$tmp/r.txt" ] && cat "$tmp/r.txt" >&2
	exit 1
}
export TZ=UTC
unset BOUNCESTAT_DB
{
	for i in $(seq 10 39); do
		echo "2026-11-22 10:$i:00 1tC0$i-000Ab1-3x == u$i@gmail.com R=dnslookup T=remote_smtp defer (-1): domain matches queue_smtp_domains, or -odqs set"
	done
	for i in $(seq 10 19); do
		echo "2026-11-22 11:$i:00 1tD0$i-000Ab1-3x == v$i@yahoo.com R=dnslookup T=remote_smtp defer (-1): retry time not reached"
	done
	echo "2026-11-22 12:00:00 1tE010-000Ab1-3x == w@gmail.com R=dnslookup T=remote_smtp defer (-44) H=gmail-smtp-in.l.google.com [142.250.1.27]: SMTP error from remote mail server after RCPT TO:<w@gmail.com>: 421 4.7.28 Our system has detected an unusual rate of unsolicited mail"
	echo "2026-11-22 12:01:00 1tE011-000Ab1-3x ** x@example.org R=dnslookup T=remote_smtp H=mx.example.org [198.51.100.20]: SMTP error from remote mail server after RCPT TO:<x@example.org>: 550 5.1.1 <x@example.org>: Recipient address rejected: User unknown"
	for i in $(seq 10 17); do
		echo "2026-11-22 12:$i:00 1tF0$i-000Ab1-3x => y$i@gmail.com R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com [142.250.1.27] C=\"250 2.0.0 OK\""
	done
} >"$tmp/mainlog"
"$BOUNCESTAT" import --db "$tmp/t.db" "$tmp/mainlog" >/dev/null 2>&1 ||
	fail "import"
"$BOUNCESTAT" report --db "$tmp/t.db" --since 2026-11-22 --until 2026-11-23 \
	--format json >"$tmp/r.json" || fail "report json"
"$BOUNCESTAT" report --db "$tmp/t.db" --since 2026-11-22 --until 2026-11-23 \
	>"$tmp/r.txt" || fail "report text"
python3 - "$tmp/r.json" <<'PY' || fail "JSON counts"
import json, sys
r = json.load(open(sys.argv[1]))
t = r["totals"]
assert (t["sent"], t["deferred"], t["bounced"], t["local"]) == (8, 1, 1, 40), t
assert t["total"] == 10 and t["failed"] == 2, t
assert abs(r["rates"]["deferral"] - 0.1) < 1e-9, r["rates"]
classes = {c["class"]: c for c in r["by_class"]}
assert sum(c["deferred"] for c in classes.values()) == 1, classes
gm = [d for d in r["by_domain"] if d["domain"] == "gmail.com"][0]
assert gm["deferred"] == 1 and gm["total"] == 9, gm
PY
grep -q '^  deferred  *1 ' "$tmp/r.txt" || fail "text: deferred is not 1"
grep -q '^  local decisions  *40 ' "$tmp/r.txt" || fail "text: no local line"
echo ok
