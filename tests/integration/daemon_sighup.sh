#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# SIGHUP reloads the configuration and the rules: a broken configuration
# (bad values, unknown directive) or broken rules are logged with
# file:line and the running configuration is kept, the daemon still
# counting; a good one is applied (a new follow directive is followed at
# once; a changed non-reloadable directive only warns). check-config
# agrees with the daemon on what is valid.
. "$(dirname "$0")/daemon_lib.bash"

A=$T/a.log
B=$T/b.log
write_conf "follow $A"
line 1 --count 20 >"$A"
daemon_start
wait_events 20
"$BOUNCESTAT" check-config -c "$CONF" | grep -qx "configuration OK" ||
    fail "check-config rejects the good configuration"

# A broken configuration: kept running with the old one.
cp "$CONF" "$T/good.conf"
cat >>"$CONF" <<EOF
commit_lines 0
bogus_directive 1
follow $B
EOF
rc=0
"$BOUNCESTAT" check-config -c "$CONF" >"$T/cc.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "check-config exit $rc for a bad file"
grep -q "bouncestat.conf:6: commit_lines: '0' is out of range" "$T/cc.out" ||
    { cat "$T/cc.out"; fail "check-config message"; }
grep -q "bouncestat.conf:7: unknown directive 'bogus_directive'" \
    "$T/cc.out" || fail "check-config: not all errors reported"
kill -HUP "$DPID"
wait_log "has errors; keeping the running configuration" # the last line
kill -0 "$DPID" || fail "daemon died on a bad configuration"
grep -q "bouncestat.conf:6: commit_lines: '0' is out of range" "$DLOG" ||
    fail "reload error not logged with file:line"
grep -q "bouncestat.conf:7: unknown directive" "$DLOG" ||
    fail "second reload error not logged"
grep -q "has errors; keeping the running configuration" "$DLOG" ||
    fail "no 'keeping' message"
line 21 --count 10 >>"$A"
line 1001 --count 5 >"$B"
wait_events 30
sleep 1
check_exact 1:30 # b.log (new follow) not applied

# Broken rules: kept as well.
cp "$T/good.conf" "$CONF"
mkdir "$T/rules.d"
printf 'this is not a rule file\n' >"$T/rules.d/10-bad.rules"
echo "rules_dir $T/rules.d" >>"$CONF"
"$BOUNCESTAT" check-config -c "$CONF" >/dev/null 2>&1 &&
    fail "check-config accepts broken rules"
kill -HUP "$DPID"
wait_log "reload: rules: .*10-bad.rules"
kill -0 "$DPID" || fail "daemon died on broken rules"
grep -q "reload: rules: .*10-bad.rules" "$DLOG" || fail "rules error not logged"
line 31 --count 5 >>"$A"
wait_events 35
sleep 0.7
check_exact 1:35

# A good configuration: b.log followed, max_line change only warns.
cp "$T/good.conf" "$CONF"
cat >>"$CONF" <<EOF
follow $B
max_line 4k
EOF
"$BOUNCESTAT" check-config -c "$CONF" | grep -qx "configuration OK" ||
    fail "check-config rejects the new configuration"
kill -HUP "$DPID"
wait_events 40
line 36 --count 5 >>"$A"
line 1006 --count 5 >>"$B"
wait_events 50
sleep 0.7
check_exact 1:40 1001:10
grep -q "max_line: changed, restart to apply" "$DLOG" ||
    fail "non-reloadable change not warned"
grep -q "reload: done; following 2 files" "$DLOG" || fail "reload not done"
daemon_stop
echo "ok"
