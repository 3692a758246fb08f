#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Content read before under another name is not counted again:
#   1. `bouncestat import mail.log`, then the daemon follows mail.log: it
#      starts where the import stopped (the import's first-line identity
#      and last-line fingerprint), so only lines added later are counted.
#   2. A glob (logs/*.log) whose rotation scheme gives the old file a name
#      the glob still matches (mail.log -> mail-20261124.log, like
#      logrotate's dateext with extension): the renamed file is drained by
#      the tail that followed it, then, matched as a "new" file, resumes
#      at its end (recorded by inode and fingerprints), also after a
#      restart.
. "$(dirname "$0")/daemon_lib.bash"

write_conf
F=$T/mail.log
line 1 --count 300 >"$F"
"$BOUNCESTAT" import --db "$DB" --quiet "$F" >/dev/null
check_exact 1:300
line 301 --count 20 >>"$F"
daemon_start --follow "$F"
wait_events 320
sleep 1
check_exact 1:320
grep -q "imported before up to offset=" "$DLOG" ||
    fail "the daemon did not start where the import stopped"
daemon_stop

mkdir "$T/logs"
L=$T/logs/mail.log
line 1001 --count 50 >"$L"
daemon_start --follow "$T/logs/*.log"
wait_events 370
writer "$L" --first 1051 --count 400 --rate 200 --keep-open
W=$WPID
# Its SIGHUP handler is set before its first line: wait for one, or a
# loaded machine's slow Python start dies of the SIGHUP below (seen in
# trial7, with an ASan build on both cores: exit 129).
# (Up to 60 s: with nine copies of this test at once and other work on
# both cores, 10 s was not always enough: exit 129 again.)
# It writes for 2 s, so that the SIGHUP below comes while it writes; one
# after its last line is ignored (daemon_writer.py).
for _ in $(seq 1 600); do
	[ "$(wc -l <"$L")" -gt 50 ] && break
	sleep 0.1
done
[ "$(wc -l <"$L")" -gt 50 ] || fail "the writer wrote no line in 60 s"
sleep 0.5
mv "$L" "$T/logs/mail-20261124.log"
sleep 0.3
kill -HUP "$W"
wait "$W"
wait_events 770
sleep 4 # rotate_wait (1s) ends, then a rescan (2s) matches the old file
check_exact 1:320 1001:450
grep -q "mail-20261124.log: read before as" "$DLOG" ||
    fail "the renamed file was not recognised"
line 1451 --count 5 >>"$T/logs/mail-20261124.log"
line 1456 --count 5 >>"$L"
wait_events 780
daemon_stop
daemon_start --follow "$T/logs/*.log"
sleep 2
check_exact 1:320 1001:460
daemon_stop
echo "ok"
