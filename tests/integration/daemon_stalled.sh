#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The stalled state (daemon/dnsbl/selfcheck.c): the followed file stops
# growing while the MTA runs (mta_pid_file names a live process) ->
# `status` says stalled; a new line -> not stalled; the MTA gone (its pid
# file names no process) -> never stalled, however long the file is idle.
. "$(dirname "$0")/daemon_lib.bash"

sleep 600 &
MTA=$!
BG_PIDS+=("$MTA")
echo "$MTA" >"$T/mta.pid"
touch "$T/mail.log"
write_conf "follow $T/mail.log
stall_after 2s
mta_pid_file $T/mta.pid"
line 1 >>"$T/mail.log"
daemon_start
wait_events 1

stalled() { "$BOUNCESTAT" status -c "$CONF" --db "$DB" --format json | jq -c '.stalled'; }
wait_stalled() { # wait_stalled yes|no SECS
	local i s

	for i in $(seq 1 $(($2 * 10))); do
		s=$(stalled)
		if [ "$1" = yes ] && [ "$s" != null ]; then return 0; fi
		if [ "$1" = no ] && [ "$s" = null ]; then return 0; fi
		sleep 0.1
	done
	fail "stalled=$s, want $1 after $2 s"
}

wait_stalled yes 15
s=$(stalled)
echo "stalled: $s"
[ "$(jq -r '.mta_pid' <<<"$s")" = "$MTA" ] || fail "mta_pid: $s"
[ "$(jq -r '.files[0]' <<<"$s")" = "$T/mail.log" ] || fail "files: $s"
"$BOUNCESTAT" status -c "$CONF" --db "$DB" | grep '^stalled:' || fail "text status says nothing"
grep -q 'daemon: stalled' "$DLOG" || fail "not logged"

line 2 >>"$T/mail.log"
wait_stalled no 10
echo "after a line: $(stalled)"

kill "$MTA"
wait "$MTA" 2>/dev/null || true
sleep 5
[ "$(stalled)" = null ] || fail "stalled with no MTA running: $(stalled)"
daemon_stop
echo "daemon_stalled: OK"
