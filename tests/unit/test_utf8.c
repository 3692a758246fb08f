/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of parsers/utf8.c: valid sequences of one to four bytes, the
 * boundary code points of each length, and every kind of invalid input
 * RFC 3629 rules out (bad lead byte, truncation, bad continuation,
 * overlong forms, surrogates, beyond U+10FFFF). Each input is copied into
 * a buffer of exactly its length so that ASan catches over-reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

#define CP_UNSET UINT32_C(0xdeadbeef)

/* Decodes len bytes of in from an exact-size heap copy. */
static size_t
decode(const char *in, size_t len, uint32_t *cp)
{
	unsigned char *buf;
	size_t n;

	buf = malloc(len > 0 ? len : 1);
	assert_non_null(buf);
	memcpy(buf, in, len);
	*cp = CP_UNSET;
	n = utf8_decode(buf, len, cp);
	free(buf);
	return n;
}

/* Asserts that in (len bytes) is one valid sequence of code point want. */
static void
assert_valid(const char *in, size_t len, uint32_t want)
{
	uint32_t cp;

	assert_int_equal(decode(in, len, &cp), len);
	assert_int_equal(cp, want);
}

/* Asserts that in (len bytes) is rejected and *cp left alone. */
static void
assert_invalid(const char *in, size_t len)
{
	uint32_t cp;

	assert_int_equal(decode(in, len, &cp), 0);
	assert_int_equal(cp, CP_UNSET);
}

static void
utf8_decode__ascii__one_byte(void **state)
{
	(void)state;
	assert_valid("A", 1, 0x41);
	assert_valid("\x7f", 1, 0x7f); /* U+007F: last of one byte */
}

static void
utf8_decode__nul_byte__code_point_zero(void **state)
{
	(void)state;
	assert_valid("\0", 1, 0);
}

static void
utf8_decode__two_byte_bounds__decoded(void **state)
{
	(void)state;
	assert_valid("\xc2\x80", 2, 0x80);  /* U+0080: first of two */
	assert_valid("\xc3\xa9", 2, 0xe9);  /* é */
	assert_valid("\xdf\xbf", 2, 0x7ff); /* U+07FF: last of two */
}

static void
utf8_decode__three_byte_bounds__decoded(void **state)
{
	(void)state;
	assert_valid("\xe0\xa0\x80", 3, 0x800);  /* U+0800: first of three */
	assert_valid("\xe2\x82\xac", 3, 0x20ac); /* € */
	assert_valid("\xed\x9f\xbf", 3, 0xd7ff); /* just below surrogates */
	assert_valid("\xee\x80\x80", 3, 0xe000); /* just above surrogates */
	assert_valid("\xef\xbf\xbf", 3, 0xffff); /* U+FFFF: last of three */
}

static void
utf8_decode__four_byte_bounds__decoded(void **state)
{
	(void)state;
	assert_valid("\xf0\x90\x80\x80", 4, 0x10000);  /* first of four */
	assert_valid("\xf0\x9f\x98\x80", 4, 0x1f600);  /* emoji */
	assert_valid("\xf4\x8f\xbf\xbf", 4, 0x10ffff); /* U+10FFFF: last */
}

static void
utf8_decode__longer_input__first_sequence_only(void **state)
{
	uint32_t cp;

	(void)state;
	/* "é!" then garbage: only the first character is decoded. */
	assert_int_equal(decode("\xc3\xa9!\xff", 4, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(decode("a\xff", 2, &cp), 1);
	assert_int_equal(cp, 'a');
}

static void
utf8_decode__empty__invalid(void **state)
{
	const unsigned char a[] = { 'A' };
	uint32_t cp = CP_UNSET;

	(void)state;
	/* n bounds the read even when readable bytes follow. */
	assert_int_equal(utf8_decode(a, 0, &cp), 0);
	assert_int_equal(cp, CP_UNSET);
	assert_invalid("", 0);
}

static void
utf8_decode__continuation_as_lead__invalid(void **state)
{
	(void)state;
	assert_invalid("\x80", 1);
	assert_invalid("\xbf\x80", 2);
}

static void
utf8_decode__bad_lead_byte__invalid(void **state)
{
	(void)state;
	assert_invalid("\xc0\x80", 2); /* overlong U+0000 */
	assert_invalid("\xc1\xbf", 2); /* overlong U+007F */
	assert_invalid("\xf5\x80\x80\x80", 4);
	assert_invalid("\xf8\x88\x80\x80\x80", 5); /* old 5-byte form */
	assert_invalid("\xfe", 1);
	assert_invalid("\xff", 1);
}

static void
utf8_decode__overlong__invalid(void **state)
{
	(void)state;
	assert_invalid("\xe0\x80\x80", 3);     /* U+0000 in three */
	assert_invalid("\xe0\x9f\xbf", 3);     /* U+07FF in three */
	assert_invalid("\xf0\x80\x80\x80", 4); /* U+0000 in four */
	assert_invalid("\xf0\x8f\xbf\xbf", 4); /* U+FFFF in four */
}

static void
utf8_decode__surrogate__invalid(void **state)
{
	(void)state;
	assert_invalid("\xed\xa0\x80", 3); /* U+D800 */
	assert_invalid("\xed\xbf\xbf", 3); /* U+DFFF */
	/* A CESU-8 pair (U+D83D U+DE00) is two invalid sequences. */
	assert_invalid("\xed\xa0\xbd\xed\xb8\x80", 6);
}

static void
utf8_decode__beyond_max__invalid(void **state)
{
	(void)state;
	assert_invalid("\xf4\x90\x80\x80", 4); /* U+110000 */
	assert_invalid("\xf7\xbf\xbf\xbf", 4); /* U+1FFFFF */
}

static void
utf8_decode__truncated__invalid(void **state)
{
	(void)state;
	assert_invalid("\xc3", 1);
	assert_invalid("\xe2\x82", 2);
	assert_invalid("\xe2", 1);
	assert_invalid("\xf0\x9f\x98", 3);
	assert_invalid("\xf0\x9f", 2);
	assert_invalid("\xf0", 1);
}

static void
utf8_decode__bad_continuation__invalid(void **state)
{
	(void)state;
	assert_invalid("\xc3\x41", 2);         /* ASCII */
	assert_invalid("\xc3\xc3\xa9", 3);     /* a lead byte */
	assert_invalid("\xe2\x82\x41", 3);     /* third byte */
	assert_invalid("\xe2\x28\xac", 3);     /* second byte */
	assert_invalid("\xf0\x9f\x98\x41", 4); /* fourth byte */
	assert_invalid("\xf0\x9f\xc0\x80", 4); /* third byte */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(utf8_decode__ascii__one_byte),
		cmocka_unit_test(utf8_decode__nul_byte__code_point_zero),
		cmocka_unit_test(utf8_decode__two_byte_bounds__decoded),
		cmocka_unit_test(utf8_decode__three_byte_bounds__decoded),
		cmocka_unit_test(utf8_decode__four_byte_bounds__decoded),
		cmocka_unit_test(
		    utf8_decode__longer_input__first_sequence_only),
		cmocka_unit_test(utf8_decode__empty__invalid),
		cmocka_unit_test(utf8_decode__continuation_as_lead__invalid),
		cmocka_unit_test(utf8_decode__bad_lead_byte__invalid),
		cmocka_unit_test(utf8_decode__overlong__invalid),
		cmocka_unit_test(utf8_decode__surrogate__invalid),
		cmocka_unit_test(utf8_decode__beyond_max__invalid),
		cmocka_unit_test(utf8_decode__truncated__invalid),
		cmocka_unit_test(utf8_decode__bad_continuation__invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
