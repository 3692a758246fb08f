#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# A log writer for the daemon_*.sh integration tests: appends known Postfix
# delivery lines (the smtp "status=deferred ... said: 421 4.7.0" format of
# a real Postfix 3.x log, see the postfix_exporter corpus), each with a
# distinct queue id A<9 hex digits> and recipient, one write(2) per line,
# so the tests can check that every line is counted exactly once.
#
#   daemon_writer.py FILE --first N --count N [--rate LINES/S]
#       [--keep-open] [--lock] [--done PATH] [--status STATUS]
#
# --keep-open holds one descriptor like syslogd does (SIGHUP reopens the
# path, like syslogd after a rotation); otherwise the path is opened for
# each line, like `echo >> FILE`. --lock takes flock(FILE.lock) around each
# write, so that a test can rotate (cp + truncate) between two lines.
# --done PATH receives the number of lines written when the writer ends
# (after --count lines, or on SIGTERM after the line in progress).
#
# Other modes:
#   daemon_writer.py FILE --half N   append the first half of line N (no
#                                    newline); keep the rest in FILE.half
#   daemon_writer.py FILE --rest N   append that rest
#   daemon_writer.py --line N [--count C] [--status S]
#                                    print lines N..N+C-1 to stdout
import fcntl
import os
import signal
import sys
import time

STATUS_TEXT = {
    "deferred": ("4.7.0", "deferred",
                 "host mx.example.com[192.0.2.1] said: 421 4.7.0 Try again "
                 "later (in reply to RCPT TO command)"),
    "bounced": ("5.1.1", "bounced",
                "host mx.example.com[192.0.2.1] said: 550 5.1.1 <{rcpt}>: "
                "Recipient address rejected: User unknown (in reply to "
                "RCPT TO command)"),
    "sent": ("2.0.0", "sent", "250 2.0.0 Ok: queued as 4Xyz"),
}


def make_line(n, status="deferred"):
    dsn, st, text = STATUS_TEXT[status]
    rcpt = "u%d@example.com" % n
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime())
    return ("%s mx postfix/smtp[%d]: A%09X: to=<%s>, "
            "relay=mx.example.com[192.0.2.1]:25, delay=1, "
            "delays=0/0/0/1, dsn=%s, status=%s (%s)\n" %
            (stamp, 1000 + n % 30000, n, rcpt, dsn, st,
             text.format(rcpt=rcpt))).encode()


def main():
    args = sys.argv[1:]
    opts = {"--rate": "200", "--status": "deferred"}
    flags = set()
    path = None
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("--keep-open", "--lock"):
            flags.add(a)
        elif a.startswith("--"):
            opts[a] = args[i + 1]
            i += 1
        else:
            path = a
        i += 1
    status = opts["--status"]
    if "--line" in opts:
        first = int(opts["--line"])
        for n in range(first, first + int(opts.get("--count", "1"))):
            sys.stdout.buffer.write(make_line(n, status))
        return 0
    if "--half" in opts or "--rest" in opts:
        n = int(opts.get("--half", opts.get("--rest")))
        line = make_line(n, status)
        side = path + ".half"
        if "--half" in opts:
            cut = len(line) // 2
            with open(side, "wb") as f:
                f.write(line[cut:])
            part = line[:cut]
        else:
            with open(side, "rb") as f:
                part = f.read()
            os.unlink(side)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        os.write(fd, part)
        os.close(fd)
        return 0

    first = int(opts["--first"])
    count = int(opts["--count"])
    interval = 1.0 / float(opts["--rate"])
    keep = "--keep-open" in flags
    lock = "--lock" in flags
    state = {"stop": False, "reopen": False}

    def on_term(sig, frame):
        state["stop"] = True

    def on_hup(sig, frame):
        state["reopen"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGHUP, on_hup)

    def open_log():
        return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    fd = open_log() if keep else -1
    lockfd = os.open(path + ".lock", os.O_RDWR | os.O_CREAT, 0o644) \
        if lock else -1
    written = 0
    next_t = time.monotonic()
    for n in range(first, first + count):
        if state["stop"]:
            break
        if keep and state["reopen"]:
            state["reopen"] = False
            os.close(fd)
            fd = open_log()
        line = make_line(n, status)
        if lock:
            fcntl.flock(lockfd, fcntl.LOCK_EX)
        if keep:
            os.write(fd, line)
        else:
            f = open_log()
            os.write(f, line)
            os.close(f)
        if lock:
            fcntl.flock(lockfd, fcntl.LOCK_UN)
        written += 1
        next_t += interval
        delay = next_t - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    # A late SIGHUP or SIGTERM is ignored from here on: at exit CPython
    # puts back the default action of every signal it handled, and a
    # test's `kill -HUP` after the last line then killed the writer in
    # its teardown (exit 129, daemon_seen_before in CI).
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if fd != -1:
        os.close(fd)
    if "--done" in opts:
        with open(opts["--done"] + ".tmp", "w") as f:
            f.write("%d\n" % written)
        os.rename(opts["--done"] + ".tmp", opts["--done"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
