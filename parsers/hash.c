/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * FNV-1a, 64 bits (http://www.isthe.com/chongo/tech/comp/fnv/). Not for
 * adversarial keys: fingerprints compare the bytes of our own log files.
 */
#include "hash.h"

/* Continues hash h over len bytes at p; returns the new value. */
uint64_t
bs_hash64(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= s[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h;
}
