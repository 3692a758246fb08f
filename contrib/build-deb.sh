#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds the Debian package bouncestat_VERSION_ARCH.deb (and its -dbgsym
# package) from this tree:
#   contrib/build-deb.sh [OUTDIR]      default OUTDIR: build-deb/
# The repository's top level is fixed, so the packaging sources live in
# contrib/debian/: the tree (what git tracks plus new files it does not
# ignore; no build directories) is copied to a temporary directory with
# contrib/debian/ as debian/, and `dpkg-buildpackage -us -uc -b` runs
# there. Needs the build dependencies (contrib/install-deps.sh --ci
# installs them, debhelper and lintian included); no root needed.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
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

echo "build-deb: dpkg-buildpackage -us -uc -b in $copy"
(cd "$copy" && dpkg-buildpackage -us -uc -b)

mkdir -p "$out"
for f in "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo; do
	[ -e "$f" ] && cp "$f" "$out/"
done
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
deb=$out/bouncestat_${version}_$arch.deb
if [ ! -f "$deb" ]; then
	echo "build-deb: $deb was not built" >&2
	exit 1
fi
echo "build-deb: $deb"
