# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Helpers sourced by tests/integration/daemon_*.sh (not a test itself: the
# .bash suffix keeps it out of ctest's *.sh glob). Each test gets a temp
# directory $T with a configuration $CONF, a database $DB and the daemon's
# log $DLOG; the cleanup trap stops whatever was started and dumps the
# logs when the test fails. Counts are checked two ways: the events in
# the database (one row per deferral; its queue id is the line's number,
# so a line counted twice or lost is named) and `bouncestat report
# --format json` totals.

set -eu

: "${BOUNCESTAT:?BOUNCESTAT must name the bouncestat binary}"
: "${BS_SRC:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
WRITER="$BS_SRC/tests/integration/daemon_writer.py"

command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
command -v jq >/dev/null 2>&1 || { echo "SKIP: no jq"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_daemon.XXXXXX")
DB=$T/db.sqlite
CONF=$T/bouncestat.conf
DLOG=$T/daemon.log
DPID=
BG_PIDS=()
ROOTOPT=
[ "$(id -u)" = 0 ] && ROOTOPT=--allow-root

cleanup() {
	local rc=$?

	set +e
	for p in "${BG_PIDS[@]}" $DPID; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; then
		echo "=== $0 failed (rc=$rc); daemon log:" >&2
		tail -n 80 "$DLOG" >&2 2>/dev/null
		ls -li "$T" >&2
	fi
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A quick configuration for tests: short batches, rotations and rescans
# (COMMIT overrides the commit interval, ROTATE_WAIT rotate_wait).
write_conf() {
	cat >"$CONF" <<EOF
commit_interval ${COMMIT:-300ms}
rotate_wait ${ROTATE_WAIT:-1s}
rescan_interval 2s
log_level info
$*
EOF
}

# follow_from_start FILE N: starts the daemon following FILE, appends
# lines 1..N to it and waits until the N events are counted.
follow_from_start() {
	daemon_start --follow "$1"
	line 1 --count "$2" >>"$1"
	wait_events "$2"
}

# daemon_start [args]: starts the daemon and waits (up to 30 s: an ASan
# build on a loaded machine) until it runs. DLOG_FROM: the lines of
# $DLOG before this run's (wait_log() reads only this run's).
daemon_start() {
	local n i

	n=$(grep -c 'daemon: started' "$DLOG" 2>/dev/null || true)
	DLOG_FROM=$(wc -l 2>/dev/null <"$DLOG" || echo 0)
	"$BOUNCESTAT" daemon -c "$CONF" --db "$DB" $ROOTOPT "$@" \
	    >>"$DLOG" 2>&1 &
	DPID=$!
	for i in $(seq 1 600); do
		if [ "$(grep -c 'daemon: started' "$DLOG" 2>/dev/null ||
		    true)" -gt "${n:-0}" ]; then
			return 0
		fi
		kill -0 "$DPID" 2>/dev/null || fail "daemon exited at start"
		sleep 0.05
	done
	fail "daemon did not start"
}

# daemon_stop: SIGTERM, which must exit 0 (within 60 s: a last commit
# of an ASan build on a loaded machine; a hang still fails).
daemon_stop() {
	local i rc

	kill -TERM "$DPID"
	for i in $(seq 1 1200); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$DPID" 2>/dev/null && fail "daemon still running 60s after SIGTERM"
	rc=0
	wait "$DPID" || rc=$?
	[ "$rc" -eq 0 ] || fail "daemon exited $rc after SIGTERM"
	DPID=
}

daemon_kill9() {
	kill -9 "$DPID" 2>/dev/null || true
	wait "$DPID" 2>/dev/null || true
	DPID=
}

# writer FILE --first N --count N ...: starts the line writer in the
# background (see daemon_writer.py); WPID is its pid.
writer() {
	python3 "$WRITER" "$@" &
	WPID=$!
	BG_PIDS+=("$WPID")
}

# line N [--count C]: test lines N..N+C-1 (to stdout).
line() {
	python3 "$WRITER" --line "$@"
}

sql() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$@"
}

events() {
	sql 'SELECT count(*) FROM event' 2>/dev/null || echo 0
}

# report_deferred: the deferred total of `bouncestat report`.
report_deferred() {
	"$BOUNCESTAT" report --db "$DB" --since 3d --until @$(( $(date +%s) + 86400 )) \
	    --format json | jq -r '.totals.deferred'
}

# wait_sent_over N: waits (up to 60 s) until `messages --status sent`
# lists more than N rows (the CSV's header counted).
wait_sent_over() {
	local _ n
	for _ in $(seq 1 120); do
		n=$("$BOUNCESTAT" messages --db "$DB" --since all --status sent \
		    --format csv 2>/dev/null | wc -l)
		[ "$n" -gt "$1" ] && return 0
		sleep 0.5
	done
	return 0
}

# usr1_wait PATTERN [TIMEOUT]: sends the daemon SIGUSR1 and waits (up to
# TIMEOUT s, 30 by default) until its log has one more line matching the
# grep -E PATTERN than before: a line of this dump, not of an older one.
usr1_wait() {
	local n i

	n=$(grep -Ec -- "$1" "$DLOG" || true)
	kill -USR1 "$DPID"
	for i in $(seq 1 $((${2:-30} * 10))); do
		[ "$(grep -Ec -- "$1" "$DLOG" || true)" -gt "$n" ] && return 0
		sleep 0.1
	done
	fail "SIGUSR1: no new line matching '$1' after ${2:-30}s"
}

# usr1_counter NAME: sends the daemon SIGUSR1 and prints the value of the
# counter NAME=N of the counters line it logs (fails when none comes).
usr1_counter() {
	local v

	usr1_wait "$1=" >&2
	v=$(sed -n "s/.*$1=\([0-9]*\).*/\1/p" "$DLOG" | tail -n 1)
	[ -n "$v" ] || fail "SIGUSR1: no $1"
	echo "$v"
}

# wait_events N [TIMEOUT]: until the database holds at least N events
# (up to TIMEOUT s, 60 by default: an ASan daemon under ctest -j2 and
# other load; the wait ends as soon as they are there).
wait_events() {
	local want=$1 secs=${2:-60} i n

	for i in $(seq 1 $((secs * 10))); do
		n=$(events)
		[ "$n" -ge "$want" ] && return 0
		sleep 0.1
	done
	fail "only $(events) of $want events after ${secs}s"
}

# wait_log PATTERN [TIMEOUT]: until the daemon's log has a line matching
# the grep pattern (up to TIMEOUT seconds, 60 by default), among the
# lines of the run daemon_start() started last (an earlier run's line
# does not count).
wait_log() {
	local i
	for i in $(seq 1 $((${2:-60} * 10))); do
		grep -q -- "$1" < <(tail -n +$((${DLOG_FROM:-0} + 1)) \
		    "$DLOG" 2>/dev/null) && return 0
		[ -z "$DPID" ] || kill -0 "$DPID" 2>/dev/null ||
		    fail "the daemon exited; no '$1' in its log"
		sleep 0.1
	done
	fail "no '$1' in the daemon's log after ${2:-60}s"
}

# check_exact FIRST:COUNT...: the lines of each range are each counted
# exactly once, no other line is, and report agrees.
check_exact() {
	local count=0 r total distinct dups missing rep

	for r in "$@"; do
		count=$((count + ${r#*:}))
	done
	total=$(events)
	distinct=$(sql 'SELECT count(DISTINCT queue_id) FROM event')
	missing=$(python3 - "$DB" "$@" <<'EOF'
import sqlite3, sys
have = {r[0] for r in sqlite3.connect(sys.argv[1]).execute(
    "SELECT queue_id FROM event")}
miss = []
for r in sys.argv[2:]:
    first, count = (int(x) for x in r.split(":"))
    miss += [n for n in range(first, first + count) if "A%09X" % n not in have]
if miss:
    print(len(miss), "missing, first:", " ".join(str(n) for n in miss[:10]))
EOF
)
	if [ "$total" -ne "$count" ] || [ "$distinct" -ne "$count" ] ||
	    [ -n "$missing" ]; then
		dups=$(sql "SELECT queue_id || ' x' || count(*) FROM event
		    GROUP BY queue_id HAVING count(*) > 1 LIMIT 10" | tr '\n' ' ')
		fail "expected $count events, have $total ($distinct distinct);" \
		    "counted twice: ${dups:-none}; ${missing:-none missing}"
	fi
	rep=$(report_deferred)
	[ "$rep" = "$count" ] || fail "report says deferred=$rep, want $count"
	# Issue 14, schema 12: a minute's packed counts, merged at every
	# commit (about every second) and across kills, equal its events.
	rep=$(sql "SELECT count(*) FROM (SELECT t - t % 60 AS m, count(*) AS c
	    FROM event GROUP BY m) e FULL JOIN (SELECT bucket, sum(n) AS n
	    FROM count_minute GROUP BY bucket) c ON c.bucket = e.m
	    WHERE c.n IS NOT e.c")
	[ "$rep" = 0 ] || fail "$rep minutes whose count_minute sum is not" \
	    "their number of events"
}

# import_left_to_daemon FILE: the daemon follows FILE and has committed
# its lines 1..20; an import of FILE into the same database leaves it to
# the daemon and says so (its stderr in $T/imp.err).
import_left_to_daemon() {
	daemon_start --follow "$1"
	line 1 --count 20 >>"$1"
	wait_events 20
	sleep 1 # a commit of the position
	"$BOUNCESTAT" import --db "$DB" "$1" >"$T/imp.out" 2>"$T/imp.err" ||
		fail "import: $(cat "$T/imp.err")"
	grep -q "a daemon follows this file into this database" "$T/imp.err" ||
		fail "import did not leave the file to the daemon: $(cat "$T/imp.err")"
}

# kill9_in_parts LOG FILE PARTS: appends LOG to FILE in PARTS parts, the
# daemon started on FILE and killed with SIGKILL 0-0.99 s after each;
# then follows FILE to its end (fails after 60 s) and stops the daemon.
kill9_in_parts() {
	local log=$1 file=$2 parts=$3 total k first last size off i
	total=$(wc -l <"$log")
	: >"$file"
	for k in $(seq 1 "$parts"); do
		first=$(((k - 1) * total / parts + 1))
		last=$((k * total / parts))
		sed -n "${first},${last}p" "$log" >>"$file"
		daemon_start --follow "$file"
		sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
		daemon_kill9
	done
	size=$(stat -c %s "$file")
	daemon_start --follow "$file"
	for i in $(seq 1 600); do
		off=$(sql 'SELECT coalesce(max(off), 0) FROM position' \
		    2>/dev/null || echo 0)
		[ "$off" = "$size" ] && break
		sleep 0.1
	done
	[ "$off" = "$size" ] ||
		fail "daemon read $off of $size bytes in 60 s"
	daemon_stop
}
