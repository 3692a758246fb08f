#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Schema 15, the roll mark: the daemon writes its newest hour to
# count_hour only and rolls an hour into the day, month and hour-class
# rollups when rows of a later hour are written. A generated Postfix log
# spanning a day of log time (time is the log's: each part below ends in
# the middle of an hour, and the next crosses hour boundaries) reaches
# the daemon in 10 parts; after each part the daemon is killed with
# SIGKILL at a random moment (commits every 40 lines) and started again.
# At the end the rollups are exactly the hours before the mark, and the
# reports (text and JSON, the whole log and its last hours, whose range
# starts and ends mid-day) equal those of one `bouncestat import` of the
# same log.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
L=$T/all.log
PARTS=10
write_conf "commit_lines 40"
RANDOM=$$

day=$(date -u -d '2 days ago' +%F)
python3 "$BS_SRC/tests/bench/genlog.py" -n 12000 --seed 11 --days 1 \
    --format rfc3339 --start "$day" "$L"
kill9_in_parts "$L" "$F" "$PARTS"
total=$(wc -l <"$L")

"$BOUNCESTAT" import --quiet --db "$T/import.db" "$L" ||
    fail "import failed"

# Invariant: the rollups are the sums of the hours before the mark.
mark="(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'roll_mark')"
key='domain, provider, class, status, code, enhanced, kind, host'
for db in "$DB" "$T/import.db"; do
	bad=$(sqlite3 "$db" "SELECT
	    (SELECT count(*) FROM (SELECT bucket - bucket % 86400, $key,
		sum(n) FROM count_hour WHERE bucket < $mark GROUP BY 1, $key
		EXCEPT SELECT bucket, $key, n FROM count_day)) +
	    (SELECT count(*) FROM (SELECT bucket, $key, n FROM count_day
		EXCEPT SELECT bucket - bucket % 86400, $key, sum(n)
		FROM count_hour WHERE bucket < $mark GROUP BY 1, $key)) +
	    (SELECT count(*) FROM (SELECT bucket, class, status, kind, sum(n)
		FROM count_hour WHERE bucket < $mark GROUP BY 1, 2, 3, 4
		EXCEPT SELECT bucket, class, status, kind, n
		FROM count_hour_class)) +
	    (SELECT total(n) FROM count_hour WHERE bucket < $mark) -
	    (SELECT total(n) FROM count_month)") ||
		fail "sqlite3: invariant of $db"
	[ "$bad" = "0" ] || [ "$bad" = "0.0" ] ||
		fail "$db: rollups are not the hours before the mark ($bad)"
done
[ "$(sql "SELECT value FROM meta WHERE key = 'roll_mark'")" = \
    "$(sqlite3 "$T/import.db" "SELECT value FROM meta WHERE key = 'roll_mark'")" ] ||
    fail "the daemon's roll mark differs from an import's"

# Incidents are the daemon's detector's alone (an import finds none).
sql 'DELETE FROM notification; DELETE FROM incident' ||
    fail "sqlite3: deleting the daemon's incidents"
now=$(date -u -d "$day + 1 day + 2 hours" +%FT%TZ)
for range in all 30d 9h 1d; do
	for fmt in text json; do
		"$BOUNCESTAT" report --db "$DB" --since "$range" --now "$now" \
		    --format "$fmt" >"$T/d.$range.$fmt" 2>"$T/d.err" ||
			fail "report --since $range ($fmt) on the daemon's"
		"$BOUNCESTAT" report --db "$T/import.db" --since "$range" \
		    --now "$now" --format "$fmt" >"$T/i.$range.$fmt" \
		    2>"$T/i.err" || fail "report --since $range ($fmt)"
		# the database's path is the one difference allowed
		sed -i "s#$T/import.db#$DB#g" "$T/i.$range.$fmt"
		cmp -s "$T/d.$range.$fmt" "$T/i.$range.$fmt" || {
			diff "$T/d.$range.$fmt" "$T/i.$range.$fmt" |
				head -n 10 >&2
			fail "report --since $range ($fmt) differs from an import's"
		}
	done
done
echo "lines: $total; hours: $(sql 'SELECT count(DISTINCT bucket) FROM count_hour');" \
    "starts: $(grep -c 'daemon: started' "$DLOG")"
echo "ok"
