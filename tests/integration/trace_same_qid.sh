#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial11: `trace QUEUEID` finds a message's attempts by queue id and time.
# Two messages with one queue id whose times overlap each showed the
# other's attempts too:
# - two hosts of a fleet logging the same (short Postfix) queue id at the
#   same time: now the attempts are those of the message's host;
# - one host reusing a queue id within the second its first message ended
#   in: now, when two messages of a host overlap so, each keeps the
#   attempts to its own recipients' domains.
set -eu

command -v jq >/dev/null 2>&1 || { echo "SKIP: no jq"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
Q=4ABC123DEF
smtp() { # TIME HOST RCPT DOMAIN-IP STATUS DSN TEXT
	printf '%s %s postfix/smtp[102]: %s: to=<%s>, relay=mx.%s[%s]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=%s, status=%s (host mx.%s[%s] said: %s (in reply to RCPT TO command))\n' \
	    "$1" "$2" "$Q" "$3" "${3#*@}" "$4" "$6" "$5" "${3#*@}" "$4" "$7"
}
{
	echo "Dec  7 09:00:00 mx1 postfix/qmgr[99]: $Q: from=<alice@shop.example>, size=100, nrcpt=1 (queue active)"
	echo "Dec  7 09:00:00 mx2 postfix/qmgr[99]: $Q: from=<bob@shop.example>, size=200, nrcpt=1 (queue active)"
	smtp 'Dec  7 09:00:01' mx1 a@one.example 192.0.2.1 deferred 4.7.0 '421 4.7.0 one'
	smtp 'Dec  7 09:00:02' mx2 b@two.example 192.0.2.2 deferred 4.7.0 '421 4.7.0 two'
	smtp 'Dec  7 09:10:01' mx1 a@one.example 192.0.2.1 deferred 4.7.0 '421 4.7.0 one again'
	smtp 'Dec  7 09:10:02' mx2 b@two.example 192.0.2.2 deferred 4.7.0 '421 4.7.0 two again'
} >"$tmp/hosts.log"
{
	echo "Dec  7 09:00:00 mx postfix/smtpd[100]: $Q: client=client.example[192.0.2.9]"
	echo "Dec  7 09:00:00 mx postfix/qmgr[99]: $Q: from=<alice@shop.example>, size=100, nrcpt=1 (queue active)"
	smtp 'Dec  7 09:00:00' mx a@one.example 192.0.2.1 bounced 5.1.1 '550 5.1.1 User unknown'
	echo "Dec  7 09:00:00 mx postfix/qmgr[99]: $Q: removed"
	echo "Dec  7 09:00:00 mx postfix/smtpd[100]: $Q: client=client.example[192.0.2.9]"
	echo "Dec  7 09:00:00 mx postfix/qmgr[99]: $Q: from=<bob@shop.example>, size=200, nrcpt=1 (queue active)"
	smtp 'Dec  7 09:00:00' mx b@two.example 192.0.2.2 deferred 4.7.0 '421 4.7.0 Try again later'
	echo "Dec  7 09:00:00 mx postfix/smtp[102]: $Q: to=<b@two.example>, relay=mx.two.example[192.0.2.2]:25, delay=0.2, delays=0/0/0.1/0.1, dsn=2.0.0, status=sent (250 ok)"
	echo "Dec  7 09:00:00 mx postfix/qmgr[99]: $Q: removed"
} >"$tmp/reuse.log"

for c in hosts reuse; do
	touch -d '2026-12-07 10:00' "$tmp/$c.log"
	"$BOUNCESTAT" import --db "$tmp/$c.db" "$tmp/$c.log" >/dev/null ||
		fail "import $c"
	"$BOUNCESTAT" trace --db "$tmp/$c.db" --format json "$Q" \
	    >"$tmp/$c.json" || fail "trace $c"
	[ "$(jq length "$tmp/$c.json")" = 2 ] || fail "$c: not two messages"
	# Each message's attempts name only its own recipients' domain.
	bad=$(jq -r '.[] | (.recipients | map(.domain)) as $d |
	    .attempts[] | select(.domain as $x | $d | index($x) | not) |
	    .domain' "$tmp/$c.json")
	[ -z "$bad" ] || { cp "$tmp/$c.json" "$tmp/trace.out"; \
	    fail "$c: attempts of the other message: $bad"; }
	n=$(jq '[.[].attempts | length] | add' "$tmp/$c.json")
	want=4
	[ "$c" = reuse ] && want=2
	[ "$n" = "$want" ] || { cp "$tmp/$c.json" "$tmp/trace.out"; \
	    fail "$c: $n attempts in all, want $want"; }
	"$BOUNCESTAT" trace --db "$tmp/$c.db" "$Q" >"$tmp/trace.out" ||
		fail "trace $c (text)"
	[ "$(grep -c ' to two.example via' "$tmp/trace.out")" = "$((want / 2))" ] ||
		fail "$c (text): attempts to two.example, want $((want / 2))"
done
echo ok
