#!/bin/sh
# SPDX-License-Identifier: ISC
# Golden test of the message lifecycle join (issue 16): import
# tests/data/<mta>/lifecycle_<case>.log (and its parts) into a fresh
# database, then compare `bouncestat messages --since all --format csv`
# with lifecycle_<case>.messages (CRLF checked, compared as LF).
#
# usage: golden_messages.sh BOUNCESTAT CASE.log
#   <case>.runs, when present: one line per `bouncestat import` run, the
#   files of that run (names in the case's directory): several files on
#   a line are a rotation read by one process, several lines a restart
#   between them. Default: one run of CASE.log.
#   <case>.conf, when present: more configuration (-c; after
#   "message_records all"), e.g. a small lifecycle_max_open to force
#   evictions.
#   Every file's mtime is set to 2026-11-24T12:00:00Z (the year of classic
#   stamps), TZ is UTC. REGEN=1 rewrites <case>.messages.
set -eu
bin=$1
log=$2
base=${log%.log}
dir=$(dirname "$log")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Every message is kept (message_records all), so that joins show.
conf=$tmp/conf
echo 'message_records all' >"$conf"
[ -f "$base.conf" ] && cat "$base.conf" >>"$conf"
runs=$tmp/runs
if [ -f "$base.runs" ]; then
	cp "$base.runs" "$runs"
else
	basename "$log" >"$runs"
fi
while read -r files; do
	[ -n "$files" ] || continue
	set --
	for f in $files; do
		cp "$dir/$f" "$tmp/$f"
		touch -d 2026-11-24T12:00:00Z "$tmp/$f"
		set -- "$@" "$tmp/$f"
	done
	TZ=UTC "$bin" import -c "$conf" --db "$tmp/db" --quiet "$@" \
	    >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
done <"$runs"
TZ=UTC "$bin" messages -c "$conf" --db "$tmp/db" --since all --format csv \
    >"$tmp/crlf"
# RFC 4180: every record ends with CRLF; the golden files keep LF.
cr=$(printf '\r')
if grep -v "$cr\$" "$tmp/crlf" >&2; then
	echo "golden: $log: the records above do not end with CRLF" >&2
	exit 1
fi
tr -d '\r' <"$tmp/crlf" >"$tmp/out"
if [ "${REGEN:-0}" = 1 ]; then
	cp "$tmp/out" "$base.messages"
	echo "golden: wrote $base.messages"
	exit 0
fi
if [ ! -f "$base.messages" ]; then
	echo "golden: missing $base.messages (run with REGEN=1, then check it)" >&2
	exit 1
fi
if ! diff -u "$base.messages" "$tmp/out"; then
	echo "golden: $log: messages differ from $base.messages" >&2
	exit 1
fi
echo "golden: $log: $(($(wc -l <"$tmp/out") - 1)) message rows match"
