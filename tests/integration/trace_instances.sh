#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial12: Postfix instances on one host (postmulti: "postfix" and
# "postfix-out", each with its own queue directory) draw their queue ids
# independently, so two messages of one host can share one. The message
# join keeps them apart (its key has the instance), but the attempts that
# `trace` shows were found by queue id, host and time only: tracing one
# message by its address or message-id showed the other instance's
# deferrals too, and tracing by queue id could not tell them apart when
# both went to the same domain. Now each stored failure keeps its
# instance (the syslog name before '/'), and a message's attempts are
# its instance's. Checked through import and through the daemon.
set -eu

command -v jq >/dev/null 2>&1 || { echo "SKIP: no jq"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
Q=4ABC123DEF
# smtp TIME INSTANCE RCPT STATUS DSN TEXT
smtp() {
	printf '%s mx %s/smtp[102]: %s: to=<%s>, relay=mx.qq.com[203.0.113.1]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=%s, status=%s (host mx.qq.com[203.0.113.1] said: %s (in reply to RCPT TO command))\n' \
	    "$1" "$2" "$Q" "$3" "$5" "$4" "$6"
}
{
	echo "Dec  7 09:00:00 mx postfix/pickup[90]: $Q: uid=0 from=<alice@shop.example>"
	echo "Dec  7 09:00:00 mx postfix/cleanup[91]: $Q: message-id=<default@shop.example>"
	echo "Dec  7 09:00:00 mx postfix/qmgr[99]: $Q: from=<alice@shop.example>, size=100, nrcpt=1 (queue active)"
	echo "Dec  7 09:00:00 mx postfix-out/pickup[190]: $Q: uid=0 from=<bob@shop.example>"
	echo "Dec  7 09:00:00 mx postfix-out/cleanup[191]: $Q: message-id=<out@shop.example>"
	echo "Dec  7 09:00:00 mx postfix-out/qmgr[199]: $Q: from=<bob@shop.example>, size=200, nrcpt=1 (queue active)"
	smtp 'Dec  7 09:00:01' postfix a@qq.com deferred 4.7.0 '421 4.7.0 default one'
	smtp 'Dec  7 09:00:02' postfix-out b@qq.com deferred 4.7.0 '421 4.7.0 out one'
	smtp 'Dec  7 09:10:01' postfix a@qq.com deferred 4.7.0 '421 4.7.0 default two'
	smtp 'Dec  7 09:10:02' postfix-out b@qq.com bounced 5.7.1 '550 5.7.1 out two'
	echo "Dec  7 09:10:03 mx postfix-out/qmgr[199]: $Q: removed"
	smtp 'Dec  7 09:20:01' postfix a@qq.com bounced 5.7.1 '550 5.7.1 default three'
	echo "Dec  7 09:20:02 mx postfix/qmgr[99]: $Q: removed"
} >"$tmp/mi.log"
touch -d '2026-12-07 10:00' "$tmp/mi.log"

# check DB HOW: every way of tracing each message shows its own attempts.
check() {
	local db=$1 how=$2 arg inst want got
	for arg in "$Q" a@qq.com b@qq.com '<default@shop.example>' \
	    '<out@shop.example>'; do
		bs trace --db "$db" --format json "$arg" >"$tmp/trace.out" ||
			fail "$how: trace $arg"
		for inst in postfix postfix-out; do
			want=default
			[ "$inst" = postfix-out ] && want=out
			got=$(jq -r --arg i "$inst" '.[] | select(.instance == $i)
			    | .attempts[] | .reply' "$tmp/trace.out")
			[ -n "$got" ] || case $arg in
			"$Q") fail "$how: trace $arg: no attempts of $inst" ;;
			esac
			if printf '%s\n' "$got" | grep -v "^$" |
			    grep -qv " $want "; then
				fail "$how: trace $arg: $inst shows another" \
				    "instance's attempts: $(echo $got)"
			fi
		done
	done
	# Each has all three (default) or both (out) of its own.
	bs trace --db "$db" --format json "$Q" >"$tmp/trace.out"
	[ "$(jq '[.[] | select(.instance == "postfix") | .attempts[]] | length' \
	    "$tmp/trace.out")" = 3 ] || fail "$how: default: not 3 attempts"
	[ "$(jq '[.[] | select(.instance == "postfix-out") | .attempts[]] |
	    length' "$tmp/trace.out")" = 2 ] || fail "$how: out: not 2 attempts"
	# The text names the instance that is not the default one.
	bs trace --db "$db" b@qq.com >"$tmp/text.out"
	grep -q "^message $Q (postfix on mx/postfix-out): bounced" \
	    "$tmp/text.out" || fail "$how: text: no instance in the header"
	! grep -q default "$tmp/text.out" ||
		fail "$how: text: postfix-out's story names the default's"
	rm -f "$tmp/text.out" "$tmp/trace.out"
}

bs import --db "$tmp/import.db" "$tmp/mi.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import"
check "$tmp/import.db" import

cp "$tmp/mi.log" "$tmp/follow.log"
touch -d '2026-12-07 10:00' "$tmp/follow.log"
printf 'commit_interval 200ms\ndnsbl_check off\n' >"$tmp/conf"
"$BOUNCESTAT" daemon --allow-root -c "$tmp/conf" --db "$tmp/follow.db" \
    --follow "$tmp/follow.log" >/dev/null 2>"$tmp/daemon.err" &
dpid=$!
for _ in $(seq 600); do # up to 60 s: an ASan daemon under load
	n=$(sqlite3 "$tmp/follow.db" 'SELECT count(*) FROM event' 2>/dev/null ||
	    echo 0)
	[ "$n" = 5 ] && break
	sleep 0.1
done
kill -TERM "$dpid"
wait "$dpid" || fail "daemon: exit $?"
check "$tmp/follow.db" daemon
# The stored failures name their instance (event_v).
[ "$(sqlite3 "$tmp/follow.db" "SELECT group_concat(instance, ',') FROM
    (SELECT instance FROM event_v ORDER BY id)")" = \
    postfix,postfix-out,postfix,postfix-out,postfix ] ||
	fail "event_v: instances"
# Rows stored before schema 13 have no instance (0): they stay in every
# story of a message with that queue id, in its time, as before (here
# 4: both instances' until postfix-out's message ended).
sqlite3 "$tmp/follow.db" 'UPDATE event SET instance = 0' ||
	fail "sqlite3 update"
bs trace --db "$tmp/follow.db" --format json b@qq.com >"$tmp/trace.out"
[ "$(jq "[.[].attempts[]] | length" "$tmp/trace.out")" = 4 ] ||
	fail "rows without an instance: not shown"
echo "ok"
