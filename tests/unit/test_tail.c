/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of the pure helpers of daemon/follow/tail.c: which names are
 * rotated generations (skipped by glob patterns, so that a rotated copy is
 * never followed as a new file), the position fingerprint, and which
 * siblings are generations of a log and in what order those rotated while
 * the daemon was down are read. The following
 * itself (rotations, truncation, restarts) is tested with the real binary
 * by tests/integration/daemon_*.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

static void
tail_generation_of__rotation_suffixes__true(void **state)
{
	static const char *const names[] = { "mail.log.1", "mail.log.12.gz",
		"mail.log.gz", "mail.log-20261124", "mail.log-20261124.gz",
		"mail.log.20261124-031500.gz", "mail.log-2026-11-24",
		"mail.log.old", "mail.log.2.bz2",
		"mail.log-20261124-1765000000" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!tail_generation_of("mail.log", names[i]))
			fail_msg("%s is a generation of mail.log", names[i]);
}

static void
tail_generation_of__other_logs__false(void **state)
{
	static const char *const names[] = { "mail.log", "mail.logx.1",
		"mail.log.lock", "mail.log.1.tmp", "mail.log.bak.1x",
		"mail.err.1", "mail.log.gz.part", "mail.log1",
		/* review14: a copy made by hand, not a generation */
		"mail.log.bak", "mail.log.bak.gz" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (tail_generation_of("mail.log", names[i]))
			fail_msg("%s is no generation of mail.log", names[i]);
	/* Another log's generation that starts with this log's name. */
	assert_false(tail_generation_of("mail", "mail.log.1"));
	assert_false(tail_generation_of("", "mail.log.1"));
}

/* Sorts names with the given mtimes; checks the order expected. */
static void
check_order(const char *const *in, const int64_t *sec, const char *const *want,
    size_t n)
{
	struct tail_generation g[8];
	size_t i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++) {
		g[i].name = in[i];
		g[i].mtime_sec = sec[i];
		g[i].mtime_nsec = 0;
	}
	qsort(g, n, sizeof(g[0]), tail_generation_cmp);
	for (i = 0; i < n; i++)
		if (strcmp(g[i].name, want[i]) != 0)
			fail_msg(
			    "position %zu: %s, want %s", i, g[i].name, want[i]);
}

static void
tail_generation_cmp__mtime_first__oldest_first(void **state)
{
	static const char *const in[] = { "mail.log.1", "mail.log.3.gz",
		"mail.log.2.gz" };
	static const int64_t sec[] = { 300, 100, 200 };
	static const char *const want[] = { "mail.log.3.gz", "mail.log.2.gz",
		"mail.log.1" };
	/* A name that says older does not outrank a later mtime. */
	static const char *const in2[] = { "mail.log.1", "mail.log.2" };
	static const int64_t sec2[] = { 100, 200 };
	static const char *const want2[] = { "mail.log.1", "mail.log.2" };

	(void)state;
	check_order(in, sec, want, 3);
	check_order(in2, sec2, want2, 2);
}

static void
tail_generation_cmp__same_mtime__by_number_or_date(void **state)
{
	static const char *const in[] = { "mail.log.1", "mail.log.10.gz",
		"mail.log.9.gz", "mail.log.2" };
	static const int64_t sec[] = { 5, 5, 5, 5 };
	static const char *const want[] = { "mail.log.10.gz", "mail.log.9.gz",
		"mail.log.2", "mail.log.1" };
	static const char *const in2[] = { "mail.log-20261125",
		"mail.log-20261124.gz", "mail.log-20261201.gz" };
	static const int64_t sec2[] = { 7, 7, 7 };
	static const char *const want2[] = { "mail.log-20261124.gz",
		"mail.log-20261125", "mail.log-20261201.gz" };
	struct tail_generation a = { "mail.log.1", 5, 1 },
			       b = { "mail.log.1", 5, 2 };

	(void)state;
	check_order(in, sec, want, 4);
	check_order(in2, sec2, want2, 3);
	/* Nanoseconds count; the same entry is equal to itself. */
	assert_true(tail_generation_cmp(&a, &b) < 0);
	assert_true(tail_generation_cmp(&b, &a) > 0);
	assert_int_equal(tail_generation_cmp(&a, &a), 0);
}

static int
sign(int v)
{
	return (v > 0) - (v < 0);
}

/*
 * Names of one mtime, numbered and dated mixed (a site that changed its
 * rotation scheme): every pair answers the same both ways and every
 * triple is transitive, as qsort() needs (mail.log.1 < mail.log.20261201
 * < mail.log.2 < mail.log.1 before).
 */
static void
tail_generation_cmp__mixed_names__total_order(void **state)
{
	static const char *const names[] = { "mail.log.1", "mail.log.2",
		"mail.log.10.gz", "mail.log.20261201", "mail.log-20261124.gz",
		"mail.log.old", "mail.log.gz", "mail.log.3",
		"mail.log.20261125-031500", "mail.log.999999" };
	enum {
		N = sizeof(names) / sizeof(names[0])
	};
	struct tail_generation g[N];
	size_t i, j, k;
	int ij, jk, ik;

	(void)state;
	for (i = 0; i < N; i++) {
		g[i].name = names[i];
		g[i].mtime_sec = 9;
		g[i].mtime_nsec = 0;
	}
	for (i = 0; i < N; i++)
		for (j = 0; j < N; j++) {
			ij = sign(tail_generation_cmp(&g[i], &g[j]));
			if (ij != -sign(tail_generation_cmp(&g[j], &g[i])) ||
			    (i == j) != (ij == 0))
				fail_msg("%s vs %s: not antisymmetric",
				    names[i], names[j]);
			for (k = 0; k < N; k++) {
				jk = sign(tail_generation_cmp(&g[j], &g[k]));
				ik = sign(tail_generation_cmp(&g[i], &g[k]));
				if (ij < 0 && jk < 0 && ik >= 0)
					fail_msg("%s < %s < %s but not %s < %s",
					    names[i], names[j], names[k],
					    names[i], names[k]);
			}
		}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tail_rotated_name__rotated_generations__true),
		cmocka_unit_test(tail_generation_cmp__mixed_names__total_order),
		cmocka_unit_test(tail_rotated_name__live_logs__false),
		cmocka_unit_test(tail_fingerprint__bytes__fnv1a_of_them),
		cmocka_unit_test(tail_generation_of__rotation_suffixes__true),
		cmocka_unit_test(tail_generation_of__other_logs__false),
		cmocka_unit_test(
		    tail_generation_cmp__mtime_first__oldest_first),
		cmocka_unit_test(
		    tail_generation_cmp__same_mtime__by_number_or_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
