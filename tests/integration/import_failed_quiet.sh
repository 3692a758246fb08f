#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# trial11: an import that fails (its commit cannot be written: here the
# file size limit, as a full disk does) exits 1 with the error, and does
# not then print the message tracker's "info: messages: ... evicted=N"
# line: its counters include the batches rolled back, so it read as if
# they had been stored. The same import that succeeds prints it (more
# messages open than the tracker holds), so the line is reachable.
set -eu

command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
# 12000 messages left deferred: more than the 10000 the tracker holds.
python3 - >"$tmp/mail.log" <<'PY'
import time
t0 = 1796000000
for i in range(12000):
    q = "%010X" % i
    st = time.strftime("%b %e %H:%M:%S", time.gmtime(t0 + i))
    print(f"{st} mx postfix/qmgr[99]: {q}: from=<a{i}@example.org>, "
          "size=100, nrcpt=1 (queue active)")
    print(f"{st} mx postfix/smtp[1]: {q}: to=<u{i}@example.com>, "
          "relay=mx.example.com[192.0.2.1]:25, delay=1, delays=0/0/0/1, "
          "dsn=4.7.0, status=deferred (host mx.example.com[192.0.2.1] "
          "said: 421 4.7.0 Try again later (in reply to RCPT TO command))")
PY

rc=0
"$BOUNCESTAT" import --db "$tmp/ok.db" "$tmp/mail.log" >"$tmp/out.ok" \
    2>"$tmp/ok.err" || rc=$?
[ "$rc" = 0 ] || fail "import: exit status $rc"
grep -q 'info: messages: .*evicted=[1-9]' "$tmp/ok.err" ||
	fail "a successful import with evictions prints no messages line"
size=$(stat -c %s "$tmp/ok.db")

# The same into a database that may not grow past a third of that: a
# write fails (EFBIG, SIGXFSZ ignored) after the first commits.
limit=$((size / 3 / 1024))
rc=0
(
	trap '' XFSZ
	ulimit -f "$limit"
	"$BOUNCESTAT" import --db "$tmp/full.db" "$tmp/mail.log" \
	    >"$tmp/full.out" 2>"$tmp/full.err"
) || rc=$?
[ "$rc" = 1 ] || fail "import over the size limit: exit status $rc, want 1"
grep -q 'bouncestat import: error: .*mail.log: ' "$tmp/full.err" ||
	fail "import over the size limit: no error"
grep -q 'info: messages:' "$tmp/full.err" &&
	fail "a failed import prints the messages line"
[ -s "$tmp/full.out" ] && fail "a failed import prints a summary"
echo ok
