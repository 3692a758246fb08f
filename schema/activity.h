/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Whether mail flows at all: final delivery results (sent, deferred,
 * bounced, expired; count_minute rows of every kind but the per-MX
 * attempt, every provider and none) per
 * minute, for the `inactive` incident (daemon/detect/inactive.c).
 * Errors return -1 with the message in store_errmsg().
 */
#ifndef BS_SCHEMA_ACTIVITY_H
#define BS_SCHEMA_ACTIVITY_H

#include <stdint.h>

#include "store.h"

/* One minute with n > 0 final results. Nonzero stops and is returned. */
typedef int activity_fn(int64_t minute, int64_t n, void *arg);

/* Calls fn for each minute in [lo, hi) with final results, in order. */
int activity_minutes(
    struct store *, int64_t lo, int64_t hi, activity_fn *fn, void *arg);

/* The latest minute before `before` with final results: 1 and *t, 0
 * when none, -1 on error. */
int activity_last(struct store *, int64_t before, int64_t *t);

/* The first minute with any count: 1 and *t, 0 when none, -1 on error. */
int activity_first(struct store *, int64_t *t);

#endif
