/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See activity.h. Statements are prepared per call (once a minute).
 *
 * Issue 14, migration 0012: the minutes are read from count_minute_pk and
 * their packed counts summed in C (store_minute_each()), as the former
 * SQL over count_minute did (kind <> attempt, status sent, deferred,
 * bounced or expired): through the view, each minute's JSON is parsed
 * three times, and activity_last() scanned every minute before `before`.
 */
#include <stdbool.h>

#include "activity.h"
#include "sql.h"
#include "store_priv.h"

static const char sql_minutes[] =
    "SELECT bucket, counts FROM count_minute_pk "
    "WHERE bucket >= :lo AND bucket < :hi ORDER BY bucket";

/* A count_minute_pk row is never empty (migration 0012). */
static const char sql_first[] = "SELECT min(bucket) FROM count_minute_pk";

static const char sql_last[] = "SELECT bucket, counts FROM count_minute_pk "
			       "WHERE bucket < :before ORDER BY bucket DESC";

/* The final results of one minute: the status ids that count, the sum. */
struct finals {
	int64_t status[4];
	int64_t n;
	bool any; /* a count was kept (the former GROUP BY had a row) */
	bool pos; /* one of them was positive (the former n > 0) */
};

/* store_minute_each() callback: adds a final result's count. */
static int
add_final(const struct store_ment *e, void *arg)
{
	struct finals *f = arg;
	int64_t st = e->k[1] >> 2;
	int i;

	if ((e->k[1] & 3) == STORE_KIND_ATTEMPT)
		return 0;
	for (i = 0; i < 4; i++)
		if (st == f->status[i]) {
			f->n += e->n;
			f->any = true;
			f->pos = f->pos || e->n > 0;
		}
	return 0;
}

/* The ids of the four final statuses (-1: never stored). 0 or -1. */
static int
final_ids(struct store *st, struct finals *f)
{
	static const char *const names[4] = { "sent", "deferred", "bounced",
		"expired" };
	int i;

	for (i = 0; i < 4; i++)
		if (store_name_id(st, names[i], &f->status[i]) == -1)
			return -1;
	return 0;
}

/*
 * Sums the final results of the packed counts of row s (bucket, counts)
 * into f, emptied first. 0, or -1 with the store's error set.
 */
static int
sum_row(struct store *st, struct sql_stmt *s, struct finals *f)
{
	const char *text;
	size_t len;

	f->n = 0;
	f->any = f->pos = false;
	text = sql_text(s, 1, &len);
	if (store_minute_each(text, len, add_final, f) != 0)
		return store_failx(st,
		    "activity: minute %lld: not packed "
		    "minute counts",
		    (long long)sql_int64(s, 0));
	return 0;
}

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
	struct finals f;
	int rc;

	if (final_ids(st, &f) == -1 ||
	    sql_prepare(st, &s, "activity last", sql_last, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":before", before) == -1) {
		sql_finalize(&s);
		return -1;
	}
	/* The former max(bucket) WHERE n > 0: the latest minute with a
	 * positive final count. */
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		if (sum_row(st, &s, &f) == -1) {
			rc = -1;
			break;
		}
		if (f.pos) {
			*t = sql_int64(&s, 0);
			sql_finalize(&s);
			return 1;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

int
activity_minutes(
    struct store *st, int64_t lo, int64_t hi, activity_fn *fn, void *arg)
{
	struct sql_stmt s = { NULL, NULL };
	struct finals f;
	int rc;

	if (final_ids(st, &f) == -1 ||
	    sql_prepare(st, &s, "activity minutes", sql_minutes, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":lo", lo) == -1 ||
	    sql_bind_int64(st, &s, ":hi", hi) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		if (sum_row(st, &s, &f) == -1) {
			rc = -1;
			break;
		}
		if (f.any && f.n > 0 &&
		    (rc = fn(sql_int64(&s, 0), f.n, arg)) != 0) {
			sql_finalize(&s);
			return rc;
		}
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
