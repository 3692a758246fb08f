#!/bin/sh
# SPDX-License-Identifier: ISC
# Usage: schema_fresh.sh BOUNCESTAT SCHEMA_GEN MIGRATION.sql...
# A database bouncestat creates (from the script generated at build time)
# must equal one built by applying the migrations one by one
# (schema_gen --compare: every sqlite_schema row but rootpage, every row
# of every table with its rowid, user_version, application_id), and a
# database at each older version must be migrated step by step by
# bouncestat to the same.
set -eu
bs=$1 gen=$2
shift 2
dir=$(mktemp -d "${TMPDIR:-/tmp}/bs_schema_fresh.XXXXXX")
trap 'rm -rf "$dir"' EXIT
: >"$dir/empty.log"
"$bs" import --quiet --db "$dir/fresh.db" "$dir/empty.log"
"$gen" --stepwise "$dir/step.db" "$@"
# the same rows as fresh.db's first open writes (interned names); at the
# latest version already, nothing is migrated
"$bs" import --quiet --db "$dir/step.db" "$dir/empty.log"
if ! "$gen" --compare "$dir/step.db" "$dir/fresh.db" 2>"$dir/diff"; then
	echo "schema_fresh: a new database differs from the migrations':" >&2
	head -40 "$dir/diff" >&2
	exit 1
fi

# stepwise K FILE...: a database of the first K migrations, as db-K.
stepwise() {
	k=$1
	shift
	first=""
	i=0
	for f in "$@"; do
		i=$((i + 1))
		[ "$i" -le "$k" ] || break
		first="$first $f"
	done
	# shellcheck disable=SC2086 # paths of the source tree: no blanks
	"$gen" --stepwise "$dir/db-$k" $first
}

n=$#
k=1
while [ "$k" -lt "$n" ]; do
	stepwise "$k" "$@"
	# the comparison can fail: an older database is not the latest
	if "$gen" --compare "$dir/step.db" "$dir/db-$k" 2>/dev/null; then
		echo "schema_fresh: version $k compares equal to $n" >&2
		exit 1
	fi
	"$bs" import --quiet --db "$dir/db-$k" "$dir/empty.log"
	if ! "$gen" --compare "$dir/step.db" "$dir/db-$k" 2>"$dir/diff"; then
		echo "schema_fresh: version $k migrated differs:" >&2
		head -40 "$dir/diff" >&2
		exit 1
	fi
	k=$((k + 1))
done
echo "schema_fresh: new and migrated (from 1..$((n - 1))) databases: same"
