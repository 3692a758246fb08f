#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Remakes contrib/report-screenshot.png, the README's picture of
# `bouncestat report --format html`: the benchmark's generated Postfix
# log (tests/bench/genlog.py, fixed seed: 7 days, 150,000 lines) is
# imported into a temporary database, the detector runs (`incidents`),
# and headless Chromium renders the page. Needs python3 and chromium.
#   contrib/report-screenshot.sh [BOUNCESTAT]   (default build/daemon/bouncestat)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
bs=${1:-$src/build/daemon/bouncestat}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs_shot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export TZ=UTC LC_ALL=C.UTF-8
now=2026-11-09T00:00:00Z
python3 "$src/tests/bench/genlog.py" -n 150000 --seed 1 --days 7 \
	--start 2026-11-02 --format rfc3339 --hostname mx1 "$tmp/mail.log"
"$bs" import --db "$tmp/bs.db" --quiet "$tmp/mail.log"
"$bs" incidents --db "$tmp/bs.db" --now "$now" --since all >/dev/null
"$bs" report --db "$tmp/bs.db" --now "$now" --since 7d --format html \
	>"$tmp/report.html"
chromium --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" \
	--no-first-run --hide-scrollbars --window-size=1000,2000 \
	--screenshot="$src/contrib/report-screenshot.png" \
	"file://$tmp/report.html" 2>/dev/null
echo "wrote $src/contrib/report-screenshot.png"
