#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# --stdin (journalctl -f ... | bouncestat daemon --stdin): lines from a
# pipe that stays open are committed while it is open; at the end of input
# the last line (even without a newline) is counted, the batch committed,
# and the daemon exits 0 when it follows nothing else.
. "$(dirname "$0")/daemon_lib.bash"

write_conf
mkfifo "$T/pipe"
"$BOUNCESTAT" daemon -c "$CONF" --db "$DB" $ROOTOPT --stdin \
    <"$T/pipe" >>"$DLOG" 2>&1 &
DPID=$!
exec 3>"$T/pipe"
line 1 --count 50 >&3
wait_events 50
kill -0 "$DPID" || fail "daemon exited while its input is open"
line 51 --count 49 >&3
line 100 | tr -d '\n' >&3 # no final newline
exec 3>&-
rc=0
for i in $(seq 1 100); do
	kill -0 "$DPID" 2>/dev/null || break
	sleep 0.05
done
wait "$DPID" || rc=$?
DPID=
[ "$rc" = 0 ] || fail "exit $rc at the end of input"
check_exact 1:100
grep -q "stdin: end of input" "$DLOG" || fail "end of input not logged"
echo "ok"
