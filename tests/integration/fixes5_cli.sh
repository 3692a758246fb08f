#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Product fixes of 2026-12-06 (fixes5), with the real binary: status on a
# database only import fed says what it holds; the report's meta line
# names --host as well as --domain. Each block failed before its fix.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

# 1. status on a database that only import fed said only "daemon: never
# started with this database". Now it says what the database holds: the
# range and totals of its counts and each imported file (bytes read, the
# last event), in text and JSON; exit 1 still (no daemon counts into it).
qq_deferrals "$tmp/s1.log"
sed -n "s/10:0\([0-4]\):00/10:3\1:00/p" "$tmp/s1.log" >"$tmp/s1a.log"
bs import --db "$tmp/s1.db" "$tmp/s1.log" "$tmp/s1a.log" >/dev/null
bs import --db "$tmp/s1.db" "$tmp/s1.log" >/dev/null # nothing new
rc=0
bs status --db "$tmp/s1.db" >"$tmp/s1.out" 2>"$tmp/s1.err" || rc=$?
[ "$rc" = 1 ] || fail "status (import only): exit $rc, want 1"
grep -q "^daemon: never ran with this database (import fed it" \
	"$tmp/s1.out" || fail "status (import only): the daemon line"
grep -q "^data: 2026-11-22 10:00:00 to 2026-11-22 11:00:00: 0 sent, 17 deferred, 0 bounced, 0 expired" \
	"$tmp/s1.out" || fail "status (import only): no data line"
size=$(stat -c %s "$tmp/s1.log")
grep -Eq "s1.log +$size +$size +2026-11-22 10:11:00 " "$tmp/s1.out" ||
	fail "status (import only): s1.log not listed with its last event"
grep -q "s1a.log" "$tmp/s1.out" || fail "status: s1a.log not listed"
[ "$(grep -c 's1.log' "$tmp/s1.out")" = 1 ] ||
	fail "status: s1.log listed twice after a second import"
rc=0
bs status --db "$tmp/s1.db" --format json >"$tmp/s1j.out" || rc=$?
[ "$rc" = 1 ] || fail "status --format json (import only): exit $rc"
python3 - "$tmp/s1j.out" "$size" <<'PY' || fail "status json: contents"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["daemon"]["started"] == 0, d["daemon"]
assert d["data"]["deferred"] == 17 and d["data"]["sent"] == 0, d["data"]
assert d["data"]["first"] == 1795341600, d["data"]
paths = [i["path"].rsplit("/", 1)[1] for i in d["imports"]]
assert paths == ["s1a.log", "s1.log"], paths  # the latest last
assert d["imports"][1]["offset"] == int(sys.argv[2]), d["imports"][1]
PY
: >"$tmp/s1e.log"
bs import --db "$tmp/s1e.db" "$tmp/s1e.log" >/dev/null
rc=0
bs status --db "$tmp/s1e.db" >"$tmp/s1e.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "status (empty import): exit $rc"
grep -q "^data: none" "$tmp/s1e.out" || fail "status (empty): no 'data: none'"
rm "$tmp"/s1*

# 2. The HTML report's meta line named --domain but not --host, and the CSV
# named no filter at all. Now the HTML says "host H", the CSV has
# "filter" rows (domain, class, host) as JSON has "filter"; text and JSON
# already named both.
qq_deferrals "$tmp/r2.log"
bs import --db "$tmp/r2.db" "$tmp/r2.log" >/dev/null
bs report --db "$tmp/r2.db" --since all --host mx1 --domain qq.com \
	--format html >"$tmp/r2.out"
grep -q '<p class="meta">database .* &middot; domain qq.com &middot; host mx1 &middot; data from' \
	"$tmp/r2.out" || fail "report --host mx1 --format html: the meta line"
bs report --db "$tmp/r2.db" --since all --format html >"$tmp/r2n.out"
grep -q '&middot; host ' "$tmp/r2n.out" && fail "HTML: a host without --host"
bs report --db "$tmp/r2.db" --since all --host mx1 --class rate_limited \
	--format csv >"$tmp/r2c.out"
grep -q '^filter,host,mx1,' "$tmp/r2c.out" &&
	grep -q '^filter,class,rate_limited,' "$tmp/r2c.out" &&
	grep -q '^filter,domain,,' "$tmp/r2c.out" ||
	fail "report --format csv: no filter rows"
bs report --db "$tmp/r2.db" --since all --host mx1 --format json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["filter"]["host"] == "mx1", d["filter"]' ||
	fail "report --format json: filter.host"
bs report --db "$tmp/r2.db" --since all --host mx1 >"$tmp/r2t.out"
grep -q "host: mx1" "$tmp/r2t.out" || fail "report text: host not named"
rm "$tmp"/r2*
