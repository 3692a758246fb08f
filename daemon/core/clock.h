/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The one wall clock of the daemon and the commands: every "now" that
 * decides what the detector evaluates, what `incidents`, `alert` and
 * `report` call recent, and what pruning keeps, comes from clock_now().
 * Time is an input: `--now WHEN` fixes it for one command (an operator's
 * "what was open at 10:40 yesterday", and tests), and the test-only
 * environment variable BOUNCESTAT_TEST_CLOCK names a file holding epoch
 * seconds that the daemon reads at every use, so that a test can move the
 * daemon through days of minutes without waiting for them.
 *
 * Intervals (batch timers, timeouts) are not wall time and do not use this
 * clock: they use libev's monotonic time.
 */
#ifndef BS_DAEMON_CLOCK_H
#define BS_DAEMON_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_TEST_ENV "BOUNCESTAT_TEST_CLOCK"

/* Now, in epoch seconds: the fixed time, the test clock file, or time(). */
int64_t clock_now(void);

/* Fixes clock_now() at t for the rest of the process (--now). */
void clock_set(int64_t t);

/*
 * Reads BOUNCESTAT_TEST_CLOCK: when set, clock_now() reads that file (a
 * decimal epoch) at each call. Returns 0 (unset, or a readable file), or
 * -1 with errbuf (BS_ERRLEN bytes) set.
 */
int clock_init_env(char *errbuf);

/* True while the test clock file is in use. */
bool clock_is_test(void);

/* The local midnight that starts t's day (t - t % 86400 when the local
 * time cannot be had). */
int64_t clock_local_day_start(int64_t t);

#endif
