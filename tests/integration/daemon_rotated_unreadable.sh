#!/bin/bash
# SPDX-License-Identifier: ISC
#
# review14: a generation rotated while the daemon was down that the daemon
# cannot open (its mode, here 0600 root:root for a daemon run as nobody)
# is named in a warning, like one compressed with bzip2/xz/zstd: its
# lines are not counted, and the admin must know. On follow14 (dc9f1b5)
# it fails: build_queue() skips a generation open() refuses without a
# word ('no warning naming mail.log.1').
. "$(dirname "$0")/daemon_lib.bash"
. "$(dirname "$0")/daemon_rotated_lib.bash"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to run the daemon as nobody"; exit 77; }
command -v setpriv >/dev/null 2>&1 || { echo "SKIP: no setpriv"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
# The daemon runs as nobody (exec: $DPID is the daemon's pid).
REAL=$BOUNCESTAT
BOUNCESTAT=$T/bouncestat-nobody
cat >"$BOUNCESTAT" <<EOF2
#!/bin/sh
exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$REAL" "\$@"
EOF2
chmod 755 "$BOUNCESTAT"
chmod 777 "$T"
F=$T/mail.log
write_conf

rotated_while_down "$F" "$F.2"
line 15 --count 6 >"$F.1"
chmod 600 "$F.1"
line 21 --count 3 >"$F"
daemon_start --follow "$F"
wait_events 17
sleep 3 # rotate_wait 1s, and a commit
daemon_stop
check_exact 1:14 21:3
grep "warning: tail: $F: .*$F.1" "$DLOG" | grep -q "not counted\|import" ||
	fail "no warning naming $F.1"
echo "ok: daemon_rotated_unreadable"
