/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What a writer of the form put(fp, s, len) (csv_cell(), html_put_text())
 * writes for len bytes of in, as a NUL-terminated heap string the caller
 * frees. Static inline, so including it costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_PUT_TEST_H
#define BS_TESTS_UNIT_PUT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

static inline char *
put_output(
    void (*put)(FILE *, const char *, size_t), const char *in, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	assert_non_null(fp);
	put(fp, in, len);
	assert_int_equal(fclose(fp), 0);
	return out;
}

#endif
