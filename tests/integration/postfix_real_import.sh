#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A real Postfix (Debian's, in a private instance under a temporary
# directory) relays a known mix of mail to a scripted SMTP sink on
# 127.0.0.1 that accepts, throttles (NetEase 421 HL:ICC), greylists
# (postgrey 450, lets the 3rd attempt through), blocks (Spamhaus 550 5.7.1)
# and rejects unknown users (550 5.1.1).  Deferred mail is retried every
# few seconds until it expires (maximal_queue_lifetime = 15s); bounces and
# expiries send notifications back to the sender, which the sink accepts.
# After the first round the log is rotated by `postfix logrotate` (rename,
# reopen, gzip).  When the queue is empty, bouncestat imports the rotated
# .gz and the live maillog_file, then both again (must add nothing), and
# its JSON report must count exactly what the sink answered: per final
# status, per class, per code and per recipient domain.  The expected
# numbers are derived from the sink's reply log (lib/sink_expect.py),
# which is first checked against Postfix's own status= lines.
#
# Needs root and Postfix (installed from the Debian mirror when missing);
# exit 77 (skip) otherwise.  Runtime about 25 s.  KEEP=1 keeps the
# temporary directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh"

[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
    pf_skip "BOUNCESTAT does not name the bouncestat binary"
pf_require

tmp=$(mktemp -d)
passed=0
cleanup() {
	local rc=$?
	trap - EXIT
	pf_cleanup
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$tmp/all.log" "$PF_LOG" "$SINK_LOG" "$tmp/sink.stderr" \
		    "$tmp"/*.out "$tmp"/*.err
	fi
	bs_finish "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# Local parts pick the answer; domains pick the sink port (own queue).
cat >"$tmp/script" <<'EOF'
throttle*   rcpt  throttle
grey*       rcpt  grey      2
spamhaus*   rcpt  spamhaus
unknown*    rcpt  unknown
*           rcpt  ok
EOF
SINK_TIMEOUT=300 sink_start "$tmp" "$tmp/script" 3
pf_init "$tmp/pf" "${SINK_PORTS[0]}"
pf_route netease.test "${SINK_PORTS[1]}"
pf_route grey.test "${SINK_PORTS[2]}"
pf_route shop.example "${SINK_PORTS[2]}"
pf_conf "maximal_queue_lifetime = 15s" "bounce_queue_lifetime = 15s"
pf_start

t0=$SECONDS
for r in ok1@corp.example ok2@corp.example ok3@corp.example \
    throttle1@netease.test throttle2@netease.test throttle3@netease.test \
    throttle4@netease.test grey1@grey.test grey2@grey.test grey3@grey.test \
    spamhaus1@corp.example spamhaus2@corp.example unknown1@shop.example; do
	pf_send "$r"
done
# One message, three recipients: two accepted, one refused at RCPT.
pf_send ok4@shop.example ok5@shop.example unknown2@shop.example

# First round done (every recipient answered once): rotate the log the way
# Postfix does it (rename, reopen, gzip), so that the import reads a .gz
# written by Postfix plus the live file.
pf_wait_log ' status=(sent|deferred|bounced) ' 16 30 ||
    fail "first delivery round incomplete after 30 s"
pf_logrotate || fail "postfix logrotate failed"

pf_wait_queue_empty 90 || {
	postqueue -c "$PF_CONF" -p >&2 || true
	fail "queue not empty after 90 s"
}
# The last lines travel to postlogd as datagrams: let them land.
size=-1
while [ "$size" != "$(stat -c %s "$PF_LOG")" ]; do
	size=$(stat -c %s "$PF_LOG")
	sleep 1
done
pf_stop
sink_stop
echo "postfix done in $((SECONDS - t0)) s" >&2

rotated=$(ls "$PF_LOG".*.gz) && [ "$(echo "$rotated" | wc -l)" = 1 ] ||
    fail "expected one rotated log, have: $(ls "$PF_DIR")"
{ gzip -dc "$rotated"; cat "$PF_LOG"; } >"$tmp/all.log"
python3 "$here/lib/sink_expect.py" "$SINK_LOG" --postfix "$tmp/all.log" \
    >"$tmp/expected.json" || fail "Postfix's log disagrees with the sink"

"$BOUNCESTAT" import --db "$tmp/db" "$rotated" "$PF_LOG" >"$tmp/import.out" \
    2>"$tmp/import.err" || fail "import exited $?"
# Importing the same files again must count nothing twice.
"$BOUNCESTAT" import --db "$tmp/db" "$rotated" "$PF_LOG" \
    >"$tmp/import2.out" 2>"$tmp/import2.err" || fail "import exited $?"
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --top 1000 --format json \
    >"$tmp/report.json" 2>"$tmp/report.err" || fail "report exited $?"
suspended=$(grep -c 'delivery temporarily suspended' "$PF_LOG" || true)

python3 - "$tmp/expected.json" "$tmp/report.json" "$suspended" <<'EOF' ||
import collections, json, sys

exp = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
suspended = int(sys.argv[3])
STATUSES = ("deferred", "bounced", "expired")
bad = []


def check(what, want, have):
    if want != have:
        bad.append("%s: want %r, report has %r" % (what, want, have))


# The mix must have produced every kind of result, so that the comparison
# below cannot pass on empty data.
for s in ("sent",) + STATUSES:
    if not exp["final"].get(s):
        bad.append("test mix produced no %s result" % s)

# Totals: one final result per status= line; no MX fallback here, so no
# attempts; suspended repeats only if Postfix logged any.
t = rep["totals"]
for s in ("sent",) + STATUSES:
    check("totals." + s, exp["final"][s], t.get(s))
check("totals.attempts", 0, t.get("attempts"))
check("totals.suspended", suspended, t.get("suspended"))

# Per class and status.
want = {(c, s): n for s in STATUSES
        for c, n in exp["classes"].get(s, {}).items()}
have = {(r["class"], s): r[s] for r in rep["by_class"] for s in STATUSES
        if r.get(s)}
check("by_class", want, have)

# Per code (summed over enhanced status and class) and status; the
# expired lines carry no reply code.
want = {(int(c) if c != "0" else None, s): n
        for s in ("deferred", "bounced")
        for c, n in exp["codes"].get(s, {}).items()}
want[(None, "expired")] = exp["final"]["expired"]
have = collections.Counter()
for r in rep["by_code"]:
    for s in STATUSES:
        if r.get(s):
            have[(r["code"], s)] += r[s]
check("by_code", want, dict(have))

# Per recipient domain: sent, deferred, bounced.  Postfix's expired line
# names no recipient, so only the expired total is checked.
want = {(d, s): n for s in ("sent", "deferred", "bounced")
        for d, n in exp["domains"].get(s, {}).items()}
have = {(r["domain"], s): r[s] for r in rep["by_domain"]
        for s in ("sent", "deferred", "bounced") if r.get(s)}
check("by_domain", want, have)
check("by_domain expired total", exp["final"]["expired"],
      sum(r.get("expired", 0) for r in rep["by_domain"]))

for b in bad:
    print("report check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
{
	echo "=== expected (from the sink)" >&2
	cat "$tmp/expected.json" >&2
	echo "=== report" >&2
	cat "$tmp/report.json" >&2
	fail "the report does not count what the sink answered"
}
passed=1
echo "ok: report matches the sink's $(python3 -c \
    'import json,sys; print(json.load(open(sys.argv[1]))["final"])' \
    "$tmp/expected.json")" >&2
