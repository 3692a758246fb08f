/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Where the data is (see query.h): the first and last hour of the hourly
 * counts, for a report to clamp its range to the data and to say where
 * the data is when a range holds none. Both are the first column of
 * count_hour's primary key: two index lookups.
 */
#include <stdint.h>

#include "query.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_extent[] = "SELECT (SELECT min(bucket) FROM count_hour), "
				 "(SELECT max(bucket) FROM count_hour)";

int
query_extent(struct store *st, int64_t *first, int64_t *last)
{
	int rc = sql_first_two(st, "extent", sql_extent, first, last);

	if (rc == 1)
		*last += 3600; /* the end of the last hour */
	return rc == -1 ? -1 : 0;
}
