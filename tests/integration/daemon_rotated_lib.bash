# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Helpers for the daemon_rotat*.sh tests of generations rotated while the
# daemon is down (sourced after daemon_lib.bash; not a test itself).

# keep_generations TAG FILE...: copies the files (each a whole generation,
# plain or .gz) into $T/all/ for fresh_import_same, under TAG.
keep_generations() {
	local tag=$1 f
	shift
	mkdir -p "$T/all"
	for f in "$@"; do
		cp -p "$f" "$T/all/$tag.$(basename "$f")"
	done
}

# fresh_import_same FILE...: an import of the files (every generation,
# oldest first) into a fresh database counts what the daemon counted: the
# same events, the same queue ids, the same report totals.
fresh_import_same() {
	local fdb=$T/fresh.sqlite a b
	rm -f "$fdb" "$fdb-wal" "$fdb-shm"
	"$BOUNCESTAT" import --db "$fdb" --quiet "$@" >/dev/null ||
		fail "fresh import of $*"
	a=$(sql 'SELECT count(*), count(DISTINCT queue_id) FROM event')
	b=$(sqlite3 "$fdb" 'SELECT count(*), count(DISTINCT queue_id) FROM event')
	[ "$a" = "$b" ] || fail "daemon counted $a (events, ids), a fresh" \
	    "import of every generation $b"
	a=$(sql 'SELECT group_concat(queue_id) FROM (SELECT queue_id FROM event ORDER BY queue_id)')
	b=$(sqlite3 "$fdb" 'SELECT group_concat(queue_id) FROM (SELECT queue_id FROM event ORDER BY queue_id)')
	[ "$a" = "$b" ] || fail "the daemon and a fresh import count other lines"
	a=$(report_deferred)
	b=$("$BOUNCESTAT" report --db "$fdb" --since 3d \
	    --until @$(( $(date +%s) + 86400 )) --format json | jq -r '.totals.deferred')
	[ "$a" = "$b" ] || fail "report: daemon deferred=$a, fresh import $b"
}

# killed_after FILE N: the daemon follows FILE, counts its lines 1..N and
# is killed (kill -9): what each case of rotations while down starts from.
killed_after() {
	follow_from_start "$1" "$2"
	daemon_kill9
}

# read_before_renamed FILE: write_conf and killed_after FILE 5, then FILE,
# the file read before, is renamed FILE-0000 with its mtime set to now
# (NOW, seconds), the generations that tests write after it newer.
read_before_renamed() {
	write_conf
	killed_after "$1" 5
	NOW=$(date +%s)
	mv "$1" "$1-0000"
	touch -d "@$NOW" "$1-0000"
}

# rotated_while_down FILE ROTATED: killed_after FILE 10, then lines 11..14
# are written to FILE while the daemon is down and FILE is renamed to
# ROTATED: the file read before, with 4 lines not read yet.
rotated_while_down() {
	killed_after "$1" 10
	line 11 --count 4 >>"$1"
	mv "$1" "$2"
}

# restarted_counts_all FILE N: the daemon starts on FILE and, once the
# generations rotated while it was down are read, has counted lines 1..N
# each exactly once (checked after a stop).
restarted_counts_all() {
	daemon_start --follow "$1"
	wait_events "$2" 20
	sleep 3 # rotate_wait 1s for each generation, and a commit
	daemon_stop
	check_exact "1:$2"
}
