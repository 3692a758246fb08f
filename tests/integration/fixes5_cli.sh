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
bs import --db "$tmp/s1.db" "$tmp/s1.log" >/dev/null
(cd "$tmp" && bs import --db s1.db s1a.log >/dev/null) # listed in full
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
paths = [i["path"] for i in d["imports"]]
assert all(p.startswith("/") for p in paths), paths
paths = [p.rsplit("/", 1)[1] for p in paths]
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
for row in "host,mx1," "class,rate_limited," "domain,,"; do
	grep -q "^filter,$row" "$tmp/r2c.out" ||
		fail "report --format csv: no filter row $row"
done
bs report --db "$tmp/r2.db" --since all --host mx1 --format json |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["filter"]["host"] == "mx1", d["filter"]' ||
	fail "report --format json: filter.host"
bs report --db "$tmp/r2.db" --since all --host mx1 >"$tmp/r2t.out"
grep -q "host: mx1" "$tmp/r2t.out" || fail "report text: host not named"
rm "$tmp"/r2*

# 3. A database the user may not write, or whose write lock another
# process holds: import and alert said only "attempt to write a readonly
# database" / "database is locked"; incidents silently listed what was
# stored without its detector pass. Now the errors say what to do, and
# incidents warns that it did not run the detector.
qq_deferrals "$tmp/d3.log"
bs import --db "$tmp/d3.db" "$tmp/d3.log" >/dev/null
chmod 755 "$tmp"
chmod 444 "$tmp/d3.db"
asuser=()
[ "$(id -u)" = 0 ] && asuser=(setpriv --reuid=65534 --regid=65534 --clear-groups)
for c in import alert; do
	args=("$tmp/d3.log")
	[ "$c" = alert ] && args=(--dry-run)
	rc=0
	"${asuser[@]}" "$BOUNCESTAT" "$c" --db "$tmp/d3.db" "${args[@]}" \
		>/dev/null 2>"$tmp/d3.err" || rc=$?
	[ "$rc" = 1 ] || fail "$c on a read-only database: exit $rc, want 1"
	grep -q "^bouncestat $c: error: .*readonly database.* ($c writes the database: run it as a user who may write the file and its directory" \
		"$tmp/d3.err" || fail "$c on a read-only database: the message"
done
# A preview without the detector writes nothing: it runs on a database
# its user may only read (it opened it read-write and failed).
rc=0
"${asuser[@]}" "$BOUNCESTAT" alert --db "$tmp/d3.db" --dry-run --no-detect \
	>/dev/null 2>"$tmp/d3.err" || rc=$?
[ "$rc" = 0 ] || fail "alert --dry-run --no-detect (read-only): exit $rc: $(cat "$tmp/d3.err")"
# The daemon gives the same hint (it gave none).
rc=0
timeout 30 "${asuser[@]}" "$BOUNCESTAT" daemon --db "$tmp/d3.db" \
	--follow "$tmp/d3.log" >/dev/null 2>"$tmp/d3.err" || rc=$?
[ "$rc" = 1 ] || fail "daemon on a read-only database: exit $rc, want 1"
grep -q "^bouncestat: error: database: .*readonly database.* (daemon writes the database: run it as a user who may write the file" \
	"$tmp/d3.err" || fail "daemon on a read-only database: $(cat "$tmp/d3.err")"
chmod 644 "$tmp/d3.db"
python3 - "$tmp/d3.db" "$tmp/d3.lock" <<'PY' &
import os, sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE")
open(sys.argv[2], "w").close()
while os.path.exists(sys.argv[2]):
    time.sleep(0.1)
c.execute("ROLLBACK")
PY
lpid=$!
for _ in $(seq 300); do [ -e "$tmp/d3.lock" ] && break; sleep 0.1; done
[ -e "$tmp/d3.lock" ] || fail "no write lock taken"
rc=0
bs import --db "$tmp/d3.db" "$tmp/d3.log" >/dev/null 2>"$tmp/d3.err" || rc=$?
[ "$rc" = 1 ] || fail "import on a locked database: exit $rc, want 1"
grep -q "database is locked.* (another process holds its write lock" \
	"$tmp/d3.err" || fail "import on a locked database: the message"
rc=0
bs incidents --db "$tmp/d3.db" >/dev/null 2>"$tmp/d3.err" || rc=$?
[ "$rc" = 0 ] || fail "incidents on a locked database: exit $rc, want 0"
grep -q "warning: detect: .*locked.*; listing the incidents stored, without a detector pass" \
	"$tmp/d3.err" || fail "incidents on a locked database: no warning"
rm "$tmp/d3.lock"
wait "$lpid" || fail "the locking process: exit $?"
rm "$tmp"/d3*

# 4. report --unknown: a result logged without reply text (Sendmail's
# bare stat=Deferred) was a row with a count and nothing after it.
printf '%s\n' 'Nov 22 10:15:15 mail sm-mta[4322]: 5AMAF0xa004321: to=<mia@old.example>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=41874, relay=mail.old.example., dsn=4.0.0, stat=Deferred' >"$tmp/u4.log"
touch -d 2026-11-23 "$tmp/u4.log"
bs import --db "$tmp/u4.db" "$tmp/u4.log" >/dev/null
bs report --db "$tmp/u4.db" --since all --unknown >"$tmp/u4.out"
grep -A1 "^Unclassified replies" "$tmp/u4.out" |
	grep -q "^ *1  (no reply text: the MTA logged none)$" ||
	fail "report --unknown: the empty reply is not named"
rm "$tmp"/u4*

# 5. report --unknown --format html dropped --unknown without a word: the
# page had no unclassified replies. Now a table after the codes (or a
# sentence when there are none).
printf '%s\n' '2026-11-22T10:00:00+00:00 mx1 postfix/smtp[1]: B0001: to=<u@example.org>, relay=mx.example.org[192.0.2.7]:25, delay=1, delays=0/0/0/1, dsn=4.0.0, status=deferred (host mx.example.org[192.0.2.7] said: zzqx <b>wibble</b> 12345 flarp (in reply to RCPT TO command))' >"$tmp/h5.log"
bs import --db "$tmp/h5.db" "$tmp/h5.log" >/dev/null
bs report --db "$tmp/h5.db" --since all --unknown --format html >"$tmp/h5.out"
grep -q '<h2 id="unknown">Unclassified replies</h2>' "$tmp/h5.out" ||
	fail "report --unknown --format html: no unclassified replies"
grep -q '<td class="reply">zzqx &lt;b&gt;wibble&lt;/b&gt; # flarp</td><td class="n">1</td>' \
	"$tmp/h5.out" || fail "report --unknown --format html: the row"
grep -q "12345 flarp</td></tr>" "$tmp/h5.out" ||
	fail "report --unknown --format html: the sample as logged"
bs report --db "$tmp/h5.db" --since all --format html >"$tmp/h5n.out"
grep -q 'id="unknown"' "$tmp/h5n.out" && fail "HTML: unknown without --unknown"
if command -v tidy >/dev/null; then
	tidy -q -e "$tmp/h5.out" 2>"$tmp/h5t.err" || fail "tidy: $(cat "$tmp/h5t.err")"
fi
rm "$tmp"/h5*

# 6. An older, shorter copy of an imported file (the same first line, ending
# before the stored offset) was taken for other content and read whole,
# and its offset replaced the stored one, so the next import of the whole
# file counted its rest again: 24 deferrals for 12 lines. Now it is taken
# as an older copy: nothing counted, a warning, the stored offset kept.
qq_deferrals "$tmp/o6.log"
head -n 6 "$tmp/o6.log" >"$tmp/o6-old.log"
bs import --db "$tmp/o6.db" "$tmp/o6.log" >/dev/null
bs import --db "$tmp/o6.db" "$tmp/o6-old.log" >"$tmp/o6.out" 2>"$tmp/o6.err"
grep -q "o6-old.log: .* 0 deferred," "$tmp/o6.out" ||
	fail "older copy: counted again: $(cat "$tmp/o6.out")"
grep -q "taken as an older copy, nothing counted" "$tmp/o6.err" ||
	fail "older copy: no warning: $(cat "$tmp/o6.err")"
bs import --db "$tmp/o6.db" "$tmp/o6.log" >"$tmp/o6b.out"
grep -q "o6.log: .* 0 deferred," "$tmp/o6b.out" ||
	fail "whole file after an older copy: counted again: $(cat "$tmp/o6b.out")"
bs status --db "$tmp/o6.db" >"$tmp/o6s.out" || true
grep -q "^data: .*: 0 sent, 12 deferred," "$tmp/o6s.out" ||
	fail "older copy: totals $(grep '^data' "$tmp/o6s.out")"
# A pipe gives the same answer.
bs import --db "$tmp/o6.db" - <"$tmp/o6-old.log" >/dev/null 2>"$tmp/o6p.err"
grep -q "taken as an older copy" "$tmp/o6p.err" || fail "older copy (pipe)"
rm "$tmp"/o6*

# 7. An incident whose sample the learned model classified (rule "model")
# had no meaning and no action in the alert mail (no rule of that name has
# text). Now the class's meaning and action are shown.
qq_deferrals "$tmp/m7.log"
bs import --db "$tmp/m7.db" "$tmp/m7.log" >/dev/null
now=$(date +%s)
sqlite3 "$tmp/m7.db" "INSERT INTO incident (kind, key, state, start, detected,
    last_seen, until_t, win, peak, peak_total, baseline, total, sample,
    sample_code, rule) VALUES ('rate_limited', 'example.net', 'open',
    $now - 600, $now - 590, $now - 60, $now + 3600, 300, 40, 50, 1.0, 90,
    '550 Mailbox unavailable or access denied', 550, 'model')"
bs alert --db "$tmp/m7.db" --dry-run --no-detect --mail-to pm@example.org \
	>"$tmp/m7.out" 2>"$tmp/m7.err" || fail "alert (model incident): $(cat "$tmp/m7.err")"
grep -q "The receiver limits how much or how fast this server sends." \
	"$tmp/m7.out" || fail "alert (model incident): no class meaning"
grep -q "Slow down to this receiver; spread sends over time." \
	"$tmp/m7.out" || fail "alert (model incident): no class action"
rm "$tmp"/m7*

# 8. report --unknown listed Exim's local decisions ("domain matches
# queue_smtp_domains, or -odqs set", "first-pass only routing ...") as
# unclassified replies; they contacted nobody and are counted apart.
bs import --db "$tmp/x8.db" "$BS_SRC/tests/data/exim/mainlog.log" >/dev/null
bs report --db "$tmp/x8.db" --since all --unknown >"$tmp/x8.out"
grep -q "^Unclassified\|nclassified" "$tmp/x8.out" ||
	fail "report --unknown (exim): no unclassified section"
grep -q "queue_smtp_domains\|first-pass only routing" "$tmp/x8.out" &&
	fail "report --unknown lists Exim's local decisions"
grep -q "^  local decisions  *4 " "$tmp/x8.out" ||
	fail "report: the local decisions are no longer shown apart"
rm "$tmp"/x8*
