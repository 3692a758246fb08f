/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Fuzz target: a byte-coded event stream through the detector runner over
 * a real SQLite file (tests/fuzz/detect_harness.c): bursts, late results,
 * gaps, chunked passes and restarts; any broken invariant aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "detect_harness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0; /* long streams add time, not states */
	if (harness_run(data, size, NULL) != 0)
		abort();
	return 0;
}
