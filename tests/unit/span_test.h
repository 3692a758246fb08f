/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The span assertion every parser unit test uses: a span compared with a
 * string, the failure naming the field; and an exact-length heap copy of
 * an input, so that ASan catches reads past its end. Static inline, so
 * including it costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_SPAN_TEST_H
#define BS_TESTS_UNIT_SPAN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"

/* Fails the test unless span sp holds exactly want; what names it. */
static inline void
span_is(const char *what, struct bs_span sp, const char *want)
{
	char got[1024];

	assert_true(sp.len < sizeof(got));
	memcpy(got, sp.len ? sp.ptr : "", sp.len);
	got[sp.len] = '\0';
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", want \"%s\"", what, got, want);
}

/* A heap copy of the len bytes at s without a NUL; the caller frees it. */
static inline char *
span_test_copy(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);

	assert_non_null(p);
	if (len > 0)
		memcpy(p, s, len);
	return p;
}

#endif
