/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The store's side of the Prometheus endpoint (see metric.h). Constant
 * SQL through the SQL helper, prepared per call (the metrics thread has
 * its own read-only connection, and scrapes are seconds apart), bound by
 * named parameter, finalized on every path. Sums come from count_hour,
 * which is never pruned, so they never decrease unless the top providers
 * change (a provider entering the top moves its counts out of "other").
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metric.h"
#include "sql.h"
#include "store.h"
#include "store_priv.h"

static const char *const line_names[METRIC_LINE_COUNT] = { "delivery",
	"skipped", "bad", "cut" };

static const char *const line_keys[METRIC_LINE_COUNT] = { "lines.delivery",
	"lines.skipped", "lines.bad", "lines.cut" };

/* Adds to a decimal counter in meta (text values, as every meta value). */
static const char sql_lines_add[] =
    "INSERT INTO meta (key, value) VALUES (:key, CAST(:n AS TEXT)) "
    "ON CONFLICT (key) DO UPDATE SET value = "
    "CAST(CAST(value AS INTEGER) + :n AS TEXT)";

static const char sql_lines_get[] =
    "SELECT CAST(value AS INTEGER) FROM meta WHERE key = :key";

/*
 * The sums by (attempt, status, class, provider), computed once (the
 * hourly counts are read in one pass), then the top providers by all
 * their counts (unknown, id 0, is not one of them and stays apart); the
 * others become -1, shown as "other". Attempts have no status label:
 * theirs is folded to id 0, so no two rows can carry the same labels.
 */
_Static_assert(STORE_KIND_ATTEMPT == 1, "sql_counts: kind = 1");
static const char sql_counts[] =
    "WITH agg AS MATERIALIZED (SELECT kind = 1 AS att, "
    "CASE WHEN kind = 1 THEN 0 ELSE status END AS status, class, provider, "
    "sum(n) AS n FROM count_hour GROUP BY 1, 2, 3, 4), "
    "top AS (SELECT provider FROM agg WHERE provider <> 0 "
    "GROUP BY provider ORDER BY sum(n) DESC, provider LIMIT :top) "
    "SELECT x.att, st.s, c.s, CASE WHEN x.p = -1 THEN 'other' "
    "ELSE coalesce(pn.s, '') END, x.n FROM (SELECT att, status, class, "
    "CASE WHEN provider = 0 OR provider IN top THEN provider ELSE -1 END "
    "AS p, sum(n) AS n FROM agg GROUP BY att, status, class, p) x "
    "JOIN name st ON st.id = x.status JOIN name c ON c.id = x.class "
    "LEFT JOIN name pn ON pn.id = x.p ORDER BY x.att, st.s, c.s, x.p = -1, "
    "pn.s";

static const char sql_incidents[] =
    "SELECT kind, key, count(*) FROM incident WHERE state = 'open' "
    "GROUP BY kind, key ORDER BY kind, key";

static const char sql_position[] =
    "SELECT ino, off, updated FROM position WHERE path = :path "
    "ORDER BY updated DESC LIMIT 1";

const char *
metric_line_name(enum metric_line l)
{
	return (unsigned)l < METRIC_LINE_COUNT ? line_names[l] : "";
}

/* Inside a transaction: adds n[] to the stored line counts. 0 or -1. */
int
metric_lines_add(struct store *st, const uint64_t n[METRIC_LINE_COUNT])
{
	struct sql_stmt s;
	size_t i;

	if (sql_prepare(st, &s, "metric lines add", sql_lines_add, false) == -1)
		return -1;
	for (i = 0; i < METRIC_LINE_COUNT; i++) {
		if (n[i] == 0)
			continue;
		if (sql_bind_text(st, &s, ":key", line_keys[i],
			strlen(line_keys[i])) == -1 ||
		    sql_bind_int64(st, &s, ":n", (int64_t)n[i]) == -1 ||
		    sql_exec(st, &s) == -1) {
			sql_finalize(&s);
			return -1;
		}
	}
	sql_finalize(&s);
	return 0;
}

/* The stored line counts (0 when none). 0 or -1. */
int
metric_lines(struct store *st, uint64_t n[METRIC_LINE_COUNT])
{
	struct sql_stmt s;
	size_t i;
	int rc;

	if (sql_prepare(st, &s, "metric lines", sql_lines_get, false) == -1)
		return -1;
	for (i = 0; i < METRIC_LINE_COUNT; i++) {
		n[i] = 0;
		rc = sql_first_text(
		    st, &s, ":key", line_keys[i], strlen(line_keys[i]));
		if (rc == -1) {
			sql_finalize(&s);
			return -1;
		}
		if (rc == SQL_ROW) {
			if (sql_int64(&s, 0) > 0)
				n[i] = (uint64_t)sql_int64(&s, 0);
			sql_reset(&s);
		}
	}
	sql_finalize(&s);
	return 0;
}

/* Calls fn for each sum of the hourly counts (see metric.h). */
int
metric_counts(struct store *st, int64_t top, metric_count_fn *fn, void *arg)
{
	struct sql_stmt s;
	int rc;

	if (sql_prepare(st, &s, "metric counts", sql_counts, false) == -1)
		return -1;
	if (sql_bind_int64(st, &s, ":top", top) == -1) {
		sql_finalize(&s);
		return -1;
	}
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		rc = fn(sql_int(&s, 0) != 0, sql_text(&s, 1, NULL),
		    sql_text(&s, 2, NULL), sql_text(&s, 3, NULL),
		    sql_int64(&s, 4), arg);
		if (rc != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* Calls fn for each (kind, key) with open incidents (see metric.h). */
int
metric_incidents_open(struct store *st, metric_incident_fn *fn, void *arg)
{
	struct sql_stmt s;
	int rc;

	if (sql_prepare(st, &s, "metric incidents", sql_incidents, false) == -1)
		return -1;
	while ((rc = sql_step(st, &s)) == SQL_ROW) {
		rc = fn(sql_text(&s, 0, NULL), sql_text(&s, 1, NULL),
		    sql_int64(&s, 2), arg);
		if (rc != 0) {
			sql_finalize(&s);
			return rc;
		}
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : 0;
}

/* The followed files the daemon stored (see metric.h). 1, 0 or -1. */
int
metric_files(struct store *st, char *buf, size_t len)
{
	return store_meta_get(st, "daemon.files", buf, len);
}

/* The newest stored position of path (see metric.h). 1, 0 or -1. */
int
metric_position(struct store *st, const char *path, int64_t *ino, int64_t *off,
    int64_t *updated)
{
	struct sql_stmt s;
	int rc;

	if (sql_prepare(st, &s, "metric position", sql_position, false) == -1)
		return -1;
	rc = sql_first_text(st, &s, ":path", path, strlen(path));
	if (rc == SQL_ROW) {
		*ino = sql_int64(&s, 0);
		*off = sql_int64(&s, 1);
		*updated = sql_int64(&s, 2);
	}
	sql_finalize(&s);
	return rc == SQL_ROW ? 1 : rc;
}
