#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Issue 16, crash safety of the message lifecycle: a writer appends the
# lines of 400 interleaved Postfix messages (pickup, cleanup, qmgr, a 421
# deferral, the delivery, removed; some queue ids reused) while the
# daemon is killed with SIGKILL at random moments (10 times, with small
# batches: commits in the middle of messages) and restarted; the file is
# rotated once (rename, the writer reopening). At the end the daemon's
# message records must equal those of one `bouncestat import` of the
# same lines: open messages are committed with the input positions, so a
# crash loses or repeats nothing of a message either.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
KILLS=${BS_KILLS:-10}
write_conf "commit_lines 25
message_records all"
RANDOM=$$

# The lines, in the order they are written (RFC 3339 stamps: no year to
# infer). Message i's lines are spread over the next 40 messages' own
# (lib/interleaved_messages.py).
python3 "$(dirname "$0")/lib/interleaved_messages.py" "$T/lines" A000000000
total=$(wc -l <"$T/lines")

# The writer: one line per write, 2,000 lines/s, reopening on SIGHUP.
python3 - "$F" "$T/lines" "$T/w.done" <<'PY' &
import os, signal, sys, time
path, src, done = sys.argv[1:4]
lines = open(src).read().splitlines(True)
fd = [os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)]
def reopen(*_):
    os.close(fd[0])
    fd[0] = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
signal.signal(signal.SIGHUP, reopen)
for n, l in enumerate(lines, 1):
    os.write(fd[0], l.encode())
    if n % 4 == 0:
        time.sleep(0.01)
# A late SIGHUP is harmless from here on: at exit CPython puts back
# SIG_DFL for the signals it handled, and the test's kill -HUP, when it
# came after the last line, killed the writer in its teardown (129).
signal.signal(signal.SIGHUP, signal.SIG_IGN)
with open(done, "w") as f:
    f.write("%d\n" % len(lines))
PY
W=$!
BG_PIDS+=("$W")
sleep 0.2
for k in $(seq 1 "$KILLS"); do
	daemon_start --follow "$F"
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	daemon_kill9
	if [ "$k" = 5 ]; then
		mv "$F" "$F.1"
		sleep 0.3
		kill -HUP "$W" 2>/dev/null || true
	fi
done
wait "$W" || fail "writer failed"
[ "$(cat "$T/w.done")" = "$total" ] || fail "writer did not finish"
daemon_start --follow "$F"
# Every result in (400 x 2 results, counted as events or sent).
wait_sent_over 400
sleep 1
daemon_stop

"$BOUNCESTAT" import -c "$CONF" --db "$T/ref.db" --quiet "$T/lines" ||
    fail "reference import failed"
"$BOUNCESTAT" messages --db "$T/ref.db" --since all --format csv \
    >"$T/ref.csv"
"$BOUNCESTAT" messages --db "$DB" --since all --format csv >"$T/got.csv"
[ "$(wc -l <"$T/ref.csv")" = 401 ] || fail "reference has $(wc -l <"$T/ref.csv") rows"
diff -u "$T/ref.csv" "$T/got.csv" >&2 ||
    fail "message records after $KILLS kills differ from one import"
echo "ok: $KILLS kills, $total lines, 400 messages as one import has them"
