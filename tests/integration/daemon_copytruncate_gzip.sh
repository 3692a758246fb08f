#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# copytruncate with compress and no delaycompress (a logrotate entry with
# `copytruncate` and `compress`: mail.log is copied to mail.log.1,
# truncated, and mail.log.1 is gzipped to mail.log.1.gz at once), while
# the daemon is behind (stopped). The lines it had not read when the file
# was truncated are only in the .gz by the time it looks: they are read
# from it (its uncompressed content is matched by the fingerprints, as
# for a rotation while the daemon was down). Before (trial7, with the real
# logrotate 3.21): the daemon logged "truncated at offset=..." and lost
# them without a word. Also: when no copy is left at all, the log says
# so (the lines written after the offset reached are not counted).
. "$(dirname "$0")/daemon_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
F=$T/mail.log
write_conf

follow_from_start "$F" 20

# logrotate copytruncate + compress, the daemon stopped meanwhile.
kill -STOP "$DPID"
line 21 --count 30 >>"$F"
cp "$F" "$F.1"
truncate -s 0 "$F"
gzip "$F.1"
line 51 --count 10 >>"$F"
kill -CONT "$DPID"
wait_events 60
sleep 1
check_exact 1:60
grep -q "mail.log: truncated; reading the rest of the compressed copy $F.1.gz" \
    "$DLOG" || fail "the compressed copy was not used"

# The same with the copy gone (removed before the daemon looked): the
# unread lines are lost, and the log says that there was no copy.
kill -STOP "$DPID"
line 61 --count 5 >>"$F"
cp "$F" "$F.2"
truncate -s 0 "$F"
rm "$F.2" "$F.1.gz"
line 66 --count 5 >>"$F"
kill -CONT "$DPID"
wait_events 65
sleep 1
check_exact 1:60 66:5
grep -q "mail.log: truncated at offset=[0-9]*; no copy found next to it" \
    "$DLOG" || fail "the missing copy was not told"
daemon_stop
echo "ok: daemon_copytruncate_gzip"
