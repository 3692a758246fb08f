#!/bin/bash
# SPDX-License-Identifier: ISC
# bouncestat import killed with SIGKILL at some point and run again gives
# exactly the database of one uninterrupted import (issue 14: with the
# writer thread, the position of an input is still committed in the
# transaction of the counts it produced, so nothing is counted twice or
# lost). Two generated Postfix logs (tests/bench/genlog.py); the kill
# lands wherever it lands: every outcome must end equal to the reference.
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
SRC=${BS_SRC:?set BS_SRC to the source tree}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3"; exit 77; }
T=$(mktemp -d)
trap 'rc=$?; if [ $rc -ne 0 ]; then cat "$T"/err 2>/dev/null; fi; rm -rf "$T"; exit $rc' EXIT
export TZ=UTC
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

python3 "$SRC/tests/bench/genlog.py" -n 120000 --seed 11 "$T/a.log"
python3 "$SRC/tests/bench/genlog.py" -n 120000 --seed 12 --start 2026-10-01 \
    "$T/b.log"

# dump DB: every table, sorted, but the positions' wall times and last
# event times (an import that skips an input whole, as already imported,
# stores 0 there), and which sampled reply text an event points to (the
# reply table keeps a bounded sample per template, chosen with the
# process's caches: another process may pick another sample of the same
# template; one uninterrupted import into a database in two runs does so
# too, without any kill).
dump() {
	python3 - "$1" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
skip = {"position": ("updated", "last_event"), "event": ("reply",)}
for (t,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                      "AND name != 'reply' ORDER BY name"):
    cols = [r[1] for r in c.execute('PRAGMA table_info("%s")' % t)
            if r[1] not in skip.get(t, ())]
    q = 'SELECT %s FROM "%s"' % (", ".join('"%s"' % x for x in cols), t)
    for row in sorted(map(repr, c.execute(q).fetchall())):
        print(t, row)
EOF
}

"$BIN" import --db "$T/ref.db" "$T/a.log" "$T/b.log" >"$T/out" 2>"$T/err" ||
    fail "reference import failed"
dump "$T/ref.db" >"$T/ref.txt"
[ -s "$T/ref.txt" ] || fail "empty reference dump"

for delay in 0.05 0.3 0.6 1.0 1.6; do
	rm -f "$T"/k.db*
	"$BIN" import --db "$T/k.db" "$T/a.log" "$T/b.log" >"$T/out" \
	    2>"$T/err" &
	pid=$!
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	"$BIN" import --db "$T/k.db" "$T/a.log" "$T/b.log" >"$T/out" \
	    2>"$T/err" || fail "import after kill at ${delay}s failed"
	dump "$T/k.db" >"$T/k.txt"
	diff -q "$T/ref.txt" "$T/k.txt" >/dev/null ||
	    { diff "$T/ref.txt" "$T/k.txt" | head -5; fail "kill at ${delay}s: database differs from one import"; }
	# a third run adds nothing
	"$BIN" import --db "$T/k.db" "$T/a.log" "$T/b.log" >"$T/out" \
	    2>"$T/err" || fail "third import failed"
	dump "$T/k.db" >"$T/k.txt"
	diff -q "$T/ref.txt" "$T/k.txt" >/dev/null ||
	    fail "kill at ${delay}s: a third import changed the database"
done
echo "ok: import killed at 5 points and run again equals one import"
