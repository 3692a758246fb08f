#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# review12: `bouncestat import` whose database cannot grow (a file size
# limit, as a full disk) in the middle of an input, with message
# tracking (the join on the reading thread, issue 14) and evictions (at
# most 2 messages open: reloads, each a sync with the writer). The
# failure must be named ("<input>: <what>: <why>"): the join's own sync
# with the writer saw it, and a second sync after it cleared the
# message, so that the import printed "<input>: " and nothing more. A
# run without the limit then stores as many messages (and recipients)
# as a clean import.
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
SRC=$BS_SRC
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
. "$BS_SRC/tests/integration/lib/cli.sh"
T=$tmp

python3 "$SRC/tests/bench/genlog.py" -n 100000 --seed 11 "$T/g.log"
printf 'lifecycle_max_open 2\nmessage_records all\n' >"$T/conf"
"$BIN" import -q -c "$T/conf" --db "$T/ref.db" "$T/g.log" >"$T/out" \
    2>"$T/import.err" || fail "reference import failed"

failed=0
for kib in 500 1000 2000 3000; do
	rm -f "$T"/x.db*
	set +e
	(
		trap '' XFSZ
		ulimit -f "$kib"
		exec "$BIN" import -q -c "$T/conf" --db "$T/x.db" "$T/g.log"
	) >"$T/out" 2>"$T/import.err"
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || continue
	failed=$((failed + 1))
	grep -q "g.log: " "$T/import.err" || fail "limit ${kib} KiB: no error line"
	if grep -E "g\.log: *$" "$T/import.err" >/dev/null; then
		fail "limit ${kib} KiB: the error has no text: $(cat "$T/import.err")"
	fi
	"$BIN" import -q -c "$T/conf" --db "$T/x.db" "$T/g.log" >"$T/out" \
	    2>"$T/import.err" || fail "limit ${kib} KiB: the import after failed"
	got=$(python3 -c "import sqlite3,sys; print('|'.join(map(str, sqlite3.connect(sys.argv[1]).execute('SELECT count(*), total(nrcpt) FROM message').fetchone())))" "$T/x.db")
	want=$(python3 -c "import sqlite3,sys; print('|'.join(map(str, sqlite3.connect(sys.argv[1]).execute('SELECT count(*), total(nrcpt) FROM message').fetchone())))" "$T/ref.db")
	[ "$got" = "$want" ] ||
	    fail "limit ${kib} KiB: messages $got after a second import, $want in one"
done
[ "$failed" -gt 0 ] || { echo "SKIP: no limit made the import fail"; exit 77; }
echo "ok: $failed imports failed midway, each with its reason"
