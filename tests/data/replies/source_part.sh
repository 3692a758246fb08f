#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The bouncestat authors
#
# Which part (train or holdout) a NEW source of real replies goes to, as
# decided on 2026-12-06 for the third batch, before any of its replies was
# read for a rule: the source's address without the scheme, "www." and a
# trailing slash, lower-cased (host + path + query, e.g.
# github.com/owner/repo/issues/12), is hashed with SHA-256; an even first
# hex digit puts the whole source into train.tsv, an odd one into
# holdout.tsv. Usage: source_part.sh URL...
set -eu
for url in "$@"; do
	key=$(printf '%s' "$url" | sed -e 's,^[A-Za-z]*://,,' -e 's,^www\.,,' \
	    -e 's,/*$,,' | tr 'A-Z' 'a-z')
	d=$(printf '%s' "$key" | sha256sum | cut -c1)
	case $d in
	[02468ace]) part=train ;;
	*) part=holdout ;;
	esac
	printf '%s\t%s\n' "$part" "$url"
done
