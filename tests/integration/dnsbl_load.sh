#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The self-check never holds up the following: the daemon reads the same
# 100,000 lines once with no DNSBL check and once while about 1,000
# queries (28 IPs x 37 IPv4 lists) wait on a resolver that never answers
# (a black hole on 127.0.0.1 that counts what it swallows). Both rates
# are printed; there is no timing assertion (the machine may be busy).
# What is asserted: every line is counted both times, and the black hole
# had received at least 1,000 queries, none answered, before the lines
# were appended and still when they were all in.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/dnsbl_lib.bash"

N=${BS_DNSBL_LOAD_LINES:-100000}
line 1 --count "$N" >"$T/batch.log"
SIZE=$(stat -c %s "$T/batch.log")

# The black hole, counting.
python3 -u -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
n = 0
while True:
    s.recvfrom(4096)
    n += 1
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(n))
    import os
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])' "$T/bh.count" >"$T/bh.port" &
BG_PIDS+=("$!")
for _ in $(seq 1 50); do
	[ -s "$T/bh.port" ] && break
	sleep 0.1
done
BH_PORT=$(cat "$T/bh.port")
swallowed() { cat "$T/bh.count" 2>/dev/null || echo 0; }

# committed FILE: the offset the daemon committed in FILE.
committed() {
	"$BOUNCESTAT" status -c "$CONF" --db "$DB" --format json 2>/dev/null |
	    jq -r --arg p "$1" '[.files[] | select(.path == $p) | .offset][0] // 0'
}

# run NAME CONF_LINES: the daemon follows an empty FILE, the batch is
# appended, and the time until it is all committed is measured.
# NAME "with" waits first for the self-check's queries to be out.
run() {
	local name=$1 f=$T/$1.log t0 t1 i
	shift
	DB=$T/$name.db
	: >"$f"
	write_conf "follow $f
commit_lines 20000
$*"
	daemon_start
	if [ "$name" = with ]; then
		wait_log_n 'dnsbl: checking' 1
		for i in $(seq 1 100); do
			[ "$(swallowed)" -ge 1000 ] && break
			sleep 0.1
		done
		echo "queries outstanding before the lines: $(swallowed)"
		[ "$(swallowed)" -ge 1000 ] || fail "only $(swallowed) queries sent"
	fi
	t0=$(date +%s.%N)
	cat "$T/batch.log" >>"$f"
	for i in $(seq 1 6000); do
		[ "$(committed "$f")" = "$SIZE" ] && break
		sleep 0.05
	done
	t1=$(date +%s.%N)
	[ "$(committed "$f")" = "$SIZE" ] || fail "$name: not all lines read"
	[ "$(events)" = "$N" ] || fail "$name: $(events) events, want $N"
	if [ "$name" = with ]; then
		grep -q 'dnsbl: checked' "$DLOG" &&
		    fail "the queries were answered: the run did not overlap"
		echo "queries outstanding after the lines: $(swallowed) sent, none answered"
	fi
	python3 -c "import sys; t = float(sys.argv[2]) - float(sys.argv[1]); print('%-8s %d lines in %.2f s: %.0f lines/s' % (sys.argv[3], int(sys.argv[4]), t, int(sys.argv[4]) / t))" "$t0" "$t1" "$name" "$N"
	daemon_stop
}

run without "dnsbl_check off"
ips=
for i in $(seq 10 37); do
	ips="${ips}check_ip 192.0.2.$i
"
done
run with "$ips
dnsbl_resolver 127.0.0.1:$BH_PORT
dnsbl_timeout 60s"
# Once more without, after: on a shared machine the rate drifts from run
# to run whatever the daemon does; the two "without" rates bracket it.
run again "dnsbl_check off"
echo "dnsbl_load: OK"
