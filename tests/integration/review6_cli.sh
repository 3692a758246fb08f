#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Review of the 2026-12-06 merges (review6), with the real binary. Each
# block failed before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh"

# 1. bouncestat_lines_total{result} is a partition of the lines read
# (README, bouncestat(8)): result="delivery" counted events, so a
# Sendmail line with three recipients (three events) counted three
# times and the sum exceeded the lines read (6 lines: 8 + 2).
log="$BS_SRC/tests/data/sendmail/multi_rcpt.log"
bs import --quiet --db "$tmp/l.db" "$log" || fail "import"
sum=$(sqlite3 "$tmp/l.db" "SELECT sum(CAST(value AS INTEGER)) FROM meta
    WHERE key IN ('lines.delivery', 'lines.skipped', 'lines.bad')")
[ "$sum" = "$(wc -l <"$log")" ] ||
	fail "lines.delivery + skipped + bad = $sum, want $(wc -l <"$log")"
del=$(sqlite3 "$tmp/l.db" "SELECT value FROM meta
    WHERE key = 'lines.delivery'")
[ "$del" = 4 ] || fail "lines.delivery = $del, want 4 (lines, not events)"
echo ok
