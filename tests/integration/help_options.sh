#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# --help and bouncestat(8) cannot drift apart: for every command of the
# manual's SYNOPSIS, the options of its synopsis, of its --help usage line
# and of its --help option list are the same set (-c and --config are one
# option; --help is left out); every option the manual names anywhere is
# some command's; every --help line but the usage line (and parse's
# tab-separated column header) fits 80 columns; --utc says the same in
# alert --help as in the manual (each time with its own UTC offset).
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs

python3 - "$BOUNCESTAT" "$BS_SRC/contrib/bouncestat.8" <<'PY' ||
import re
import subprocess
import sys

binary, man = sys.argv[1], sys.argv[2]
src = open(man).read().replace("\\-", "-")
syn = src.split(".SH SYNOPSIS")[1].split(".SH DESCRIPTION")[0]
OPT = r"(?<![\w-])(--[a-z][\w-]*|-[a-zA-Z])\b"


def norm(s):
    s = set(s)
    if "--config" in s:
        s.discard("--config")
        s.add("-c")
    s.discard("--help")
    s.discard("-h")
    return s


def helptext(cmd):
    r = subprocess.run([binary, cmd, "--help"], capture_output=True,
                       text=True)
    assert r.returncode == 0, (cmd, r.returncode, r.stderr)
    return r.stdout


man_opts = {}
for block in re.split(r"^\.br$", syn, flags=re.M):
    m = re.search(r"^\.B bouncestat ([\w-]+)", block, re.M)
    if m:
        man_opts.setdefault(m.group(1), set()).update(
            re.findall(OPT, block.split("\n", 1)[1]))
assert len(man_opts) >= 13, sorted(man_opts)
bad = []
every = set()
for cmd, mo in sorted(man_opts.items()):
    if cmd == "version":  # no options; --help prints the version
        assert not norm(mo), mo
        continue
    h = helptext(cmd)
    lines = h.splitlines()
    # The usage line: the first (alert: the line after SYNOPSIS).
    i = lines.index("SYNOPSIS") + 1 if "SYNOPSIS" in lines else 0
    usage = lines[i]
    assert ("bouncestat " + cmd) in usage, (cmd, usage)
    uo = re.findall(OPT, usage.split("bouncestat " + cmd, 1)[1])
    ho = set()
    for n, line in enumerate(lines):
        # An option line: indented, an option first; every option named
        # before the description column (two spaces) counts.
        if n != i and re.match(r"^ {2,5}-", line):
            ho.update(re.findall(OPT, re.split(r"\s{2,}", line.strip())[0]))
        if (n != i and len(line.expandtabs()) > 80 and
                not line.startswith("Columns:")):
            bad.append("%s --help: line %d is %d columns: %s"
                       % (cmd, n + 1, len(line.expandtabs()), line))
    mo, uo, ho = norm(mo), norm(uo), norm(ho)
    every |= ho
    for what, s in (("its --help usage line", uo),
                    ("its --help option list", ho)):
        if s != mo:
            bad.append("%s: bouncestat(8)'s synopsis and %s differ: only in "
                       "the manual %s, only in --help %s"
                       % (cmd, what, sorted(mo - s), sorted(s - mo)))
body = src.split(".SH DESCRIPTION")[1]
for o in sorted(set(re.findall(OPT, body)) - every):
    if o.startswith("--") and o not in ("--help", "--install"):
        bad.append("bouncestat(8) names %s, which no command's --help has"
                   % o)
r = subprocess.run([binary, "--help"], capture_output=True, text=True)
for line in r.stdout.splitlines():
    if len(line) > 80:
        bad.append("bouncestat --help: %d columns: %s" % (len(line), line))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
	fail "--help and bouncestat(8) differ"

# alert --utc: bouncestat(8) and README say each time keeps its own UTC
# offset; --help said only "times in UTC (default: local time)".
bs alert --help >"$tmp/a.out"
grep -A2 -e '--utc ' "$tmp/a.out" | tr -s ' \n' ' ' |
	grep -q "local time, each time with its own UTC offset" ||
	fail "alert --help: --utc does not say each time has its own offset"
sed 's/\\-/-/g' "$BS_SRC/contrib/bouncestat.8" | tr -s ' \n' ' ' |
	grep -q "Times are local, each with its own UTC offset" ||
	fail "bouncestat(8): alert's times"

# Every command's --help into a pipe whose reader is gone ends quietly (by
# SIGPIPE, as Unix tools do): daemon --help said "error: stdout: Broken
# pipe". The pipe's read end is closed before the command starts, so the
# first write fails every time.
python3 - "$BOUNCESTAT" <<'PY' || fail "--help into a closed pipe"
import os, subprocess, sys
bad = []
for cmd in ("daemon import rebuild report incidents messages trace alert "
            "classify parse status dnsbl-check check-config").split():
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([sys.argv[1], cmd, "--help"], stdout=w,
                       stderr=subprocess.PIPE, text=True)
    os.close(w)
    if p.stderr or p.returncode not in (0, -13):
        bad.append("%s --help: exit %d, %r" % (cmd, p.returncode, p.stderr))
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
