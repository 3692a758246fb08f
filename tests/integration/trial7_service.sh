#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What a postmaster running bouncestat as a service trips over (the trial
# of 2026-12-07, branch trial7), with the real binary and the shipped
# units. Each block names what it guards.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# bouncestat-alert.service skips its run (ExecCondition) while the
# configuration names nothing to tell. A configuration with only webhook
# or exec lines is enough for `bouncestat alert` (no mail is then sent),
# yet the condition looked for mail_to alone: the timer skipped every run
# and the webhook was never posted, silently.
unit="$BS_SRC/contrib/bouncestat-alert.service"
cond=$(sed -n 's/^ExecCondition=//p' "$unit")
[ -n "$cond" ] || fail "no ExecCondition in $unit"
case $cond in
*/etc/bouncestat/bouncestat.conf) ;;
*) fail "ExecCondition does not read /etc/bouncestat/bouncestat.conf" ;;
esac
cond=${cond%/etc/bouncestat/bouncestat.conf}
# holds CONF: whether the unit's condition lets a run start with CONF.
holds() { sh -c "$cond\"\$1\"" sh "$1"; }
cp "$BS_SRC/contrib/bouncestat.conf" "$tmp/shipped.conf"
holds "$tmp/shipped.conf" && fail "ExecCondition holds for the shipped file"
printf '#mail_to pm@example.org\n  # webhook http://127.0.0.1:9/x\n' \
	>"$tmp/commented.conf"
holds "$tmp/commented.conf" && fail "ExecCondition holds for comments"
for line in 'mail_to pm@example.org' '  mail_to postmaster' \
	'webhook http://127.0.0.1:9/hook' \
	'webhook slack https://hooks.example.net/T0/B0/X' \
	'	exec /usr/local/lib/bouncestat/hook'; do
	{ cat "$tmp/shipped.conf"; printf '%s\n' "$line"; } >"$tmp/one.conf"
	holds "$tmp/one.conf" || fail "ExecCondition skips a run with '$line'"
done
# ... and such a run does its job: alert with a webhook line and no
# mail_to posts (dry run: the document is printed) and exits 0.
qq_deferrals "$tmp/t.log"
bs import --db "$tmp/db" "$tmp/t.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import"
printf 'webhook http://127.0.0.1:9/hook\n' >"$tmp/hook.conf"
bs alert -c "$tmp/hook.conf" --db "$tmp/db" --now 2026-11-22T10:20 \
	--dry-run >"$tmp/alert.out" 2>"$tmp/alert.err" ||
	fail "alert with only a webhook line: exit $?"
grep -q '^POST http://127.0.0.1:9/' "$tmp/alert.out" ||
	fail "alert with only a webhook line: nothing to post"

echo "ok: trial7_service"
