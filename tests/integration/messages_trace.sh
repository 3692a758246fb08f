#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Issue 16 end to end with the real binary: `bouncestat import` of the
# Postfix lifecycle golden log (tests/data/postfix/lifecycle_join.log: a
# SASL submission throttled then delivered, a pickup with a bounce, a
# reused queue id, a message whose "removed" never came, long queue ids
# of a second instance, an expiry), then `messages` with each filter and
# format, `trace` by queue id, message-id and address (text and JSON),
# `report --by` every key, the privacy modes of store_addresses, and the
# exit codes of bad input.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:?}"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_messages.XXXXXX")
passed=
cleanup() {
	if [ -z "$passed" ]; then
		for f in "$T"/*.out "$T"/*.err; do
			[ -s "$f" ] && { echo "--- $f"; cat "$f"; }
		done
	fi
	rm -rf "$T"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}
export TZ=UTC
B=$BOUNCESTAT
LOG=$T/mail.log
cp "$BS_SRC/tests/data/postfix/lifecycle_join.log" "$LOG"
touch -d 2026-11-24T12:00:00Z "$LOG"
# Every message kept (the default keeps those with a failure only).
echo 'message_records all' >"$T/all.conf"
"$B" import -c "$T/all.conf" --db "$T/db" "$LOG" >"$T/import.out" \
    2>"$T/import.err" || fail "import exited $?"
m() { "$B" messages --db "$T/db" --since all "$@"; }

# Every queue id of the log that had a start line, each once.
grep -E '(smtpd|pickup)\[[0-9]+\]: [0-9A-Za-z]+: (client|uid)=' "$LOG" |
    sed -E 's/.*\]: ([0-9A-Za-z]+): .*/\1/' | sort -u >"$T/want.out"
m --qids | sort >"$T/qids.out"
diff -u "$T/want.out" "$T/qids.out" || fail "--qids differs from the log"
# 3F2A1B0C9D lived twice, 5B6C7D8E9F twice (once without its end).
[ "$(m --format json | python3 -c 'import json,sys;
print(sum(1 for x in json.load(sys.stdin) if x["queue_id"]=="3F2A1B0C9D"))')" = 2 ] ||
    fail "the reused queue id is not two messages"
m --format csv >"$T/all.csv"
python3 - "$T/all.csv" <<'PY' || fail "CSV is wrong"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
states = {(r["queue_id"], r["message_id"]): r["state"] for r in rows}
assert states[("5B6C7D8E9F", "lost-end@example.org")] == "incomplete", states
assert states[("5B6C7D8E9F", "")] == "sent", states
assert states[("6A7B8C9D0E", "old@example.org")] == "expired", states
assert states[("4Pq5Hg0YXZz9sWB", "long-ids@example.org")] == "deferred"
b = [r for r in rows if r["recipient"] == "nobody@gmail.com"][0]
assert b["status"] == "bounced" and b["class"] == "user_unknown", b
assert b["sender"] == "billing@shop.example" and b["client"] == "local", b
PY

[ "$(m --status bounced --qids)" = 8C1D2E3F40 ] || fail "--status bounced"
[ "$(m --sender-domain shop.example --qids)" = 8C1D2E3F40 ] ||
    fail "--sender-domain"
[ "$(m --sasl-user alice --qids)" = 3F2A1B0C9D ] || fail "--sasl-user"
[ "$(m --transport postfix-out/smtp --qids)" = 4Pq5Hg0YXZz9sWB ] ||
    fail "--transport"
[ "$(m --class rate_limited --qids)" = 3F2A1B0C9D ] || fail "--class"
[ "$(m --open --qids)" = 4Pq5Hg0YXZz9sWB ] || fail "--open"
[ "$(m --domain qq.com --format csv | wc -l)" = 2 ] || fail "--domain"
[ -z "$(m --client nowhere --qids)" ] || fail "--client matched nothing"
m --client 'laptop.example.org[198.51.100.8]' --qids | grep -qx 3F2A1B0C9D ||
    fail "--client"

# trace: by message-id (one message), by queue id (both lives), address.
t() { "$B" trace --db "$T/db" "$@"; }
t '<reuse-2@example.org>' >"$T/t1.out"
[ "$(grep -c '^message ' "$T/t1.out")" = 1 ] || fail "trace by message-id"
grep -q 'from web@example.org' "$T/t1.out" || fail "trace: sender"
t 3F2A1B0C9D >"$T/t2.out"
[ "$(grep -c '^message 3F2A1B0C9D ' "$T/t2.out")" = 2 ] ||
    fail "trace by queue id: not both messages"
grep -q 'deferred to qq.com via mx3.qq.com\[203.205.219.57\] (rate_limited): 421' \
    "$T/t2.out" || fail "trace: the deferral with relay and reply"
grep -q 'sent after 5m' "$T/t2.out" || fail "trace: time to final outcome"
t --format json li.wei@qq.com >"$T/t3.out"
python3 - "$T/t3.out" <<'PY' || fail "trace JSON is wrong"
import json, sys
v = json.load(open(sys.argv[1]))
assert len(v) == 1, v
x = v[0]
assert x["sasl_user"] == "alice" and x["seconds_to_final"] == 303, x
assert [a["code"] for a in x["attempts"]] == [421], x["attempts"]
r = {r["rcpt"]: r for r in x["recipients"]}
assert r["li.wei@qq.com"]["attempts"] == 2, r
PY
t nobody@nowhere.example >"$T/t4.out"
grep -q '^No message matches' "$T/t4.out" || fail "trace: no match"

# report --by, every key.
for k in sender-domain sasl-user client transport host; do
	"$B" report --db "$T/db" --since all --by "$k" --format json \
	    >"$T/by.out" || fail "report --by $k exited $?"
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	    "$T/by.out" || fail "report --by $k: bad JSON"
done
# An unknown class is a usage error, not an empty list.
rc=0
"$B" messages --db "$T/db" --since all --class no_such_class \
    >"$T/m.out" 2>"$T/m.err" || rc=$?
[ "$rc" -eq 2 ] && grep -q 'unknown class' "$T/m.err" ||
    fail "messages --class no_such_class: exit $rc, want a usage error"
# --by has no HTML form: a usage error, not a text table under html.
rc=0
"$B" report --db "$T/db" --since all --by host --format html \
    >"$T/by.out" 2>"$T/by.err" || rc=$?
[ "$rc" -eq 2 ] && [ ! -s "$T/by.out" ] &&
    grep -q 'no HTML form' "$T/by.err" ||
    fail "report --by --format html: exit $rc, want a usage error"
"$B" report --db "$T/db" --since all --by sasl-user --format json |
    python3 -c '
import json, sys
rows = {r["name"]: r for r in json.load(sys.stdin)["rows"]}
a = rows["alice"]
assert (a["messages"], a["recipients"], a["sent"]) == (1, 2, 2), a
assert a["top_class"] == "rate_limited", a
' || fail "report --by sasl-user counts"
"$B" report --db "$T/db" --since all --now 2026-11-26T12:00:00Z \
    --format json | python3 -c '
import json, sys
e = json.load(sys.stdin)["expiring_24h"]
assert [(x["provider"], x["messages"]) for x in e] == [("163.com", 1)], e
' || fail "expiry forecast"

# Privacy: hash and domain keep no local part; trace still finds it.
for mode in hash domain; do
	printf 'store_addresses %s\nmessage_records all\n' "$mode" \
	    >"$T/$mode.conf"
	"$B" import -c "$T/$mode.conf" --db "$T/$mode.db" --quiet "$LOG" ||
	    fail "import ($mode) exited $?"
	"$B" messages -c "$T/$mode.conf" --db "$T/$mode.db" --since all \
	    --format csv >"$T/$mode.out"
	if grep -qE 'alice@|li\.wei@|nobody@' "$T/$mode.out"; then
		fail "store_addresses $mode kept a local part"
	fi
	grep -q 'shop.example' "$T/$mode.out" || fail "$mode: no domain"
done
"$B" trace -c "$T/hash.conf" --db "$T/hash.db" li.wei@qq.com >"$T/t5.out"
grep -q '^message 3F2A1B0C9D ' "$T/t5.out" || fail "trace under hash"

# The default keeps the messages with a failure (and the open ones).
"$B" import --db "$T/failed.db" --quiet "$LOG" || fail "import (failed)"
"$B" messages --db "$T/failed.db" --since all --qids | sort >"$T/f.out"
printf '%s\n' 3F2A1B0C9D 4Pq5Hg0YXZz9sWB 6A7B8C9D0E 8C1D2E3F40 |
    diff -u - "$T/f.out" || fail "message_records failed kept other messages"

# Incidents: the sample log's qq.com throttle and Spamhaus listing; the
# incidents (JSON) and the alert mail say how many messages each holds.
S=$BS_SRC/contrib/sample/mail.log
N=2026-11-22T08:00:00Z
"$B" import --db "$T/inc.db" --quiet "$S" || fail "import of the sample"
"$B" incidents --db "$T/inc.db" --since all --now "$N" --format json \
    >"$T/inc.out" || fail "incidents exited $?"
python3 - "$T/inc.out" <<'PY' || fail "incidents JSON: no message counts"
import json, sys
v = json.load(open(sys.argv[1]))
assert v and all(x["messages"] > 0 for x in v), v
assert all(x["messages_command"] == "bouncestat messages --incident %d"
           % x["id"] for x in v), v
PY
id=$(python3 -c 'import json,sys; print([x["id"] for x in json.load(
    open(sys.argv[1])) if x["kind"] == "rate_limited"][0])' "$T/inc.out")
want=$(python3 -c 'import json,sys; print([x["messages"] for x in json.load(
    open(sys.argv[1])) if x["kind"] == "rate_limited"][0])' "$T/inc.out")
"$B" messages --db "$T/inc.db" --incident "$id" --format csv >"$T/im.out"
python3 - "$T/im.out" "$want" <<'PY' || fail "messages --incident"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert len({r["queue_id"] for r in rows}) == int(sys.argv[2]), rows
assert all(r["class"] == "rate_limited" and (r["provider"] == "qq.com" or
           r["recipient"].endswith("@qq.com")) for r in rows), rows
PY
"$B" alert --db "$T/inc.db" --dry-run --since 30d --now "$N" >"$T/al.out" \
    2>"$T/al.err" || fail "alert --dry-run exited $?"
grep -q "Messages: $want (list: bouncestat messages --incident $id" \
    "$T/al.out" || fail "the alert mail does not count the messages"

# Bad input: usage errors exit 2, runtime errors 1.
set +e
m --incident x >/dev/null 2>&1; [ $? = 2 ] || fail "--incident x: not 2"
m --incident 99 >/dev/null 2>"$T/e.err"; [ $? = 1 ] || fail "no incident: not 1"
grep -q 'no incident 99' "$T/e.err" || fail "no incident: message"
"$B" trace --db "$T/db" >/dev/null 2>&1; [ $? = 2 ] || fail "trace: no arg"
"$B" report --db "$T/db" --by foo >/dev/null 2>&1; [ $? = 2 ] ||
    fail "report --by foo: not 2"
"$B" messages --db "$T/none.db" >/dev/null 2>&1; [ $? = 1 ] ||
    fail "messages without a database: not 1"
set -e
passed=1
echo "messages_trace: ok"
