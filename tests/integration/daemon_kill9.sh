#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Crash safety: while a writer appends known lines without pause, the
# daemon is killed with SIGKILL at random moments (22 times, sometimes
# while catching up, sometimes in the middle of a batch or a commit) and
# started again each time; the file is also rotated twice (rename, the
# writer reopening 0.4 s later) during the kills. At the end every line
# is counted exactly once: positions are committed in the same
# transaction as the counts, so a crash loses or repeats nothing.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
KILLS=${BS_KILLS:-22}
# Small batches: commits also happen in the middle of a read (by count).
write_conf "commit_lines 40"
RANDOM=$$

writer "$F" --first 1 --count 100000 --rate 350 --keep-open \
    --done "$T/w.done"
W=$WPID
sleep 0.3
for k in $(seq 1 "$KILLS"); do
	daemon_start --follow "$F"
	# 0 to 0.9 s: before, during and after the first batch.
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	daemon_kill9
	if [ "$k" = 8 ] || [ "$k" = 16 ]; then
		[ -e "$F.1" ] && mv "$F.1" "$F.2"
		mv "$F" "$F.1"
		sleep 0.4
		kill -HUP "$W"
	fi
done
kill -TERM "$W"
wait "$W"
n=$(cat "$T/w.done")
echo "kills: $KILLS, lines written: $n"
daemon_start --follow "$F"
wait_events "$n" 60
sleep 1.5
check_exact "1:$n"
daemon_stop
grep -cE "resuming (inode|rotated)|read before is now" "$DLOG" | sed "s/^/resumes: /"
echo "ok"
