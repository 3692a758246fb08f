/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/duration.c: the one duration syntax of --since,
 * --detect and the configuration, and its two written forms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "duration.h"

static int64_t
ms_of(const char *s, int64_t bare)
{
	const char *why = NULL;
	int64_t ms = -2;

	if (duration_parse(s, bare, &ms, &why) == -1) {
		assert_non_null(why);
		return -1;
	}
	return ms;
}

static void
duration_parse__combined_units__summed(void **state)
{
	(void)state;
	assert_int_equal(ms_of("1h30m", 0), 5400000);
	assert_int_equal(ms_of("1d12h", 0), 129600000);
	assert_int_equal(ms_of("500ms", 0), 500);
	assert_int_equal(ms_of("2w", 0), 1209600000);
	assert_int_equal(ms_of("0", 0), 0);
}

static void
duration_parse__bare_number__only_when_allowed(void **state)
{
	(void)state;
	assert_int_equal(ms_of("600", 1000), 600000);
	assert_int_equal(ms_of("600", 0), -1);
	assert_int_equal(ms_of("10m5", 1000), -1); /* bare only alone */
}

static void
duration_parse__garbage__refused(void **state)
{
	(void)state;
	assert_int_equal(ms_of("", 0), -1);
	assert_int_equal(ms_of("m", 0), -1);
	assert_int_equal(ms_of("10x", 0), -1);
	assert_int_equal(ms_of("-5m", 0), -1);
	assert_int_equal(ms_of("10 m", 0), -1);
	assert_int_equal(ms_of("99999999999999999999s", 0), -1);
}

static void
duration_format__largest_exact_unit__round_trips(void **state)
{
	static const char *const in[] = { "10m", "90s", "1h", "2w", "3d",
		"1500ms", "0" };
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		duration_format(buf, sizeof(buf), ms_of(in[i], 0));
		assert_string_equal(buf, in[i]);
	}
}

static void
duration_human__spans__read_like_prose(void **state)
{
	char buf[32];

	(void)state;
	duration_human(buf, sizeof(buf), 45);
	assert_string_equal(buf, "45 s");
	duration_human(buf, sizeof(buf), 600);
	assert_string_equal(buf, "10 min");
	duration_human(buf, sizeof(buf), 7500);
	assert_string_equal(buf, "2 h 5 min");
	duration_human(buf, sizeof(buf), 3 * 86400 + 4 * 3600);
	assert_string_equal(buf, "3 d 4 h");
	duration_human(buf, sizeof(buf), -5);
	assert_string_equal(buf, "0 s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(duration_parse__combined_units__summed),
		cmocka_unit_test(
		    duration_parse__bare_number__only_when_allowed),
		cmocka_unit_test(duration_parse__garbage__refused),
		cmocka_unit_test(
		    duration_format__largest_exact_unit__round_trips),
		cmocka_unit_test(duration_human__spans__read_like_prose),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
