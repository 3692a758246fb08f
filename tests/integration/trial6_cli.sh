#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What a postmaster meeting bouncestat for the first time trips over
# (the trial of 2026-12-06, branch trial6), with the real binary. Each
# block names what it guards.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

qq_deferrals "$tmp/t.log"
bs import --db "$tmp/db" "$tmp/t.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import"

# A misspelt command, class or incident kind is a usage error that names
# the nearest valid name and lists them ("unknown class: ratelimited"
# alone left the postmaster to guess; the man page's "dnsbl" checks are
# the command dnsbl-check).
rc=0
bs dnsbl --help >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] || fail "dnsbl: exit $rc, want 2"
grep -q "unknown command: dnsbl (did you mean dnsbl-check?)" "$tmp/cmd.err" ||
	fail "dnsbl: no hint at dnsbl-check"
rc=0
bs reprot >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] && grep -q "did you mean report?" "$tmp/cmd.err" ||
	fail "reprot: exit $rc, or no hint at report"
rc=0
bs frobnicate >/dev/null 2>"$tmp/cmd.err" || rc=$?
[ "$rc" = 2 ] || fail "frobnicate: exit $rc, want 2"
grep -q "did you mean" "$tmp/cmd.err" && fail "frobnicate: a far guess"
for c in report messages; do
	rc=0
	bs "$c" --db "$tmp/db" --class ratelimited >/dev/null \
		2>"$tmp/class.err" || rc=$?
	[ "$rc" = 2 ] || fail "$c --class ratelimited: exit $rc, want 2"
	grep -q "unknown class: ratelimited (did you mean rate_limited?)" \
		"$tmp/class.err" || fail "$c --class: no hint at rate_limited"
	grep -q "^classes: rate_limited, " "$tmp/class.err" ||
		fail "$c --class: the classes are not listed"
	grep -q "loop, unknown\.$" "$tmp/class.err" ||
		fail "$c --class: the list does not end with unknown"
	awk 'length($0) > 80 && !/^usage:/ { exit 1 }' "$tmp/class.err" ||
		fail "$c --class: a line over 80 columns"
done
rc=0
bs incidents --db "$tmp/db" --kind dnsbl-listing >/dev/null \
	2>"$tmp/kind.err" || rc=$?
[ "$rc" = 2 ] || fail "incidents --kind: exit $rc, want 2"
grep -q "did you mean dnsbl?" "$tmp/kind.err" ||
	fail "incidents --kind: no hint at dnsbl"
grep -q "^incident kinds: rate_limited, " "$tmp/kind.err" &&
	grep -q "auth_failed, inactive\.$" "$tmp/kind.err" ||
	fail "incidents --kind: the kinds are not listed"
# A valid name still works.
bs report --db "$tmp/db" --since all --class rate_limited >/dev/null ||
	fail "report --class rate_limited"
bs incidents --db "$tmp/db" --since all --kind rate_limited >/dev/null ||
	fail "incidents --kind rate_limited"

# report --format csv carries the local decisions that JSON and text
# show (Exim's "retry time not reached"): a last column, local, in every
# row, the totals row's equal to JSON's totals.local (CSV had none).
bs import --db "$tmp/exim.db" "$BS_SRC/tests/data/exim/mainlog.log" \
	>/dev/null 2>&1 || fail "import exim"
bs report --db "$tmp/exim.db" --since all --unknown --format csv \
	>"$tmp/r.csv" || fail "report --format csv"
bs report --db "$tmp/exim.db" --since all --format json >"$tmp/r.json" ||
	fail "report --format json"
python3 - "$tmp/r.csv" "$tmp/r.json" <<'PY' || fail "report csv: local"
import csv
import json
import sys

rows = list(csv.reader(open(sys.argv[1], newline="")))
js = json.load(open(sys.argv[2]))
assert rows[0][-1] == "local", rows[0]
assert len({len(r) for r in rows}) == 1, {len(r) for r in rows}
tot = [r for r in rows if r[0] == "totals"][0]
assert js["totals"]["local"] > 0, js["totals"]
assert int(tot[-1]) == js["totals"]["local"], (tot, js["totals"])
cls = {r[5]: r for r in rows if r[0] == "class"}
for c in js["by_class"]:
    assert int(cls[c["class"]][-1]) == c["local"], (c, cls[c["class"]])
PY

# messages over an import of older logs: the default --since 7d finds
# none, and the text says where the records are and which --since
# reaches them (it printed only the header); the hint's --since works.
now=2026-12-06T00:00:00Z
bs messages --db "$tmp/db" --now "$now" >"$tmp/m.out" ||
	fail "messages --now $now"
grep -q "^# no message in this range; records from 2026-11-22 10:00 to" \
	"$tmp/m.out" || fail "messages: no word on where the records are"
hint=$(sed -n 's/^# (try --since \([0-9]*d\) or --since all)$/\1/p' \
	"$tmp/m.out")
[ -n "$hint" ] || fail "messages: no --since hint"
bs messages --db "$tmp/db" --now "$now" --since "$hint" >"$tmp/m2.out" ||
	fail "messages --since $hint"
[ "$(grep -c 'qq.com' "$tmp/m2.out")" = 12 ] ||
	fail "messages --since $hint: not the 12 messages"
# A range that holds records but no match says nothing more; JSON stays [].
bs messages --db "$tmp/db" --now "$now" --since all --class virus \
	>"$tmp/m3.out" || fail "messages --class virus"
[ "$(grep -c . "$tmp/m3.out")" = 1 ] || fail "messages --class virus: more"
bs messages --db "$tmp/db" --now "$now" --format json >"$tmp/m4.out" ||
	fail "messages --format json"
[ "$(cat "$tmp/m4.out")" = "[]" ] || fail "messages --format json: not []"

# trace: an attempt logged without reply text (Sendmail's bare
# stat=Deferred) says so as report does (it showed a "-" where the reply
# goes); "No message matches" fits 80 columns.
bs import --db "$tmp/sm.db" "$BS_SRC/tests/data/sendmail/maillog.log" \
	>/dev/null 2>&1 || fail "import sendmail"
bs trace --db "$tmp/sm.db" mia@old.example >"$tmp/tr.out" || fail "trace"
grep -q "deferred to old.example via mail.old.example (unknown): (no reply text: the MTA logged none)$" \
	"$tmp/tr.out" || fail "trace: no word on the missing reply"
grep -q "): -$" "$tmp/tr.out" && fail "trace: a bare - as the reply"
bs trace --db "$tmp/sm.db" nobody@nowhere.example >"$tmp/tr2.out" ||
	fail "trace nobody"
grep -q "^No message matches" "$tmp/tr2.out" || fail "trace nobody: no word"
awk 'length($0) > 80 { exit 1 }' "$tmp/tr2.out" ||
	fail "trace nobody: a line over 80 columns"

# A time argument that is none ("3days") is a usage error that names the
# option and lists the forms a time takes (it said "bad --since: 3days",
# messages "bad --since or --until" without the value).
for c in report messages incidents trace alert; do
	arg=
	[ "$c" = trace ] && arg=x@example.org
	[ "$c" = alert ] && arg=--dry-run
	rc=0
	bs "$c" --db "$tmp/db" --since 3days $arg >/dev/null \
		2>"$tmp/since.err" || rc=$?
	[ "$rc" = 2 ] || fail "$c --since 3days: exit $rc, want 2"
	head -1 "$tmp/since.err" | grep -q -- "--since.*: 3days$" ||
		fail "$c --since 3days: the first line does not name it"
	grep -q "^WHEN: a duration ago (90s, 30m, 6h, 3d, 2w, 1d12h)" \
		"$tmp/since.err" || fail "$c --since 3days: no forms"
	rc=0
	bs "$c" --db "$tmp/db" --now soon $arg >/dev/null \
		2>"$tmp/now.err" || rc=$?
	[ "$rc" = 2 ] && grep -q "^WHEN: a duration ago" "$tmp/now.err" ||
		fail "$c --now soon: exit $rc, or no forms"
done
for c in report messages; do
	rc=0
	bs "$c" --db "$tmp/db" --until 3days >/dev/null 2>"$tmp/until.err" ||
		rc=$?
	[ "$rc" = 2 ] && head -1 "$tmp/until.err" |
		grep -q -- "--until.*: 3days$" ||
		fail "$c --until 3days: exit $rc, or the option is not named"
done

# classify: a reply pasted without quotes (several arguments) or an empty
# one is a usage error that says so (only the usage line before; "" was
# classified unknown with exit 0).
rc=0
bs classify 550 5.1.1 user unknown >/dev/null 2>"$tmp/cl.err" || rc=$?
[ "$rc" = 2 ] && grep -q "4 arguments: give the reply as one, quoted" \
	"$tmp/cl.err" || fail "classify unquoted: exit $rc, or no word"
rc=0
bs classify "" >"$tmp/cl.out" 2>"$tmp/cl.err" || rc=$?
[ "$rc" = 2 ] && grep -q "the reply text is empty" "$tmp/cl.err" &&
	[ ! -s "$tmp/cl.out" ] || fail "classify '': exit $rc, or no word"
bs classify "550 5.1.1 user unknown" | grep -q "^class: *user_unknown" ||
	fail "classify a quoted reply"
echo "550 5.1.1 user unknown" | bs classify - | grep -q "^user_unknown" ||
	fail "classify -"

# report --host that logged nothing in the range says that --host matched
# nothing (it said only where the data is, as if there were none).
bs report --db "$tmp/db" --since all --host MX9 >"$tmp/h.out" ||
	fail "report --host MX9"
grep -q "^nothing in this range matches --host" "$tmp/h.out" ||
	fail "report --host MX9: --host not named"
bs report --db "$tmp/db" --since all --domain no.example --host mx1 \
	>"$tmp/h2.out" || fail "report --domain --host"
grep -q "^nothing in this range matches --domain and --host" "$tmp/h2.out" ||
	fail "report --domain --host: the filters not named"

echo "trial6_cli: ok"
