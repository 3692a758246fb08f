/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A byte-coded event stream through the real detector runner over a real
 * SQLite file: bursts of failures for many keys and classes (DNSBL
 * listings included), results for minutes the detector has passed, gaps,
 * passes with random chunking, restarts of the store between passes. After
 * every pass the invariants are checked; at the end the live incidents
 * are compared with a replay of the same history when no result arrived
 * late. Shared by the libFuzzer target (fuzz_detect.c), its corpus replay
 * and the property test (tests/unit/test_detect_run.c).
 */
#ifndef BS_TESTS_DETECT_HARNESS_H
#define BS_TESTS_DETECT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

struct harness_stats {
	unsigned passes;
	unsigned restarts;
	unsigned events;
	unsigned late;     /* events added for minutes already passed */
	unsigned opened;   /* incidents at the end */
	unsigned compared; /* 1 when replay was compared with live */
};

/*
 * Runs the stream coded in data. Returns 0 when every invariant held;
 * else 1 with a message on stderr (what broke, at which step).
 * Infrastructure failures (temporary directory, SQLite) return -1.
 */
int harness_run(const uint8_t *data, size_t len, struct harness_stats *stats);

#endif
