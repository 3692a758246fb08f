/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The span assertion every parser unit test uses: a span compared with a
 * string, the failure naming the field. Static inline, so including it
 * costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_SPAN_TEST_H
#define BS_TESTS_UNIT_SPAN_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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

#endif
