/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Where the message records are (trial6): the earliest first and the
 * latest last time of the stored messages, for `messages` to say where
 * they are when its range holds none (as report does for the counts).
 */
#ifndef BS_SCHEMA_MESSAGE_EXTENT_H
#define BS_SCHEMA_MESSAGE_EXTENT_H

#include <stdint.h>

struct store;

/* *first and *last (epoch seconds), both 0 when no message is stored.
 * 0, or -1 (see store_errmsg()). */
int message_extent(struct store *, int64_t *first, int64_t *last);

/*
 * trial10: the latest horizon the daemon's pruning deleted finished
 * message records before (meta, epoch seconds), so that `messages` can
 * say that a range before it lacks them. *before 0 when never pruned.
 * 0, or -1.
 */
#define MESSAGE_META_PRUNED "message.pruned_before"
int message_pruned_before(struct store *, int64_t *before);

#endif
