#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# follow14: kill -9 while a generation rotated while the daemon was down
# (the middle of three: mail.log.1 between mail.log.2.gz, the file read
# before, and the current mail.log) is being read. Each restart must
# resume in it (the committed "rotated:" position names it; it is found
# again by inode or fingerprints), neither repeating nor losing a line.
# Between two of the kills the log is rotated once more while the daemon
# is down, the middle generation gzipped to mail.log.2.gz: found again by
# the fingerprints of its uncompressed content. Then a generation the
# user imported by hand before the restart is counted once. At the end
# every line is counted exactly once, and an import of every generation
# into a fresh database counts the same.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
F=$T/mail.log
COMMIT=5s write_conf "commit_lines 50"
BIG=40000

killed_after "$F" 10
# Down: A gets 100 more lines, two rotations (delaycompress): A is
# mail.log.2.gz, B (BIG lines) mail.log.1, C the current file.
line 11 --count 100 >>"$F"
mv "$F" "$F.1"
line 111 --count $BIG >"$F"
mv "$F.1" "$F.2"
gzip "$F.2"
mv "$F" "$F.1"
line 200001 --count 50 >"$F"
keep_generations a "$F.2.gz"

# kill_after N: restarts the daemon and kills it (-9) once N more events
# are committed (or the middle generation is nearly done); prints how
# many are.
kill_after() {
	local i want=$(( $(events) + $1 ))
	[ "$want" -lt $((BIG + 110 - 500)) ] || want=$((BIG + 110 - 500))
	daemon_start --follow "$F"
	for i in $(seq 1 1000); do
		[ "$(events)" -gt "$want" ] && break
		sleep 0.01
	done
	daemon_kill9
	events
}

inside=0
for k in 500 3000; do
	m=$(kill_after "$k")
	echo "killed at $m events" >&2
	[ "$m" -gt 110 ] && [ "$m" -lt $((BIG + 110)) ] && inside=$((inside + 1))
done
# One more rotation while down: B (being read) -> mail.log.2.gz, C ->
# mail.log.1 (its lines not read yet), D the current file.
rm "$F.2.gz"
mv "$F.1" "$F.2"
gzip "$F.2"
mv "$F" "$F.1"
line 300001 --count 40 >"$F"
keep_generations b "$F.2.gz"
mid=$m
for k in 3000 3000; do
	m=$(kill_after "$k")
	echo "killed at $m events" >&2
	[ "$m" -gt 110 ] && [ "$m" -lt $((BIG + 110)) ] && inside=$((inside + 1))
done
# Two more rotations while down: C is mail.log.3, D mail.log.2, E
# (written and rotated while down, never seen by the daemon) mail.log.1,
# imported by hand before the restart: it counts nothing again; G is the
# current file.
mv "$F.2.gz" "$F.4.gz"
mv "$F.1" "$F.3"
mv "$F" "$F.2"
line 400001 --count 30 >"$F.1"
line 500001 --count 20 >"$F"
"$BOUNCESTAT" import --db "$DB" --quiet "$F.1" >/dev/null ||
	fail "import of $F.1"
keep_generations c "$F.3" "$F.2" "$F.1" "$F"
daemon_start --follow "$F"
wait_events $((110 + BIG + 50 + 40 + 30 + 20)) 120
# E's lines are in the database from the import already: wait until the
# daemon is done with it (the events would not tell).
wait_log "tail: $F: done with rotated file $F.1 " 60
daemon_stop
check_exact 1:110 111:$BIG 200001:50 300001:40 400001:30 500001:20
[ "$inside" -gt 0 ] || echo "note: no kill landed inside the middle generation" >&2
# Killed inside B, then rotated: B (its position names $F.1) is found in
# $F.2.gz and read on from the committed offset, not from 0 nor its end.
if [ "$mid" -lt $((BIG + 110)) ]; then
	grep -q "tail: $F: rotated file $F.1 was compressed to $F.2.gz; reading it from offset=[1-9]" \
	    "$DLOG" || fail "B was not resumed in $F.2.gz after the rotation"
else
	echo "note: B was done before the further rotation" >&2
fi
if [ "$inside" -gt 0 ]; then
	grep -q "tail: $F: resuming rotated file $F.1 " "$DLOG" ||
		grep -q "tail: $F: resuming compressed rotated file $F.4.gz" "$DLOG" ||
		grep -q "tail: $F: resuming compressed rotated file $F.2.gz" "$DLOG" ||
		fail "no restart resumed the middle generation"
fi
grep -q "imported before up to offset=" "$DLOG" ||
	fail "the generation imported by hand was not skipped"
grep -q "reading $F.1, rotated while the daemon was down, from offset=[1-9]" \
    "$DLOG" || fail "$F.1 (imported) was not read from the import's end"
fresh_import_same "$T"/all/a.* "$T"/all/b.* "$T"/all/c.mail.log.3 \
    "$T"/all/c.mail.log.2 "$T"/all/c.mail.log.1 "$T"/all/c.mail.log
echo "ok: daemon_rotated_kill9"
