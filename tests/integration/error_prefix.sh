#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial12: a command's errors read 'bouncestat COMMAND: error: ...' (the
# style of most commands, README and bouncestat(8)). parse, report and
# incidents --replay printed some through the daemon's log instead,
# 'bouncestat: error: report: ...', so that one command's failures came
# in two styles. Every error line of each run below must start with its
# command's prefix.
set -eu

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
deferrals_hour_ago "$tmp/mail.log"
bs import --db "$tmp/db" "$tmp/mail.log" >/dev/null 2>&1 || fail "import"
sqlite3 "$tmp/db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sqlite3 "$tmp/db" "SELECT 1 FROM dbstat LIMIT 1" >/dev/null 2>&1 ||
	{ echo "SKIP: sqlite3 has no dbstat"; exit 77; }
for t in event message; do
	cp "$tmp/db" "$tmp/db.$t"
	wipe_table "$tmp/db.$t" "$t"
done

# expect CMD ARGS...: exits 1 with at least one error, each of them
# 'bouncestat CMD: error: '.
expect() {
	local cmd=$1 rc=0
	bs "$@" >/dev/null 2>"$tmp/run.err" || rc=$?
	[ "$rc" = 1 ] || fail "$*: exit status $rc, want 1"
	grep -q 'error: ' "$tmp/run.err" || fail "$*: no error"
	if grep 'error: ' "$tmp/run.err" | grep -qv "^bouncestat $cmd: error: "; then
		cp "$tmp/run.err" "$tmp/prefix.err"
		fail "$*: an error not in 'bouncestat $cmd: error: ' style"
	fi
}

expect parse "$tmp/missing.log"
expect parse --rules "$tmp/missing.d" "$tmp/mail.log"
expect report --db "$tmp/db.event" --since 1d
expect report --db "$tmp/db.message" --since 1d
expect report --db "$tmp/db.message" --since 1d --by sender-domain
expect incidents --db "$tmp/db.event" --replay --since 1d
echo ok
