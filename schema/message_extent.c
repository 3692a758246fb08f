/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See message_extent.h. Run only when `messages` found nothing, so its
 * scan of the message table costs no more than the query before it.
 */
#include <stdint.h>

#include "message_extent.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_extent[] = "SELECT min(first), max(last) FROM message";

int
message_extent(struct store *st, int64_t *first, int64_t *last)
{
	struct sql_stmt s;
	int rc;

	*first = *last = 0;
	if (sql_prepare(st, &s, "message_extent", sql_extent, false) == -1)
		return -1;
	if ((rc = sql_step(st, &s)) == SQL_ROW && !sql_is_null(&s, 0)) {
		*first = sql_int64(&s, 0);
		*last = sql_int64(&s, 1);
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}
