#!/bin/sh
# SPDX-License-Identifier: ISC
# Usage: parse_scalar.sh PARSE_DIGEST PARSE_DIGEST_SCALAR FILE...
# Fails when the SIMD and the portable parsers differ on any file (the
# corpus and two 10,000-line logs of tests/bench/genlog.py, classic and
# RFC 3339 stamps), and when too few events were parsed (a digest that
# parsed nothing proves nothing).
set -eu
simd=$1 scalar=$2
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/bs_parse_scalar.XXXXXX")
trap 'rm -rf "$dir"' EXIT
gen=$(dirname "$0")/../bench/genlog.py
python3 "$gen" -n 10000 --seed 7 --noise 0.2 "$dir/classic.log"
python3 "$gen" -n 10000 --seed 8 --format rfc3339 "$dir/rfc3339.log"
set -- "$@" "$dir/classic.log" "$dir/rfc3339.log"
"$simd" "$@" > "$dir/simd"
"$scalar" "$@" > "$dir/scalar"
events=$(grep -c '^  t=' "$dir/simd" || true)
if [ "$events" -lt 2000 ]; then
	echo "parse_scalar: only $events events parsed" >&2
	exit 1
fi
if ! cmp -s "$dir/simd" "$dir/scalar"; then
	echo "parse_scalar: SIMD and portable parsers differ:" >&2
	diff "$dir/simd" "$dir/scalar" | head -20 >&2
	exit 1
fi
echo "parse_scalar: $# files, $(wc -l < "$dir/simd") lines, $events events: same"
