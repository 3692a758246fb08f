#!/usr/bin/env bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# contrib/build-deb.sh versions a build from a git checkout as a snapshot
# of the changelog's version (trial9): VERSION+gitN.HASH, so that the
# package of a later commit upgrades the one of an earlier commit (with
# one version for every build, `apt install ./bouncestat_0.1.0_amd64.deb`
# over an older build kept the installed one: "already the newest
# version"). No package is built: a stand-in dpkg-buildpackage records
# the version of the changelog it is given and fails.
#
# Checks: the changelog handed to dpkg-buildpackage has the snapshot
# version, later than the changelog's own and than HEAD~1's, equal to
# `build-deb.sh --print-version`; its date is the commit's. The program
# reports the same version (`bouncestat version`, cmake/VersionRun.cmake),
# BASE for a tree that is not the top of a checkout (a copy, or one
# unpacked inside another checkout) and BS_VERSION_STRING when given.
# Needs git (a checkout) and dpkg-dev; exit 77 otherwise. About 1 s.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
command -v dpkg-parsechangelog >/dev/null || {
	echo "SKIP: no dpkg-parsechangelog (dpkg-dev)" >&2
	exit 77
}
git -C "$src" rev-parse --verify -q HEAD~1 >/dev/null 2>&1 || {
	echo "SKIP: not a git checkout with history" >&2
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

mkdir "$tmp/bin"
cat >"$tmp/bin/dpkg-buildpackage" <<STUB
#!/bin/sh
dpkg-parsechangelog -S Version >"$tmp/version"
dpkg-parsechangelog -S Date >"$tmp/date"
exit 1
STUB
chmod +x "$tmp/bin/dpkg-buildpackage"
PATH=$tmp/bin:$PATH "$src/contrib/build-deb.sh" "$tmp/out" \
    >"$tmp/build.out" 2>&1 && fail "build-deb.sh succeeded with no build"
[ -s "$tmp/version" ] || {
	cat "$tmp/build.out" >&2
	fail "build-deb.sh did not reach dpkg-buildpackage"
}
v=$(cat "$tmp/version")
base=$(dpkg-parsechangelog -l "$src/contrib/debian/changelog" -S Version)
dpkg --compare-versions "$v" gt "$base" ||
    fail "the build's version $v is not later than the changelog's $base"
p=$("$src/contrib/build-deb.sh" --print-version) ||
    fail "build-deb.sh --print-version failed"
[ "$p" = "$v" ] || fail "--print-version says $p, the build used $v"
prev=$("$src/contrib/build-deb.sh" --print-version HEAD~1) ||
    fail "build-deb.sh --print-version HEAD~1 failed"
dpkg --compare-versions "$v" gt "$prev" ||
    fail "HEAD's version $v is not later than HEAD~1's $prev"
want=$(date -R -d "@$(git -C "$src" log -1 --format=%ct HEAD)")
[ "$(cat "$tmp/date")" = "$want" ] ||
    fail "the changelog's date $(cat "$tmp/date"), want the commit's $want"

# The built program (BOUNCESTAT, from ctest) reports the same version
# when it was built from this checkout's HEAD.
if [ -n "${BOUNCESTAT:-}" ]; then
	got=$("$BOUNCESTAT" version) || fail "bouncestat version failed"
	case $got in
	"bouncestat $v "*) ;;
	*) fail "bouncestat version says '$got', want $v (a build of an" \
	    "earlier commit? rebuild)" ;;
	esac
fi
# The script alone: outside a checkout, inside another one, forced.
vr() {
	cmake -DSRC="$1" -DOUT="$tmp/version.c" -DBASE=9.8.7 \
	    -DFORCED="${2:-}" -P "$src/cmake/VersionRun.cmake" ||
	    fail "VersionRun.cmake failed for $1"
	sed -n 's/^const char bs_version\[\] = "\(.*\)";$/\1/p' "$tmp/version.c"
}
mkdir -p "$tmp/copy/inner"
[ "$(vr "$tmp/copy")" = 9.8.7 ] || fail "outside a checkout: $(vr "$tmp/copy")"
git -C "$tmp/copy" init -q
git -C "$tmp/copy" -c user.name=t -c user.email=t@t commit -q \
    --allow-empty -m one
[ "$(vr "$tmp/copy/inner")" = 9.8.7 ] ||
    fail "inside another checkout: $(vr "$tmp/copy/inner")"
h=$(git -C "$tmp/copy" rev-parse --short=7 HEAD)
[ "$(vr "$tmp/copy")" = "9.8.7+git1.$h" ] ||
    fail "a checkout of one commit: $(vr "$tmp/copy")"
[ "$(vr "$tmp/copy" 9.8.7-2)" = 9.8.7-2 ] ||
    fail "BS_VERSION_STRING: $(vr "$tmp/copy" 9.8.7-2)"
touch -d @0 "$tmp/version.c"
vr "$tmp/copy" 9.8.7-2 >/dev/null
[ "$(stat -c %Y "$tmp/version.c")" = 0 ] ||
    fail "VersionRun.cmake rewrote an unchanged version.c"
echo "ok: $prev < $v" >&2
