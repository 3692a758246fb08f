#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Files that do not exist when the daemon starts, and glob patterns whose
# matches change:
#   late.log         a named file created later;
#   sub/dir/x.log    a named file whose directory is created later;
#   globdir/*.log    no match at start; a.log and b.log appear, then
#                    a.log.1 (a rotated generation: never followed), then
#                    b.log goes away (dropped once read) and c.log comes.
# Every line of a followed file is counted once; a.log.1 is not counted.
. "$(dirname "$0")/daemon_lib.bash"

mkdir "$T/globdir"
write_conf
daemon_start --follow "$T/late.log" --follow "$T/sub/dir/x.log" \
    --follow "$T/globdir/*.log"
sleep 0.5
[ "$(events)" = 0 ] || fail "events before any file"
grep -q "late.log: does not exist yet" "$DLOG" || fail "late.log not waited for"

line 1 --count 50 >"$T/late.log"
mkdir -p "$T/sub/dir"
line 101 --count 30 >"$T/sub/dir/x.log"
line 201 --count 20 >"$T/globdir/a.log"
line 301 --count 10 >"$T/globdir/b.log"
wait_events 110
line 401 --count 5 >"$T/globdir/a.log.1"
line 221 --count 5 >>"$T/globdir/a.log"
wait_events 115
sleep 3 # a rescan (rescan_interval 2s) passes over a.log.1
check_exact 1:50 101:30 201:25 301:10

rm "$T/globdir/b.log"
line 501 --count 7 >"$T/globdir/c.log"
wait_events 122
for i in $(seq 1 50); do
	grep -q "b.log: no longer followed" "$DLOG" && break
	sleep 0.2
done
grep -q "b.log: no longer followed" "$DLOG" || fail "b.log still followed"
check_exact 1:50 101:30 201:25 301:10 501:7
# The list of followed files is committed with the next batch.
for i in $(seq 1 30); do
	"$BOUNCESTAT" status --db "$DB" --format json >"$T/status.json"
	jq -e '[.files[].path] | length == 4' "$T/status.json" >/dev/null &&
	    break
	sleep 0.1
done
jq -e '[.files[].path] | length == 4' "$T/status.json" >/dev/null ||
    { cat "$T/status.json"; fail "status file list"; }
daemon_stop
echo "ok"
