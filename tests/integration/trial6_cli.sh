#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What a postmaster meeting bouncestat for the first time trips over
# (the trial of 2026-12-06, branch trial6), with the real binary. Each
# block names what it guards.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

qq_deferrals "$tmp/t.log"
bs import --db "$tmp/db" "$tmp/t.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import"

# A misspelt command, class or incident kind is a usage error that names
# the nearest valid name and lists them ("unknown class: ratelimited"
# alone left the postmaster to guess; the man page's "dnsbl" checks are
# the command dnsbl-check).
rc=0
bs dnsbl --help >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] || fail "dnsbl: exit $rc, want 2"
grep -q "unknown command: dnsbl (did you mean dnsbl-check?)" "$tmp/cmd.err" ||
	fail "dnsbl: no hint at dnsbl-check"
rc=0
bs reprot >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] && grep -q "did you mean report?" "$tmp/cmd.err" ||
	fail "reprot: exit $rc, or no hint at report"
rc=0
bs frobnicate >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] || fail "frobnicate: exit $rc, want 2"
grep -q "did you mean" "$tmp/cmd.err" && fail "frobnicate: a far guess"
for c in report messages; do
	rc=0
	bs "$c" --db "$tmp/db" --class ratelimited >/dev/null \
		2>"$tmp/class.err" || rc=$?
	[ "$rc" = 2 ] || fail "$c --class ratelimited: exit $rc, want 2"
	grep -q "unknown class: ratelimited (did you mean rate_limited?)" \
		"$tmp/class.err" || fail "$c --class: no hint at rate_limited"
	grep -q "^classes: rate_limited, " "$tmp/class.err" ||
		fail "$c --class: the classes are not listed"
	grep -q "loop, unknown\.$" "$tmp/class.err" ||
		fail "$c --class: the list does not end with unknown"
	awk 'length($0) > 80 && !/^usage:/ { exit 1 }' "$tmp/class.err" ||
		fail "$c --class: a line over 80 columns"
done
rc=0
bs incidents --db "$tmp/db" --kind dnsbl-listing >/dev/null \
	2>"$tmp/kind.err" || rc=$?
[ "$rc" = 2 ] || fail "incidents --kind: exit $rc, want 2"
grep -q "did you mean dnsbl?" "$tmp/kind.err" ||
	fail "incidents --kind: no hint at dnsbl"
grep -q "^incident kinds: rate_limited, " "$tmp/kind.err" &&
	grep -q "auth_failed, inactive\.$" "$tmp/kind.err" ||
	fail "incidents --kind: the kinds are not listed"
# A valid name still works.
bs report --db "$tmp/db" --since all --class rate_limited >/dev/null ||
	fail "report --class rate_limited"
bs incidents --db "$tmp/db" --since all --kind rate_limited >/dev/null ||
	fail "incidents --kind rate_limited"

echo "trial6_cli: ok"
