/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Notifications per destination (migration 0004): which state of which
 * incident each webhook and exec hook was told about. The e-mail keeps
 * its own state in the incident row (incident_mark_notified()).
 */
#ifndef BS_SCHEMA_NOTIFICATION_H
#define BS_SCHEMA_NOTIFICATION_H

#include <stdint.h>

#include "incident.h"

struct store;

/*
 * Calls fn for each incident whose state dest was not told about yet:
 * open ones it was never told of, and resolved ones it was not told were
 * resolved, resolved at or after since (so a new destination is not told
 * of old history). Order and stopping as incident_list(); inc->notified
 * is dest's state (INCIDENT_NOTIFIED_*), inc->notified_at when.
 */
int notification_pending(struct store *, const char *dest, int64_t since,
    incident_fn *fn, void *arg);

/*
 * Records that dest was told about state `notified` (INCIDENT_NOTIFIED_
 * OPEN or _RESOLVED) of incident id at `when`; only moves forward. In a
 * transaction or on its own. 0 or -1 (store_errmsg()).
 */
int notification_mark(
    struct store *, int64_t id, const char *dest, int notified, int64_t when);

#endif
