#!/bin/bash
# SPDX-License-Identifier: ISC
#
# review14: siblings that are not generations of the followed log are
# never read back after a restart, even when written after the file read
# before: mail.log.bak (an admin's backup copy: cp mail.log mail.log.bak),
# mail.log-old.tar, mail.log.err (another log sharing the prefix), and
# mail.err and mail.log.1 (another log's generation) next to a log called
# 'mail' (in a directory of its own). Each holds deferral lines
# of its own (or copies of the log's): one of them read counts them
# (twice). On follow14 (dc9f1b5) it fails: mail.log.bak is queued as a
# generation (tail_generation_of() takes ".bak") and its copy of the
# current file's lines is counted a second time.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
G=$T/g/mail
mkdir "$T/g"
write_conf

daemon_start --follow "$F" --follow "$G"
line 1 --count 10 >>"$F"
line 101 --count 5 >>"$G"
wait_events 15
daemon_kill9
line 11 --count 4 >>"$F"
mv "$F" "$F.1"
line 15 --count 6 >"$F"
cp "$F" "$F.bak"
line 201 --count 3 >"$F.err"
line 211 --count 3 >"$T/x" && tar -C "$T" -cf "$F-old.tar" x && rm "$T/x"
line 106 --count 2 >>"$G"
mv "$G" "$G.1"
line 108 --count 2 >"$G"
line 221 --count 3 >"$G.err"
line 231 --count 3 >"$G.log.1"
daemon_start --follow "$F" --follow "$G"
wait_events 29
sleep 3 # rotate_wait 1s, and a commit
daemon_stop
check_exact 1:20 101:9
grep -q "queued to be read" "$DLOG" && fail "a sibling was queued"
echo "ok: daemon_rotated_siblings"
