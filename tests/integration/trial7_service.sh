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

# The mail a throttle made expire stays with the throttle: `messages
# --incident N` of a rate_limited incident, and --class rate_limited,
# listed nothing once Postfix returned the deferred mail as expired (the
# recipients' class became "expired"), though the alert mail had said
# "Messages: 12" for it.
{
	cat "$tmp/t.log"
	for i in 0 1 2 3 4 5 6 7 8 9 A B; do
		printf '2026-11-22T10:40:00+00:00 mx1 postfix/qmgr[9]: A000%s: from=<a@example.org>, status=expired, returned to sender\n' "$i"
		printf '2026-11-22T10:40:00+00:00 mx1 postfix/qmgr[9]: A000%s: removed\n' "$i"
	done
} >"$tmp/expired.log"
bs import --db "$tmp/exp.db" "$tmp/expired.log" >/dev/null \
	2>"$tmp/import.err" || fail "import of the expired log"
bs incidents --db "$tmp/exp.db" --since all --kind rate_limited \
	--format json >"$tmp/inc.out" || fail "incidents"
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' \
	"$tmp/inc.out") || fail "no rate_limited incident"
bs messages --db "$tmp/exp.db" --incident "$id" >"$tmp/inc-msgs.out" ||
	fail "messages --incident $id"
n=$(grep -c $'\texpired\trate_limited$' "$tmp/inc-msgs.out" || true)
[ "$n" = 12 ] ||
	fail "messages --incident $id: $n expired rate_limited recipients, want 12"
n=$(bs messages --db "$tmp/exp.db" --since all --class rate_limited --qids |
	wc -l)
[ "$n" = 12 ] || fail "messages --class rate_limited: $n queue ids, want 12"
n=$(bs messages --db "$tmp/exp.db" --since all --status expired --qids |
	wc -l)
[ "$n" = 12 ] || fail "messages --status expired: $n queue ids, want 12"

# trace of a message Postfix returned as expired: the expiry is the MTA's
# own decision for the whole message, logged without a recipient or a
# relay; trace printed it as a delivery "expired to - via - (expired):
# (no reply text: the MTA logged none)".
bs trace --db "$tmp/exp.db" A0003 >"$tmp/trace.out" || fail "trace A0003"
grep -q ' via -' "$tmp/trace.out" && fail "trace: the expiry read 'to - via -'"
grep -q '  expired: returned to the sender by the MTA (queue lifetime reached; no receiver.s reply)$' \
	"$tmp/trace.out" || fail "trace: the expiry is not told as the MTA's"
grep -q 'u3@qq.com: expired (last failure rate_limited)' "$tmp/trace.out" ||
	fail "trace: the recipient's line"

# A journal with no journal files at all (journald not running, as in a
# container; or --journal-dir naming an empty or wrong directory): the
# daemon followed it without a word, "following 0 files, the journal",
# and counted nothing for ever. It now warns, naming where it looked.
mkdir "$tmp/nojournal"
daemon_briefly nj -c /dev/null --journal-dir "$tmp/nojournal"
grep -q "warning: journal: journal:$tmp/nojournal: no journal files" \
	"$tmp/nj.err" || fail "daemon: an empty journal directory is not told"

# alert --html: the HTML part of the multipart/alternative mail (the one
# a mail client shows) had only the reply and the action, not what the
# text part tells below them: how many messages the incident holds and
# the command that lists them, the rule's meaning, where to ask for
# delisting (dnsbl) and the command to see more.
bs alert --db "$tmp/db" --now 2026-11-22T10:20 --html --mail-to pm@example.org \
	--dry-run >"$tmp/html-alert.out" 2>"$tmp/html-alert.err" ||
	fail "alert --html --dry-run"
python3 - "$tmp/html-alert.out" <<'PY' || fail "alert --html: the HTML part lacks the text part's notes"
import email, html, re, sys
msg = email.message_from_file(open(sys.argv[1]))
parts = {p.get_content_type(): p.get_payload(decode=True).decode()
         for p in msg.walk() if not p.is_multipart()}
text = html.unescape(re.sub(r"<[^>]+>", " ", parts["text/html"]))
text = " ".join(text.split())
for want in ("Messages: 12", "bouncestat messages --incident 1 --db",
             "Meaning:", "More: bouncestat incidents --db"):
    assert want in text, (want, text[:2000])
PY

# The HTML report names the recipient domains, as the text one does ("Top
# domains"): it had only the providers, so mail whose relay was never
# reached (provider unknown) or a domain hosted at a big provider could
# not be told apart on the page a postmaster is sent.
bs report --db "$tmp/db" --since all --format html >"$tmp/report.html" ||
	fail "report --format html"
python3 - "$tmp/report.html" <<'PY' || fail "report --format html: no Top domains table with qq.com"
import re, sys
page = open(sys.argv[1]).read()
m = re.search(r'<h2 id="domains">Top domains</h2>\s*<table>(.*?)</table>',
              page, re.S)
assert m, "no Top domains table"
row = re.search(r'<tr><th scope="row">qq\.com</th>(.*?)</tr>', m.group(1),
                re.S)
assert row, "qq.com not in it"
cells = re.findall(r'<td[^>]*>(.*?)</td>', row.group(1), re.S)
assert cells[:4] == ["0", "12", "0", "0"], cells
assert "rate_limited" in cells[-1], cells
PY

echo "ok: trial7_service"
