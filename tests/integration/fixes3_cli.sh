#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes3), with the real binary: check-config
# names the line of webhook, exec and dnsbl_resolver problems; a failed
# write to stdout is an error for alert --dry-run as for every command;
# incidents --replay --open filters the timeline too. Each block failed
# before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# 1. check-config: webhook and exec entries (list directives) with their
# own line, an exec program that is not there or not executable, and a
# dnsbl_resolver c-ares refuses.
printf '#!/bin/sh\nexit 0\n' >"$tmp/hook"
chmod 755 "$tmp/hook"
printf 'not a program\n' >"$tmp/noexec"
chmod 644 "$tmp/noexec"
cat >"$tmp/bad.conf" <<CONF
webhook https://hooks.example.org/ok
webhook ftp://hooks.example.org/bad
# a comment
exec relative/hook
exec $tmp/no-such-hook
exec $tmp/noexec
exec $tmp/hook
dnsbl_resolver localhost
CONF
rc=0
bs check-config -c "$tmp/bad.conf" >"$tmp/cc.out" 2>"$tmp/cc.err" || rc=$?
[ "$rc" = 1 ] || fail "check-config bad.conf: exit $rc, want 1"
for want in "bad.conf:2: webhook ftp://hooks.example.org/bad: " \
	"bad.conf:4: exec relative/hook: not an absolute path" \
	"bad.conf:5: exec $tmp/no-such-hook: No such file or directory" \
	"bad.conf:6: exec $tmp/noexec: not an executable file" \
	"bad.conf:8: dnsbl_resolver localhost: not a list of addresses" \
	"bad.conf: 5 errors"; do
	grep -qF "$want" "$tmp/cc.err" || fail "check-config: no '$want'"
done
grep -q "hooks.example.org/ok\|:7:" "$tmp/cc.err" &&
	fail "check-config: a good webhook or exec named"
cat >"$tmp/good.conf" <<CONF
webhook slack https://hooks.example.org/ok
exec $tmp/hook
dnsbl_resolver 127.0.0.1:5353,[::1]:53
CONF
bs check-config -c "$tmp/good.conf" >"$tmp/ccg.out" 2>"$tmp/ccg.err" ||
	fail "check-config good.conf"
grep -qx "configuration OK" "$tmp/ccg.out" || fail "check-config good.conf: not OK"
