/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of the pure helpers of daemon/follow/tail.c: which names are
 * rotated generations (skipped by glob patterns, so that a rotated copy is
 * never followed as a new file) and the position fingerprint. The following
 * itself (rotations, truncation, restarts) is tested with the real binary
 * by tests/integration/daemon_*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hash.h"
#include "tail.h"

static void
tail_rotated_name__rotated_generations__true(void **state)
{
	static const char *const names[] = { "mail.log.1", "mail.log.12",
		"mail.log.1.gz", "mail.log.gz", "maillog-20261124",
		"maillog-2026112413", "mail.log-20261124.gz",
		"postfix.log.20261124-125959", "mail.log.bz2", "mail.log.xz",
		"mail.log.zst", "mail.log.old", "mail.log.bak",
		"mail-2026-11-24", "mail.log.lz4", "x.Z", "x.zip" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!tail_rotated_name(names[i]))
			fail_msg("%s is a rotated name", names[i]);
}

static void
tail_rotated_name__live_logs__false(void **state)
{
	static const char *const names[] = { "mail.log", "maillog",
		"postfix.log", "mail2.log", "mail.err", "mail.warn",
		"exim-mainlog", "mail-in.log", "1", ".1", "-2026", "log.",
		"mail.log-", "mail.log.", "a.gzip" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tail_rotated_name(names[i]))
			fail_msg("%s is not a rotated name", names[i]);
}

static void
tail_fingerprint__bytes__fnv1a_of_them(void **state)
{
	static const char text[] = "Nov 24 10:00:01 mx postfix/smtp[1]: x\n";

	(void)state;
	assert_true(tail_fingerprint(text, sizeof(text) - 1) ==
	    bs_hash64(BS_HASH_INIT, text, sizeof(text) - 1));
	assert_true(tail_fingerprint(text, 0) == BS_HASH_INIT);
	assert_true(tail_fingerprint(text, 10) != tail_fingerprint(text, 11));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tail_rotated_name__rotated_generations__true),
		cmocka_unit_test(tail_rotated_name__live_logs__false),
		cmocka_unit_test(tail_fingerprint__bytes__fnv1a_of_them),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
