#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review12: `bouncestat import` of two inputs whose first one's COMMIT
# fails (the database cannot grow: a file size limit, as a full disk)
# after its lines opened messages. The join runs on the reading thread
# (issue 14): the open messages of the batch rolled back must be read
# back from the database before the next input's lines join, as after
# any rollback. The second input must then import as it would into the
# database without the first (no "unknown handle", no rows of messages
# the failed batch opened).
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
T=$tmp

# one.log creates the database; f1.log opens 3,000 messages (about 1 MiB
# of WAL at its COMMIT, over the limit below); f2.log ends 20 of them
# and opens one of its own.
python3 - "$T" <<'PY'
import sys
d = sys.argv[1]
def line(t, prog, pid, msg):
    hh, mm, ss = 10 + t // 3600, t // 60 % 60, t % 60
    return ("2026-11-22T%02d:%02d:%02d+00:00 mx1 postfix/%s[%d]: %s\n"
            % (hh, mm, ss, prog, pid, msg))
def opened(f, q, i, t):
    f.write(line(t, "pickup", 100, "%s: uid=1001 from=<s%d@shop.example>"
                 % (q, i)))
    f.write(line(t, "cleanup", 101, "%s: message-id=<m%d@shop.example>"
                 % (q, i)))
    f.write(line(t, "qmgr", 102, "%s: from=<s%d@shop.example>, size=%d, "
                 "nrcpt=1 (queue active)" % (q, i, 1000 + i)))
    f.write(line(t + 1, "smtp", 103, "%s: to=<r%d@qq.example>, "
                 "relay=mx.qq.example[192.0.2.7]:25, delay=1, "
                 "delays=0.1/0/0.5/0.4, dsn=4.7.0, status=deferred (host "
                 "mx.qq.example[192.0.2.7] said: 421 4.7.0 too many "
                 "connections (in reply to RCPT TO command))" % (q, i)))
with open(d + "/one.log", "w") as f:
    f.write(line(0, "qmgr", 5, "0000000001: removed"))
N = 3000
with open(d + "/f1.log", "w") as f:
    for i in range(N):
        opened(f, "%010X" % (0xB000000000 + i), i, i // 10)
with open(d + "/f2.log", "w") as f:
    t = N // 10 + 100
    for i in range(20):
        q = "%010X" % (0xB000000000 + i)
        f.write(line(t, "smtp", 103, "%s: to=<r%d@qq.example>, "
                     "relay=mx.qq.example[192.0.2.7]:25, delay=60, "
                     "delays=59/0/0.5/0.4, dsn=2.0.0, status=sent (250 ok)"
                     % (q, i)))
        f.write(line(t, "qmgr", 102, "%s: removed" % q))
    opened(f, "C000000001", 9999, t + 1)
PY
printf 'message_records all\n' >"$T/conf"

dump() {
	python3 - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
skip = {"position": ("updated", "last_event"), "event": ("reply",)}
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                      "AND name NOT IN ('reply', 'meta', 'position') "
                      "ORDER BY name"):
    cols = [r[1] for r in c.execute('PRAGMA table_info("%s")' % t)
            if r[1] not in skip.get(t, ())]
    q = 'SELECT %s FROM "%s"' % (", ".join('"%s"' % x for x in cols), t)
    for row in sorted(map(repr, c.execute(q).fetchall())):
        print(t, row)
PY
}

# The reference: the database without the first input.
"$BIN" import -c "$T/conf" --db "$T/ref.db" "$T/one.log" "$T/f2.log" \
    >"$T/out" 2>"$T/import.err" || fail "reference import failed"
dump "$T/ref.db" >"$T/ref.txt"
grep -q "^message " "$T/ref.txt" || fail "reference has no message rows"

"$BIN" import -c "$T/conf" --db "$T/x.db" "$T/one.log" >"$T/out" \
    2>"$T/import.err" || fail "first import failed"
# 400 KiB: the WAL of f1.log's COMMIT cannot be written, f2.log's can.
set +e
(
	trap '' XFSZ
	ulimit -f 400
	exec "$BIN" import -c "$T/conf" --db "$T/x.db" "$T/f1.log" "$T/f2.log"
) >"$T/out" 2>"$T/import.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "the import with a file size limit did not fail"
grep -q "f1.log: commit:" "$T/import.err" ||
    { cat "$T/import.err" >&2; echo "SKIP: f1.log's commit did not fail"; exit 77; }
if grep -q "f2.log" "$T/import.err"; then
	fail "f2.log failed after f1.log's failed commit: $(grep f2.log "$T/import.err")"
fi
dump "$T/x.db" >"$T/x.txt"
diff "$T/ref.txt" "$T/x.txt" >"$T/diff" ||
    { head -10 "$T/diff" >&2; fail "database differs from one without f1.log"; }
echo "ok: an input imported after another's failed commit as without it"
