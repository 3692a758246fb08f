#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review14: a generation rotated while the daemon was down is present
# twice, as mail.log.1 and as mail.log.1.gz with the same content (gzip -k,
# or a restart while logrotate's compress step has written the .gz and
# not yet removed the plain file). Both are queued; the second must count
# nothing again. On follow14 (dc9f1b5) it fails: the .gz is opened right
# after the plain file finishes, before the records of the plain file
# ("inode:", "import:") are committed, so it is read from 0 and its 6
# lines are counted twice.
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

command -v gzip >/dev/null 2>&1 || { echo "SKIP: no gzip"; exit 77; }
F=$T/mail.log
write_conf

rotated_while_down "$F" "$F.2"
line 15 --count 6 >"$F.1"
gzip -k "$F.1"
line 21 --count 3 >"$F"
restarted_counts_all "$F" 23
echo "ok: daemon_rotated_gz_plain"
