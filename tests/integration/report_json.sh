#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# End to end: `bouncestat import` of a small Postfix log, then `bouncestat
# report` checked field by field in JSON (python3's json module), CSV
# (python3's csv module: one width, formula cells neutralised) and text
# (no raw escape byte reaches the terminal), plus its exit codes.
#
# The log is written here, shaped like real Postfix 3.x output with
# Debian 12 rsyslog's RFC 3339 stamps (as in tests/data/postfix/
# rfc3339.log, suspended.log, expired.log, which follow
# kumina_postfix_exporter's postfix.log and postfix-grok-patterns);
# addresses and IPs are made up (RFC 5737 ranges).
set -eu

: "${BOUNCESTAT:?}"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_report.XXXXXX")
passed=
cleanup() {
	if [ -z "$passed" ]; then
		for f in "$T"/*.out "$T"/*.err; do
			[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

DB=$T/bs.db
LOG=$T/mail.log
S='2026-11-22T10'
U='2026-11-22T11'
ESC=$(printf '\033')
{
	# Hour 10: qq.com, 4 sent, 2 deferred HL:ICC, 1 per-MX attempt,
	# 1 suspended repeat; noise around them.
	echo "$S:00:01.000001+00:00 mx1 postfix/smtpd[1830]: connect from client.example.com[198.51.100.7]"
	echo "$S:00:02.000001+00:00 mx1 postfix/qmgr[1871]: A1B2C3D401: from=<news@example.org>, size=3091, nrcpt=4 (queue active)"
	for i in 1 2 3 4; do
		echo "$S:01:0$i.000001+00:00 mx1 postfix/smtp[1810]: A1B2C3D40$i: to=<u$i@qq.com>, relay=mx1.qq.com[203.0.113.1]:25, delay=1.1, delays=0.02/0/0.9/0.2, dsn=2.0.0, status=sent (250 OK: queued as 1234$i)"
	done
	echo "$S:02:00.000001+00:00 mx1 postfix/smtp[1811]: B1C2D3E401: host mx1.qq.com[203.0.113.1] said: 421 HL:ICC Sender frequency limited, please try again later (in reply to MAIL FROM command)"
	for i in 1 2; do
		echo "$S:02:1$i.000001+00:00 mx1 postfix/smtp[1811]: B1C2D3E40$i: to=<d$i@qq.com>, relay=mx2.qq.com[203.0.113.2]:25, delay=2, delays=0.1/0/1.8/0.1, dsn=4.0.0, status=deferred (host mx2.qq.com[203.0.113.2] said: 421 HL:ICC Sender frequency limited, please try again later (in reply to MAIL FROM command))"
	done
	echo "$S:05:00.000001+00:00 mx1 postfix/error[1812]: B1C2D3E403: to=<d3@qq.com>, relay=none, delay=0.1, delays=0.1/0/0/0, dsn=4.0.0, status=deferred (delivery temporarily suspended: host mx2.qq.com[203.0.113.2] said: 421 HL:ICC Sender frequency limited, please try again later (in reply to MAIL FROM command))"
	# Hour 11: gmail.com 3 sent, example.com 2 bounced user unknown,
	# example.net 1 greylisted, 1 expiry, 1 hostile reply.
	for i in 1 2 3; do
		echo "$U:00:0$i.5+00:00 mx1 postfix/smtp[1820]: C1D2E3F40$i: to=<g$i@Gmail.com>, relay=gmail-smtp-in.l.google.com[192.0.2.27]:25, delay=0.9, delays=0.1/0/0.4/0.4, dsn=2.0.0, status=sent (250 2.0.0 OK  1763805600 a640c23a62f3a-a9$i - gsmtp)"
	done
	for i in 1 2; do
		echo "$U:10:0$i+00:00 mx1 postfix/smtp[1821]: D1E2F3A40$i: to=<nobody$i@example.com>, relay=mx.example.com[198.51.100.5]:25, delay=12, delays=6.5/0.01/0.03/5.1, dsn=5.1.1, status=bounced (host mx.example.com[198.51.100.5] said: 550 5.1.1 <nobody$i@example.com>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command))"
	done
	echo "$U:20:00Z mx1 postfix/smtp[1822]: E1F2A3B401: to=<t@example.net>, relay=mx.example.net[198.51.100.30]:25, delay=1, delays=0.1/0/0.8/0.1, dsn=4.7.1, status=deferred (host mx.example.net[198.51.100.30] said: 450 4.7.1 <t@example.net>: Recipient address rejected: Greylisted for 300 seconds (in reply to RCPT TO command))"
	echo "$U:30:00Z mx1 postfix/qmgr[1871]: F1A2B3C401: from=<news@example.org>, status=expired, returned to sender"
	echo "$U:40:00Z mx1 postfix/smtp[1823]: F1A2B3C402: to=<x@hostile.example>, relay=mx.hostile.example[198.51.100.66]:25, delay=1, delays=0.1/0/0.8/0.1, dsn=5.7.1, status=bounced (host mx.hostile.example[198.51.100.66] said: 554 5.7.1 =HYPERLINK(\"http://x\")${ESC}[31m, \"quoted\" (in reply to end of DATA command))"
	# Outside the range: must not be counted.
	echo "2026-11-22T13:00:00Z mx1 postfix/smtp[1824]: F1A2B3C403: to=<late@qq.com>, relay=mx1.qq.com[203.0.113.1]:25, delay=1, delays=0.1/0/0.8/0.1, dsn=2.0.0, status=sent (250 OK)"
} >"$LOG"

"$BOUNCESTAT" import --db "$DB" --quiet "$LOG" >"$T/import.out" 2>"$T/import.err" ||
    fail "import exited $?"

rep() {
	"$BOUNCESTAT" report --db "$DB" --since "$S:30Z" --until "$U:30Z" "$@"
}
rep --format json --top 20 --unknown >"$T/report.out" 2>"$T/report.err" ||
    fail "report --format json exited $?"

python3 - "$T/report.out" <<'EOF' || fail "report JSON"
import json, sys

rep = json.load(open(sys.argv[1]))
bad = []

def want(what, have, exp):
    if have != exp:
        bad.append("%s: want %r, have %r" % (what, exp, have))

# The asked range is widened to whole hours.
want("since", rep["since"], "2026-11-22T10:00:00Z")
want("until", rep["until"], "2026-11-22T12:00:00Z")
want("requested.since", rep["requested"]["since"], "2026-11-22T10:30:00Z")
want("requested.until", rep["requested"]["until"], "2026-11-22T11:30:00Z")
want("filter", rep["filter"], {"domain": None, "class": None, "host": None})
want("by_host", [(x["host"], x["total"], x["failed"]) for x in rep["by_host"]],
     [("mx1", 15, 8)])

t = rep["totals"]
for k, n in (("sent", 7), ("deferred", 4), ("bounced", 3), ("expired", 1),
             ("attempts", 1), ("suspended", 1), ("total", 15),
             ("failed", 8)):
    want("totals." + k, t.get(k), n)
r = rep["rates"]
want("rates.deferral", round(r["deferral"], 4), round(4 / 15, 4))
want("rates.bounce", round(r["bounce"], 4), round(3 / 15, 4))

cls = {x["class"]: x for x in rep["by_class"]}
for x in rep["by_class"]:
    want("by_class %s total" % x["class"], x["total"],
         x["deferred"] + x["bounced"] + x["expired"])
want("by_class classes sum", sum(x["total"] for x in rep["by_class"]), 8)
rl = cls.get("rate_limited", {})
want("by_class rate_limited deferred", rl.get("deferred"), 3)
want("by_class rate_limited attempts", rl.get("attempts"), 1)
want("by_class rate_limited suspended", rl.get("suspended"), 1)
want("by_class user_unknown bounced",
     cls.get("user_unknown", {}).get("bounced"), 2)
want("by_class greylisted deferred",
     cls.get("greylisted", {}).get("deferred"), 1)
want("by_class expired expired", cls.get("expired", {}).get("expired"), 1)
want("by_class first", rep["by_class"][0]["class"], "rate_limited")

dom = {x["domain"]: x for x in rep["by_domain"]}
want("by_domain first", rep["by_domain"][0]["domain"], "qq.com")
q = dom.get("qq.com", {})
for k, n in (("sent", 4), ("deferred", 3), ("bounced", 0), ("total", 7),
             ("suspended", 1), ("top_class", "rate_limited")):
    want("by_domain qq.com " + k, q.get(k), n)
# A per-MX "host X said:" line names no recipient: its attempt has no
# domain, but its relay gives the provider.
want("by_domain (none)", {k: dom.get(None, {}).get(k) for k in
                          ("attempts", "expired")},
     {"attempts": 1, "expired": 1})
want("by_provider qq.com attempts",
     {x["provider"]: x for x in rep["by_provider"]}.get("qq.com", {})
     .get("attempts"), 1)
want("by_domain example.com",
     {k: dom.get("example.com", {}).get(k) for k in
      ("total", "bounced", "top_class")},
     {"total": 2, "bounced": 2, "top_class": "user_unknown"})
# Recipient domains are stored lower-cased.
want("by_domain gmail.com", dom.get("gmail.com", {}).get("sent"), 3)
want("by_domain Gmail.com", "Gmail.com" in dom, False)
prov = {x["provider"]: x for x in rep["by_provider"]}
want("by_provider google.com", prov.get("google.com", {}).get("sent"), 3)

codes = rep["by_code"]
want("by_code first code", codes[0]["code"], 421)
want("by_code first class", codes[0]["class"], "rate_limited")
s = codes[0]["sample"] or ""
if "HL:ICC" not in s or s.startswith("delivery temporarily suspended"):
    bad.append("by_code 421 sample: %r" % s)
uu = [c for c in codes if c["code"] == 550]
want("by_code 550", [(c["enhanced"], c["class"], c["bounced"]) for c in uu],
     [("5.1.1", "user_unknown", 2)])
h = [c for c in codes if c["code"] == 554]
if len(h) != 1:
    bad.append("by_code 554: %r" % h)
else:
    want("hostile sample", h[0]["sample"],
         '554 5.7.1 =HYPERLINK("http://x")\x1b[31m, "quoted"')

hours = {x["hour"]: x for x in rep["hourly"]}
want("hourly keys", sorted(hours),
     ["2026-11-22T10:00:00Z", "2026-11-22T11:00:00Z"])
want("hourly 10 sent", hours["2026-11-22T10:00:00Z"]["sent"], 4)
want("hourly 11 failed", hours["2026-11-22T11:00:00Z"]["failed"], 5)

if not isinstance(rep.get("unknown"), list):
    bad.append("unknown: not a list")
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# Raw bytes: the escape is \u001b in JSON, never a raw byte.
grep -q "$ESC" "$T/report.out" && fail "raw ESC in JSON"

# Filters.
rep --format json --domain QQ.COM >"$T/dom.out" 2>"$T/dom.err" ||
    fail "report --domain exited $?"
rep --format json --class user_unknown >"$T/cls.out" 2>"$T/cls.err" ||
    fail "report --class exited $?"
python3 - "$T/dom.out" "$T/cls.out" <<'EOF' || fail "report filters"
import json, sys
d = json.load(open(sys.argv[1]))
c = json.load(open(sys.argv[2]))
bad = []
if (d["filter"]["domain"], d["totals"]["sent"], d["totals"]["deferred"]) != \
        ("qq.com", 4, 3):
    bad.append("--domain: %r %r" % (d["filter"], d["totals"]))
if (c["totals"]["bounced"], c["totals"]["deferred"], c["totals"]["sent"],
        [x["class"] for x in c["by_class"]]) != (2, 0, 0, ["user_unknown"]):
    bad.append("--class: %r %r" % (c["totals"], c["by_class"]))
# Rates stay relative to all final results.
if round(c["rates"]["bounce"], 4) != round(2 / 15, 4):
    bad.append("--class rate: %r" % c["rates"])
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# CSV: one width, sections, formula cells neutralised, no raw ESC.
rep --format csv --top 20 >"$T/csv.out" 2>"$T/csv.err" ||
    fail "report --format csv exited $?"
grep -q "$ESC" "$T/csv.out" && fail "raw ESC in CSV"
python3 - "$T/csv.out" <<'EOF' || fail "report CSV"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
bad = []
head = rows[0]
if head[0] != "section" or len({len(r) for r in rows}) != 1:
    bad.append("widths: %r" % {len(r) for r in rows})
recs = [dict(zip(head, r)) for r in rows[1:]]
tot = [r for r in recs if r["section"] == "totals"]
if len(tot) != 1 or (tot[0]["sent"], tot[0]["deferred"]) != ("7", "4"):
    bad.append("totals: %r" % tot)
secs = {r["section"] for r in recs}
for s in ("range", "totals", "class", "domain", "provider", "code", "hour"):
    if s not in secs:
        bad.append("no section " + s)
for r in recs:
    for k, v in r.items():
        if v[:1] in ("=", "+", "-", "@"):
            bad.append("formula cell %s=%r" % (k, v))
h = [r for r in recs if r["section"] == "code" and r["code"] == "554"]
if not h or not h[0]["reply"].startswith("554 5.7.1 =HYPERLINK"):
    bad.append("hostile reply cell: %r" % h)
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF

# Text: the tables and a sparkline, no raw escape byte.
rep --top 20 --utc >"$T/text.out" 2>"$T/text.err" || fail "report text exited $?"
grep -q "$ESC" "$T/text.out" && fail "raw ESC in text"
for w in "Results" "rate_limited" "qq.com" "HL:ICC" "Failures per hour" \
    "per-MX attempts" "2026-11-22 10:00 to 2026-11-22 12:00 (UTC)"; do
	grep -qF "$w" "$T/text.out" || fail "text lacks '$w'"
done
grep -q "^  sent  *7 " "$T/text.out" || fail "text: sent 7"

# Exit codes: 0 help on stdout, 1 missing database, 2 usage errors.
"$BOUNCESTAT" report --help >"$T/help.out" 2>/dev/null || fail "--help exit"
grep -q "BOUNCESTAT_DB" "$T/help.out" || fail "--help lacks the db rule"
set +e
"$BOUNCESTAT" report --db "$T/none.db" >/dev/null 2>"$T/missing.err"
[ $? -eq 1 ] || fail "missing database: want exit 1"
[ -e "$T/none.db" ] && fail "report created a database"
for bad in "--since bogus" "--class nope" "--format xml" "--top 0" \
    "--since 1h --until 2h" "extra"; do
	# shellcheck disable=SC2086
	"$BOUNCESTAT" report --db "$DB" $bad >/dev/null 2>&1
	[ $? -eq 2 ] || fail "'$bad': want exit 2"
done
set -e

passed=1
echo "ok: report JSON, CSV, text and exit codes"
