#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The libFuzzer build README describes (CC=clang, -DBS_FUZZ=ON)
# configures, links every fuzz target and the CLI, and each target runs
# for a few seconds from the project's corpus without a finding. Before,
# every program but the fuzz targets failed to link in that build
# (coverage compiled in, no runtime linked), the build-time schema
# generator first. (With -DBS_SANITIZE=ON too, the sanitizers' runtime
# defined the coverage symbols and hid it.)
set -eu
. "$BS_SRC/tests/integration/lib/cli.sh"
command -v clang >/dev/null || { echo "SKIP: no clang"; exit 77; }

targets="fuzz_classify fuzz_detect fuzz_linebuf fuzz_mta_line fuzz_template"
CC=clang cmake -S "$BS_SRC" -B "$tmp/b" -DBS_FUZZ=ON \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >"$tmp/configure.out" 2>&1 ||
	fail "configure"
# shellcheck disable=SC2086
cmake --build "$tmp/b" -j2 --target bouncestat $targets \
	>"$tmp/build.out" 2>&1 || { tail -30 "$tmp/build.out" >&2; fail "build"; }
"$tmp/b/daemon/bouncestat" --version >"$tmp/version.out" ||
	fail "the fuzz build's CLI does not run"

for t in $targets; do
	mkdir -p "$tmp/corpus_$t"
	seeds="$BS_SRC/tests/fuzz/corpus"
	[ "$t" = fuzz_detect ] && seeds="$BS_SRC/tests/fuzz/corpus_detect"
	cp "$seeds"/* "$tmp/corpus_$t/"
	(cd "$tmp" && "$tmp/b/tests/$t" -max_total_time=8 -rss_limit_mb=2048 \
		-max_len=4096 "$tmp/corpus_$t" >"$tmp/$t.log" 2>&1) || {
		tail -40 "$tmp/$t.log" >&2
		fail "$t: a finding (or a crash of the runner)"
	}
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$tmp/$t.log")
	[ "${runs:-0}" -gt 0 ] || fail "$t: ran no input"
	echo "$t: $runs runs"
done
echo "PASS fuzz_build"
