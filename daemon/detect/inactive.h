/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The `inactive` incident kind (see inactive.c): called by detect_run().
 */
#ifndef BS_DETECT_INACTIVE_H
#define BS_DETECT_INACTIVE_H

#include <stdint.h>

#include "detect.h"

struct store;

/*
 * The median of n day counts (n <= DETECT_DAYS_MAX), or -1 when n is 0
 * (no baseline day known).
 */
double inactive_baseline(const int64_t *days, int n);

/*
 * Inside the caller's transaction: opens, updates or resolves the one
 * `inactive` incident as of window end to (a multiple of DETECT_STEP).
 * on_change (may be NULL) sees an opening or a resolution; *opened and
 * *resolved are incremented. 0, or -1 with store_errmsg() set.
 */
int inactive_judge(struct store *st, const struct detect_params *p, int64_t to,
    detect_change_fn *on_change, void *arg, unsigned *opened,
    unsigned *resolved);

#endif
