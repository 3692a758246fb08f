#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# End to end: the learned model of the weak layers (classify_model.h) as
# `bouncestat classify` loads it: the built-in model decides a reply no
# rule knows and says so in the "why:" line (and JSON "evidence":
# "model"); a NAME.model in the rules directory replaces it ("layers off"
# turns it off); an empty or corrupt model file is a clear error, exit 1.
set -eu

: "${BOUNCESTAT:?}"
: "${BS_SRC:=$(cd "$(dirname "$0")/../.." && pwd)}"
# shellcheck source=lib/postfix_env.sh
. "$BS_SRC/tests/integration/lib/postfix_env.sh"	# fail, bs_dump, bs_finish

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bs_clsmodel.XXXXXX")
T=$tmp
on_exit() {
	local rc=$?

	[ "$rc" -eq 0 ] || bs_dump "$T"/*.out "$T"/*.err
	bs_finish "$rc"
}
trap on_exit EXIT

rules=$T/rules.d
mkdir "$rules"
reply='554 junk content detected in message body'

"$BOUNCESTAT" classify --rules "$rules" "$reply" >"$T/on.out" \
    2>"$T/on.err" || fail "classify exited $?"
grep -q '^class: *spam_content (permanent)$' "$T/on.out" || fail "model class"
grep -q "^why: *model: 'content'.* -> spam_content (margin [0-9.]*)" \
    "$T/on.out" || fail "model why line"
echo "$reply" | "$BOUNCESTAT" classify --rules "$rules" --format json - \
    >"$T/json.out" 2>"$T/json.err" || fail "classify json exited $?"
grep -q '"evidence":"model"' "$T/json.out" || fail "json evidence"

printf 'bouncestat-model 1\nlayers off\n' \
    >"$rules/local.model"
"$BOUNCESTAT" classify --rules "$rules" "$reply" >"$T/off.out" \
    2>"$T/off.err" || fail "classify (model off) exited $?"
grep -q '^class: *unknown' "$T/off.out" || fail "layers off"

for bad in '' 'not a model' 'bouncestat-model 1\nw x loop zz\n'; do
	printf "$bad" >"$rules/local.model"
	rc=0
	"$BOUNCESTAT" classify --rules "$rules" "$reply" >"$T/bad.out" \
	    2>"$T/bad.err" || rc=$?
	[ "$rc" -eq 1 ] || fail "bad model '$bad': exit $rc"
	grep -q 'local.model' "$T/bad.err" || fail "bad model: no file name"
done
grep -q "local.model:2: bad weight 'zz'" "$T/bad.err" || fail "bad weight msg"
exit 0
