/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See message_extent.h. Run only when `messages` found nothing, so its
 * scan of the message table costs no more than the query before it.
 */
#include <stdint.h>
#include <stdlib.h>

#include "message_extent.h"
#include "sql.h"
#include "store.h"
#include "store_priv.h"

static const char sql_extent[] = "SELECT min(first), max(last) FROM message";

int
message_extent(struct store *st, int64_t *first, int64_t *last)
{
	int rc = sql_first_two(st, "message_extent", sql_extent, first, last);

	return rc == -1 ? -1 : 0;
}

int
message_pruned_before(struct store *st, int64_t *before)
{
	char buf[32];
	int rc;

	if ((rc = store_meta_get(st, MESSAGE_META_PRUNED, buf, sizeof(buf))) ==
	    -1)
		return -1;
	*before = rc == 1 ? strtoll(buf, NULL, 10) : 0;
	return 0;
}
