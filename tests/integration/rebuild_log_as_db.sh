#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# newuser18: a mail log named where the database goes. report's error
# asks whether that is the database's path before it mentions rebuild,
# and `rebuild --db LOG LOG` refuses to replace a file that holds text
# (it used to rename the log to LOG.broken-* and write a database at
# its path). A database whose header was overwritten is still replaced
# (rebuild.sh).
set -eu

. "$BS_SRC/tests/integration/lib/cli.sh"
deferrals_hour_ago "$tmp/mail.log"
cp "$tmp/mail.log" "$tmp/orig.log"

rc=0
bs report --db "$tmp/mail.log" --since 1d >"$tmp/r.out" 2>"$tmp/r.err" ||
	rc=$?
[ "$rc" = 1 ] || fail "report over a log as --db: exit status $rc, want 1"
grep -q "is that the database's path?" "$tmp/r.err" ||
	fail "report over a log as --db: no word on the path"

rc=0
bs rebuild --db "$tmp/mail.log" "$tmp/mail.log" >"$tmp/b.out" \
    2>"$tmp/b.err" || rc=$?
[ "$rc" = 1 ] || fail "rebuild over a log as --db: exit status $rc, want 1"
grep -q "holds text, not a database" "$tmp/b.err" ||
	fail "rebuild over a log as --db: no reason given"
cmp -s "$tmp/mail.log" "$tmp/orig.log" || fail "the log was changed"
ls "$tmp"/mail.log.broken-* >/dev/null 2>&1 && fail "the log was renamed"
[ ! -e "$tmp/mail.log.rebuild" ] || fail "a temporary database was left"

# The same log into a real database path still works.
bs rebuild --db "$tmp/db" "$tmp/mail.log" >"$tmp/ok.out" 2>"$tmp/ok.err" ||
	fail "rebuild into a new database"
[ "$(bs report --db "$tmp/db" --since 1d --format json | jq '.totals.deferred')" -gt 0 ] ||
	fail "no deferrals after rebuild"
echo ok
