#!/bin/sh
# SPDX-License-Identifier: ISC
# Golden test: run `bouncestat parse --all` over tests/data/<mta>/<case>.log
# and compare with <case>.expected.
#
# usage: golden.sh BOUNCESTAT CASE.log
#   Reference time for classic stamps: the contents of <case>.now if that
#   file exists (e.g. "2027-01-02T00:00:00Z"), else 2026-11-24T12:00:00Z.
#   Time zone: UTC. Rules: the built-in set only.
#   REGEN=1 rewrites <case>.expected (then read every line of the diff).
set -eu
bin=$1
log=$2
base=${log%.log}
now=2026-11-24T12:00:00Z
[ -f "$base.now" ] && now=$(cat "$base.now")
out=$(mktemp)
norules=$(mktemp -d)	# an empty rules directory: built-in rules only
trap 'rm -rf "$out" "$norules"' EXIT
TZ=UTC "$bin" parse --all --now "$now" --rules "$norules" "$log" >"$out" 2>/dev/null
if [ "${REGEN:-0}" = 1 ]; then
	cp "$out" "$base.expected"
	echo "golden: wrote $base.expected"
	exit 0
fi
if [ ! -f "$base.expected" ]; then
	echo "golden: missing $base.expected (run with REGEN=1, then check it)" >&2
	exit 1
fi
if ! diff -u "$base.expected" "$out"; then
	echo "golden: $log: output differs from $base.expected" >&2
	exit 1
fi
echo "golden: $log: $(($(wc -l <"$out") - 1)) rows match"
