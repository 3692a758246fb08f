#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Scripted SMTP receiver for the integration tests: listens on 127.0.0.1,
# answers every recipient as a script file says (accept, throttle,
# greylist, DNSBL block, unknown user, ...), and logs every reply it sent,
# one line each, so that a test can derive what the MTA under test should
# have logged and bouncestat should have counted.  Python 3 standard
# library only (asyncio; the old smtpd module is gone since 3.12).
#
# Usage:
#   smtp_sink.py --script FILE --log FILE [--listen 127.0.0.1:0]...
#                [--port-file FILE] [--pid-file FILE] [--timeout SECS]
#                [--save-dir DIR] [--hostname NAME]
#
# --listen may be given several times (one listener each); the ports
# actually bound are written to --port-file, one per line, in --listen
# order, once all listeners are up (port 0 = the kernel picks).
#
# SCRIPT FILE: one rule per line, fields separated by white space:
#
#   PATTERN  STAGE  REPLY  [LIMIT]
#
#   PATTERN  fnmatch pattern over the recipient's local part (lower case),
#            e.g. `throttle*`; `*` matches all.
#   STAGE    `rcpt`    answer at RCPT TO;
#            `data`    accept RCPT with 250, answer at end of DATA;
#            `greeting` (PATTERN ignored, use `-`): the connection
#                      greeting, e.g. `- greeting throttle` answers 421
#                      and closes before any command.
#   REPLY    a preset name (see PRESETS) or `CODE:TEXT` with `_` standing
#            for a space in TEXT, e.g. `451:4.3.0_Try_again_later`.
#   LIMIT    optional: the rule applies to the first LIMIT replies per
#            recipient only, then the next matching rule is used (a
#            greylist that lets the 3rd attempt through is
#            `grey* rcpt grey 2` followed by `* rcpt ok`).
#
# First matching rule wins; no match means `ok`.  `#` starts a comment.
# The file is re-read when its mtime or size changes (checked at every
# connection and every MAIL FROM) and on SIGHUP, so a test can switch a
# receiver from 250 to 421 mid-stream by rewriting it (write a new file
# and rename it over the old one).
#
# In reply texts, {rcpt} is the recipient address, {ip} the client's IP.
#
# REPLY LOG (--log): tab-separated, one line per reply and per recipient
# it concerns, appended and flushed immediately:
#
#   time  conn  port  stage  rcpt  preset  code  text
#
#   time    epoch seconds with microseconds
#   conn    connection number (1, 2, ... in accept order)
#   stage   greeting, ehlo, helo, mail, rcpt, data (the 354), dot (end of
#           DATA: one line per accepted recipient of the transaction),
#           rset, noop, quit, vrfy, unknown, timeout
#   rcpt    the recipient, or `-`
#   preset  the preset or rule reply name (`custom` for CODE:TEXT), or
#           `-` for protocol replies
#   code    the three-digit reply code
#   text    the first line of the reply text, tabs and newlines replaced
#
# A recipient's final answer from this receiver is its `rcpt` line when
# the code is not 2xx, otherwise its `dot` line (if the transaction got
# that far).
#
# SIGTERM and SIGINT stop the sink cleanly (exit 0); --timeout stops it
# after that many seconds (exit 0; default 300), and an idle connection is
# closed after 60 s with a 421.

import argparse
import asyncio
import fnmatch
import os
import signal
import sys
import time

PRESETS = {
    "ok": (250, "2.1.5 Ok"),
    # NetEase 163: too many connections/messages from this IP.
    "throttle": (421, "HL:ICC 163 mx12,QsCowADnf0m4Tu5lzB0YBQ--.41271S2 "
                 "1710125240 http://mail.163.com/help/help_spam_16.htm"
                 "?ip={ip}&hostid=mx12&time=1710125240"),
    # Gmail rate limit.
    "gmail_rate": (421, "4.7.28 Our system has detected an unusual rate of "
                   "unsolicited mail originating from your IP address. To "
                   "protect our users from spam, mail sent from your IP "
                   "address has been temporarily rate limited."),
    # postgrey.
    "grey": (450, "4.7.1 <{rcpt}>: Recipient address rejected: Greylisted, "
             "see http://postgrey.schweikert.ch/help/example.test.html"),
    # Postfix postscreen/smtpd with a Spamhaus reject_rbl_client.
    "spamhaus": (550, "5.7.1 Service unavailable; Client host [{ip}] "
                 "blocked using zen.spamhaus.org; "
                 "https://www.spamhaus.org/query/ip/{ip}"),
    "unknown": (550, "5.1.1 <{rcpt}>: Recipient address rejected: User "
                "unknown in virtual mailbox table"),
    "full": (452, "4.2.2 <{rcpt}>: Recipient address rejected: mailbox full"),
    "full_perm": (552, "5.2.2 <{rcpt}>: Mailbox full, quota exceeded"),
    "too_large": (552, "5.3.4 Message size exceeds fixed limit"),
    "spam": (554, "DT:SPM 163 smtp14,EsCowACHdjE4Tu5lCT0YBQ--.41271S2 "
             "1710125240, please see http://mail.163.com/help/"
             "help_spam_16.htm?ip={ip}&hostid=smtp14&time=1710125240"),
    "server_error": (451, "4.3.0 Error: queue file write error"),
    "relay": (554, "5.7.1 <{rcpt}>: Relay access denied"),
}

IDLE_TIMEOUT = 60.0
MAX_LINE = 4096


class Rule:
    """One line of the script file."""

    def __init__(self, pattern, stage, preset, code, text, limit):
        self.pattern = pattern
        self.stage = stage
        self.preset = preset
        self.code = code
        self.text = text
        self.limit = limit

    def key(self):
        return (self.pattern, self.stage, self.preset, self.code, self.text)


def parse_reply(word):
    """Preset name or CODE:TEXT -> (name, code, text)."""
    if word in PRESETS:
        code, text = PRESETS[word]
        return word, code, text
    code, sep, text = word.partition(":")
    if not sep or len(code) != 3 or not code.isdigit() or code[0] not in \
            "2345":
        raise ValueError("bad reply %r (preset or CODE:TEXT)" % word)
    return "custom", int(code), text.replace("_", " ")


def parse_script(path):
    rules = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            if len(fields) not in (3, 4):
                raise ValueError("%s:%d: want PATTERN STAGE REPLY [LIMIT]"
                                 % (path, n))
            pattern, stage, reply = fields[:3]
            if stage not in ("rcpt", "data", "greeting"):
                raise ValueError("%s:%d: bad stage %r" % (path, n, stage))
            try:
                name, code, text = parse_reply(reply)
                limit = int(fields[3]) if len(fields) == 4 else None
            except ValueError as e:
                raise ValueError("%s:%d: %s" % (path, n, e)) from None
            rules.append(Rule(pattern.lower(), stage, name, code, text,
                              limit))
    return rules


class Sink:
    def __init__(self, args):
        self.args = args
        self.rules = []
        self.script_id = None
        self.hits = {}  # (rule key, rcpt) -> replies given
        self.nconn = 0
        self.nmsg = 0
        self.logf = open(args.log, "a", encoding="utf-8", buffering=1)
        self.reload(force=True)

    # --- script -------------------------------------------------------
    def reload(self, force=False):
        try:
            st = os.stat(self.args.script)
        except OSError as e:
            print("smtp_sink: %s" % e, file=sys.stderr)
            return
        ident = (st.st_mtime_ns, st.st_size, st.st_ino)
        if not force and ident == self.script_id:
            return
        try:
            rules = parse_script(self.args.script)
        except (OSError, ValueError) as e:
            # Keep the old rules: a half-written file must not kill a run.
            print("smtp_sink: %s" % e, file=sys.stderr)
            if self.script_id is None:
                raise
            return
        self.rules = rules
        self.script_id = ident

    def lookup(self, stage, rcpt):
        """The rule for a recipient at a stage, or None; counts the hit."""
        local = rcpt.rsplit("@", 1)[0].lower()
        for r in self.rules:
            if r.stage != stage:
                continue
            if stage != "greeting" and not fnmatch.fnmatchcase(local,
                                                               r.pattern):
                continue
            hk = (r.key(), rcpt.lower())
            if r.limit is not None and self.hits.get(hk, 0) >= r.limit:
                continue
            self.hits[hk] = self.hits.get(hk, 0) + 1
            return r
        return None

    def plan(self, rcpt):
        """(stage, rule) deciding this recipient; rule None means ok."""
        r = self.lookup("rcpt", rcpt)
        if r is not None and not (200 <= r.code < 300):
            return "rcpt", r
        d = self.lookup("data", rcpt)
        return "data", d

    # --- log ----------------------------------------------------------
    def log(self, conn, port, stage, rcpt, preset, code, text):
        text = text.splitlines()[0] if text else ""
        text = text.replace("\t", " ")
        self.logf.write("%.6f\t%d\t%d\t%s\t%s\t%s\t%d\t%s\n" % (
            time.time(), conn, port, stage, rcpt or "-", preset or "-",
            code, text))

    # --- one connection ----------------------------------------------
    async def session(self, reader, writer):
        self.nconn += 1
        conn = self.nconn
        peer = writer.get_extra_info("peername") or ("?", 0)
        ip = peer[0]
        port = writer.get_extra_info("sockname")[1]
        hostname = self.args.hostname

        async def reply(stage, code, text, rcpt=None, preset=None,
                        extra=None, log_rcpts=None):
            lines = [text] + (extra or [])
            out = "".join("%d%s%s\r\n" % (code, "-" if i < len(lines) - 1
                                          else " ", l)
                          for i, l in enumerate(lines))
            writer.write(out.encode("utf-8", "replace"))
            for rc in (log_rcpts if log_rcpts is not None else [rcpt]):
                self.log(conn, port, stage, rc, preset, code, text)
            await writer.drain()

        def fill(rule, rcpt):
            return rule.text.replace("{rcpt}", rcpt).replace("{ip}", ip)

        try:
            self.reload()
            g = self.lookup("greeting", "")
            if g is not None and not (200 <= g.code < 300):
                await reply("greeting", g.code, fill(g, ""), preset=g.preset)
                return
            await reply("greeting", 220, "%s ESMTP bouncestat test sink"
                        % hostname)
            mail_from = None
            rcpts = []  # (address, stage, rule) of accepted recipients
            while True:
                try:
                    raw = await asyncio.wait_for(reader.readline(),
                                                 IDLE_TIMEOUT)
                except asyncio.TimeoutError:
                    await reply("timeout", 421, "4.4.2 %s Error: timeout "
                                "exceeded" % hostname)
                    return
                except ValueError:  # line longer than the limit
                    await reply("unknown", 500, "5.5.2 Error: line too long")
                    return
                if not raw:
                    return
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb, _, arg = line.partition(" ")
                verb = verb.upper()
                if verb in ("EHLO", "HELO"):
                    mail_from, rcpts = None, []
                    if verb == "EHLO":
                        await reply("ehlo", 250, hostname, extra=[
                            "PIPELINING", "SIZE 10240000",
                            "ENHANCEDSTATUSCODES", "8BITMIME"])
                    else:
                        await reply("helo", 250, hostname)
                elif verb == "MAIL":
                    self.reload()
                    if mail_from is not None:
                        await reply("mail", 503, "5.5.1 Error: nested "
                                    "MAIL command")
                        continue
                    mail_from = addr_arg(arg, "FROM:")
                    rcpts = []
                    await reply("mail", 250, "2.1.0 Ok")
                elif verb == "RCPT":
                    if mail_from is None:
                        await reply("rcpt", 503, "5.5.1 Error: need MAIL "
                                    "command")
                        continue
                    rcpt = addr_arg(arg, "TO:")
                    stage, r = self.plan(rcpt)
                    if stage == "rcpt":
                        await reply("rcpt", r.code, fill(r, rcpt), rcpt,
                                    r.preset)
                        if r.code == 421:
                            return  # 421 means: closing the connection
                    else:
                        rcpts.append((rcpt, r))
                        await reply("rcpt", 250, "2.1.5 Ok", rcpt, "ok")
                elif verb == "DATA":
                    if not rcpts:
                        await reply("data", 554, "5.5.1 Error: no valid "
                                    "recipients")
                        continue
                    await reply("data", 354, "End data with "
                                "<CR><LF>.<CR><LF>")
                    body = await read_data(reader)
                    if body is None:
                        return
                    self.nmsg += 1
                    self.save(body)
                    # One reply for the whole transaction (SMTP, not LMTP):
                    # the first recipient with a data-stage rule decides.
                    decide = next((r for _, r in rcpts if r is not None),
                                  None)
                    names = [a for a, _ in rcpts]
                    if decide is None:
                        await reply("dot", 250, "2.0.0 Ok: queued as "
                                    "S%06d" % self.nmsg, preset="ok",
                                    log_rcpts=names)
                    else:
                        await reply("dot", decide.code,
                                    fill(decide, names[0]),
                                    preset=decide.preset, log_rcpts=names)
                        if decide.code == 421:
                            return
                    mail_from, rcpts = None, []
                elif verb == "RSET":
                    mail_from, rcpts = None, []
                    await reply("rset", 250, "2.0.0 Ok")
                elif verb == "NOOP":
                    await reply("noop", 250, "2.0.0 Ok")
                elif verb == "VRFY":
                    await reply("vrfy", 252, "2.0.0 Send mail and see")
                elif verb == "QUIT":
                    await reply("quit", 221, "2.0.0 Bye")
                    return
                else:
                    await reply("unknown", 502, "5.5.2 Error: command not "
                                "recognized")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            try:
                writer.close()
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass

    def save(self, body):
        if not self.args.save_dir:
            return
        path = os.path.join(self.args.save_dir, "msg.%06d" % self.nmsg)
        with open(path, "wb") as f:
            f.write(body)


def addr_arg(arg, prefix):
    """`FROM:<a@b> SIZE=1` -> `a@b`."""
    arg = arg.strip()
    if arg[:len(prefix)].upper() == prefix:
        arg = arg[len(prefix):].strip()
    if arg.startswith("<"):
        end = arg.find(">")
        return arg[1:end] if end > 0 else arg[1:]
    return arg.split(" ", 1)[0]


async def read_data(reader):
    """Message body up to the lone dot, dot-unstuffed; None on EOF."""
    chunks = []
    while True:
        try:
            raw = await asyncio.wait_for(reader.readline(), IDLE_TIMEOUT)
        except (asyncio.TimeoutError, ValueError):
            return None
        if not raw:
            return None
        if raw in (b".\r\n", b".\n"):
            return b"".join(chunks)
        if raw.startswith(b"."):
            raw = raw[1:]
        chunks.append(raw)


async def main_async(args):
    sink = Sink(args)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def on_stop(*_):
        if not stop.done():
            stop.set_result(None)

    loop.add_signal_handler(signal.SIGTERM, on_stop)
    loop.add_signal_handler(signal.SIGINT, on_stop)
    loop.add_signal_handler(signal.SIGHUP, lambda: sink.reload(force=True))
    loop.call_later(args.timeout, on_stop)

    servers, ports = [], []
    for spec in args.listen or ["127.0.0.1:0"]:
        host, _, port = spec.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        srv = await asyncio.start_server(sink.session, host,
                                         int(port), limit=MAX_LINE,
                                         reuse_address=True)
        servers.append(srv)
        ports.append(srv.sockets[0].getsockname()[1])
    if args.pid_file:
        write_atomic(args.pid_file, "%d\n" % os.getpid())
    if args.port_file:
        write_atomic(args.port_file, "".join("%d\n" % p for p in ports))
    await stop
    for srv in servers:
        srv.close()
        await srv.wait_closed()
    sink.logf.close()


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description="scripted SMTP sink")
    p.add_argument("--script", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--listen", action="append",
                   help="HOST:PORT, repeatable (default 127.0.0.1:0)")
    p.add_argument("--port-file")
    p.add_argument("--pid-file")
    p.add_argument("--save-dir")
    p.add_argument("--hostname", default="mx.sink.test")
    p.add_argument("--timeout", type=float, default=300.0)
    args = p.parse_args()
    for spec in args.listen or []:
        host = spec.rpartition(":")[0]
        if host not in ("127.0.0.1", "::1", "[::1]", "localhost"):
            p.error("--listen: loopback only (%s)" % spec)
    try:
        asyncio.run(main_async(args))
    except ValueError as e:
        print("smtp_sink: %s" % e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
