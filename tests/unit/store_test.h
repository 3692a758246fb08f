/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Helpers of the unit tests that add records to a real store: a span of
 * a C string (NULL: empty), a seeded pseudo-random sequence that is the
 * same on every machine, and a writable store opened or the test failed.
 * Static inline, so including it costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_STORE_TEST_H
#define BS_TESTS_UNIT_STORE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "event.h"
#include "store.h"

/* The span of s, empty for NULL. */
static inline struct bs_span
sp(const char *s)
{
	return bs_span_make(s, s != NULL ? strlen(s) : 0);
}

/* xorshift64*: the same sequence for a seed, on every machine. */
static inline uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* A writable store on the database at path; fails the test if none. */
static inline struct store *
open_rw(const char *path)
{
	char err[BS_ERRLEN];
	struct store *st = store_open(path, 0, err);

	if (st == NULL)
		fail_msg("store_open: %s", err);
	return st;
}

#endif
