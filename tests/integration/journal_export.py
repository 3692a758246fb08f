#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Writes journal entries in the journal export format
# (https://systemd.io/JOURNAL_EXPORT_FORMATS/) for systemd-journal-remote,
# which turns them into a real .journal file:
#
#   journal_export.py --first N --count C [--noise K] [--time T]
#
# Entry N is a Postfix deferral of queue id A%09X (as daemon_writer.py's
# line N, so daemon_lib.bash's check_exact names it) from
# _SYSTEMD_UNIT=postfix@-.service, SYSLOG_IDENTIFIER=postfix/smtp. Every
# K-th entry is followed by entries that are not mail (cron, the
# /bin/true postfix.service, a kernel line), one of them with a
# deferral-like MESSAGE that must not be counted. Times are T (default:
# now) minus 600 s, plus N milliseconds, so entries keep their order
# across several exports.
import argparse
import struct
import sys
import time

BOOT = "0123456789abcdef0123456789abcdef"
MACHINE = "fedcba9876543210fedcba9876543210"


def field(out, name, value):
    data = value.encode()
    if b"\n" in data:
        out.write(name.encode() + b"\n" + struct.pack("<Q", len(data)) +
                  data + b"\n")
    else:
        out.write(name.encode() + b"=" + data + b"\n")


def entry(out, usec, fields):
    field(out, "__REALTIME_TIMESTAMP", str(usec))
    field(out, "__MONOTONIC_TIMESTAMP", str(usec - BASE))
    field(out, "_BOOT_ID", BOOT)
    field(out, "_MACHINE_ID", MACHINE)
    field(out, "_HOSTNAME", "mx")
    for k, v in fields:
        field(out, k, v)
    out.write(b"\n")


def deferral(n):
    return ("A%09X: to=<u%d@example.com>, relay=mx.example.com[192.0.2.1]"
            ":25, delay=1, delays=0/0/0/1, dsn=4.7.0, status=deferred "
            "(host mx.example.com[192.0.2.1] said: 421 4.7.0 Try again "
            "later (in reply to RCPT TO command))" % (n, n))


ap = argparse.ArgumentParser()
ap.add_argument("--first", type=int, required=True)
ap.add_argument("--count", type=int, required=True)
ap.add_argument("--noise", type=int, default=0)
ap.add_argument("--time", type=int, default=int(time.time()))
a = ap.parse_args()
BASE = (a.time - 86400) * 1000000
out = sys.stdout.buffer
for n in range(a.first, a.first + a.count):
    usec = (a.time - 600) * 1000000 + n * 1000
    entry(out, usec, [("_SYSTEMD_UNIT", "postfix@-.service"),
                      ("SYSLOG_IDENTIFIER", "postfix/smtp"),
                      ("_PID", str(1000 + n % 100)),
                      ("MESSAGE", deferral(n))])
    if a.noise and n % a.noise == 0:
        entry(out, usec + 1, [("_SYSTEMD_UNIT", "cron.service"),
                              ("SYSLOG_IDENTIFIER", "CRON"),
                              ("_PID", "77"),
                              ("MESSAGE", "Z%09X: status=deferred (not "
                               "mail)\nsecond line" % n)])
        entry(out, usec + 2, [("_SYSTEMD_UNIT", "postfix.service"),
                              ("SYSLOG_IDENTIFIER", "systemd"),
                              ("MESSAGE", "Finished postfix.service.")])
        entry(out, usec + 3, [("SYSLOG_IDENTIFIER", "kernel"),
                              ("MESSAGE", "eth0: link up")])
