/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The unit tests' random numbers: xorshift64 from a fixed seed, so that a
 * failing case comes back on every run. Each test file including this has
 * its own state. Static, so including it costs nothing where unused.
 */
#ifndef BS_TESTS_UNIT_XORSHIFT_TEST_H
#define BS_TESTS_UNIT_XORSHIFT_TEST_H

#include <stdint.h>

static uint64_t rng = UINT64_C(0x9e3779b97f4a7c15);

static inline uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#endif
