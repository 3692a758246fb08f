#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# alert --exec end to end: the contrib sample log is imported (at 07:20Z
# two incidents are open; at 08:30Z the throttling has resolved). A
# recording hook (in a directory whose name a shell would misread: it is
# run without one) writes its argv, BOUNCESTAT_* environment and
# standard input per run, and exits or sleeps as the test says.
#  - exit 3: alert exits 1, each incident was tried, nothing marked;
#  - exit 0: each incident run once with its variables and its JSON on
#    stdin; marked; the next run runs nothing;
#  - a hook over the time limit (hook_timeout 1s) is killed, its process
#    group with it, and the resolution is retried by the next run;
#  - relative paths are refused.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
for c in jq sqlite3; do
	command -v $c >/dev/null || { echo "SKIP: no $c" >&2; exit 77; }
done

tmp=$(mktemp -d)
cleanup() {
	[ -s "$tmp/out/child.pid" ] && kill -9 "$(cat "$tmp/out/child.pid")" 2>/dev/null
	rm -rf "$tmp"
}
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.err; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 3000 "$f" >&2; }
	done
	exit 1
}
trap cleanup EXIT

export BOUNCESTAT_DB="$tmp/bs.db"
# The host's /etc/bouncestat/bouncestat.conf is not this test's.
: >"$tmp/empty.conf"
export TZ=UTC
export HOOK_OUT="$tmp/out"
mkdir "$HOOK_OUT"
HDIR="$tmp/a dir;\$(touch pwned)"
mkdir "$HDIR"
HOOK="$HDIR/hook"
cat >"$HOOK" <<'EOT'
#!/bin/sh
# Records one run: argv, environment, stdin; then obeys $HOOK_OUT/exit
# and $HOOK_OUT/sleep.
n=$(ls "$HOOK_OUT" | grep -c '^run-' || true)
n=$((n + 1))
d="$HOOK_OUT/run-$n"
mkdir "$d"
printf '%s\n' "$@" >"$d/argv"
env | grep '^BOUNCESTAT_' | sort >"$d/env"
cat >"$d/stdin"
if [ -s "$HOOK_OUT/sleep" ]; then
	sleep "$(cat "$HOOK_OUT/sleep")" &
	echo $! >"$HOOK_OUT/child.pid"
	wait
	echo late >"$d/late"
fi
exit "$(cat "$HOOK_OUT/exit" 2>/dev/null || echo 0)"
EOT
chmod +x "$HOOK"
runs() { ls "$HOOK_OUT" | grep -c '^run-' || true; }
marked() {
	sqlite3 "$BOUNCESTAT_DB" \
	    "SELECT count(*) FROM notification WHERE dest = 'exec $HOOK'"
}

"$BOUNCESTAT" import -c "$tmp/empty.conf" "$BS_SRC/contrib/sample/mail.log" >/dev/null 2>&1 ||
    fail "import"
T1=2026-11-22T07:20:00Z
T2=2026-11-22T08:30:00Z
open=$("$BOUNCESTAT" incidents -c "$tmp/empty.conf" --now $T1 --open --format json) ||
    fail "incidents"
[ "$(jq length <<<"$open")" -eq 2 ] || fail "want 2 open incidents"

# 1. The hook fails: exit 1, both incidents tried, nothing marked.
echo 3 >"$HOOK_OUT/exit"
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --exec "$HOOK" 2>"$tmp/a1.err" || rc=$?
[ $rc -eq 1 ] || fail "alert exited $rc when the hook exits 3"
[ "$(runs)" -eq 2 ] || fail "$(runs) runs, want 2"
grep -q 'exit status 3' "$tmp/a1.err" || fail "exit status not logged"
[ "$(marked)" -eq 0 ] || fail "marked after a failing hook"
[ -e "$tmp/pwned" ] || [ -e "$HDIR/pwned" ] || [ -e pwned ] &&
    fail "the hook's path went through a shell"

# 2. It succeeds: one run per incident, its variables and JSON; marked.
echo 0 >"$HOOK_OUT/exit"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --exec "$HOOK" 2>"$tmp/a2.err" ||
    fail "alert failed with a succeeding hook"
[ "$(runs)" -eq 4 ] || fail "$(runs) runs, want 4"
[ "$(marked)" -eq 2 ] || fail "$(marked) marked, want 2"
for r in 3 4; do
	d=$HOOK_OUT/run-$r
	[ "$(cat "$d/argv")" = opened ] || fail "argv of run $r: $(cat "$d/argv")"
	grep -qx 'BOUNCESTAT_EVENT=opened' "$d/env" || fail "EVENT in run $r"
	grep -qx 'BOUNCESTAT_STATE=open' "$d/env" || fail "STATE in run $r"
	id=$(sed -n 's/^BOUNCESTAT_ID=//p' "$d/env")
	kind=$(sed -n 's/^BOUNCESTAT_KIND=//p' "$d/env")
	key=$(sed -n 's/^BOUNCESTAT_KEY=//p' "$d/env")
	want=$(jq -c --argjson id "$id" '.[] | select(.id == $id) | [.kind, .key, .start_epoch, .peak]' <<<"$open")
	[ -n "$want" ] || fail "run $r: no open incident $id"
	got=$(jq -c '.incidents[0] | [.kind, .key, .start_epoch, .peak]' "$d/stdin") ||
	    fail "run $r: stdin is not JSON"
	[ "$got" = "$want" ] || fail "run $r: stdin $got, want $want"
	[ "$(jq -c ".[0:2]" <<<"$want")" = "[\"$kind\",\"$key\"]" ] ||
	    fail "run $r: env $kind $key, want $want"
	[ "$(jq '.incidents | length' "$d/stdin")" -eq 1 ] ||
	    fail "run $r: more than one incident on stdin"
	grep -q "^BOUNCESTAT_START=$(jq '.[2]' <<<"$want")\$" "$d/env" ||
	    fail "run $r: BOUNCESTAT_START"
done
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --exec "$HOOK" 2>"$tmp/a3.err" ||
    fail "third run"
[ "$(runs)" -eq 4 ] || fail "a run with nothing new ran the hook"

# 3. A hook over the time limit is killed with what it started, and the
# resolution is retried by the next run.
printf 'hook_timeout 1s\n' >"$tmp/bs.conf"
echo 30 >"$HOOK_OUT/sleep"
rc=0
"$BOUNCESTAT" alert -c "$tmp/bs.conf" --now $T2 --exec "$HOOK" \
    2>"$tmp/a4.err" || rc=$?
[ $rc -eq 1 ] || fail "alert exited $rc when the hook timed out"
[ "$(runs)" -eq 5 ] || fail "$(runs) runs, want 5"
grep -q 'time limit' "$tmp/a4.err" || fail "time limit not logged"
[ ! -e "$HOOK_OUT/run-5/late" ] || fail "the hook ran to its end"
# Gone, or a zombie left to init (in a container, init may not reap).
p=$(cat "$HOOK_OUT/child.pid")
for i in $(seq 1 100); do
	[ -e "/proc/$p" ] || break
	sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | grep -q '^Z' && break
	sleep 0.05
done
if [ -e "/proc/$p" ] && ! sed 's/^.*) //' "/proc/$p/stat" | grep -q '^Z'; then
	fail "the hook's child outlived the time limit"
fi
[ "$(marked)" -eq 2 ] || fail "the timed-out resolution was marked"
grep -qx 'BOUNCESTAT_EVENT=resolved' "$HOOK_OUT/run-5/env" ||
    fail "run 5 not a resolution"
rm "$HOOK_OUT/sleep" "$HOOK_OUT/child.pid"
"$BOUNCESTAT" alert -c "$tmp/bs.conf" --now $T2 --exec "$HOOK" \
    2>"$tmp/a5.err" || fail "retry after the time limit"
[ "$(runs)" -eq 6 ] || fail "$(runs) runs, want 6"
grep -qx 'BOUNCESTAT_EVENT=resolved' "$HOOK_OUT/run-6/env" ||
    fail "run 6 not the resolution"
grep -qx 'BOUNCESTAT_KEY=qq.com' "$HOOK_OUT/run-6/env" ||
    fail "run 6 not qq.com"
[ "$(sqlite3 "$BOUNCESTAT_DB" "SELECT notified FROM notification WHERE dest = 'exec $HOOK' AND incident = (SELECT id FROM incident WHERE key = 'qq.com')")" = 2 ] ||
    fail "resolution not marked"

# 4. The configuration's `exec` lines are hooks too; relative paths and
# missing programs are errors.
printf 'exec %s\n' "$HOOK" >"$tmp/bs2.conf"
"$BOUNCESTAT" alert -c "$tmp/bs2.conf" --now $T2 2>"$tmp/a6.err" ||
    fail "exec directive"
[ "$(runs)" -eq 6 ] || fail "the exec directive is a new destination"
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --exec hook 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "relative --exec accepted (exit $rc)"
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T2 --exec "$tmp/missing" 2>"$tmp/a7.err" || rc=$?
[ $rc -eq 1 ] || fail "missing program: exit $rc"
echo "PASS: alert_exec"
