#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Throttling seen live: a real Postfix (a private instance, see
# lib/postfix_env.sh) relays to the scripted SMTP sink, which first
# accepts everything (250) and is then switched to NetEase's 421 HL:ICC.
# The bouncestat daemon follows Postfix's log; its detection timer (once a
# minute) must open a rate_limited incident for the recipient domain well
# within one detection window, counting Postfix's real 421 replies and not
# the "delivery temporarily suspended" repeats, and `alert --dry-run` must
# print a message naming it.
#
# Needs root and Postfix (installed from the Debian mirror when missing);
# exit 77 (skip) otherwise. Runtime 1 to 3 minutes. KEEP=1 keeps the
# temporary directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh"

[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
    pf_skip "BOUNCESTAT does not name the bouncestat binary"
pf_require

tmp=$(mktemp -d)
passed=0
DPID=
cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$DPID" ]; then
		kill "$DPID" 2>/dev/null || true
		wait "$DPID" 2>/dev/null || true
	fi
	pf_cleanup
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$PF_LOG" "$tmp"/*.out "$tmp"/*.err "$tmp"/daemon.log
	fi
	bs_finish "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

db=$tmp/db
echo '* rcpt ok' >"$tmp/script"
SINK_TIMEOUT=600 sink_start "$tmp" "$tmp/script" 1
pf_init "$tmp/pf" "${SINK_PORTS[0]}"
pf_start

cat >"$tmp/bouncestat.conf" <<EOF
commit_interval 300ms
rescan_interval 2s
log_level info
dnsbl_check off
EOF
rootopt=
[ "$(id -u)" = 0 ] && rootopt=--allow-root
"$BOUNCESTAT" daemon -c "$tmp/bouncestat.conf" --db "$db" \
    --follow "$PF_LOG" $rootopt >"$tmp/daemon.log" 2>&1 &
DPID=$!
for ((i = 0; i < 100; i++)); do
	grep -q 'daemon: started' "$tmp/daemon.log" 2>/dev/null && break
	kill -0 "$DPID" 2>/dev/null || fail "daemon exited at start"
	sleep 0.1
done
grep -q 'daemon: started' "$tmp/daemon.log" || fail "daemon did not start"

# Normal traffic first: accepted.
for i in 1 2 3 4 5; do
	pf_send "anna$i@netease.test"
done
pf_wait_queue_empty 60 || fail "normal mail not delivered"

# The receiver starts throttling.
echo '* rcpt throttle' >"$tmp/script2"
sink_script "$tmp/script2"
t_switch=$(date +%s)
for i in $(seq 1 12); do
	pf_send "li.wei$i@netease.test"
done
pf_wait_log 'status=deferred \(host [^ ]+ said: 421 HL:ICC' 12 120 ||
    fail "Postfix did not log the 421 replies"

# The daemon's detector (every minute) opens the incident.
found=0
for ((i = 0; i < 180; i++)); do
	"$BOUNCESTAT" incidents --db "$db" --no-detect --open --format json \
	    >"$tmp/incidents.out" 2>"$tmp/incidents.err" || true
	if grep -q '"kind": "rate_limited", "key": "netease.test"' \
	    "$tmp/incidents.out"; then
		found=1
		break
	fi
	sleep 1
done
[ "$found" = 1 ] || fail "no rate_limited incident for netease.test"
t_found=$(date +%s)
[ $((t_found - t_switch)) -le 600 ] ||
    fail "incident later than one detection window"
python3 - "$tmp/incidents.out" "$t_switch" <<'EOF' || fail "incident fields"
import json
import sys

inc = [i for i in json.load(open(sys.argv[1]))
       if i["kind"] == "rate_limited" and i["key"] == "netease.test"]
assert len(inc) == 1, inc
i = inc[0]
t_switch = int(sys.argv[2])
assert i["state"] == "open", i
assert t_switch - 60 <= i["start_epoch"] <= t_switch + 120, i
assert "HL:ICC" in i["sample"], i
assert i["rule"] == "netease-hl-icc", i
EOF

"$BOUNCESTAT" alert --db "$db" --dry-run --no-detect \
    --mail-to postmaster@bs.test >"$tmp/alert.out" 2>"$tmp/alert.err" ||
    fail "alert --dry-run exited $?"
grep -q '^Subject: .*netease.test is throttling us' "$tmp/alert.out" ||
    fail "the message does not name the incident"
grep -q 'OPEN: netease.test is throttling us' "$tmp/alert.out" ||
    fail "the body does not describe the incident"

kill -TERM "$DPID"
wait "$DPID" || fail "daemon exited $? after SIGTERM"
DPID=
passed=1
echo "ok: incident opened $((t_found - t_switch)) s after the switch" >&2
