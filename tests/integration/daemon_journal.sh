#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The systemd journal, followed exactly once, with real journal files:
# systemd-journal-remote turns entries in journal export format
# (journal_export.py: Postfix deferrals of postfix@-.service among cron,
# postfix.service and kernel entries) into .journal files that the daemon
# reads with --journal-dir. Entries are appended to the same file and to
# new files while the daemon runs; it is killed with SIGKILL in the middle
# of catching up and of batches (commit_lines 40) and started again; every
# deferral is counted exactly once (events by queue id), the noise never.
# Then: a clean restart counts nothing again; `status` shows the cursor; a
# journal vacuumed while the daemon was down (the committed entry gone)
# resumes at the entries after it, with a warning; journal_match selects
# the entries instead of the MTA filter; `journal auto` leaves the journal
# alone when a file is followed, `journal off` with no file is nothing to
# follow.
. "$(dirname "$0")/daemon_lib.bash"

REMOTE=/lib/systemd/systemd-journal-remote
[ -x "$REMOTE" ] || { echo "SKIP: no $REMOTE (Debian: systemd-journal-remote)"; exit 77; }
EXPORT="$BS_SRC/tests/integration/journal_export.py"
J=$T/journal
mkdir "$J"
NOW=$(date +%s)

# export FILE FIRST COUNT: entries FIRST.. appended to $J/FILE.
export_entries() {
	python3 "$EXPORT" --time "$NOW" --first "$2" --count "$3" --noise 7 \
	    >"$T/export"
	"$REMOTE" --output="$J/$1" "$T/export" >>"$T/remote.log" 2>&1 ||
	    fail "systemd-journal-remote failed: $(tail -n 3 "$T/remote.log")"
}

# A probe: skip when systemd-journal-remote cannot run here.
python3 "$EXPORT" --time "$NOW" --first 1 --count 1 >"$T/probe.export"
if ! "$REMOTE" --output="$T/probe.journal" "$T/probe.export" \
    >"$T/remote.log" 2>&1; then
	echo "SKIP: systemd-journal-remote cannot write a journal file here:"
	tail -n 3 "$T/remote.log"
	exit 77
fi

write_conf "commit_lines 40"
RANDOM=$$
export_entries remote.journal 1 300
daemon_start --journal-dir "$J"
wait_events 300
check_exact 1:300
grep -q "reading from the oldest entry" "$DLOG" ||
    fail "no start-at-head message"

# Append while running and kill -9 in the middle, 8 times.
next=301
for k in $(seq 1 8); do
	if [ $((k % 3)) = 0 ]; then
		export_entries "remote-$k.journal" "$next" 150
	else
		export_entries remote.journal "$next" 150
	fi
	next=$((next + 150))
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	daemon_kill9
	daemon_start --journal-dir "$J"
done
total=$((next - 1))
wait_events "$total" 60
sleep 1.5
check_exact "1:$total"
n=$(grep -c "resuming after the committed entry" "$DLOG")
[ "$n" -ge 8 ] || fail "resumed from the cursor $n times, want 8"

# status shows the journal position.
st=$("$BOUNCESTAT" status --db "$DB" --format json || true)
[ "$(echo "$st" | jq -r '.journal.key')" = "journal:$(realpath "$J")" ] ||
    fail "status: journal key: $st"
echo "$st" | jq -e '.journal.cursor | startswith("s=")' >/dev/null ||
    fail "status: no cursor: $st"
"$BOUNCESTAT" status --db "$DB" | grep -q "^journal: journal:$J.*last entry" ||
    fail "status text has no journal line"

# A clean restart reads nothing again.
daemon_stop
daemon_start --journal-dir "$J"
sleep 1.5
check_exact "1:$total"
daemon_stop

# Vacuumed while down: the committed entry is gone; the entries after its
# time are read, with a warning.
rm -f "$J"/*.journal
export_entries fresh.journal "$((total + 1))" 100
daemon_start --journal-dir "$J"
wait_events "$((total + 100))"
sleep 1.5
check_exact "1:$((total + 100))"
grep -q "is no longer in the journal" "$DLOG" ||
    fail "no warning about the vanished cursor"
daemon_stop

# journal_match instead of the MTA filter: the same deferrals, into a
# second database.
DB=$T/db2.sqlite
write_conf "journal_match _SYSTEMD_UNIT=postfix@-.service SYSLOG_IDENTIFIER=postfix/smtp
journal_match _SYSTEMD_UNIT=nothing.service"
daemon_start --journal-dir "$J"
wait_events 100
sleep 1
check_exact "$((total + 1)):100"
daemon_stop
# journal auto: a followed file means no journal; journal off with no log
# file at the default paths is nothing to follow.
write_conf "journal auto"
: >"$T/mail.log"
before=$(grep -c "journal: following" "$DLOG")
daemon_start --follow "$T/mail.log"
daemon_stop
[ "$(grep -c "journal: following" "$DLOG")" = "$before" ] ||
    fail "journal auto followed the journal next to a file"
if [ ! -e /var/log/mail.log ] && [ ! -e /var/log/maillog ] &&
    [ ! -e /var/log/postfix.log ]; then
	write_conf "journal off"
	rc=0
	"$BOUNCESTAT" daemon -c "$CONF" --db "$DB" $ROOTOPT >"$T/off.log" 2>&1 ||
	    rc=$?
	[ "$rc" = 1 ] && grep -q "nothing to follow" "$T/off.log" ||
	    fail "journal off, no file: rc=$rc $(cat "$T/off.log")"
fi
echo "ok: $((total + 100)) journal entries counted once through 8 kills"
