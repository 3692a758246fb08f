#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# alert --webhook end to end against a local receiver on 127.0.0.1
# (webhook_receiver.py, which records each request and answers with the
# status a test sets): the contrib sample log and a hostile one are
# imported, then at 07:20Z three incidents are open (qq.com and
# evil.example throttling, a Spamhaus listing).
#  - a receiver answering 500: exit 1, nothing marked for it;
#  - answering 200: one JSON document with both incidents, whose objects
#    have exactly the fields of `incidents --format json`; marked;
#  - a second run sends nothing; a Slack-format webhook is a destination
#    of its own and gets its own message ({"text": ...}, escaped);
#  - the e-mail is tracked apart: still sent after the webhooks;
#  - at 08:30Z the throttling resolved: one more document, resolved.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
for c in python3 jq sqlite3; do
	command -v $c >/dev/null || { echo "SKIP: no $c" >&2; exit 77; }
done

tmp=$(mktemp -d)
RPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/*.err "$tmp"/rx/req-*.json; do
		[ -s "$f" ] && { echo "--- $f" >&2; head -c 3000 "$f" >&2; echo >&2; }
	done
	exit 1
}
trap cleanup EXIT

export BOUNCESTAT_DB="$tmp/bs.db"
# The host's /etc/bouncestat/bouncestat.conf is not this test's.
: >"$tmp/empty.conf"
export TZ=UTC
mkdir "$tmp/rx"
python3 "$BS_SRC/tests/integration/webhook_receiver.py" "$tmp/rx" &
RPID=$!
for i in $(seq 1 100); do
	[ -s "$tmp/rx/port" ] && break
	sleep 0.05
done
[ -s "$tmp/rx/port" ] || fail "receiver did not start"
URL="http://127.0.0.1:$(cat "$tmp/rx/port")"
nreq() { ls "$tmp/rx" | grep -c '^req-' || true; }
body() { jq -r .body "$tmp/rx/req-$1.json"; }
marked() {
	sqlite3 "$BOUNCESTAT_DB" \
	    "SELECT count(*) FROM notification WHERE dest = 'webhook $1'"
}

# A third incident: throttling at evil.example, whose replies are
# hostile: markup for Slack, a terminal escape, a quote and a backslash.
for m in 10 11 12 13 14 15 16; do
	printf '%s\n' "2026-11-22T07:$m:30.000000+00:00 mx1.example.net postfix/smtp[20476]: 4B1C2AFF$m: to=<a@evil.example>, relay=mx.evil.example[192.0.2.9]:25, delay=0.5, delays=0.1/0/0.09/0.54, dsn=4.0.0, status=deferred (host mx.evil.example[192.0.2.9] said: 421 HL:ICC <script>x</script> & <!channel> \"q\" \\ "$'\e'"[31m too many connections (in reply to end of DATA command))"
done >"$tmp/hostile.log"
"$BOUNCESTAT" import -c "$tmp/empty.conf" "$BS_SRC/contrib/sample/mail.log" "$tmp/hostile.log" \
    >/dev/null 2>&1 || fail "import"
T1=2026-11-22T07:20:00Z
T2=2026-11-22T08:30:00Z
open=$("$BOUNCESTAT" incidents -c "$tmp/empty.conf" --now $T1 --open --format json) ||
    fail "incidents"
nopen=$(jq length <<<"$open")
[ "$nopen" -eq 3 ] || fail "$nopen incidents open at $T1, want 3"

# 0. --dry-run prints the document, posts and marks nothing.
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --dry-run --now $T1 --webhook "$URL/hook" \
    >"$tmp/dry.out" 2>"$tmp/a0.err" || fail "dry run"
[ "$(nreq)" -eq 0 ] || fail "--dry-run posted"
grep -q '"opened": 3' "$tmp/dry.out" || fail "--dry-run printed no document"
[ "$(marked "$URL/hook")" -eq 0 ] || fail "--dry-run marked"

# 1. The receiver fails: exit 1, nothing marked, the failure logged.
echo 500 >"$tmp/rx/status"
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --webhook "$URL/hook" 2>"$tmp/a1.err" || rc=$?
[ $rc -eq 1 ] || fail "alert exited $rc with a receiver answering 500"
[ "$(nreq)" -eq 1 ] || fail "$(nreq) requests, want 1"
grep -q 'HTTP 500' "$tmp/a1.err" || fail "no 'HTTP 500' in the log"
[ "$(marked "$URL/hook")" -eq 0 ] || fail "marked after a 500"

# 2. It accepts: one document, both incidents, the fields of incidents.
echo 200 >"$tmp/rx/status"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --webhook "$URL/hook" 2>"$tmp/a2.err" ||
    fail "alert failed with a receiver answering 200"
[ -s "$tmp/a2.err" ] && fail "alert printed on success"
[ "$(nreq)" -eq 2 ] || fail "$(nreq) requests, want 2"
r=$tmp/rx/req-2.json
[ "$(jq -r .method "$r")" = POST ] || fail "not a POST"
jq -r '.headers["Content-Type"]' "$r" | grep -q '^application/json' ||
    fail "Content-Type not JSON"
doc=$(body 2)
[ "$(jq -r .source <<<"$doc")" = bouncestat ] || fail "source"
[ "$(jq '.opened' <<<"$doc")" -eq 3 ] || fail "opened != 3"
[ "$(jq '.resolved' <<<"$doc")" -eq 0 ] || fail "resolved != 0"
[ "$(jq '.incidents | length' <<<"$doc")" -eq 3 ] || fail "incidents != 3"
[ "$(jq -c '[.incidents[] | keys] | unique' <<<"$doc")" = \
    "$(jq -c '[.[] | keys] | unique' <<<"$open")" ] ||
    fail "webhook incident fields differ from incidents --format json"
[ "$(jq -c '[.incidents[] | [.kind, .key, .state]] | sort' <<<"$doc")" = \
    "$(jq -c '[.[] | [.kind, .key, .state]] | sort' <<<"$open")" ] ||
    fail "webhook incidents differ from incidents --format json"
[ "$(marked "$URL/hook")" -eq 3 ] || fail "not marked after a 200"

# 3. Nothing new: no request. A Slack webhook is a destination apart.
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --webhook "$URL/hook" 2>"$tmp/a3.err" ||
    fail "third run"
[ "$(nreq)" -eq 2 ] || fail "a run with nothing new posted"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --webhook "$URL/hook" \
    --webhook-format slack --webhook "$URL/slack" 2>"$tmp/a4.err" ||
    fail "slack run"
[ "$(nreq)" -eq 3 ] || fail "$(nreq) requests after the Slack run, want 3"
[ "$(jq -r .path "$tmp/rx/req-3.json")" = /slack ] ||
    fail "the JSON webhook was told again"
text=$(body 3 | jq -r .text) || fail "Slack body is not JSON"
grep -q 'qq.com' <<<"$text" || fail "Slack text lacks qq.com"
grep -q '3 incidents opened' <<<"$text" || fail "Slack summary"
# Slack's escapes: no raw < or > from reply text reaches its markup (a
# quote line starts with "> "), no control character at all.
grep -q '&lt;script&gt;x&lt;/script&gt; &amp; &lt;!channel&gt;' <<<"$text" ||
    fail "hostile sample not escaped for Slack: $text"
! grep -v '^> ' <<<"$text" | grep -q '[<>]' || fail "unescaped < or >"
! sed 's/^> //' <<<"$text" | grep -q '[<>]' || fail "unescaped < or >"
! grep -q $'\e' <<<"$text" || fail "escape character in Slack text"
# The JSON document kept the sample byte-exact (escaped only).
[ "$(body 2 | jq -r '.incidents[] | select(.key == "evil.example") | .sample')" = \
    "421 HL:ICC <script>x</script> & <!channel> \"q\" \\ "$'\e'"[31m too many connections" ] ||
    fail "JSON sample: $(body 2 | jq '.incidents[0].sample')"
[ "$(body 3 | jq -r 'keys | join(",")')" = text ] || fail "Slack keys"

# 4. The e-mail keeps its own record: still pending, sent now.
cat >"$tmp/sendmail" <<EOT
#!/bin/sh
cat >"$tmp/mail.out"
EOT
chmod +x "$tmp/sendmail"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T1 --mail-to postmaster@example.org \
    --sendmail "$tmp/sendmail" 2>"$tmp/a5.err" || fail "mail run"
[ -s "$tmp/mail.out" ] || fail "the e-mail was not sent after the webhooks"
[ "$(nreq)" -eq 3 ] || fail "the mail run posted"

# 5. The throttling resolves: one more document, the resolutions.
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T2 --webhook "$URL/hook" 2>"$tmp/a6.err" ||
    fail "resolution run"
[ "$(nreq)" -eq 4 ] || fail "$(nreq) requests after the resolution, want 4"
doc=$(body 4)
[ "$(jq -c '[.incidents[] | [.kind, .key, .state]] | sort' <<<"$doc")" = \
    '[["rate_limited","evil.example","resolved"],["rate_limited","qq.com","resolved"]]' ] ||
    fail "resolution document: $(jq -c .incidents <<<"$doc")"
[ "$(jq '.resolved' <<<"$doc")" -eq 2 ] || fail "resolved != 2"
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T2 --webhook "$URL/hook" 2>"$tmp/a7.err" ||
    fail "last run"
[ "$(nreq)" -eq 4 ] || fail "the resolution was posted twice"

# 6. Bad input: a URL that is not http(s), an unknown format; a receiver
# that is not there fails the run (exit 1) and marks nothing.
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --webhook "file:///etc/passwd" 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "file:// URL accepted (exit $rc)"
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --webhook-format xml --webhook "$URL/x" 2>/dev/null || rc=$?
[ $rc -eq 2 ] || fail "--webhook-format xml accepted (exit $rc)"
for bad in 'webhook xml http://x/' 'webhook ftp://x/' 'exec hook' \
    'metrics_listen localhost:9154' 'metrics_listen 127.0.0.1'; do
	printf '%s\n' "$bad" >"$tmp/bad.conf"
	rc=0
	"$BOUNCESTAT" check-config -c "$tmp/bad.conf" >/dev/null 2>&1 || rc=$?
	[ $rc -eq 1 ] || fail "check-config accepted '$bad' (exit $rc)"
done
# One run names every bad integration directive, not only the first.
printf 'metrics_listen nonsense\nwebhook ftp://x\nwebhook %s/fine\nexec rel/hook\nwebhook xml %s/y\n' \
    "$URL" "$URL" >"$tmp/bad.conf"
rc=0
"$BOUNCESTAT" check-config -c "$tmp/bad.conf" >/dev/null 2>"$tmp/bad.err" || rc=$?
[ $rc -eq 1 ] || fail "check-config with four bad lines exited $rc"
for want in 'bad.conf:1: metrics_listen nonsense' 'bad.conf:2: webhook ftp://x' \
    'bad.conf:4: exec rel/hook' 'bad.conf:5: webhook xml ' '4 errors'; do
	grep -qF "$want" "$tmp/bad.err" ||
	    fail "check-config did not report '$want': $(cat "$tmp/bad.err")"
done
! grep -q '/fine' "$tmp/bad.err" || fail "check-config named a good webhook"
printf 'webhook slack %s/s\nexec /bin/true\nmetrics_listen [::1]:9154\n' \
    "$URL" >"$tmp/good.conf"
"$BOUNCESTAT" check-config -c "$tmp/good.conf" >/dev/null ||
    fail "check-config refused good integration directives"
kill "$RPID"
wait "$RPID" 2>/dev/null || true
RPID=
rc=0
"$BOUNCESTAT" alert -c "$tmp/empty.conf" --now $T2 --webhook "$URL/gone" 2>"$tmp/a8.err" || rc=$?
[ $rc -eq 1 ] || fail "alert exited $rc with no receiver"
[ "$(marked "$URL/gone")" -eq 0 ] || fail "marked with no receiver"
echo "PASS: alert_webhook"
