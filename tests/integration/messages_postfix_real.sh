#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Issue 16 with a real Postfix: a private instance relays five messages to
# the scripted sink on 127.0.0.1, which answers 421 (NetEase HL:ICC, a
# throttle) for the recipients named throttle* and 250 for the others;
# one message has a throttled and an accepted recipient.  Once every
# recipient has been answered, Postfix's own queue (postqueue -j) holds
# the deferred messages; Postfix is stopped with them still queued.
# bouncestat imports the log; `messages --class rate_limited --qids` must
# list exactly the queue ids Postfix deferred (its status=deferred lines
# and its queue agree first), `messages --open --qids` exactly the queue,
# and `trace` of one of them tells its sender, the 421 and that it is
# still queued.  The join is checked across a restart: the log is
# imported in two runs, split in the middle of the messages' lines.
#
# Needs root and Postfix (installed from the Debian mirror when missing);
# exit 77 (skip) otherwise.  Runtime about 10 s.  KEEP=1 keeps the
# temporary directory.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib/postfix_env.sh"

[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
    pf_skip "BOUNCESTAT does not name the bouncestat binary"
pf_require

tmp=$(mktemp -d)
passed=0
cleanup() {
	local rc=$?
	trap - EXIT
	pf_cleanup
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$PF_LOG" "$SINK_LOG" "$tmp"/*.out "$tmp"/*.err \
		    "$tmp"/*.txt
	fi
	bs_finish "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

cat >"$tmp/script" <<'EOF2'
throttle*   rcpt  throttle
*           rcpt  ok
EOF2
SINK_TIMEOUT=120 sink_start "$tmp" "$tmp/script" 1
pf_init "$tmp/pf" "${SINK_PORTS[0]}"
pf_start

pf_send -f news@shop.test ok1@corp.test
pf_send -f news@shop.test throttle1@netease.test
pf_send -f billing@shop.test throttle2@netease.test ok2@corp.test
pf_send -f news@shop.test ok3@corp.test
pf_send -f alerts@shop.test throttle3@netease.test
# 6 recipients, each answered once: 3 sent, 3 deferred.
pf_wait_log ' status=(sent|deferred) ' 6 60 ||
    fail "not every recipient answered after 60 s"
postqueue -c "$PF_CONF" -j >"$tmp/queue.txt" || fail "postqueue -j failed"
pf_stop
sink_stop

# Ground truth: Postfix's deferred queue ids, from its log and its queue.
grep -E ' status=deferred ' "$PF_LOG" |
    sed -E 's/.*\]: ([0-9A-Za-z]+): to=.*/\1/' | sort -u >"$tmp/deferred.txt"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    if line.strip():
        print(json.loads(line)["queue_id"])
' "$tmp/queue.txt" | sort -u >"$tmp/queued.txt"
[ "$(wc -l <"$tmp/deferred.txt")" = 3 ] ||
    fail "Postfix deferred $(wc -l <"$tmp/deferred.txt") messages, not 3"
cmp -s "$tmp/deferred.txt" "$tmp/queued.txt" ||
    fail "Postfix's log and its queue disagree"

# Import in two runs (a restart between a message's lines).
n=$(wc -l <"$PF_LOG")
head -n $((n / 2)) "$PF_LOG" >"$tmp/part1.log"
cp "$PF_LOG" "$tmp/mail.log"
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/part1.log" >"$tmp/import1.out" \
    2>"$tmp/import1.err" || fail "import 1 exited $?"
# The second run reads the whole log: a new file to import (its first
# line is the same, its content longer), so it resumes after part 1.
"$BOUNCESTAT" import --db "$tmp/db" "$tmp/mail.log" >"$tmp/import2.out" \
    2>"$tmp/import2.err" || fail "import 2 exited $?"

"$BOUNCESTAT" messages --db "$tmp/db" --since all --class rate_limited \
    --qids >"$tmp/rl.out" 2>"$tmp/rl.err" || fail "messages exited $?"
sort -u "$tmp/rl.out" >"$tmp/rl.sorted"
diff -u "$tmp/deferred.txt" "$tmp/rl.sorted" >&2 ||
    fail "messages --class rate_limited differs from Postfix's deferrals"
"$BOUNCESTAT" messages --db "$tmp/db" --since all --open --qids \
    >"$tmp/open.out" 2>"$tmp/open.err" || fail "messages --open exited $?"
sort -u "$tmp/open.out" | diff -u "$tmp/queued.txt" - >&2 ||
    fail "messages --open differs from Postfix's queue"

# JSON: the deferred recipients and their senders.
"$BOUNCESTAT" messages --db "$tmp/db" --since all --class rate_limited \
    --format json >"$tmp/rl.json" || fail "messages --format json exited $?"
python3 - "$tmp/rl.json" <<'EOF2' || fail "JSON of messages is wrong"
import json, sys
msgs = json.load(open(sys.argv[1]))
rcpts = sorted(r["rcpt"] for m in msgs for r in m["recipients"]
               if r["class"] == "rate_limited")
assert rcpts == ["throttle1@netease.test", "throttle2@netease.test",
                 "throttle3@netease.test"], rcpts
senders = sorted(m["sender"] for m in msgs)
assert senders == ["alerts@shop.test", "billing@shop.test",
                   "news@shop.test"], senders
for m in msgs:
    assert m["final"] is None and m["state"] == "deferred", m
    assert m["message_id"], m
    assert m["size"] > 0, m
EOF2

qid=$(head -n 1 "$tmp/deferred.txt")
"$BOUNCESTAT" trace --db "$tmp/db" "$qid" >"$tmp/trace.out" \
    2>"$tmp/trace.err" || fail "trace exited $?"
grep -q "^message $qid " "$tmp/trace.out" || fail "trace: no story of $qid"
grep -q ' 421 ' "$tmp/trace.out" || fail "trace: the 421 is missing"
grep -q 'still in the queue' "$tmp/trace.out" ||
    fail "trace: the message is not shown as queued"
passed=1
echo "messages_postfix_real: ok ($(wc -l <"$tmp/rl.out") deferred queue ids)"
