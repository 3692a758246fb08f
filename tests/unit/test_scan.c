/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/scan.c: bounded search forwards and backwards,
 * prefixes, fixed-width and strict integers, trimming. Inputs live in
 * buffers of exactly their length so that ASan catches over-reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scan.h"

/* A heap copy of s without its NUL. */
static char *
exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	assert_non_null(p);
	memcpy(p, s, len);
	return p;
}

static void
scan_find__needle_positions__first_match(void **state)
{
	char *b = exact("abcabcab", 8);

	(void)state;
	assert_ptr_equal(scan_find(b, b + 8, SCAN_LIT("abc")), b);
	assert_ptr_equal(scan_find(b + 1, b + 8, SCAN_LIT("abc")), b + 3);
	assert_ptr_equal(scan_find(b, b + 8, SCAN_LIT("cab")), b + 2);
	/* "ab" at the very end. */
	assert_ptr_equal(scan_find(b + 7, b + 8, SCAN_LIT("b")), b + 7);
	assert_null(scan_find(b + 6, b + 8, SCAN_LIT("abc")));
	assert_null(scan_find(b, b + 8, SCAN_LIT("abd")));
	assert_null(scan_find(b, b, SCAN_LIT("a")));
	assert_null(scan_find(b, b + 8, "", 0));
	free(b);
}

static void
scan_rfind__needle_positions__last_match(void **state)
{
	char *b = exact("abcabcab", 8);

	(void)state;
	assert_ptr_equal(scan_rfind(b, b + 8, SCAN_LIT("abc")), b + 3);
	assert_ptr_equal(scan_rfind(b, b + 8, SCAN_LIT("ab")), b + 6);
	assert_ptr_equal(scan_rfind(b, b + 3, SCAN_LIT("abc")), b);
	/* The only match is at the start, found after two misses. */
	assert_ptr_equal(scan_rfind(b, b + 5, SCAN_LIT("abc")), b);
	assert_null(scan_rfind(b, b + 2, SCAN_LIT("abc")));
	assert_null(scan_rfind(b, b + 8, SCAN_LIT("x")));
	assert_ptr_equal(scan_rchr(b, b + 8, 'c'), b + 5);
	assert_null(scan_rchr(b, b + 2, 'c'));
	free(b);
}

static void
scan_prefix__short_and_case__bounded(void **state)
{
	char *b = exact("SMTP;550", 8);

	(void)state;
	assert_true(scan_prefix(b, b + 8, SCAN_LIT("SMTP;")));
	assert_false(scan_prefix(b, b + 8, SCAN_LIT("smtp;")));
	assert_true(scan_prefix_ci(b, b + 8, SCAN_LIT("smtp;")));
	assert_false(scan_prefix(b, b + 3, SCAN_LIT("SMTP")));
	assert_false(scan_prefix_ci(b, b + 3, SCAN_LIT("smtp")));
	assert_true(scan_span_is(bs_span_make(b, 4), SCAN_LIT("SMTP")));
	assert_false(scan_span_is(bs_span_make(b, 5), SCAN_LIT("SMTP")));
	free(b);
}

static void
scan_fixed__digits__value_or_minus_one(void **state)
{
	char *b = exact("2026-1x", 7);

	(void)state;
	assert_int_equal(scan_fixed(b, b + 7, 4), 2026);
	assert_int_equal(scan_fixed(b + 5, b + 7, 2), -1);
	assert_int_equal(scan_fixed(b + 5, b + 6, 1), 1);
	assert_int_equal(scan_fixed(b + 5, b + 6, 2), -1); /* past end */
	free(b);
}

static void
scan_uint__strict__rejects_junk(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(scan_uint(bs_span_make("12345", 5), 99999, &v), 0);
	assert_int_equal(v, 12345);
	assert_int_equal(scan_uint(bs_span_make("12345", 5), 9999, &v), -1);
	assert_int_equal(scan_uint(bs_span_make("", 0), 10, &v), -1);
	assert_int_equal(scan_uint(bs_span_make("-1", 2), 10, &v), -1);
	assert_int_equal(scan_uint(bs_span_make("1 ", 2), 10, &v), -1);
	assert_int_equal(scan_uint(bs_span_make("+1", 2), 10, &v), -1);
	assert_int_equal(
	    scan_uint(bs_span_make("99999999999999999999", 20), UINT64_MAX, &v),
	    -1);
	assert_int_equal(
	    scan_uint(bs_span_make("9999999999999999999", 19), UINT64_MAX, &v),
	    0);
	assert_true(v == UINT64_C(9999999999999999999));
}

static void
scan_trim__blanks__removed(void **state)
{
	char *b = exact(" \t x y \t", 8);
	struct bs_span sp;

	(void)state;
	sp = scan_trim(b, b + 8);
	assert_int_equal(sp.len, 3);
	assert_memory_equal(sp.ptr, "x y", 3);
	sp = scan_trim(b, b + 2);
	assert_int_equal(sp.len, 0);
	free(b);
}

static void
scan_list_comma__commas_inside_brackets_and_quotes__skipped(void **state)
{
	static const char list[] = "<a,b@x>,\"c, d\"@y, e", open[] = "\"a,";
	const char *end = list + sizeof(list) - 1;

	(void)state;
	assert_ptr_equal(scan_list_comma(list, end, false), list + 7);
	assert_ptr_equal(scan_list_comma(list + 8, end, false), list + 16);
	assert_ptr_equal(scan_list_comma(list, end, true), list + 16);
	assert_ptr_equal(scan_list_comma(list, list + 5, false), list + 5);
	assert_ptr_equal(scan_list_comma(open, open + 3, false), open + 3);
}

/*
 * Issue 14: scan_upto3() (SSE2 steps, the last step that ends at end,
 * SWAR, bytes) against a byte loop: every length to 70, every place of
 * a byte sought (and a near miss beside it), in a heap copy of exactly
 * the range (ASan: no step reads past it). On the portable build
 * (test_scan_scalar) the same checks cover the SWAR and byte loops.
 */
static void
scan_upto3__every_length_and_position__first_of_three(void **state)
{
	const char sought[3] = { ':', '[', ' ' };
	char buf[70];
	const char *want, *q;
	size_t len, at, at2, i, k;
	char *b;

	(void)state;
	for (len = 0; len <= sizeof(buf); len++)
		for (at = 0; at <= len; at++)
			for (k = 0; k < 3; k++) {
				/* filler, a near miss (';', 'Z'), one sought
				 * byte at at (none when at == len), another
				 * later */
				for (i = 0; i < len; i++)
					buf[i] =
					    i % 7 == 3 ? ';' : 'a' + i % 26;
				if (len > 0)
					buf[(at + 1) % len] = 'Z';
				if (at < len)
					buf[at] = sought[k];
				at2 = at + 5 + k;
				if (at2 < len)
					buf[at2] = sought[(k + 1) % 3];
				b = exact(buf, len);
				for (want = b; want < b + len; want++)
					if (*want == ':' || *want == '[' ||
					    *want == ' ')
						break;
				q = scan_upto3(b, b + len, ':', '[', ' ');
				assert_ptr_equal(q, want);
				/* from every start inside */
				for (i = 0; i < len; i += 3) {
					for (want = b + i; want < b + len;
					     want++)
						if (*want == ':' ||
						    *want == '[' ||
						    *want == ' ')
							break;
					assert_ptr_equal(
					    scan_upto3(
						b + i, b + len, ':', '[', ' '),
					    want);
				}
				free(b);
			}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    scan_upto3__every_length_and_position__first_of_three),
		cmocka_unit_test(
		    scan_list_comma__commas_inside_brackets_and_quotes__skipped),
		cmocka_unit_test(scan_find__needle_positions__first_match),
		cmocka_unit_test(scan_rfind__needle_positions__last_match),
		cmocka_unit_test(scan_prefix__short_and_case__bounded),
		cmocka_unit_test(scan_fixed__digits__value_or_minus_one),
		cmocka_unit_test(scan_uint__strict__rejects_junk),
		cmocka_unit_test(scan_trim__blanks__removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
