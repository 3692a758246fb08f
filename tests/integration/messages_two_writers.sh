#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Two writers at once (two imports, or an import while the daemon runs)
# and the open messages (found by review6). Each writer holds the open
# messages in memory; one that begins a batch after the other committed
# reads them back (msgtrack_begin(), PRAGMA data_version), so it never
# writes back a stale copy. Before, import B, which had loaded
# 3F2A1B0C9D while it was open, ended it as incomplete over import A's
# `sent` (case 1), and with a reused message id deleted the bounced
# message A had stored meanwhile (case 2). One import after the other
# gives "sent".
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh"

# shellcheck source=lib/open_message.sh
. "${BS_SRC:?}/tests/integration/lib/open_message.sh"
open_message_logs "$tmp"
cat >"$tmp/fb.log" <<'L'
2026-11-29T10:11:00+00:00 mx1 postfix/smtpd[107]: 5B6C7D8E9F: client=web1.example.org[198.51.100.9]
2026-11-29T10:11:00+00:00 mx1 postfix/qmgr[102]: 5B6C7D8E9F: from=<web@example.org>, size=600, nrcpt=1 (queue active)
2026-11-29T10:11:01+00:00 mx1 postfix/smtp[103]: 5B6C7D8E9F: to=<erin@example.net>, relay=mx.example.net[198.51.100.50]:25, delay=1, delays=0.1/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)
2026-11-29T10:11:01+00:00 mx1 postfix/qmgr[102]: 5B6C7D8E9F: removed
L
state() {
	bs messages --db "$1" --now 2026-11-30 --since 2026-11-01 \
		--format csv | awk -F, '$1 == "3F2A1B0C9D" { print $4 }'
}

# One after the other: sent.
bs import --quiet --db "$tmp/seq.db" "$tmp/f0.log" "$tmp/fa.log" \
	"$tmp/fb.log" || fail "sequential import"
[ "$(state "$tmp/seq.db")" = sent ] || fail "sequential: want sent"

# At once: B has loaded the open message (it opens its input, the fifo,
# only after that, itself: no shell redirection), A ends it, then B
# reads its lines.
bs import --quiet --db "$tmp/par.db" "$tmp/f0.log" || fail "import f0"
mkfifo "$tmp/fifo"
bs import --quiet --db "$tmp/par.db" "$tmp/fifo" 2>"$tmp/b.err" &
pb=$!
exec 3>"$tmp/fifo" # returns once B has opened it
bs import --quiet --db "$tmp/par.db" "$tmp/fa.log" 2>"$tmp/a.err" ||
	fail "import a"
[ "$(state "$tmp/par.db")" = sent ] || fail "after a: want sent"
cat "$tmp/fb.log" >&3
exec 3>&-
wait "$pb" || fail "import b"
got=$(state "$tmp/par.db")
[ "$got" = sent ] || fail "after b: want sent (a's outcome), got $got"

# 2. Worse, with ids reused: A ends the open message 3F2A1B0C9D (id 1)
# with no failure, so (message_records = failed) deletes its row, then
# stores a bounced message, 7777777777, which takes id 1 again (the
# largest + 1). B, which loaded 3F2A1B0C9D as id 1, ends it when quiet
# and deletes row 1: the bounced message's record is gone.
sed -n 1,2p "$tmp/f0.log" >"$tmp/g0.log"
cat >"$tmp/ga.log" <<'L'
2026-11-20T10:00:03+00:00 mx1 postfix/smtp[103]: 3F2A1B0C9D: to=<li.wei@qq.com>, relay=mx3.qq.com[203.205.219.57]:25, delay=2, delays=1/0/0.5/0.6, dsn=2.0.0, status=sent (250 OK: queued as 1234)
2026-11-20T10:00:03+00:00 mx1 postfix/qmgr[102]: 3F2A1B0C9D: removed
2026-11-20T10:05:00+00:00 mx1 postfix/smtpd[100]: 7777777777: client=laptop.example.org[198.51.100.8]
2026-11-20T10:05:01+00:00 mx1 postfix/qmgr[102]: 7777777777: from=<yves@example.org>, size=2048, nrcpt=1 (queue active)
2026-11-20T10:05:02+00:00 mx1 postfix/smtp[103]: 7777777777: to=<zed@qq.com>, relay=mx3.qq.com[203.205.219.57]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=5.1.1, status=bounced (host mx3.qq.com[203.205.219.57] said: 550 no such user (in reply to RCPT TO command))
2026-11-20T10:05:02+00:00 mx1 postfix/qmgr[102]: 7777777777: removed
L
bs import --quiet --db "$tmp/id.db" "$tmp/g0.log" || fail "import g0"
rm -f "$tmp/fifo"
mkfifo "$tmp/fifo"
bs import --quiet --db "$tmp/id.db" "$tmp/fifo" 2>"$tmp/b2.err" &
pb=$!
exec 3>"$tmp/fifo"
bs import --quiet --db "$tmp/id.db" "$tmp/ga.log" 2>"$tmp/a2.err" ||
	fail "import a (2)"
head -n 1 "$tmp/fb.log" >&3
exec 3>&-
wait "$pb" || fail "import b (2)"
n=$(sqlite3 "$tmp/id.db" \
    "SELECT count(*) FROM message WHERE queue_id = '7777777777'")
[ "$n" = 1 ] || fail "the bounced message 7777777777 lost its record"
echo ok
