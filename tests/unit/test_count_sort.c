/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Issue 14: the count tables are sorted for writing by a radix sort over
 * the key bits that differ between their keys (schema/store_count.c
 * store_cslot_radix()). The order must be the key order (bucket signed,
 * then names, then rest, unsigned), whatever bits differ: the day
 * rollup is written at day boundaries found in that order, and the rows
 * go into their B-trees in it. Checked here against qsort() on random
 * tables shaped like the hour, minute and rollup tables, on keys whose
 * differing bits are spread wide (more digits than the sort takes: its
 * merge sort instead) and on every size around its thresholds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_impl.h"
#include "xorshift_test.h"

static int
ref_cmp(const void *pa, const void *pb)
{
	const struct cslot *a = pa, *b = pb;

	if (a->k.bucket != b->k.bucket)
		return a->k.bucket < b->k.bucket ? -1 : 1;
	if (a->k.names != b->k.names)
		return a->k.names < b->k.names ? -1 : 1;
	if (a->k.rest != b->k.rest)
		return a->k.rest < b->k.rest ? -1 : 1;
	return 0;
}

enum shape {
	SH_HOUR,   /* a day of hours, thousands of domains, a few hosts */
	SH_MINUTE, /* minutes, class/status/kind, providers */
	SH_SIGNED, /* buckets either side of 0 */
	SH_WIDE,   /* random bits everywhere */
	SH_SPARSE, /* one bit in every 12 differs: many digits */
	SH_COUNT
};

static struct ckey
key_of(enum shape sh)
{
	struct ckey k;
	uint64_t r = rnd(), s = rnd();

	switch (sh) {
	case SH_HOUR:
		k.bucket =
		    (int64_t)((UINT64_C(494000) + r % 24) << 32 | (s % 3 + 1));
		k.names = (rnd() % 6000 + 10) << 32 | (rnd() % 40);
		k.rest = (rnd() % 12) << 56 | (rnd() % 4) << 52 |
		    (rnd() % 600) << 36 | (rnd() % 90) << 4 | (rnd() % 4);
		break;
	case SH_MINUTE:
		k.bucket =
		    (int64_t)(INT64_C(1793232000) + (int64_t)(r % 5000) * 60);
		k.names = (s % 12) << 56 | (rnd() % 4) << 52 | (rnd() % 4);
		k.rest = rnd() % 300;
		break;
	case SH_SIGNED:
		k.bucket = (int64_t)(r % 20001) - 10000;
		k.names = s % 7;
		k.rest = rnd() % 5;
		break;
	case SH_WIDE:
		k.bucket = (int64_t)r;
		k.names = s;
		k.rest = rnd();
		break;
	default: /* SH_SPARSE */
		k.bucket = (int64_t)(r & UINT64_C(0x8008008008008008));
		k.names = s & UINT64_C(0x0800800800800800);
		k.rest = rnd() & UINT64_C(0x1001001001001001);
		break;
	}
	return k;
}

/* Up to n distinct keys of shape sh, sorted both ways, compared. */
static void
check(enum shape sh, size_t n)
{
	struct cslot *a = calloc(2 * n + 1, sizeof(*a));
	struct cslot *want = calloc(n + 1, sizeof(*want));
	struct cslot t;
	size_t i, j, m = 0;

	assert_non_null(a);
	assert_non_null(want);
	for (i = 0; i < n; i++)
		want[i].k = key_of(sh);
	/* distinct keys, as in a table, then shuffled */
	qsort(want, n, sizeof(*want), ref_cmp);
	for (i = 0; i < n; i++)
		if (m == 0 || ref_cmp(&want[m - 1], &want[i]) != 0)
			want[m++] = want[i];
	for (i = 0; i < m; i++) {
		want[i].n = (int64_t)i + 1;
		a[i] = want[i];
	}
	for (i = m; i > 1; i--) {
		j = (size_t)(rnd() % i);
		t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
	store_cslot_radix(a, a + m, m);
	for (i = 0; i < m; i++)
		if (ref_cmp(&a[i], &want[i]) != 0 || a[i].n != want[i].n)
			fail_msg("shape %d, %zu keys: row %zu out of order", sh,
			    m, i);
	free(a);
	free(want);
}

static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 255, 256, 257, 1000, 4095,
		4096, 4097 };
	size_t i;
	int sh;

	(void)state;
	for (sh = 0; sh < SH_COUNT; sh++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			check((enum shape)sh, sizes[i]);
}

static void
test_full_tables(void **state)
{
	int sh, round;

	(void)state;
	for (round = 0; round < 2; round++)
		for (sh = 0; sh < SH_COUNT; sh++)
			check((enum shape)sh, 16384);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_full_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
