/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A 64-bit non-cryptographic hash (FNV-1a) for content fingerprints of
 * followed files and for cache keys. Incremental: pass the previous value
 * as h to continue a hash over several pieces; start from BS_HASH_INIT.
 */
#ifndef BS_PARSERS_HASH_H
#define BS_PARSERS_HASH_H

#include <stddef.h>
#include <stdint.h>

#define BS_HASH_INIT UINT64_C(0xcbf29ce484222325)

uint64_t bs_hash64(uint64_t h, const void *p, size_t len);

#endif
