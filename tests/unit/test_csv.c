/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of the CSV cell writer of every CSV output (csv_cell()):
 * RFC 4180 quoting, control characters and invalid UTF-8 as '?', and
 * OWASP's single-quote prefix for cells a spreadsheet would run as a
 * formula.
 */
#define _DEFAULT_SOURCE /* open_memstream */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "put_test.h"

/* csv_cell() of len bytes of in, as a NUL-terminated string. */
static char *
cell(const char *in, size_t len)
{
	return put_output(csv_cell, in, len);
}

static void
want(const char *in, const char *expect)
{
	char *got = cell(in, strlen(in));

	assert_string_equal(got, expect);
	free(got);
}

static void
csv_cell__formula_start__prefixed(void **state)
{
	(void)state;
	want("=1+1", "'=1+1");
	want("+cmd@example.net", "'+cmd@example.net");
	want("-2", "'-2");
	want("@SUM(A1)", "'@SUM(A1)");
	want("\t=x", "\"'?=x\"");
	want("\r=x", "\"'?=x\"");
	want("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
	/* only the first character counts */
	want("a=1", "a=1");
	want("550 5.1.1 -", "550 5.1.1 -");
}

static void
csv_cell__plain__as_is_or_quoted(void **state)
{
	char *got;

	(void)state;
	want("", "");
	want("qq.com", "qq.com");
	want("a,b", "\"a,b\"");
	want("say \"hi\"", "\"say \"\"hi\"\"\"");
	want(" lead", "\" lead\"");
	want("a\nb", "\"a?b\"");
	want("caf\xc3\xa9", "caf\xc3\xa9");
	want("u\xff\xfe@x", "u??@x");
	got = cell("a\0b", 3);
	assert_string_equal(got, "\"a?b\"");
	free(got);
	got = NULL;
	{
		size_t n = 0;
		FILE *fp = open_memstream(&got, &n);

		assert_non_null(fp);
		csv_cstr(fp, NULL);
		assert_int_equal(fclose(fp), 0);
		assert_string_equal(got, "");
		free(got);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csv_cell__formula_start__prefixed),
		cmocka_unit_test(csv_cell__plain__as_is_or_quoted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
