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

# 2. A failed write to stdout: alert --dry-run fails with one error line,
# worded as every command's failure (it logged a warning, and main() then
# said "bouncestat: stdout: ..." again); report likewise.
qq_deferrals "$tmp/q.log"
bs import --db "$tmp/q.db" "$tmp/q.log" >/dev/null 2>"$tmp/q.err" ||
	fail "import q.log"
for args in "--mail-to pm@example.org" "--mail-to pm@example.org --html" \
	"--webhook http://127.0.0.1:9/hook"; do
	rc=0
	# shellcheck disable=SC2086
	bs alert --db "$tmp/q.db" --now 2026-11-22T10:20:00Z --dry-run $args \
		>/dev/full 2>"$tmp/full.err" || rc=$?
	[ "$rc" = 1 ] || fail "alert --dry-run $args >/dev/full: exit $rc"
	[ "$(grep -c . "$tmp/full.err")" = 1 ] ||
		fail "alert --dry-run $args >/dev/full: not one line"
	grep -qx "bouncestat alert: error: stdout: No space left on device" \
		"$tmp/full.err" || fail "alert --dry-run $args >/dev/full: wording"
done
rc=0
bs report --db "$tmp/q.db" --since all >/dev/full 2>"$tmp/full.err" || rc=$?
[ "$rc" = 1 ] || fail "report >/dev/full: exit $rc"
grep -qx "bouncestat report: error: stdout: No space left on device" \
	"$tmp/full.err" || fail "report >/dev/full: wording"
rm "$tmp/full.err"

# 3. incidents --replay --open: the timeline and the summary are of the
# incidents open at the end, as the table is (only the table was
# filtered). qq.com throttles 10:00-10:11 (opened, resolved), 163.com
# 12:00-12:11 (open at 12:20).
python3 - "$tmp/r.log" <<'PY'
import sys
out = open(sys.argv[1], "w")
for h, dom in ((10, "qq.com"), (12, "163.com")):
    relay = "mx1.%s[192.0.2.%d]" % (dom, h)
    for i in range(12):
        out.write("2026-11-22T%02d:%02d:00+00:00 mx1 postfix/smtp[%d]: "
                  "%X: to=<u%d@%s>, relay=%s:25, delay=1, "
                  "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host %s "
                  "said: 421 HL:ICC too many connections (in reply to RCPT "
                  "TO command))\n"
                  % (h, i, 100 + i, 0xA0000 + h * 256 + i, i, dom, relay,
                     relay))
PY
bs import --db "$tmp/r.db" "$tmp/r.log" >/dev/null 2>"$tmp/r.err" ||
	fail "import r.log"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay >"$tmp/rall.out" 2>"$tmp/rall.err" || fail "replay"
grep -q "resolved  rate_limited   qq.com" "$tmp/rall.out" ||
	fail "replay: qq.com did not resolve (the test's premise)"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay --open >"$tmp/ropen.out" 2>"$tmp/ropen.err" ||
	fail "replay --open"
grep -q "opened    rate_limited   163.com" "$tmp/ropen.out" ||
	fail "replay --open: the opening of 163.com is not listed"
grep -q "qq.com" "$tmp/ropen.out" &&
	fail "replay --open: qq.com (resolved) is listed"
grep -q "resolved" "$tmp/ropen.out" &&
	fail "replay --open: a resolution is listed"
grep -q ": 1 open at the end" "$tmp/ropen.out" ||
	fail "replay --open: the summary"
bs incidents --db "$tmp/r.db" --since all --now 2026-11-22T12:20:00Z \
	--replay --open --format json >"$tmp/rjson.out" 2>"$tmp/rjson.err" ||
	fail "replay --open --format json"
python3 - "$tmp/rjson.out" <<'PY' || fail "replay --open --format json: rows"
import json, sys
d = json.load(open(sys.argv[1]))
assert [(i["key"], i["state"]) for i in d] == [("163.com", "open")], d
PY
rm "$tmp"/r*.out
