/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See activity.h. Statements are prepared per call (once a minute).
 */
#include "activity.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_minutes[] =
    "SELECT c.bucket, sum(c.n) FROM count_minute c JOIN name s ON s.id = "
    "c.status WHERE c.bucket >= :lo AND c.bucket < :hi AND c.kind <> " STORE_STR(
	STORE_KIND_ATTEMPT) " AND s.s IN ('sent', 'deferred', "
			    "'bounced', 'expired') GROUP BY c.bucket ORDER BY c.bucket";

static const char sql_first[] = "SELECT min(bucket) FROM count_minute";

static const char sql_last[] =
    "SELECT max(c.bucket) FROM count_minute c JOIN name s ON s.id = "
    "c.status WHERE c.bucket < :before AND c.n > 0 AND c.kind <> " STORE_STR(
	STORE_KIND_ATTEMPT) " AND s.s IN ('sent', 'deferred', "
			    "'bounced', 'expired')";

/* Steps s once, finalizes it: 1 with *t its first column, 0 when that is
 * NULL or there is no row, or -1. */
static int
step_time(struct store *st, struct sql_stmt *s, int64_t *t)
{
	int rc = sql_step(st, s);

	if (rc == SQL_ROW && !sql_is_null(s, 0)) {
		*t = sql_int64(s, 0);
		rc = 1;
	} else if (rc != -1)
		rc = 0;
	sql_finalize(s);
	return rc;
}

int
activity_last(struct store *st, int64_t before, int64_t *t)
{
	struct sql_stmt s = { NULL, NULL };

	if (sql_prepare(st, &s, "activity last", sql_last, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":before", before) == -1) {
		sql_finalize(&s);
		return -1;
	}
	return step_time(st, &s, t);
}

int
activity_minutes(
    struct store *st, int64_t lo, int64_t hi, activity_fn *fn, void *arg)
{
	struct sql_stmt s = { NULL, NULL };
	int rc;

	if (sql_prepare(st, &s, "activity minutes", sql_minutes, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":lo", lo) == -1 ||
	    sql_bind_int64(st, &s, ":hi", hi) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW)
		if (sql_int64(&s, 1) > 0 &&
		    (rc = fn(sql_int64(&s, 0), sql_int64(&s, 1), arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

int
activity_first(struct store *st, int64_t *t)
{
	struct sql_stmt s = { NULL, NULL };

	if (sql_prepare(st, &s, "activity first", sql_first, false) == -1)
		return -1;
	return step_time(st, &s, t);
}
