#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Issue 14: the daemon's message join runs on its reading thread (as the
# import's), only the message rows on the writer thread. This checks the
# paths of that split that only the daemon takes: batches rolled back
# and read again while open messages are held (another writer holds the
# write lock past the busy timeout: the daemon's BEGIN fails, its tails
# go back to the committed positions and the join must read its open
# messages back), a batch opened behind the commit in flight (the join's
# first use waits for it), and evicted messages looked up in the store
# from the reading thread (lifecycle_max_open 20, 400 interleaved
# messages). At the end the daemon's message records must equal those of
# one `bouncestat import` of the same lines.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
write_conf "commit_lines 25
lifecycle_max_open 20
message_records all"

# The lines (RFC 3339 stamps): message i's lines are spread over the
# next 40 messages' own (lib/interleaved_messages.py).
python3 "$(dirname "$0")/lib/interleaved_messages.py" "$T/lines" B000000000
total=$(wc -l <"$T/lines")

daemon_start --follow "$F"
# The writer: 8 lines every 40 ms (about 12 s for the 2,400 lines).
python3 - "$F" "$T/lines" "$T/w.done" <<'PY' &
import os, sys, time
path, src, done = sys.argv[1:4]
lines = open(src).read().splitlines(True)
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
for n in range(0, len(lines), 8):
    os.write(fd, "".join(lines[n:n + 8]).encode())
    time.sleep(0.04)
open(done, "w").write("%d\n" % len(lines))
PY
W=$!
BG_PIDS+=("$W")
sleep 1.5
# Another writer holds the lock past the busy timeout (5 s), also when
# the detector's turn took the first 5 s of it.
python3 - "$DB" <<'EOF'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
db.execute("BEGIN IMMEDIATE")
time.sleep(11)
db.execute("COMMIT")
EOF
wait "$W" || fail "writer failed"
[ "$(cat "$T/w.done")" = "$total" ] || fail "writer did not finish"
# Every result in (400 x 2 results, counted as events or sent).
wait_sent_over 400
sleep 1
usr1_wait "messages: open="
daemon_stop
grep -q "store: batch not committed" "$DLOG" ||
    fail "no batch failed: the lock did not hold the daemon up"
grep -q "store: commits succeed again" "$DLOG" || fail "no recovery logged"
ev=$(grep -o 'messages: .*evicted=[0-9]*' "$DLOG" | tail -n 1 |
    sed 's/.*evicted=//')
[ "${ev:-0}" -gt 0 ] || fail "no message was evicted (evicted=${ev:-none})"

"$BOUNCESTAT" import -c "$CONF" --db "$T/ref.db" --quiet "$T/lines" ||
    fail "reference import failed"
"$BOUNCESTAT" messages --db "$T/ref.db" --since all --format csv \
    >"$T/ref.csv"
"$BOUNCESTAT" messages --db "$DB" --since all --format csv >"$T/got.csv"
[ "$(wc -l <"$T/ref.csv")" = 401 ] ||
    fail "reference has $(wc -l <"$T/ref.csv") rows"
diff -u "$T/ref.csv" "$T/got.csv" >&2 ||
    fail "message records after a rolled back batch differ from one import"
echo "ok: $total lines, a rolled back batch, $ev evictions, 400 messages as one import has them"
