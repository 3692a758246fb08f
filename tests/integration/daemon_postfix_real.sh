#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The daemon follows a real Postfix's mail log while mail flows: a private
# Postfix instance (tests/integration/lib/postfix_env.sh) relays a known
# mix to the scripted SMTP sink, which accepts, throttles (421 HL:ICC),
# greylists, blocks (550 5.7.1 Spamhaus) and rejects unknown users; the
# deferred mail is retried until it expires. Mid-stream, `postfix
# logrotate` renames the log (and compresses the old one a second later)
# and, later, the daemon is restarted. When the queue is empty and the
# daemon has caught up, `report --format json` must count exactly what the
# sink answered: per final status and per class and status.
#
# Needs root and Postfix (installed from the Debian mirror when missing);
# exit 77 (skip) otherwise. Runtime about 40 s.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh"

[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
    pf_skip "BOUNCESTAT does not name the bouncestat binary"
pf_require

tmp=$(mktemp -d)
DPID=
passed=0
cleanup() {
	local rc=$?
	trap - EXIT
	[ -n "$DPID" ] && kill -9 "$DPID" 2>/dev/null
	pf_cleanup
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$tmp/daemon.log" "$SINK_LOG" "$tmp"/*.json
	fi
	bs_finish "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

daemon_start() {
	"$BOUNCESTAT" daemon -c "$tmp/bouncestat.conf" --db "$tmp/db" \
	    --allow-root --follow "$PF_LOG" >>"$tmp/daemon.log" 2>&1 &
	DPID=$!
}

daemon_stop() {
	local rc=0
	kill -TERM "$DPID"
	wait "$DPID" || rc=$?
	DPID=
	[ "$rc" = 0 ] || fail "daemon exited $rc on SIGTERM"
}

cat >"$tmp/script" <<'EOF'
throttle*   rcpt  throttle
grey*       rcpt  grey      2
spamhaus*   rcpt  spamhaus
unknown*    rcpt  unknown
*           rcpt  ok
EOF
printf 'commit_interval 500ms\nrotate_wait 2s\ndnsbl_check off\n' \
    >"$tmp/bouncestat.conf"
SINK_TIMEOUT=300 sink_start "$tmp" "$tmp/script" 3
pf_init "$tmp/pf" "${SINK_PORTS[0]}"
pf_route netease.test "${SINK_PORTS[1]}"
pf_route grey.test "${SINK_PORTS[2]}"
pf_route shop.example "${SINK_PORTS[2]}"
pf_conf "maximal_queue_lifetime = 20s" "bounce_queue_lifetime = 20s"
pf_start
daemon_start

send_batch() {
	local n=$1 r
	for r in ok1 ok2 throttle1 throttle2 grey1 spamhaus1; do
		pf_send "$r-$n@corp.example"
	done
	# One recipient per message where the sink answers 421 at RCPT
	# (it then closes: later recipients of the message get no reply).
	pf_send "throttle3-$n@netease.test"
	pf_send "throttle4-$n@netease.test"
	pf_send "grey2-$n@grey.test"
	pf_send "unknown1-$n@shop.example"
	pf_send "ok3-$n@shop.example" "ok4-$n@shop.example" \
	    "unknown2-$n@shop.example"
}

t0=$SECONDS
if [ "${BS_PF_SCENARIO:-running}" = down ]; then
	# daemon_postfix_rotate_down.sh: the rotation (rename, reopen,
	# gzip a second later) happens while the daemon is stopped.
	send_batch 1
	sleep 4
	send_batch 2
	sleep 1
	daemon_stop
	send_batch 3
	pf_logrotate || fail "postfix logrotate failed"
	send_batch 4
	sleep 1
	ls "$PF_LOG".*.gz >/dev/null 2>&1 || fail "no compressed rotated log"
	daemon_start
	send_batch 5
else
	send_batch 1
	sleep 4
	send_batch 2
	pf_logrotate
	sleep 1
	send_batch 3
	sleep 6 # the rotated file is drained and compressed by now
	daemon_stop
	send_batch 4
	sleep 1
	daemon_start
	send_batch 5
fi

pf_wait_queue_empty 120 || {
	postqueue -c "$PF_CONF" -p >&2 || true
	fail "queue not empty after 120 s"
}
size=-1
while [ "$size" != "$(stat -c %s "$PF_LOG")" ]; do
	size=$(stat -c %s "$PF_LOG")
	sleep 1
done
echo "postfix done in $((SECONDS - t0)) s" >&2
ls "$PF_DIR"/postfix.log.* >/dev/null 2>&1 || fail "postfix logrotate did not rotate"
# Postfix compresses a rotated file in the background: wait until no
# uncompressed one is left, or the copy below could read a .gz still being
# written and miss the file it replaces (seen on a loaded machine).
for i in $(seq 1 120); do
	ls "$PF_DIR"/postfix.log.*[0-9] >/dev/null 2>&1 || break
	sleep 0.5
done

# The whole log, rotated part first, for the sink's cross-check.
for f in "$PF_DIR"/postfix.log.*; do
	case $f in
	*.gz) zcat "$f" ;;
	*) cat "$f" ;;
	esac
done >"$tmp/all.log"
cat "$PF_LOG" >>"$tmp/all.log"
python3 "$here/lib/sink_expect.py" "$SINK_LOG" --postfix "$tmp/all.log" \
    >"$tmp/expected.json" || fail "Postfix's log disagrees with the sink"

# Wait until the daemon has read and committed everything.
for i in $(seq 1 100); do
	"$BOUNCESTAT" status --db "$tmp/db" --format json >"$tmp/status.json" ||
	    true
	jq -e '.files[0].lag == 0 and .files[0].rotated == null' \
	    "$tmp/status.json" >/dev/null 2>&1 && break
	sleep 0.2
done
sleep 1
"$BOUNCESTAT" report --db "$tmp/db" --since 1d --top 1000 --format json \
    >"$tmp/report.json" || fail "report exited $?"
daemon_stop

python3 - "$tmp/expected.json" "$tmp/report.json" <<'EOF' ||
import json, sys

exp = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
STATUSES = ("deferred", "bounced", "expired")
bad = []
for s in ("sent",) + STATUSES:
    if not exp["final"].get(s):
        bad.append("test mix produced no %s result" % s)
    if exp["final"].get(s) != rep["totals"].get(s):
        bad.append("totals.%s: want %r, report has %r" %
                   (s, exp["final"].get(s), rep["totals"].get(s)))
want = {(c, s): n for s in STATUSES
        for c, n in exp["classes"].get(s, {}).items()}
have = {(r["class"], s): r[s] for r in rep["by_class"] for s in STATUSES
        if r.get(s)}
if want != have:
    bad.append("by_class: want %r, report has %r" % (want, have))
for b in bad:
    print("report check: " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
    fail "the daemon's counts differ from what the sink answered"
if [ "${BS_PF_SCENARIO:-running}" = down ]; then
	grep -q "was compressed to $PF_LOG\." "$tmp/daemon.log" ||
	    fail "the daemon did not find the compressed rotated log"
	! grep -E "warning: tail:|not counted" "$tmp/daemon.log" ||
	    fail "a loss was reported, yet every line was counted"
else
	grep -q "postfix.log: rotated\|postfix.log: removed" \
	    "$tmp/daemon.log" || fail "the daemon did not see the rotation"
fi
passed=1
echo "ok: daemon counts match the sink's $(python3 -c \
    'import json,sys; print(json.load(open(sys.argv[1]))["final"])' \
    "$tmp/expected.json")" >&2
