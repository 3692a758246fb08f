#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# newuser18: `incidents` over a range that misses every incident says
# where the newest one is and the --since that reaches it (as report and
# messages say where their data is), within its --kind too; with an
# incident in the range, or none at all, no such line. The Messages
# block names each incident by id, kind and key.
set -eu

. "$BS_SRC/tests/integration/lib/cli.sh"
bs import --db "$tmp/db" "$BS_SRC/contrib/sample/mail.log" >/dev/null
now=--now=2026-12-01T00:00:00Z

bs incidents --db "$tmp/db" "$now" >"$tmp/a.out" 2>"$tmp/a.err" ||
	fail "incidents: exit $?"
grep -q '^No incidents since 2026-11-24' "$tmp/a.out" ||
	fail "incidents: no 'No incidents since'"
grep -q '^The newest was last seen 2026-11-22 07:[0-9][0-9]; try --since 9d (or --since all)\.$' \
    "$tmp/a.out" || fail "incidents: no hint where the newest is"

bs incidents --db "$tmp/db" "$now" --since 9d >"$tmp/b.out" 2>"$tmp/b.err" ||
	fail "incidents --since 9d: exit $?"
grep -q '^resolved ' "$tmp/b.out" || fail "the hint's --since lists none"
# The Messages block names each incident (the table has no id column).
grep -A1 '^  #[0-9]* rate_limited qq.com: [0-9]* messages$' "$tmp/b.out" |
    grep -q '^     bouncestat messages --incident [0-9]*$' ||
	fail "Messages: no lines naming the rate_limited incident"
! grep -q 'The newest was' "$tmp/b.out" || fail "hint with incidents listed"

# --kind: the newest of that kind (the DNSBL listing ended before the
# rate limiting did).
bs incidents --db "$tmp/db" "$now" --kind dnsbl >"$tmp/c.out" 2>"$tmp/c.err" ||
	fail "incidents --kind dnsbl: exit $?"
k=$(sed -n 's/^The newest was last seen \(.*\); try.*/\1/p' "$tmp/c.out")
a=$(sed -n 's/^The newest was last seen \(.*\); try.*/\1/p' "$tmp/a.out")
[ -n "$k" ] && [ "$k" \< "$a" ] ||
	fail "--kind dnsbl: newest '$k', want one before '$a'"

# A database with no incident: no hint.
bs import --db "$tmp/empty.db" /dev/null >/dev/null 2>&1 || true
printf 'hello\n' >"$tmp/t.log"
bs import --db "$tmp/empty.db" "$tmp/t.log" >/dev/null 2>&1
bs incidents --db "$tmp/empty.db" "$now" >"$tmp/d.out" 2>"$tmp/d.err" ||
	fail "incidents over no incident: exit $?"
! grep -q 'The newest was' "$tmp/d.out" || fail "hint with no incident"
echo ok
