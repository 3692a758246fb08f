#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial11: a log with CR LF line endings (written by a relay that frames
# with CR LF, or copied through a Windows host) reads as the same log with
# LF endings. Before, the CR stayed at the end of each line: Postfix's
# reply kept "(in reply to RCPT TO command))" and a CR (shown as '?'), its
# stage was lost, and every reply was a template of its own.
#
# Every golden log of tests/data is parsed both ways (`parse --all`: the
# same rows), then one Postfix, one Sendmail and one Exim log are imported
# both ways (the same report JSON, the same messages).
set -eu

. "$BS_SRC/tests/integration/lib/cli.sh"

n=0
for f in "$BS_SRC"/tests/data/{postfix,exim,sendmail,opensmtpd,mixed}/*.log; do
	sed 's/$/\r/' "$f" >"$tmp/crlf.log"
	"$BOUNCESTAT" parse --all --now 2026-12-01 "$f" >"$tmp/lf.tsv" \
	    2>/dev/null || fail "parse $f"
	"$BOUNCESTAT" parse --all --now 2026-12-01 "$tmp/crlf.log" \
	    >"$tmp/crlf.tsv" 2>/dev/null || fail "parse $f with CR LF"
	cmp -s "$tmp/lf.tsv" "$tmp/crlf.tsv" ||
		fail "$f with CR LF parses otherwise: $(diff "$tmp/lf.tsv" \
		    "$tmp/crlf.tsv" | sed -n 2p | cat -A | cut -c1-300)"
	n=$((n + 1))
done
[ "$n" -ge 20 ] || fail "only $n golden logs found"

for f in postfix/lifecycle_join sendmail/maillog exim/mainlog; do
	src=$BS_SRC/tests/data/$f.log
	sed 's/$/\r/' "$src" >"$tmp/crlf.log"
	cp "$src" "$tmp/lf.log"
	touch -r "$src" "$tmp/lf.log" "$tmp/crlf.log"
	for e in lf crlf; do
		rm -f "$tmp/$e.db"
		"$BOUNCESTAT" import --db "$tmp/$e.db" "$tmp/$e.log" \
		    >/dev/null 2>&1 || fail "import $f ($e)"
		# --now: the JSON names the range asked, to the second.
		"$BOUNCESTAT" report --db "$tmp/$e.db" --since all \
		    --now @1798761600 --format json |
		    grep -v '"database"' >"$tmp/$e.json" ||
			fail "report $f ($e)"
		"$BOUNCESTAT" messages --db "$tmp/$e.db" --since all \
		    --now @1798761600 --format json >"$tmp/$e.msg" ||
			fail "messages $f ($e)"
	done
	cmp -s "$tmp/lf.json" "$tmp/crlf.json" ||
		fail "$f: report differs with CR LF: $(diff "$tmp/lf.json" \
		    "$tmp/crlf.json" | head -4)"
	cmp -s "$tmp/lf.msg" "$tmp/crlf.msg" ||
		fail "$f: messages differ with CR LF: $(diff "$tmp/lf.msg" \
		    "$tmp/crlf.msg" | head -4)"
done
echo ok
