#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# `report --format html` and `alert --html` looked at as a person would
# (issue 19): a fixed database (the benchmark's generated Postfix log,
# tests/bench/genlog.py with a fixed seed, plus replies full of hostile
# text: <script>, quotes, invalid UTF-8, control characters, a
# bidirectional override) is rendered with TZ and --now fixed, then
#
#  - the page is one self-contained document: valid UTF-8, no control
#    character, no <script>, no external URL in src/href, the hostile
#    replies escaped;
#  - `tidy` (HTML Tidy 5) reports neither error nor warning;
#  - it has what it must: a stacked SVG chart with <title>, real tables
#    with caption and th, providers with their class mix, incidents with
#    sample and action, the code table, range and host (python3's
#    html.parser);
#  - headless Chromium loads it (its own profile directory, so tests run
#    in parallel), its DOM holds the tables, and it takes a screenshot;
#  - `alert --html --dry-run` is multipart/alternative (python3's email
#    package): a text part and an HTML part of the same incidents, that
#    tidy accepts too.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
command -v tidy >/dev/null || { echo "skip: no tidy (apt-get install tidy)"; exit 77; }
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || { echo "skip: no chromium"; exit 77; }

T=$(mktemp -d "${TMPDIR:-/tmp}/bs_report_html.XXXXXX")
passed=
cleanup() {
	if [ -z "$passed" ]; then
		for f in "$T"/*.out "$T"/*.err; do
			[ -s "$f" ] && { echo "--- $f"; head -c 4000 "$f"; }
		done
	fi
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
# Not the host's /etc/bouncestat (configuration, operator rules).
CONF=$T/bs.conf
RULES=$T/rules.d
: >"$CONF"
mkdir "$RULES"
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

export TZ=Europe/Berlin LC_ALL=C.UTF-8
unset BOUNCESTAT_DB COLUMNS
DB=$T/bs.db
python3 "$BS_SRC/tests/bench/genlog.py" -n 30000 --seed 19 --days 2 \
	--start 2026-11-20 --format rfc3339 "$T/mail.log"
# Hostile replies, one code of their own, enough to be a top code.
python3 - "$T/mail.log" <<'EOF'
import sys
with open(sys.argv[1], "ab") as f:
    for i in range(40):
        reply = (b"554 5.7.9 <script>alert('x')</script> \"quoted\" & 'single' "
                 b"\xff\xfe bad UTF-8 \x01\x1b[31m red \xe2\x80\xae reversed "
                 b"<img src=http://example.com/x.png>")
        f.write(b"2026-11-21T12:%02d:00+00:00 mx1 postfix/smtp[1810]: "
                b"H0S%04d: to=<h%d@hostile.example>, "
                b"relay=mx.hostile.example[192.0.2.66]:25, delay=1, "
                b"delays=0.1/0/0.8/0.1, dsn=5.7.9, status=bounced "
                b"(host mx.hostile.example[192.0.2.66] said: %s "
                b"(in reply to end of DATA command))\n" % (i, i, i, reply))
EOF
"$BOUNCESTAT" import -c "$CONF" --rules "$RULES" --db "$DB" --quiet "$T/mail.log" >"$T/import.out" 2>&1 ||
	fail "import"

NOW=2026-11-22T06:00:00Z
# The detector runs (and stores the incidents) with `incidents`.
"$BOUNCESTAT" incidents -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --since all \
	>"$T/incidents.out" 2>&1 || fail "incidents"
grep -q '^resolved ' "$T/incidents.out" || fail "no incident detected"
"$BOUNCESTAT" report -c "$CONF" --db "$DB" --now "$NOW" --since 2d --format html \
	>"$T/report.html" 2>"$T/report.err" || fail "report --format html"

# --- Self-contained, escaped.
python3 - "$T/report.html" <<'EOF' || fail "page content"
import re, sys
from html.parser import HTMLParser

raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")                      # strict: valid UTF-8
bad = [c for c in text if (ord(c) < 0x20 and c != "\n") or 0x7f <= ord(c) < 0xa0
       or c == "\u202e"]
assert not bad, "control characters %r" % bad[:5]
low = text.lower()
assert "<script" not in low, "a script element"
assert "<img" not in low, "an img element"
assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text, "not escaped"
assert "&quot;quoted&quot; &amp; &#39;single&#39;" in text
assert "\ufffd" in text, "invalid UTF-8 not replaced"

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags = [], {}
        self.captions, self.svg_titles, self.th, self.ext = 0, 0, 0, []
        self.h2 = []
        self.cur = None
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                self.ext.append(a[k])
        if tag == "title" and "svg" in self.stack:
            self.svg_titles += 1
        self.stack.append(tag)
        self.cur = tag
    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass
    def handle_data(self, d):
        if self.stack and self.stack[-1] == "h2":
            self.h2.append(d)

p = P()
p.feed(text)
assert not p.ext, "external references %r" % p.ext
assert p.tags.get("svg") == 1 and p.tags.get("rect", 0) > 20, p.tags
assert p.svg_titles > 20, "bars without title"
assert p.tags.get("caption", 0) >= 4 and p.tags.get("th", 0) > 20, p.tags
for h in ("Results", "Failures over time", "Failures by class",
          "Top providers", "Incidents", "Top codes"):
    assert h in p.h2, (h, p.h2)
assert 'class="mix"' in text, "no class mix"
assert "2026-11-20 07:00 to 2026-11-21 23:00 (UTC+01:00)" in text, "range"
assert "clamped to the data" in text, "the clamp"
host = open("/proc/sys/kernel/hostname").read().strip()
assert "<h1>bouncestat report: %s</h1>" % host in text, "host"
inc = text[text.index('id="incidents"'):text.index('id="codes"')]
assert inc.count('<tr><td class="state') > 0, "no incident rows"
assert "<b>Action:</b> " in inc, "no action"
assert re.search(r'<span class="reply">[^<(]', inc), "incident without sample"
EOF

# --- tidy: no error, no warning.
tidy -q -e "$T/report.html" >"$T/tidy.out" 2>&1 || fail "tidy: $(cat "$T/tidy.out")"

# --- Chromium: loads, its DOM has the tables, a screenshot.
chrome() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--user-data-dir="$T/profile" --no-first-run \
		--disable-background-networking --disable-extensions \
		--hide-scrollbars --window-size=1100,2200 "$@"
}
chrome --dump-dom "file://$T/report.html" >"$T/dom.out" 2>"$T/chrome.err" ||
	fail "chromium --dump-dom"
grep -q '<caption>SMTP codes of the failures' "$T/dom.out" ||
	fail "chromium: no code table in the DOM"
grep -q '<svg' "$T/dom.out" || fail "chromium: no chart in the DOM"
grep -q '&lt;script&gt;' "$T/dom.out" || fail "chromium: hostile text"
grep -q '<script' "$T/dom.out" && fail "chromium: a script in the DOM"
chrome --screenshot="$T/shot.png" "file://$T/report.html" \
	>"$T/shot.out" 2>"$T/shot.err" || fail "chromium --screenshot"
python3 - "$T/shot.png" <<'EOF' || fail "screenshot"
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", b[16:24])
assert w == 1100 and h == 2200 and len(b) > 20000, (w, h, len(b))
EOF
# Nothing failed to load (the page has no resource to fetch).
grep -Ei 'Failed to load|ERR_FILE_NOT_FOUND|Uncaught' "$T/chrome.err" "$T/shot.err" &&
	fail "chromium reported a load error"

# --- alert --html: multipart/alternative, both parts the same incidents.
"$BOUNCESTAT" alert -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --since 3d --no-detect \
	--dry-run --html >"$T/mail.out" 2>"$T/alert.err" || fail "alert --html"
python3 - "$T/mail.out" "$T/alert.html" <<'EOF' || fail "alert MIME"
import email, email.policy, sys
raw = open(sys.argv[1], "rb").read()
assert all(len(l) <= 998 for l in raw.split(b"\n")), "line too long"
m = email.message_from_bytes(raw, policy=email.policy.default)
assert m.get_content_type() == "multipart/alternative", m.get_content_type()
parts = list(m.iter_parts())
assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"], \
    [p.get_content_type() for p in parts]
assert not m.defects and not any(p.defects for p in parts), "MIME defects"
txt, html = parts[0].get_content(), parts[1].get_content()
assert "resolved" in txt.lower() and "resolved" in html
# Each incident of the text part is a row of the HTML part.
n_txt = txt.count("RESOLVED:") + txt.count("OPEN:")
n_html = html.count('<tr><td class="state')
assert n_txt > 0 and n_txt == n_html, (n_txt, n_html)
open(sys.argv[2], "w").write(html)
EOF
grep -q '^Date: .* +0100$' "$T/mail.out" || fail "alert: Date not local"
grep -q 'Incidents (times in UTC+01:00)' "$T/alert.html" ||
	fail "alert HTML: zone"
"$BOUNCESTAT" alert -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --since 3d --no-detect \
	--dry-run --html --utc >"$T/mailutc.out" 2>&1 || fail "alert --utc"
grep -q '^Date: .* +0000$' "$T/mailutc.out" || fail "alert --utc: Date"
# incidents: local times, or UTC with --utc (Berlin is an hour ahead).
"$BOUNCESTAT" incidents -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --since all --no-detect \
	>"$T/inc1.out" 2>&1 || fail "incidents"
"$BOUNCESTAT" incidents -c "$CONF" --rules "$RULES" --db "$DB" --now "$NOW" --since all --no-detect \
	--utc >"$T/inc2.out" 2>&1 || fail "incidents --utc"
python3 - "$T/inc1.out" "$T/inc2.out" <<'EOF' || fail "incidents zones"
import datetime, sys
def first(p):
    for l in open(p):
        if l.startswith("resolved "):
            return datetime.datetime.strptime(l[9:25], "%Y-%m-%d %H:%M")
a, b = first(sys.argv[1]), first(sys.argv[2])
assert a - b == datetime.timedelta(hours=1), (a, b)
EOF
tidy -q -e "$T/alert.html" >"$T/tidy2.out" 2>&1 ||
	fail "tidy (alert): $(cat "$T/tidy2.out")"

passed=1
echo ok
