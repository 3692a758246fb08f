#!/bin/sh
# SPDX-License-Identifier: ISC
# Quick start on a fresh Debian 12 machine, as root: install the build
# dependencies, build, import the host's mail log (or the sample log shipped
# in contrib/sample/ when the host has none) and print the report covering it.
set -eu
cd "$(dirname "$0")/.."
contrib/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2 >/dev/null
bin=build/daemon/bouncestat
log=
for f in /var/log/mail.log /var/log/maillog /var/log/postfix.log; do
	if [ -r "$f" ] && [ -s "$f" ]; then
		log=$f
		break
	fi
done
if [ -n "$log" ]; then
	# The host's history goes where the service (and every command) will
	# look: the default database (as root /var/lib/bouncestat/).
	echo "== importing $log (and its rotated copies) into the default" \
	    "database"
	# Oldest first; content already imported is skipped.
	for f in $(ls -r "$log".*.gz 2>/dev/null) "$log".1 "$log"; do
		[ -r "$f" ] && "$bin" import "$f"
	done
	since=all
else
	log=contrib/sample/mail.log
	# The sample is not this host's history: a database of its own.
	export BOUNCESTAT_DB="${BOUNCESTAT_DB:-$PWD/build/quickstart.db}"
	echo "== no mail log on this host: importing the sample $log into" \
	    "$BOUNCESTAT_DB"
	"$bin" import "$log"
	since=2026-11-22T00:00:00Z
fi
echo
"$bin" report --since "$since"
