#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# The command context with the real binary: every command finds the
# database in one order (--db, $BOUNCESTAT_DB, the configuration's
# `database`, the default), takes -c/--config, applies the
# configuration's `detect` lines before --detect; failures have one
# wording ("error:", exit 1); an import of a missing file creates no
# database; check-config refuses a user that does not exist; printing
# commands stop quietly when their reader goes away.
set -eu

# shellcheck source=lib/cli.sh
. "${BS_SRC:?}/tests/integration/lib/cli.sh" # $tmp, fail, bs
NOW=1765000800
python3 - "$tmp/t.log" $((NOW - 11 * 60)) <<'EOF'
import sys, time
out = open(sys.argv[1], "w")
end = int(sys.argv[2])
for i in range(10):
    t = end - (9 - i) * 20
    out.write("%s mx1 postfix/smtp[%d]: %X: to=<u%d@163.com>, "
              "relay=mx1.163.com[220.181.14.135]:25, delay=1, "
              "delays=0.1/0/1/0.1, dsn=4.0.0, status=deferred (host "
              "mx1.163.com[220.181.14.135] said: 421 HL:ICC 163 mx1 too "
              "many connections (in reply to RCPT TO command))\n" %
              (time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(t)),
               100 + i, 0xC0000 + i, i))
EOF
cat >"$tmp/bs.conf" <<EOF
database $tmp/conf.db
detect rate_limited.min_count=1000
EOF

# The configuration's database, for the writer and for every reader.
bs import -c "$tmp/bs.conf" "$tmp/t.log" >/dev/null 2>"$tmp/import.err" ||
	fail "import -c"
[ -f "$tmp/conf.db" ] || fail "import -c did not use the config's database"
bs report -c "$tmp/bs.conf" --since all --format json >"$tmp/r.json" \
	2>"$tmp/report.err" || fail "report -c"
grep -q '"deferred":10' "$tmp/r.json" || fail "report -c: not that database"
# The config's detect line applies to incidents (no incident at 1000)...
bs incidents -c "$tmp/bs.conf" --now @$NOW --format json >"$tmp/i.json" \
	2>"$tmp/inc.err" || fail "incidents -c"
[ "$(cat "$tmp/i.json")" = "[]" ] || fail "the config's detect was ignored"
# ... and --detect comes after it.
bs incidents -c "$tmp/bs.conf" --now @$NOW --replay --since all --detect window=1h30m --detect window=10m \
	--detect rate_limited.min_count=6 --format json >"$tmp/i2.json" \
	2>"$tmp/inc2.err" || fail "incidents --replay --detect"
grep -q '"rate_limited"' "$tmp/i2.json" || fail "--detect not after config"
# The order: --db before $BOUNCESTAT_DB before the config.
cp "$tmp/conf.db" "$tmp/env.db"
BOUNCESTAT_DB=$tmp/nothere.db bs report -c "$tmp/bs.conf" \
	>"$tmp/o.out" 2>"$tmp/env.err" && fail "env did not come before config"
grep -q "error: no database at $tmp/nothere.db (from BOUNCESTAT_DB)" \
	"$tmp/env.err" || fail "wording of a missing database"
BOUNCESTAT_DB=$tmp/nothere.db bs report -c "$tmp/bs.conf" \
	--db "$tmp/env.db" >/dev/null 2>&1 || fail "--db did not come first"

# One wording for failures, exit 1.
rc=0
bs report --db "$tmp" >/dev/null 2>"$tmp/dir.err" || rc=$?
[ "$rc" = 1 ] && grep -q "error: $tmp: is a directory" "$tmp/dir.err" ||
	fail "a directory as --db (exit $rc)"
rc=0
bs import --db "$tmp/x.db" "$tmp/nonexistent.log" 2>"$tmp/imp.err" || rc=$?
[ "$rc" = 1 ] || fail "import of a missing file: exit $rc"
[ ! -e "$tmp/x.db" ] || fail "import of a missing file created a database"
grep -q "error: .*nonexistent.log" "$tmp/imp.err" || fail "import wording"
printf 'user nosuchuser-bs\n' >"$tmp/user.conf"
rc=0
bs check-config -c "$tmp/user.conf" >/dev/null 2>"$tmp/user.err" || rc=$?
[ "$rc" = 1 ] && grep -q "nosuchuser-bs: no such user" "$tmp/user.err" ||
	fail "check-config accepted a user that does not exist"

# A reader of a WAL database in a directory it cannot write (the daemon's
# database, read by an admin while the daemon is stopped) still reads it.
if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null &&
	id nobody >/dev/null 2>&1; then
	mkdir "$tmp/ro"
	cp "$tmp/conf.db" "$tmp/ro/r.db"
	chmod 755 "$tmp" && chmod 555 "$tmp/ro" && chmod 644 "$tmp/ro/r.db"
	runuser -u nobody -- "$BOUNCESTAT" report --db "$tmp/ro/r.db" \
		--since all --format json >"$tmp/ro.json" 2>"$tmp/ro.err" ||
		fail "a read-only WAL database cannot be reported on"
	grep -q '"deferred":10' "$tmp/ro.json" || fail "read-only report"
	chmod 755 "$tmp/ro"
fi

printf '# rules\nrules_dir %s/no-such-dir\n' "$tmp" >"$tmp/rules.conf"
rc=0
bs check-config -c "$tmp/rules.conf" >/dev/null 2>"$tmp/rules.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^$tmp/rules.conf:2: rules_dir " "$tmp/rules.err" ||
	fail "a bad rules_dir is not reported as file:line (exit $rc)"

# A rule file that does not compile stops `classify` with an error (not a
# warning), naming the file and line.
mkdir "$tmp/badrules"
printf 'rule x\n  class policy\n  match (unclosed\n' \
	>"$tmp/badrules/10-bad.rules"
rc=0
echo '550 no' | bs classify --rules "$tmp/badrules" - >/dev/null \
	2>"$tmp/badrules.err" || rc=$?
[ "$rc" = 1 ] && grep -q "^bouncestat classify: error: rules: $tmp/badrules/10-bad.rules:3: " "$tmp/badrules.err" ||
	fail "a bad rule file is not an error of classify (exit $rc)"

# The same for the commands that log: a failure they end with is an
# "error:", never a "warning:" (parse with bad rules or a missing input,
# import of an unreadable file).
cp "$BS_SRC/contrib/sample/mail.log" "$tmp/one.log"
for cmd in "parse --rules $tmp/badrules $tmp/one.log" \
	"parse $tmp/no-such.log" \
	"import --db $tmp/conf.db $tmp/one.log $tmp/no-such.log"; do
	rc=0
	# shellcheck disable=SC2086
	bs $cmd >/dev/null 2>"$tmp/fatal.err" || rc=$?
	[ "$rc" = 1 ] && grep -q '^bouncestat\( [a-z-]*\)\?: error: ' "$tmp/fatal.err" &&
		! grep -q 'warning' "$tmp/fatal.err" ||
		fail "'$cmd' (exit $rc) did not end with an error: $(cat "$tmp/fatal.err")"
done

# Readers going away: no "Broken pipe" complaint.
for cmd in "parse $BS_SRC/contrib/sample/mail.log" "classify --list" \
	"report --db $tmp/conf.db --since all --format csv"; do
	# shellcheck disable=SC2086
	bs $cmd 2>"$tmp/pipe.err" | head -n 1 >/dev/null
	if grep -qi 'pipe\|error' "$tmp/pipe.err"; then
		fail "'$cmd | head' complained: $(cat "$tmp/pipe.err")"
	fi
done
echo ok
