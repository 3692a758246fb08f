#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A real Exim (Debian's exim4-daemon-light binary, unpacked with
# `apt-get download` + `dpkg -x` into a temporary directory: nothing is
# installed, Exim never becomes the system MTA and no daemon listens)
# relays a known mix of mail to the scripted SMTP sink
# (lib/smtp_sink.py) on 127.0.0.1, which accepts, throttles (NetEase 421
# HL:ICC, until the address expires), greylists (postgrey 450, the 3rd
# attempt passes), blocks (Spamhaus 550 5.7.1) and rejects unknown users
# (550 5.1.1). Exim runs with its own configuration (-C), spool and
# log_file_path; deliveries happen in forced queue runs (-qf) every few
# seconds, with a retry rule short enough (F,10s,2s) for the throttled
# addresses to fail with "retry timeout exceeded". Mail is sent with the
# null sender, so that no bounce messages join the mix.
#
# Then bouncestat imports Exim's mainlog, and its JSON report must count
# exactly what the sink answered: sent = 2xx at end of DATA; bounced =
# 5xx at RCPT; deferred = 4xx at RCPT; expired = the throttled recipients
# (Exim logs their last deferral, then the expiry on a line of its own). Exim's own "=>"/"=="/"**" lines are first checked against the
# sink, so that a broken test environment is told apart from a bouncestat
# bug.
#
# Exim's binary wants its compile-time user "Debian-exim": the test runs
# every Exim command in a private mount namespace (unshare -m) where
# /etc/passwd and /etc/group are bind-mounted copies with that user added
# (as uid/gid 65534), so the system's files are never changed.
#
# Needs root, unshare, apt access to the Debian mirror (or the two .deb
# files in $EXIM_DEB_DIR) and python3; exit 77 (skip) otherwise. Runtime
# about 30 s. KEEP=1 keeps the temporary directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh" # sink_start, sink_stop
. "$here/lib/exim_env.sh"    # exim_test_begin, exim_unpack, exim, exim_send

exim_test_begin # skip(), $tmp, passed, the EXIT trap

# --- Exim from the Debian archive, unpacked, not installed -------------
exim_unpack

# --- the sink: one port for the throttled domain, one for the rest -----
cat >"$tmp/script" <<'EOF'
throttle*   rcpt  throttle
grey*       rcpt  grey      2
spamhaus*   rcpt  spamhaus
unknown*    rcpt  unknown
*           rcpt  ok
EOF
SINK_TIMEOUT=300 sink_start "$tmp" "$tmp/script" 2 ||
    fail "the SMTP sink did not start"

exim_conf_head exim_real.sh
cat >>"$tmp/exim.conf" <<EOF
domainlist local_domains = @
begin routers
throttled:
  driver = manualroute
  domains = netease.test
  route_list = * 127.0.0.1
  self = send
  transport = to_sink_throttle
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
to_sink_throttle:
  driver = smtp
  port = ${SINK_PORTS[1]}
  allow_localhost
  hosts_avoid_tls = *
begin retry
* * F,10s,2s
EOF
exim -bV >"$tmp/version.out" 2>&1 || fail "exim -bV failed"

# --- the mix -------------------------------------------------------------
t0=$SECONDS
for r in ok1@corp.example ok2@corp.example throttle1@netease.test \
    throttle2@netease.test grey1@grey.test grey2@grey.test \
    spamhaus1@corp.example unknown1@shop.example; do
	exim_send "$r"
done
# One message, three recipients: "=>", "->" and "**" in one delivery.
exim_send ok3@shop.example ok4@shop.example unknown2@shop.example

# Forced queue runs (-qf: retry times ignored, frozen messages left
# alone) until only frozen messages are left: a failed message with the
# null sender cannot be returned, so Exim freezes it.
active() {
	exim -bp 2>/dev/null | grep -E '^ *[0-9]+[smhd] ' | grep -vc frozen ||
	    true
}
for ((i = 0; i < 40; i++)); do
	exim -qf >>"$tmp/queue.out" 2>&1 || true
	n=$(active)
	[ "$n" = 0 ] && break
	sleep 2
done
[ "$n" = 0 ] || {
	exim -bp >&2 || true
	fail "Exim's queue not empty after $((SECONDS - t0)) s"
}
sink_stop
echo "exim done in $((SECONDS - t0)) s" >&2

# --- what Exim logged must agree with what the sink answered -----------
python3 - "$SINK_LOG" "$tmp/log/mainlog" >"$tmp/expected.json" \
    2>"$tmp/expect.err" <<'EOF' || fail "Exim's log disagrees with the sink"
import collections, json, re, sys

CLASS = {"throttle": "rate_limited", "grey": "greylisted",
         "spamhaus": "blacklisted", "unknown": "user_unknown"}
exp = collections.Counter()
cls = collections.defaultdict(collections.Counter)
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if len(f) < 8:
        continue
    stage, rcpt, preset, code = f[3], f[4], f[5], f[6]
    if stage == "rcpt" and code[0] in "45":
        st = "deferred" if code[0] == "4" else "bounced"
        exp[st] += 1
        cls[st][CLASS.get(preset, "unknown")] += 1
    elif stage == "dot" and code[0] == "2":
        exp["sent"] += 1

log = collections.Counter()
for line in open(sys.argv[2]):
    m = re.search(r" (=>|->|==|\*\*) \S+", line)
    if not m:
        continue
    if m.group(1) in ("=>", "->"):
        log["sent"] += 1
    elif m.group(1) == "==":
        log["deferred"] += 1
    elif "retry timeout exceeded" in line:
        log["expired"] += 1
    else:
        log["bounced"] += 1
# Exim logs the last 4xx of a throttled address as a deferral, then the
# expiry on a line of its own ("** ADDR: retry timeout exceeded").
want = {"sent": exp["sent"], "bounced": exp["bounced"],
        "deferred": exp["deferred"], "expired": log["expired"]}
ok = True
for k, v in want.items():
    if log[k] != v:
        print("exim logged %d %s, the sink says %d" % (log[k], k, v),
              file=sys.stderr)
        ok = False
if log["expired"] != 2 or exp["deferred"] < 4:
    print("mix did not produce 2 expiries and deferrals: %r" % (log,),
          file=sys.stderr)
    ok = False
json.dump({"final": want, "classes": {k: dict(v) for k, v in cls.items()}},
          sys.stdout)
sys.exit(0 if ok else 1)
EOF

# --- bouncestat: the per-line view, then the report ----------------------
"$BOUNCESTAT" parse "$tmp/log/mainlog" >"$tmp/parse.out" 2>"$tmp/parse.err" ||
    fail "parse exited $?"
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/log/mainlog" >"$tmp/import.out" \
    2>"$tmp/import.err" || fail "import exited $?"
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --format json \
    >"$tmp/report.json" 2>"$tmp/report.err" || fail "report exited $?"

python3 - "$tmp/expected.json" "$tmp/parse.out" "$tmp/report.json" <<'EOF' ||
import collections, json, sys

exp = json.load(open(sys.argv[1]))
bad = []

# Every final result line parsed by the exim parser, classified as the
# sink's preset says.
got = collections.Counter()
gcls = collections.defaultdict(collections.Counter)
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
head = rows[0]
for r in rows[1:]:
    d = dict(zip(head, r))
    if d.get("mta") != "exim":
        bad.append("row not taken by the exim parser: %r" % (r,))
    if d["status"] in ("sent", "deferred", "bounced", "expired"):
        got[d["status"]] += 1
        if d["status"] in ("deferred", "bounced"):
            gcls[d["status"]][d["class"]] += 1
for s, n in exp["final"].items():
    if got[s] != n:
        bad.append("parse: %s %d, want %d" % (s, got[s], n))
for s, c in exp["classes"].items():
    for k, n in c.items():
        if n and gcls[s][k] != n:
            bad.append("parse: %s/%s %d, want %d" % (s, k, gcls[s][k], n))

rep = json.load(open(sys.argv[3]))
tot = rep.get("totals", {})
for s, n in exp["final"].items():
    if tot.get(s) != n:
        bad.append("report totals: %s %r, want %d" % (s, tot.get(s), n))
bycls = {x.get("class"): x for x in rep.get("by_class", [])}
for s, c in exp["classes"].items():
    for k, n in c.items():
        if n and bycls.get(k, {}).get(s) != n:
            bad.append("report by_class: %s/%s %r, want %d"
                       % (k, s, bycls.get(k, {}).get(s), n))
for b in bad:
    print("check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    fail "bouncestat's counts differ from the sink's replies"
passed=1
echo "ok: bouncestat matches the sink: $(cat "$tmp/expected.json")" >&2
