# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The open message of the two-writers tests (messages_two_writers.sh,
# daemon_messages_other_writer.sh): open_message_logs DIR writes
# DIR/f0.log, message 3F2A1B0C9D deferred by qq.com (421 HL:ICC) at
# 10:00:02 on 2026-11-20 and still queued, and DIR/fa.log, its delivery
# half an hour later and its removal.
#
# Usage (bash):  . "$BS_SRC/tests/integration/lib/open_message.sh"

open_message_logs() {
	cat >"$1/f0.log" <<'L'
2026-11-20T10:00:00+00:00 mx1 postfix/smtpd[100]: 3F2A1B0C9D: client=laptop.example.org[198.51.100.8]
2026-11-20T10:00:01+00:00 mx1 postfix/qmgr[102]: 3F2A1B0C9D: from=<alice@example.org>, size=2048, nrcpt=1 (queue active)
2026-11-20T10:00:02+00:00 mx1 postfix/smtp[103]: 3F2A1B0C9D: to=<li.wei@qq.com>, relay=mx3.qq.com[203.205.219.57]:25, delay=1.2, delays=0.1/0/0.5/0.6, dsn=4.7.0, status=deferred (host mx3.qq.com[203.205.219.57] said: 421 HL:ICC too many connections (in reply to RCPT TO command))
L
	cat >"$1/fa.log" <<'L'
2026-11-20T10:30:03+00:00 mx1 postfix/smtp[103]: 3F2A1B0C9D: to=<li.wei@qq.com>, relay=mx3.qq.com[203.205.219.57]:25, delay=302, delays=301/0/0.5/0.6, dsn=2.0.0, status=sent (250 OK: queued as 1234)
2026-11-20T10:30:03+00:00 mx1 postfix/qmgr[102]: 3F2A1B0C9D: removed
L
}
