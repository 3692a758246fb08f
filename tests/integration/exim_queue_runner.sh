#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A real Exim (lib/exim_env.sh: Debian's exim4-daemon-light unpacked, not
# installed) delivers as a production queue runner does: plain `exim -q`
# runs every second, which honour the retry rules, so that Exim logs its
# own "retry time not reached" decisions ("== ADDR routing defer (-52)"
# and "... defer (-54): retry time not reached for any host") between
# the receiver's replies. The scripted SMTP sink (lib/smtp_sink.py) on
# 127.0.0.1 greylists (450, the 3rd attempt passes), rate-limits a
# gmail-like domain (421 4.7.28, the 3rd attempt passes), blocks
# (Spamhaus 550) and rejects an unknown user (550 5.1.1). Failed mail
# with the null sender is frozen, then removed by timeout_frozen_after.
#
# Checks (trial8):
# - totals, per class, equal what the sink answered; every "retry time
#   not reached" line is a local decision, out of the totals;
# - a domain's top class is that of its receiver's replies, not the
#   local decisions' network_error;
# - a recipient delivered after 421s and retry-not-reached lines keeps
#   rate_limited as its class (messages) and trace counts only the
#   receiver's results, and shows Exim's own decisions as such;
# - frozen and timeout_frozen_after lines count nothing; a recipient
#   still deferred when its message is cancelled by timeout_frozen_after
#   is expired in messages (with its class), as is the message.
#
# Needs root, unshare, apt access (or $EXIM_DEB_DIR) and python3; exit 77
# (skip) otherwise. Runtime about 25 s. KEEP=1 keeps the directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh" # sink_start, sink_stop, fail, bs_finish
. "$here/lib/exim_env.sh"    # exim_test_begin, exim_unpack, exim, exim_send

exim_test_begin # skip(), $tmp, passed, the EXIT trap

exim_unpack

cat >"$tmp/script" <<'EOF'
hold*       rcpt  throttle
grey*       rcpt  grey        2
gm*         rcpt  gmail_rate  2
spamhaus*   rcpt  spamhaus
unknown*    rcpt  unknown
*           rcpt  ok
EOF
SINK_TIMEOUT=120 sink_start "$tmp" "$tmp/script" 1 ||
    fail "the SMTP sink did not start"

exim_conf_head exim_queue_runner.sh
cat >>"$tmp/exim.conf" <<EOF
timeout_frozen_after = 8s
domainlist local_domains = @
begin routers
others:
  driver = manualroute
  domains = ! +local_domains
  route_list = * 127.0.0.1
  self = send
  transport = to_sink
begin transports
to_sink:
  driver = smtp
  port = ${SINK_PORTS[0]}
  allow_localhost
  hosts_avoid_tls = *
begin retry
* * F,1h,3s
EOF
exim -bV >"$tmp/version.out" 2>&1 || fail "exim -bV failed"

t0=$SECONDS
exim_send ok1@corp.example
exim_send grey1@grey.test grey2@grey.test
exim_send gm1@gmail.test
exim_send spamhaus1@corp.example unknown1@shop.example
exim_send ok2@shop.example unknown2@shop.example
exim_send hold1@netease.test
# The throttled message is frozen by hand after its first try (as a
# postmaster does with exim -Mf): timeout_frozen_after then cancels it
# with one line and no line per address.
exim -q >>"$tmp/queue.out" 2>&1 || true
held=$(awk '/ hold1@netease.test / && / == / { print $3; exit }' \
    "$tmp/log/mainlog")
[ -n "$held" ] || fail "hold1@netease.test was not deferred"
exim -Mf "$held" >>"$tmp/queue.out" 2>&1 || fail "exim -Mf $held failed"

# Plain queue runs, as the daemon's -q30m does, only faster: retry times
# are honoured; frozen messages wait for timeout_frozen_after.
for ((i = 0; i < 40; i++)); do
	exim -q >>"$tmp/queue.out" 2>&1 || true
	n=$(exim -bp 2>/dev/null | grep -cE '^ *[0-9]+[smhd] ' || true)
	[ "$n" = 0 ] && break
	sleep 1
done
[ "$n" = 0 ] || {
	exim -bp >&2 || true
	fail "Exim's queue not empty after $((SECONDS - t0)) s"
}
sink_stop
echo "exim done in $((SECONDS - t0)) s" >&2
log=$tmp/log/mainlog
grep -q 'retry time not reached' "$log" ||
    fail "Exim logged no 'retry time not reached': the test proves nothing"
grep -q 'cancelled by timeout_frozen_after' "$log" ||
    fail "no message was cancelled by timeout_frozen_after"

"$BOUNCESTAT" import --db "$tmp/db" "$log" >"$tmp/import.out" \
    2>"$tmp/import.err" || fail "import exited $?"
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --format json \
    >"$tmp/report.json" 2>"$tmp/report.err" || fail "report exited $?"
"$BOUNCESTAT" messages --db "$tmp/db" --since 1d --format json \
    >"$tmp/messages.json" 2>"$tmp/messages.err" || fail "messages exited $?"
qid=$(awk '/ gm1@gmail.test / && / => / { print $3; exit }' "$log")
[ -n "$qid" ] || fail "gm1@gmail.test was not delivered"
"$BOUNCESTAT" trace --db "$tmp/db" "$qid" >"$tmp/trace.out" \
    2>"$tmp/trace.err" || fail "trace exited $?"

python3 - "$SINK_LOG" "$log" "$tmp/report.json" "$tmp/messages.json" \
    "$tmp/trace.out" <<'EOF' || fail "bouncestat's figures differ from the sink's"
import collections, json, re, sys

sink, mainlog, report, messages, trace = sys.argv[1:6]
CLASS = {"gmail_rate": "rate_limited", "throttle": "rate_limited", "grey": "greylisted",
         "spamhaus": "blacklisted", "unknown": "user_unknown"}
exp = collections.Counter()
cls = collections.Counter()
dom = collections.defaultdict(collections.Counter)
for line in open(sink):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    stage, rcpt, preset, code = f[3], f[4], f[5], f[6]
    if stage == "rcpt" and code[0] in "45":
        st = "deferred" if code[0] == "4" else "bounced"
        exp[st] += 1
        cls[(CLASS[preset], st)] += 1
        dom[rcpt.split("@")[1]][CLASS[preset]] += 1
    elif stage == "dot" and code[0] == "2":
        exp["sent"] += 1
# Exim's own decisions; a 421 closes the connection, so the recipients
# after it in that transaction are "Remote host closed connection"
# deferrals (network_error): one message per rate-limited recipient here,
# so there are none.
local = sum(1 for l in open(mainlog)
            if " == " in l and "retry time not reached" in l)
closed = sum(1 for l in open(mainlog)
             if " == " in l and "Remote host closed connection" in l)
bad = []
rep = json.load(open(report))
tot = rep["totals"]
want = {"sent": exp["sent"], "deferred": exp["deferred"] + closed,
        "bounced": exp["bounced"], "expired": 0, "local": local}
for k, v in want.items():
    if tot.get(k) != v:
        bad.append("totals.%s %r, want %d" % (k, tot.get(k), v))
if local == 0 or exp["deferred"] < 4:
    bad.append("mix too small: local %d, deferred %d" % (local,
                                                           exp["deferred"]))
bycls = {c["class"]: c for c in rep["by_class"]}
for (k, st), n in cls.items():
    if bycls.get(k, {}).get(st) != n:
        bad.append("by_class %s.%s %r, want %d"
                   % (k, st, bycls.get(k, {}).get(st), n))
for d in rep["by_domain"]:
    if d["domain"] in dom:
        top = dom[d["domain"]].most_common(1)[0][0]
        if d["top_class"] != top:
            bad.append("by_domain %s top_class %r, want %s"
                       % (d["domain"], d["top_class"], top))
gm = [r for m in json.load(open(messages)) for r in m.get("recipients", [])
      if r.get("rcpt") == "gm1@gmail.test"]
if len(gm) != 1 or gm[0].get("status") != "sent" or \
        gm[0].get("class") != "rate_limited" or gm[0].get("attempts") != 3:
    bad.append("messages: gm1@gmail.test %r, want sent, rate_limited, 3 results" % gm)
hold = [m for m in json.load(open(messages))
        for r in m.get("recipients", []) if r.get("rcpt") == "hold1@netease.test"]
if len(hold) != 1 or hold[0]["state"] != "expired" or \
        hold[0]["recipients"][0]["status"] != "expired" or \
        hold[0]["recipients"][0]["class"] != "rate_limited":
    bad.append("messages: hold1@netease.test %r, want expired, "
               "rate_limited" % hold)
t = open(trace).read()
if "gm1@gmail.test: sent (last failure rate_limited) after 3 results" \
        not in t:
    bad.append("trace: no 'sent (last failure rate_limited) after 3 "
               "results':\n" + t)
# Exim's own decisions are told apart from the receiver's replies.
for l in t.splitlines():
    if "retry time not reached" in l and "local: our MTA held it" not in l:
        bad.append("trace: a local decision shown as a reply: " + l)
if "local: our MTA held it" not in t:
    bad.append("trace: no local decision shown:\n" + t)
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
passed=1
echo "ok: $(tr -d '\n' <"$tmp/import.out")" >&2
