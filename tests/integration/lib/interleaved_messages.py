# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Writes 400 Postfix messages (RFC 3339 stamps: no year to infer) whose
# lines interleave: message i's lines are spread over the next 40
# messages' own; each is deferred (421 4.7.0) and then sent; the last 50
# reuse the first 50's queue ids (1050 s later, after their first life
# ended at 61 s). For the message tests that kill or hold up a writer
# midway (messages_kill9.sh, daemon_messages_busy.sh).
#
# Usage: python3 interleaved_messages.py OUT QID_BASE_HEX
import sys

N = 400


def main():
    out, base = sys.argv[1], int(sys.argv[2], 16)
    ev = []
    for i in range(N):
        qid = "%010X" % (base + (i % 350))  # the last 50 reuse ids
        t0 = i * 3
        frm = "sender%d@shop.example" % (i % 7)
        rc = "rcpt%d@qq.example" % i

        def at(dt, prog, msg):
            ev.append((t0 + dt, i, len(ev), prog, msg))

        at(0, "pickup", "%s: uid=1001 from=<%s>" % (qid, frm))
        at(0, "cleanup", "%s: message-id=<m%d@shop.example>" % (qid, i))
        at(1, "qmgr", "%s: from=<%s>, size=%d, nrcpt=1 (queue active)"
           % (qid, frm, 1000 + i))
        at(2, "smtp", "%s: to=<%s>, relay=mx.qq.example[192.0.2.7]:25, "
           "delay=1, delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (host "
           "mx.qq.example[192.0.2.7] said: 421 4.7.0 too many connections "
           "(in reply to RCPT TO command))" % (qid, rc))
        at(60, "smtp", "%s: to=<%s>, relay=mx.qq.example[192.0.2.7]:25, "
           "delay=60, delays=59/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)"
           % (qid, rc))
        at(61, "qmgr", "%s: removed" % qid)
    ev.sort()
    with open(out, "w") as f:
        for t, i, k, prog, msg in ev:
            hh, mm, ss = 10 + t // 3600, t // 60 % 60, t % 60
            f.write("2026-11-22T%02d:%02d:%02d+00:00 mx1 postfix/%s[%d]: %s\n"
                    % (hh, mm, ss, prog, 100 + i % 50, msg))


main()
