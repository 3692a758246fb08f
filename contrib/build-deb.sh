#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the Debian package bouncestat_VERSION_ARCH.deb (and its -dbgsym
# package) from this tree:
#   contrib/build-deb.sh [OUTDIR]      default OUTDIR: build-deb/
#   contrib/build-deb.sh --print-version [REV]
#                                      the version it builds (of REV)
# In a git checkout VERSION is a snapshot of the changelog's version,
# VERSION+gitN.HASH (N commits up to HEAD, HASH its abbreviated id; a
# changelog entry of that version is added to the copy): every build of a
# later commit is a newer version for dpkg and apt, so that installing it
# over an earlier one upgrades the package (same version: apt would keep
# the installed one). Outside git it is the changelog's version.
# The repository's top level is fixed, so the packaging sources live in
# contrib/debian/: the tree (what git tracks plus new files it does not
# ignore; no build directories) is copied to a temporary directory with
# contrib/debian/ as debian/, and `dpkg-buildpackage -us -uc -b` runs
# there. Needs the build dependencies (contrib/install-deps.sh --ci
# installs them, debhelper and lintian included); no root needed.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)

# snapshot BASE [REV]: BASE+gitN.HASH for REV (default HEAD) of a git
# checkout, BASE elsewhere.
snapshot() {
	if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		printf '%s+git%s.%s\n' "$1" \
		    "$(git -C "$src" rev-list --count "${2:-HEAD}")" \
		    "$(git -C "$src" rev-parse --short=7 "${2:-HEAD}")"
	else
		printf '%s\n' "$1"
	fi
}

if [ "${1:-}" = --print-version ]; then
	debver=$(dpkg-parsechangelog -l "$src/contrib/debian/changelog" -S Version)
	snapshot "$debver" "${2:-HEAD}"
	exit
fi
out=${1:-$src/build-deb}

version=$(sed -n 's/^project(bouncestat VERSION \([0-9.]*\).*/\1/p' \
    "$src/CMakeLists.txt")
debver=$(dpkg-parsechangelog -l "$src/contrib/debian/changelog" -S Version)
if [ "$version" != "$debver" ]; then
	echo "build-deb: CMakeLists.txt says $version," \
	    "contrib/debian/changelog $debver" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bouncestat-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
copy=$work/bouncestat-$version
mkdir "$copy"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Files deleted but not yet committed are skipped, not an error.
	git -C "$src" ls-files -z --cached --others --exclude-standard |
	    tar -C "$src" --null -T - --ignore-failed-read -cf - 2>/dev/null |
	    tar -C "$copy" -xf -
else
	tar -C "$src" --exclude='./build*' --exclude=./.git -cf - . |
	    tar -C "$copy" -xf -
fi
rm -rf "$copy/debian"
cp -R "$src/contrib/debian" "$copy/debian"
snap=$(snapshot "$debver")
if [ "$snap" != "$debver" ]; then
	{
		printf 'bouncestat (%s) %s; urgency=medium\n\n' "$snap" \
		    "$(dpkg-parsechangelog -l "$copy/debian/changelog" -S Distribution)"
		printf '  * Snapshot of commit %s.\n\n' \
		    "$(git -C "$src" rev-parse HEAD)"
		printf ' -- %s  %s\n\n' \
		    "$(dpkg-parsechangelog -l "$copy/debian/changelog" -S Maintainer)" \
		    "$(date -R -d "@$(git -C "$src" log -1 --format=%ct HEAD)")"
		cat "$copy/debian/changelog"
	} >"$copy/debian/changelog.new"
	mv "$copy/debian/changelog.new" "$copy/debian/changelog"
fi

echo "build-deb: dpkg-buildpackage -us -uc -b in $copy"
(cd "$copy" && dpkg-buildpackage -us -uc -b)

mkdir -p "$out"
for f in "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo; do
	[ -e "$f" ] && cp "$f" "$out/"
done
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$out/bouncestat_${snap}_$arch.deb
if [ ! -f "$deb" ]; then
	echo "build-deb: $deb was not built" >&2
	exit 1
fi
echo "build-deb: $deb"
