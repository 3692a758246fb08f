# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The common start of the command-line tests that run the real binary
# ($BOUNCESTAT) on small inputs: a temporary directory $tmp removed on
# exit, fail MESSAGE (prints the message and every non-empty $tmp/*.out
# and $tmp/*.err, then exits 1), no $BOUNCESTAT_DB from the caller, times
# in UTC, and bs ARGS... for the binary.
#
# Usage (bash, set -eu):  . "$BS_SRC/tests/integration/lib/cli.sh"

: "${BOUNCESTAT:?}"
: "${BS_SRC:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.out "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 2000 "$f" >&2; }
	done
	exit 1
}
unset BOUNCESTAT_DB
export TZ=UTC
bs() { "$BOUNCESTAT" "$@"; }

# wait_grep PATTERN FILE [TENTHS]: waits until FILE has a line matching
# PATTERN (grep -q), up to TENTHS tenths of a second (600: an ASan daemon
# under load); 1 if not.
wait_grep() {
	local _
	for _ in $(seq "${3:-600}"); do
		grep -q "$1" "$2" && return 0
		sleep 0.1
	done
	grep -q "$1" "$2"
}

# daemon_briefly NAME ARGS...: a daemon with ARGS (--follow PATH, say;
# database $tmp/NAME.db, its log in $tmp/NAME.err) that is stopped with
# SIGTERM once it has started; fails when it does not start or exits
# non-zero.
daemon_briefly() {
	local name=$1 dpid
	shift
	"$BOUNCESTAT" daemon --allow-root --db "$tmp/$name.db" "$@" \
		>/dev/null 2>"$tmp/$name.err" &
	dpid=$!
	wait_grep "daemon: started" "$tmp/$name.err" || true
	kill -TERM "$dpid"
	wait "$dpid" || fail "daemon $*: exit $?"
	grep -q "daemon: started" "$tmp/$name.err" || fail "daemon $*: no start"
}

# qq_deferrals FILE: writes 12 Postfix deferrals (421 HL:ICC, qq.com,
# 2026-11-22 10:00-10:11 UTC, queue ids A0000-A000B) to FILE.
qq_deferrals() {
	python3 - "$1" <<'PY'
import sys
out = open(sys.argv[1], "w")
for i in range(12):
    out.write("2026-11-22T10:%02d:00+00:00 mx1 postfix/smtp[%d]: %X: "
              "to=<u%d@qq.com>, relay=mx1.qq.com[203.205.219.57]:25, "
              "delay=1, delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred "
              "(host mx1.qq.com[203.205.219.57] said: 421 HL:ICC too many "
              "connections (in reply to RCPT TO command))\n"
              % (i, 100 + i, 0xA0000 + i, i))
PY
}

# wipe_table DB TABLE: overwrites every page of TABLE in the database
# file DB with 0xff bytes (a damaged table; the others intact). Skips
# (exit 77) when sqlite3 has no dbstat; fails when TABLE has no pages.
wipe_table() {
	local pages
	pages=$(sqlite3 "$1" \
	    "SELECT group_concat(pageno, ' ') FROM dbstat WHERE name = '$2'") ||
		{ echo "SKIP: sqlite3 has no dbstat"; exit 77; }
	[ -n "$pages" ] || fail "no pages of table $2"
	python3 - "$1" $pages <<'PY'
import sys
path, pages = sys.argv[1], [int(p) for p in sys.argv[2:]]
with open(path, "r+b") as f:
    f.seek(16)
    size = int.from_bytes(f.read(2), "big")
    size = 65536 if size == 1 else size
    for p in pages:
        f.seek((p - 1) * size)
        f.write(b"\xff" * size)
PY
}

# deferrals_hour_ago FILE: writes 300 Postfix deferrals (421 4.7.0, an
# hour before now, queue ids A000000001-A000000300, example.com) to FILE.
deferrals_hour_ago() {
	local stamp i
	stamp=$(date -u -d "@$(($(date -u +%s) - 3600))" '+%b %e %H:%M:%S')
	for i in $(seq 1 300); do
		printf '%s mx postfix/smtp[1%03d]: A%09d: to=<u%d@example.com>, relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred (host mx.example.com[192.0.2.1] said: 421 4.7.0 Try again later (in reply to RCPT TO command))\n' \
		    "$stamp" "$i" "$i" "$i"
	done >"$1"
}
