#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Started as root, the daemon refuses to run without a `user` directive or
# --allow-root; with `user nobody` it switches to that user (and its
# groups) before opening the database or any log, and then works as usual.
# Skipped unless run as root with a `nobody` user.
. "$(dirname "$0")/daemon_lib.bash"

[ "$(id -u)" = 0 ] || { echo "SKIP: not root"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
uid=$(id -u nobody)
chmod 755 "$T"
mkdir -m 777 "$T/state"
DB=$T/state/db.sqlite
F=$T/mail.log
line 1 --count 10 >"$F"
chmod 644 "$F"

write_conf
rc=0
"$BOUNCESTAT" daemon -c "$CONF" --db "$DB" --follow "$F" >"$T/out" 2>&1 ||
    rc=$?
[ "$rc" = 1 ] || fail "root without user/--allow-root: exit $rc"
grep -q "refusing to run as root" "$T/out" || fail "no refusal message"
[ -e "$DB" ] && fail "database created before refusing"

write_conf "user nobody"
ROOTOPT=
daemon_start --follow "$F"
wait_events 10
grep -q "running as user nobody" "$DLOG" || fail "no switch logged"
awk -v u="$uid" '/^Uid:/ { exit !($2 == u && $3 == u && $4 == u) }' \
    "/proc/$DPID/status" || fail "not running as nobody"
awk '/^Groups:/ { exit ($0 ~ /[[:space:]]0([[:space:]]|$)/) }' \
    "/proc/$DPID/status" || fail "still in group root"
[ "$(stat -c %u "$DB")" = "$uid" ] || fail "database not owned by nobody"
line 11 --count 10 >>"$F"
wait_events 20
sleep 0.7
check_exact 1:20
daemon_stop
echo "ok"
