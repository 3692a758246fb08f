#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A followed file deleted and created again, under continuous writes:
#   f.log  the writer opens the path for each line, so the next line
#          creates the new file;
#   g.log  the writer keeps its descriptor and goes on writing to the
#          deleted file until SIGHUP (0.4 s later) makes it create the
#          path again; the daemon keeps reading the deleted file.
# Then what inode reuse looks like: while the daemon is down, f.log is
# replaced in place (same inode) by other, longer content; the stored
# fingerprints no longer match, so it is read from the start, and the
# lines read before are not counted again.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/f.log
G=$T/g.log
write_conf

daemon_start --follow "$F" --follow "$G"
writer "$F" --first 1 --count 2500 --rate 400 --done "$T/f.done"
WF=$WPID
writer "$G" --first 100001 --count 2500 --rate 400 --keep-open \
    --done "$T/g.done"
WG=$WPID
# Both writers have made their file (python starts slowly under load: a
# deletion before the first creation was no deletion to see).
for _ in $(seq 100); do
	[ -s "$F" ] && [ -s "$G" ] && break
	sleep 0.1
done
for r in 1 2 3; do
	sleep 1.4
	rm -f "$F" "$G"
	sleep 0.4
	kill -HUP "$WG" 2>/dev/null || true # (the writer may be done)
done
wait "$WF" "$WG"
wait_events 5000
sleep 1.5
check_exact 1:2500 100001:2500
[ "$(grep -Ec "f.log: (removed|rotated: replaced);" "$DLOG")" -ge 3 ] ||
    fail "deletions not seen"

# Same inode, other content, while the daemon is down.
ino=$(stat -c %i "$F")
daemon_kill9
line 7001 --count 400 >"$T/new"
cat "$T/new" >"$F" # truncates and rewrites the same inode
[ "$(stat -c %i "$F")" = "$ino" ] || fail "inode changed"
daemon_start --follow "$F" --follow "$G"
wait_events 5400
sleep 1
check_exact 1:2500 100001:2500 7001:400
grep -q "is gone or was truncated" "$DLOG" || fail "replacement not noticed"
daemon_stop
echo "ok"
