#!/bin/bash
# SPDX-License-Identifier: ISC
# Inputs of issue 13 with the real binary: import and parse of syslog
# variants (Solaris/illumos "[ID n mail.info]" tags, with and without
# --mta postfix; FreeBSD syslogd -v; CRI and Docker json-file records),
# Sendmail lines of several recipients (one delivery each), and "never
# silently nothing": an input whose result-like lines all give no event
# warns once, naming the first such line (addresses masked) and the
# reason, and parse --all shows a reason per skipped line; an input of
# lines none of which looks like a result warns that it may be no log.
# The samples are the golden files of tests/data (see their READMEs for
# the real formats they follow).
set -eu
BIN=${BOUNCESTAT:?set BOUNCESTAT to the bouncestat binary}
SRC=${BS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
D=$SRC/tests/data
T=$(mktemp -d)
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "--- last output:"; cat "$T"/out 2>/dev/null; cat "$T"/err 2>/dev/null; fi; rm -rf "$T"; exit $rc' EXIT
export TZ=UTC
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# imported FILE WANT [ARGS...]: import FILE into a fresh database; the
# summary must report WANT deliveries and stderr must carry no warning.
imported() {
	local f=$1 want=$2
	shift 2
	rm -f "$T/db"
	"$BIN" import --db "$T/db" "$@" "$f" >"$T/out" 2>"$T/err" ||
	    fail "import $f exit $?"
	grep -q ", $want deliveries" "$T/out" ||
	    fail "import $f $*: want $want deliveries"
	! grep -q "no delivery result" "$T/err" || fail "import $f warned"
	echo "ok: import $(basename "$f") $* -> $want deliveries"
}

# The illumos sample of the issue: 3 Postfix results and a sendmail one;
# with --mta postfix the sendmail line is skipped.
imported "$D/postfix/solaris.log" 4
imported "$D/postfix/solaris.log" 3 --mta postfix
imported "$D/postfix/freebsd_v.log" 4
imported "$D/postfix/cri.log" 3
imported "$D/postfix/docker_json.log" 3
imported "$D/postfix/syslog_ng.log" 3
# Sendmail: 5 result lines, 8 recipients.
imported "$D/sendmail/multi_rcpt.log" 8

# Result-like lines that all give no event: one warning per input, with
# the first of them and its reason, the address masked.
cat >"$T/silent.log" <<'LOG'
Nov 24 05:00:10 mx1 postfix/qmgr[3000]: 7C1D2E3F40: from=<a@example.org>, size=1, nrcpt=2 (queue active)
Nov 24 05:00:11 mx1 postfix/smtp[3001]: message repeated 2 times: [ 7C1D2E3F40: to=<gus@example.net>, relay=none, delay=1, delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to mx.example.net[192.0.2.40]:25: Connection refused)]
Nov 24 05:00:12 mx1 postfix/smtp[3001]: 7C1D2E3F40: to=<hal@example.net>, status=deferred
Nov 24 05:00:13 mx1 postfix/smtp[3001]: 7C1D2E3F40: to=<ida@example.net>, status=deferred
LOG
rm -f "$T/db"
"$BIN" import --db "$T/db" "$T/silent.log" "$D/postfix/sent.log" \
    >"$T/out" 2>"$T/err" || fail "import silent exit $?"
[ "$(grep -c "no delivery result" "$T/err")" = 1 ] ||
    fail "want one warning"
grep -q "input: $T/silent.log: no delivery result.*reason=repeated" \
    "$T/err" || fail "warning without file or reason"
grep -q 'to=<\*@example.net>' "$T/err" || fail "warning without the line"
! grep -q 'gus@' "$T/err" || fail "warning shows a full address"
echo "ok: import warns once, with the first line and its reason"

TZ=UTC "$BIN" parse --all --now 2026-11-25T00:00:00Z "$T/silent.log" \
    >"$T/out" 2>"$T/err" || fail "parse exit $?"
[ "$(grep -c "no delivery result" "$T/err")" = 1 ] ||
    fail "parse: want one warning"
[ "$(cut -f2,3 "$T/out" | tr '\t' ' ' | tr '\n' '|')" = \
    "result reason|skip not_result|skip repeated|bad malformed|bad malformed|" ] ||
    fail "parse --all reasons"
echo "ok: parse --all shows a reason per line and warns once"

# A file with lines but no result, none of them like one (text imported
# by mistake: newuser18), warns that it may be no mail log; an empty file
# and one imported before (no new line) do not.
printf 'hello\nworld\n' >"$T/text.txt"
: >"$T/empty.log"
rm -f "$T/db"
"$BIN" import --db "$T/db" "$T/text.txt" "$T/empty.log" >"$T/out" \
    2>"$T/err" || fail "import text exit $?"
grep -q "import: $T/text.txt: no delivery result .* in its 2 lines; is it a mail log?" \
    "$T/err" || fail "no warning for a text file"
[ "$(grep -c "is it a mail log" "$T/err")" = 1 ] ||
    fail "want one warning (none for the empty file)"
"$BIN" import --db "$T/db" "$T/text.txt" >"$T/out" 2>"$T/err" ||
    fail "import text again exit $?"
! grep -q "is it a mail log" "$T/err" || fail "warned with no new line"
echo "ok: a text file imported warns that it may be no mail log"

# A file with deliveries gives no warning, whatever else it has.
"$BIN" parse "$D/postfix/repeated.log" >"$T/out" 2>"$T/err" ||
    fail "parse exit $?"
! grep -q "no delivery result" "$T/err" || fail "warned with deliveries"
echo "ok: no warning for an input with deliveries"
