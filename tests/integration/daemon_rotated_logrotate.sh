#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# follow14: the real logrotate rotates the logs two or three times while
# the daemon is down (kill -9); at the restart every generation written
# after the file read before is read, oldest first, before the current
# file. Three logs, one daemon:
#   a/mail.log  create + compress + delaycompress, three rotations;
#   b/mail.log  dateext (a dateformat with seconds) + compress, two
#               rotations (the file read before is a .gz, so is the
#               middle one);
#   c/mail.log  copytruncate, then a rename (create) rotation.
# Every line counted exactly once, and an import of every generation into
# a fresh database counts the same.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

LOGROTATE=$(command -v logrotate || echo /usr/sbin/logrotate)
[ -x "$LOGROTATE" ] || { echo "SKIP: no logrotate (Debian package logrotate)"; exit 77; }
command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
A=$T/a/mail.log
B=$T/b/mail.log
C=$T/c/mail.log
mkdir -p "$T/a" "$T/b" "$T/c"
write_conf

cat >"$T/a.conf" <<EOF2
$A {
	rotate 5
	compress
	delaycompress
	create
	missingok
}
EOF2
cat >"$T/b.conf" <<EOF2
$B {
	rotate 5
	compress
	dateext
	dateformat -%Y%m%d-%s
	create
}
EOF2
cat >"$T/c-copy.conf" <<EOF2
$C {
	rotate 5
	copytruncate
}
EOF2
cat >"$T/c-create.conf" <<EOF2
$C {
	rotate 5
	create
}
EOF2
# rotate CONF: one forced logrotate run (its own state file).
rotate() {
	"$LOGROTATE" -f -s "$T/state.$(basename "$1")" "$1" ||
		fail "logrotate $1"
}

# Lines: a 1.., b 100001.., c 200001..
# append N C: lines N..N+C-1 to a, the same plus 100000 to b, 200000 to c.
append() {
	line "$1" --count "$2" >>"$A"
	line $((100000 + $1)) --count "$2" >>"$B"
	line $((200000 + $1)) --count "$2" >>"$C"
}
append 1 10
daemon_start --follow "$A" --follow "$B" --follow "$C"
wait_events 30
daemon_kill9

append 11 20
rotate "$T/a.conf"
rotate "$T/b.conf"
rotate "$T/c-copy.conf"
append 31 30
sleep 1.1 # dateext: the next name must differ in its seconds
rotate "$T/a.conf"
rotate "$T/b.conf"
rotate "$T/c-create.conf"
append 61 40
rotate "$T/a.conf"
line 101 --count 5 >>"$A"
ls "$T/a" "$T/b" "$T/c" >&2
[ -f "$A.3.gz" ] && [ -f "$A.2.gz" ] && [ -f "$A.1" ] ||
	fail "a: not the generations of three delaycompress rotations"
[ "$(ls "$T/b" | grep -c '^mail.log-[0-9-]*\.gz$')" = 2 ] ||
	fail "b: not two dateext .gz generations"
[ -f "$C.2" ] && [ -f "$C.1" ] || fail "c: not two generations"

daemon_start --follow "$A" --follow "$B" --follow "$C"
wait_events $((105 + 100 + 100)) 30
# b's current file has no new line: wait until its last generation is done.
wait_log "tail: $B: done with copied file $B-"
daemon_stop
check_exact 1:105 100001:100 200001:100
grep -q "tail: $A: $A.2.gz was rotated while the daemon was down, after $A.3.gz: queued to be read (1 of 2)" \
    "$DLOG" || fail "a: $A.2.gz not queued first"
grep -q "tail: $A: $A.1 was rotated while the daemon was down, after $A.3.gz: queued to be read (2 of 2)" \
    "$DLOG" || fail "a: $A.1 not queued second"
grep -q "tail: $B: $B-[0-9-]*.gz was rotated while the daemon was down, after $B-[0-9-]*.gz: queued to be read (1 of 1)" \
    "$DLOG" || fail "b: the second dateext generation not queued"
grep -q "tail: $C: $C.1 was rotated while the daemon was down, after $C.2: queued to be read (1 of 1)" \
    "$DLOG" || fail "c: the truncated and renamed file not queued"
grep -q "was written after" "$DLOG" && fail "a generation was not read"
fresh_import_same "$A.3.gz" "$A.2.gz" "$A.1" "$A" "$T"/b/mail.log-* "$B" \
    "$C.2" "$C.1" "$C"
echo "ok: daemon_rotated_logrotate"
