#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial11: damage met in the middle of a query (a table's pages
# overwritten, the file still opens) gets the same way out as damage met
# at open: "(a corrupt database is rebuilt from the logs on disk by
# 'bouncestat rebuild')". Before, only an error at open carried it; report,
# incidents, messages, trace and status said "database disk image is
# malformed" alone. The hint is given once, not twice, at open.
set -eu

command -v sqlite3 >/dev/null 2>&1 || { echo "SKIP: no sqlite3"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
deferrals_hour_ago "$tmp/mail.log"
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/mail.log" >/dev/null 2>&1 ||
	fail "import"
sqlite3 "$tmp/db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
sqlite3 "$tmp/db" "SELECT 1 FROM dbstat LIMIT 1" >/dev/null 2>&1 ||
	{ echo "SKIP: sqlite3 has no dbstat"; exit 77; }

# damage TABLE: a copy of the database, $tmp/db.TABLE, whose TABLE pages
# are overwritten.
damage() {
	cp "$tmp/db" "$tmp/db.$1"
	wipe_table "$tmp/db.$1" "$1"
}

# expect TABLE WANT_RC CMD...: CMD over db.TABLE exits WANT_RC ("any":
# any) and says "malformed" with the rebuild hint, once.
expect() {
	local table=$1 want=$2 rc=0 n
	shift 2
	"$BOUNCESTAT" "$@" --db "$tmp/db.$table" >/dev/null 2>"$tmp/run.err" ||
		rc=$?
	[ "$want" = any ] || [ "$rc" = "$want" ] ||
		fail "$* over damaged $table: exit status $rc, want $want"
	grep -q 'malformed' "$tmp/run.err" ||
		fail "$* over damaged $table: no 'malformed' error"
	n=$(grep -o "by 'bouncestat rebuild')" "$tmp/run.err" | wc -l)
	lines=$(grep -c 'malformed' "$tmp/run.err")
	[ "$n" = "$lines" ] ||
		fail "$* over damaged $table: $n rebuild hints for $lines errors"
}

damage event
damage message
damage count_hour
damage count_minute_pk
expect event 1 report --since 1d
expect event 1 report --since 1d --format json
expect event 1 incidents --replay --since 1d
expect count_minute_pk 0 incidents
expect event 1 trace A000000001
expect message 1 report --since 1d
expect message 1 messages --since 1d
expect message 1 trace A000000001
# status exits 1 here anyway (no daemon ever ran): what matters is the
# warning about the counts it could not read.
expect count_hour any status

# At open: one hint, as before.
head -c 20000 "$tmp/db" >"$tmp/db.open"
expect open 1 report --since 1d
expect open 1 messages --since 1d
echo ok
