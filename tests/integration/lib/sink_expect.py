#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# What the MTA under test should have logged, derived from the reply log of
# smtp_sink.py (and, with --postfix, checked against a real Postfix mail
# log, so that a broken test environment is told apart from a bouncestat
# bug).  Prints one JSON object:
#
#   {"final":    {"sent": N, "deferred": N, "bounced": N, "expired": N},
#    "classes":  {"deferred": {"rate_limited": N, ...}, "bounced": {...},
#                 "expired": {"expired": N}},
#    "codes":    {"deferred": {"421": N, ...}, ...},
#    "domains":  {"deferred": {"netease.test": N, ...}, ...},
#    "events":   [[rcpt, status, code, class], ...]}
#
# One final result per recipient and per answer of the receiver:
#   - a non-2xx reply at RCPT TO: deferred (4xx) or bounced (5xx);
#   - the reply at end of DATA for each recipient accepted at RCPT:
#     sent (2xx), deferred (4xx), bounced (5xx);
#   - a recipient accepted at RCPT whose transaction the receiver then cut
#     with a 421 (no end-of-DATA reply): deferred with Postfix's "lost
#     connection ... while sending ..." (code 0, class network_error);
#   - expired: one per recipient whose last final result is a deferral
#     (valid when the queue was drained by expiry and each deferred message
#     had a single recipient).
# Not derivable (the sink does not know the recipients then): a rejected
# greeting (`- greeting ...` rules); Postfix logs those recipients as
# deferred or bounced with "refused to talk to me".
#
# Usage: sink_expect.py SINK_LOG [--postfix MAIL_LOG]
# Exit 0, or 1 with a diff on stderr when --postfix disagrees.

import argparse
import collections
import json
import re
import sys

# smtp_sink.py preset -> bouncestat class (the public names of SPEC.md).
PRESET_CLASS = {
    "throttle": "rate_limited",
    "gmail_rate": "rate_limited",
    "grey": "greylisted",
    "spamhaus": "blacklisted",
    "unknown": "user_unknown",
    "full": "mailbox_full",
    "full_perm": "mailbox_full",
    "too_large": "message_too_large",
    "spam": "spam_content",
    "server_error": "server_error",
    "relay": "relay_denied",
}


def status_of(code):
    return {2: "sent", 4: "deferred", 5: "bounced"}[code // 100]


def sink_events(path):
    """[(rcpt, status, code, class)] in the order the sink answered."""
    events = []
    pending = collections.defaultdict(list)  # conn -> accepted rcpts
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 8:
                continue
            _, conn, _, stage, rcpt, preset, code, _ = fields[:8]
            code = int(code)
            if stage in ("mail", "rset", "greeting"):
                pending.pop(conn, None)
            if stage == "rcpt":
                if 200 <= code < 300:
                    pending[conn].append(rcpt)
                else:
                    events.append((rcpt, status_of(code), code,
                                   PRESET_CLASS.get(preset, "unknown")))
            elif stage == "dot":
                events.append((rcpt, status_of(code), code,
                               "" if code < 300 else
                               PRESET_CLASS.get(preset, "unknown")))
                pending.pop(conn, None)
            if code == 421 and stage != "dot":
                for r in pending.pop(conn, []):
                    events.append((r, "deferred", 0, "network_error"))
    return events


def expectation(events):
    final = collections.Counter()
    classes = collections.defaultdict(collections.Counter)
    codes = collections.defaultdict(collections.Counter)
    domains = collections.defaultdict(collections.Counter)
    last = {}
    for rcpt, status, code, cls in events:
        final[status] += 1
        if cls:
            classes[status][cls] += 1
        codes[status][str(code)] += 1
        domains[status][rcpt.rsplit("@", 1)[-1].lower()] += 1
        last[rcpt] = status
    expired = [r for r, s in last.items() if s == "deferred"]
    final["expired"] = len(expired)
    if expired:
        classes["expired"]["expired"] = len(expired)
        for r in expired:
            domains["expired"][r.rsplit("@", 1)[-1].lower()] += 1
    for s in ("sent", "deferred", "bounced", "expired"):
        final.setdefault(s, 0)
    return {
        "final": dict(final),
        "classes": {k: dict(v) for k, v in classes.items()},
        "codes": {k: dict(v) for k, v in codes.items()},
        "domains": {k: dict(v) for k, v in domains.items()},
        "events": [list(e) for e in events],
    }


STATUS_RE = re.compile(r" postfix/\S+\[\d+\]: [0-9A-Za-z]+: to=<([^>]*)>,.*"
                       r" status=(sent|deferred|bounced) \((.*)\)$")
SAID_RE = re.compile(r"^host \S+ said: (\d{3})[ -]")
SENT_RE = re.compile(r"^(\d{3})[ -]")
EXPIRED_RE = re.compile(r" postfix/\S+\[\d+\]: [0-9A-Za-z]+: from=<[^>]*>, "
                        r"status=expired, returned to sender$")


def postfix_events(path):
    events, expired = [], 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if EXPIRED_RE.search(line):
                expired += 1
                continue
            m = STATUS_RE.search(line)
            if not m:
                continue
            rcpt, status, text = m.groups()
            c = (SENT_RE if status == "sent" else SAID_RE).match(text)
            events.append((rcpt, status, int(c.group(1)) if c else 0))
    return events, expired


def main():
    p = argparse.ArgumentParser()
    p.add_argument("sink_log")
    p.add_argument("--postfix")
    args = p.parse_args()
    events = sink_events(args.sink_log)
    exp = expectation(events)
    rc = 0
    if args.postfix:
        got, expired = postfix_events(args.postfix)
        want = collections.Counter((r, s, c) for r, s, c, _ in events)
        have = collections.Counter(got)
        if want != have:
            for k in sorted(set(want) | set(have)):
                if want[k] != have[k]:
                    print("sink_expect: %s %s %d: sink says %d, postfix "
                          "log has %d" % (k[0], k[1], k[2], want[k],
                                          have[k]), file=sys.stderr)
            rc = 1
        if expired != exp["final"]["expired"]:
            print("sink_expect: expired: sink implies %d, postfix log has %d"
                  % (exp["final"]["expired"], expired), file=sys.stderr)
            rc = 1
    json.dump(exp, sys.stdout, indent=1, sort_keys=True)
    print()
    return rc


if __name__ == "__main__":
    sys.exit(main())
