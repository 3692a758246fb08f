#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Issue 14, schema 12 (one count_minute_pk row per minute, merged when a
# minute is written again): a generated Postfix log spanning a day of
# log time (hundreds of minutes, several results in most) reaches the
# daemon in 12 parts; after each part the daemon is killed with SIGKILL
# at a random moment (before, during or after its commits, which come
# every 40 lines here, so most minutes are written in several pieces)
# and started again, its detector state carried over in the database.
# At the end the per-minute counts, read through the count_minute view
# with names, equal those of one `bouncestat import` of the same log,
# and so do the hour counts: nothing lost, doubled or mis-merged.
. "$(dirname "$0")/daemon_lib.bash"

F=$T/mail.log
L=$T/all.log
PARTS=12
write_conf "commit_lines 40"
RANDOM=$$

python3 "$BS_SRC/tests/bench/genlog.py" -n 24000 --seed 7 --days 1 \
    --format rfc3339 --start "$(date -u -d '2 days ago' +%F)" "$L"
kill9_in_parts "$L" "$F" "$PARTS"
total=$(wc -l <"$L")

"$BOUNCESTAT" import --quiet --db "$T/import.db" "$L" ||
    fail "import failed"

minutes='SELECT c.bucket, p.s, cl.s, st.s, c.kind, c.n FROM count_minute c
    JOIN name p ON p.id = c.provider JOIN name cl ON cl.id = c.class
    JOIN name st ON st.id = c.status ORDER BY 1, 2, 3, 4, 5'
hours='SELECT * FROM count_hour_v ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9'
sql "$minutes" >"$T/daemon.min"
sqlite3 "$T/import.db" "$minutes" >"$T/import.min"
sql "$hours" >"$T/daemon.hour"
sqlite3 "$T/import.db" "$hours" >"$T/import.hour"
n=$(wc -l <"$T/import.min")
m=$(cut -d'|' -f1 "$T/import.min" | sort -u | wc -l)
echo "lines: $total; minute rows: $n in $m minutes;" \
    "starts: $(grep -c 'daemon: started' "$DLOG")"
[ "$m" -ge 300 ] || fail "only $m minutes with counts"
cmp -s "$T/daemon.min" "$T/import.min" || {
	diff "$T/daemon.min" "$T/import.min" | head -n 10 >&2
	fail "daemon's count_minute differs from an import's"
}
cmp -s "$T/daemon.hour" "$T/import.hour" || {
	diff "$T/daemon.hour" "$T/import.hour" | head -n 10 >&2
	fail "daemon's count_hour_v differs from an import's"
}
# One packed row per minute.
[ "$(sql 'SELECT count(*) FROM count_minute_pk')" = "$m" ] ||
    fail "count_minute_pk rows are not one per minute"
echo "ok"
