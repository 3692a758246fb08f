#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes4), with the real binary: the daemon
# refuses a dnsbl_resolver as check-config does, at start and at a reload;
# report --domain lists only that domain's open incidents; ... Each block
# failed before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# wait_log FILE TEXT: waits (up to 20 s) until FILE has a line with TEXT.
wait_log() {
	for _ in $(seq 200); do
		grep -qF "$2" "$1" && return 0
		sleep 0.1
	done
	fail "no '$2' in $1"
}

# 1. A dnsbl_resolver that check-config refuses: the daemon started with it
# (and failed at the first self-check); a reload took it. Now both refuse
# it with check-config's message.
qq_deferrals "$tmp/r1.log"
printf '# resolver\ndnsbl_resolver localhost\n' >"$tmp/r1bad.conf"
want="r1bad.conf:2: dnsbl_resolver localhost: not a list of IP addresses"
bs check-config -c "$tmp/r1bad.conf" >/dev/null 2>"$tmp/r1cc.err" &&
	fail "check-config accepts dnsbl_resolver localhost"
grep -qF "$want" "$tmp/r1cc.err" || fail "check-config: no '$want'"
rc=0
timeout 20 "$BOUNCESTAT" daemon --allow-root -c "$tmp/r1bad.conf" \
	--db "$tmp/r1.db" --follow "$tmp/r1.log" >/dev/null 2>"$tmp/r1.err" ||
	rc=$?
[ "$rc" = 1 ] || fail "daemon with dnsbl_resolver localhost: exit $rc, want 1"
grep -qF "$want" "$tmp/r1.err" || fail "daemon: no '$want'"
grep -q "^bouncestat: error: daemon: .*r1bad.conf: configuration has errors" \
	"$tmp/r1.err" || fail "daemon: not an error"
printf 'dnsbl_resolver 127.0.0.1:5353\n' >"$tmp/r1.conf"
"$BOUNCESTAT" daemon --allow-root -c "$tmp/r1.conf" --db "$tmp/r1.db" \
	--follow "$tmp/r1.log" >/dev/null 2>"$tmp/r1.err" &
dpid=$!
wait_log "$tmp/r1.err" "daemon: started"
printf 'dnsbl_resolver 127.0.0.1:99999\n' >"$tmp/r1.conf"
kill -HUP "$dpid"
wait_log "$tmp/r1.err" "keeping the running configuration"
kill -TERM "$dpid"
wait "$dpid" || fail "daemon r1: exit $?"
grep -qF "r1.conf:1: dnsbl_resolver 127.0.0.1:99999: not a list of IP" \
	"$tmp/r1.err" || fail "reload: the resolver is not refused"
rm "$tmp"/r1*
