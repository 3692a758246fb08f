# SPDX-License-Identifier: ISC
#
# Copyright (c) 2026 The bouncestat authors
#
# Sourceable helpers for the tests that drive a real Exim: Debian's
# exim4-daemon-light binary, unpacked with `apt-get download` + `dpkg -x`
# into the test's directory (nothing is installed, Exim never becomes the
# system MTA and no daemon listens), run with the test's own
# configuration (-C "$tmp/exim.conf").
#
# Exim's binary wants its compile-time user "Debian-exim": every Exim
# command runs in a private mount namespace (unshare -m) where
# /etc/passwd and /etc/group are bind-mounted copies with that user added
# (as uid/gid 65534), so the system's files are never changed.
#
# Usage (bash, set -eu, after lib/postfix_env.sh for fail()):
#
#   exim_test_begin                  # skip(), $tmp, the EXIT trap
#   exim_unpack                      # sets EXIM, EXIM_UID; defines exim
#   ... write "$tmp/exim.conf" ...
#   exim -bV
#
# Needs root, unshare, dpkg and apt access to the Debian mirror (or the
# two .deb files in $EXIM_DEB_DIR); calls skip otherwise.

# exim_test_begin: the start both Exim tests share: skip() (exit 77)
# unless $BOUNCESTAT and python3 are there, a private $tmp (0755: Exim's
# user reads it), passed=0, and an EXIT trap that stops the sink, shows
# Exim's logs, the sink's and the test's *.out/*.err unless the test set
# passed=1 (or skipped), and removes $tmp (bs_finish; KEEP=1 keeps it).
exim_test_begin() {
	[ -n "${BOUNCESTAT:-}" ] && [ -x "$BOUNCESTAT" ] ||
	    skip "BOUNCESTAT does not name the bouncestat binary"
	command -v python3 >/dev/null || skip "python3 not found"
	tmp=$(mktemp -d)
	chmod 0755 "$tmp"
	passed=0
	trap exim_test_end EXIT
	trap 'exit 143' TERM INT HUP
}

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

exim_test_end() {
	local rc=$?
	trap - EXIT
	sink_stop
	if [ "$passed" != 1 ] && [ "$rc" != 77 ]; then
		bs_dump "$tmp/log/mainlog" "$tmp/log/paniclog" "${SINK_LOG:-}" \
		    "$tmp/sink.stderr" "$tmp"/*.out "$tmp"/*.err
	fi
	bs_finish "$rc"
}

# exim_conf_head NAME: the spool and log directories (Exim's user owns
# them) and the start of $tmp/exim.conf that every test shares, for NAME
# (the test); the test appends its own settings, routers and transports.
exim_conf_head() {
	mkdir -p "$tmp/spool" "$tmp/log"
	chown "$EXIM_UID" "$tmp/spool" "$tmp/log"
	cat >"$tmp/exim.conf" <<EOF
# Private bouncestat test configuration ($1).
primary_hostname = exim.bs.test
qualify_domain = bs.test
spool_directory = $tmp/spool
log_file_path = $tmp/log/%slog
log_selector = +smtp_confirmation
keep_environment =
EOF
}

# exim_send RCPT...: one message from the null sender to RCPT..., queued
# (-odq) for the test's queue runs; fail() when Exim refuses it.
exim_send() {
	printf 'Subject: bouncestat exim test\n\nhello\n' |
	    exim -odq -f '<>' "$@" >>"$tmp/send.out" 2>&1 ||
	    fail "exim could not queue a message to $*"
}

# exim_unpack: Exim and libidn12 unpacked into $tmp/root; the passwd and
# group copies with Debian-exim; the mount namespace tried once.
exim_unpack() {
	local debs=$tmp/debs d
	[ "$(id -u)" = 0 ] || skip "needs root (private mount namespace for Exim)"
	command -v unshare >/dev/null || skip "unshare(1) not found"
	command -v dpkg >/dev/null || skip "dpkg not found"
	mkdir -p "$debs" "$tmp/root"
	if [ -n "${EXIM_DEB_DIR:-}" ]; then
		cp "$EXIM_DEB_DIR"/exim4-daemon-light_*.deb \
		    "$EXIM_DEB_DIR"/libidn12_*.deb "$debs/" 2>/dev/null ||
		    skip "EXIM_DEB_DIR has no exim4-daemon-light and libidn12 .deb"
	else
		(cd "$debs" && apt-get download exim4-daemon-light libidn12) \
		    >"$tmp/apt.out" 2>&1 ||
		    skip "apt-get download exim4-daemon-light libidn12 failed" \
			"(no Debian mirror?): $(tail -1 "$tmp/apt.out")"
	fi
	for d in "$debs"/*.deb; do
		dpkg -x "$d" "$tmp/root" || fail "dpkg -x $d"
	done
	EXIM=$tmp/root/usr/sbin/exim4
	[ -x "$EXIM" ] || fail "no usr/sbin/exim4 in the package"
	EXIM_LIBDIR=$tmp/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH \
	    2>/dev/null || echo x86_64-linux-gnu)

	cp /etc/passwd "$tmp/passwd"
	cp /etc/group "$tmp/group"
	grep -q '^Debian-exim:' "$tmp/passwd" ||
	    echo 'Debian-exim:x:65534:65534:Exim test:/nonexistent:/usr/sbin/nologin' \
		>>"$tmp/passwd"
	grep -q '^Debian-exim:' "$tmp/group" || echo 'Debian-exim:x:65534:' \
	    >>"$tmp/group"
	EXIM_UID=$(awk -F: '$1 == "Debian-exim" { print $3 }' "$tmp/passwd")
	unshare -m sh -c 'mount --bind "$1" /etc/passwd' sh "$tmp/passwd" \
	    2>"$tmp/unshare.err" || skip "cannot bind-mount in a private mount" \
	    "namespace: $(cat "$tmp/unshare.err")"
}

# exim ARGS...: Exim with $tmp/exim.conf, in a private mount namespace.
exim() {
	unshare -m sh -c 'mount --bind "$1" /etc/passwd &&
	    mount --bind "$2" /etc/group && shift 2 && exec "$@"' sh \
	    "$tmp/passwd" "$tmp/group" \
	    env LD_LIBRARY_PATH="$EXIM_LIBDIR" "$EXIM" -C "$tmp/exim.conf" "$@"
}
