#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial12 (a simulated day: real logrotate on a real rsyslog): two
# rotations while the daemon is down. The tailer resumes the file it read
# before (now mail.log.2, or its copy compressed to mail.log.2.gz), and
# before 2026-12-07 then read the current mail.log only: the generation
# between them (mail.log.1) was read by no one (follow14: a warning
# naming 'bouncestat import FILE' since trial12). Now every generation
# written after the file read before is queued at start and read, oldest
# first, before the current file: counted exactly, no import needed.
# Cases: `create` twice; `copytruncate` then `create` (the file read
# before is copied, truncated, written again and then renamed); three
# rotations (two generations queued); one rotation (nothing queued); 36
# rotations (the queue's bound, and a bzip2 generation, warned about);
# `rotate 1` deleting the file read before (the generation after it is
# still read: queued by the time of the last commit).
# At the end, an import of every generation into a fresh database counts
# the same lines as the daemon.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
F=$T/mail.log
write_conf

# round CASE FIRST: lines FIRST.. written through the two rotations.
round() {
	local c=$1 n=$2
	daemon_kill9
	line "$n" --count 10 >>"$F"
	if [ "$c" = create ]; then
		mv "$F" "$F.1"
		: >"$F"
	else
		cp "$F" "$F.1"
		truncate -s 0 "$F"
	fi
	line $((n + 10)) --count 7 >>"$F"
	# create + compress + delaycompress: .1 -> .2.gz, mail.log -> .1
	mv "$F.1" "$F.2"
	gzip "$F.2"
	mv "$F" "$F.1"
	: >"$F"
	line $((n + 17)) --count 5 >>"$F"
	daemon_start --follow "$F"
	wait_events $((n + 21)) 20
	grep -q "tail: $F: $F.1 was rotated while the daemon was down, after $F.2.gz: queued" \
	    "$DLOG" || fail "$c: $F.1 not queued"
	grep -q "tail: $F: reading $F.1, rotated while the daemon was down, from offset=0" \
	    "$DLOG" || fail "$c: $F.1 not read from 0"
	daemon_stop
	keep_generations "$c" "$F.2.gz" "$F.1"
	rm -f "$F.1" "$F.2.gz"
}

follow_from_start "$F" 20
round create 21
check_exact 1:42
daemon_start --follow "$F"
round copytruncate 43
check_exact 1:64

# Three rotations while down (create, delaycompress): .3.gz is the file
# read before, .2.gz and .1 are queued, oldest first.
daemon_kill9
line 65 --count 4 >>"$F"
mv "$F" "$F.1"
line 69 --count 4 >"$F"
mv "$F.1" "$F.2"
gzip "$F.2"
mv "$F" "$F.1"
line 73 --count 4 >"$F"
mv "$F.2.gz" "$F.3.gz"
mv "$F.1" "$F.2"
gzip "$F.2"
mv "$F" "$F.1"
line 77 --count 4 >"$F"
daemon_start --follow "$F"
wait_events 80
grep -q "tail: $F: $F.2.gz was rotated while the daemon was down, after $F.3.gz: queued to be read (1 of 2)" \
    "$DLOG" || fail "three rotations: $F.2.gz not queued first"
grep -q "tail: $F: $F.1 was rotated while the daemon was down, after $F.3.gz: queued to be read (2 of 2)" \
    "$DLOG" || fail "three rotations: $F.1 not queued second"
daemon_stop
check_exact 1:80
keep_generations three "$F.3.gz" "$F.2.gz" "$F.1"
rm -f "$F.3.gz" "$F.2.gz" "$F.1"

# A restart after one rotation (the usual case) queues nothing.
n=$(grep -c "rotated while the daemon was down" "$DLOG")
daemon_start --follow "$F"
daemon_kill9
line 81 --count 3 >>"$F"
mv "$F" "$F.1"
line 84 --count 3 >"$F"
daemon_start --follow "$F"
wait_events 86
daemon_stop
check_exact 1:86
[ "$(grep -c "rotated while the daemon was down" "$DLOG")" = "$n" ] ||
	fail "a generation queued after a single rotation"
grep -q "was written after" "$DLOG" && fail "a generation was not read"

# 36 rotations while down (dated names, mtimes set in order): the file
# read before, then 35 generations; one compressed with bzip2 (not
# readable here: warned), and of the 34 others the oldest 32 are read,
# the 2 newest warned about (TAIL_QUEUE_MAX) and counted by the import
# the warning names.
mkdir "$T/many"
mv "$F.1" "$T/many/one.1" # read to its end (kept for the fresh import)
daemon_start --follow "$F"
daemon_kill9
now=$(date +%s)
line 87 --count 2 >>"$F"
mv "$F" "$F-0000"
touch -d "@$now" "$F-0000"
for i in $(seq 1 35); do
	line $((88 + i)) --count 1 >"$F-$(printf %04d "$i")"
	touch -d "@$((now + i))" "$F-$(printf %04d "$i")"
done
bzip2 "$F-0010"
touch -d "@$((now + 10))" "$F-0010.bz2"
line 124 --count 1 >"$F"
daemon_start --follow "$F"
wait_log "tail: $F: done with rotated file $F-0033 " 60
wait_events $((124 - 1 - 2)) 10
grep -q "tail: $F: $F-0010.bz2 (bzip2) was written after $F-0000, the file read before, and cannot be read here" \
    "$DLOG" || fail "many: the bzip2 generation not named"
for i in 0034 0035; do
	grep -q "tail: $F: $F-$i was written after $F-0000, the file read before, beyond the 32 generations read back; it is not read here: count it with 'bouncestat import $F-$i'" \
	    "$DLOG" || fail "many: $F-$i not named beyond the bound"
done
grep -q "tail: $F: $F-0033 was rotated while the daemon was down, after $F-0000: queued to be read (32 of 32)" \
    "$DLOG" || fail "many: $F-0033 not the last queued"
daemon_stop
check_exact 1:86 87:2 89:9 99:23 124:1
"$BOUNCESTAT" import --db "$DB" --quiet "$F-0034" "$F-0035" >/dev/null ||
	fail "import of the generations beyond the bound"
bzip2 -dc "$F-0010.bz2" >"$T/many/0010"
"$BOUNCESTAT" import --db "$DB" --quiet "$T/many/0010" >/dev/null ||
	fail "import of the bzip2 generation"
check_exact 1:124
mv "$F"-00* "$T/many/"
fresh_import_same "$T"/all/create.* "$T"/all/copytruncate.* \
    "$T"/all/three.mail.log.3.gz "$T"/all/three.mail.log.2.gz \
    "$T"/all/three.mail.log.1 "$T/many/one.1" "$T/many/mail.log-0000" \
    "$T/many/0010" "$T"/many/mail.log-00[0-3][0-9] "$F"

# `rotate 1`, two rotations while down: the file read before is deleted
# by the second (its lines written while down are lost: nobody can read
# them), but the generation after it, written after the last commit, is
# still read.
daemon_start --follow "$F"
line 125 --count 1 >>"$F"
wait_events 125
daemon_kill9
line 126 --count 2 >>"$F"
mv "$F" "$F.1"
line 128 --count 3 >"$F"
rm "$F.1"
mv "$F" "$F.1"
line 131 --count 2 >"$F"
daemon_start --follow "$F"
wait_events 130
wait_log "tail: $F: $F.1 was rotated while the daemon was down, after $F: queued to be read (1 of 1)"
wait_log "tail: $F: done with rotated file $F.1 "
daemon_stop
check_exact 1:125 128:5
echo "ok: daemon_rotated_twice_down"
