/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A plain SQLite connection beside the store, for the tests that inspect
 * what it wrote: open the file, read one value, run a statement. Any
 * SQLite error fails the test. Include after <cmocka.h>.
 */
#ifndef BS_TESTS_DB_RAW_H
#define BS_TESTS_DB_RAW_H

#include <stdint.h>
#include <stdio.h>

#include <sqlite3.h>

/*
 * SQL that takes a database back from schema 12 to schema 11's minute
 * counts (count_minute_sk and its view), the same rows: for the tests
 * that make an older database by hand and migrate it again.
 */
#define RAW_UNDO_0012                                                          \
	"CREATE TABLE count_minute_sk (bucket INTEGER NOT NULL,"               \
	" provider INTEGER NOT NULL, class INTEGER NOT NULL,"                  \
	" sk INTEGER NOT NULL, n INTEGER,"                                     \
	" PRIMARY KEY (bucket, provider, class, sk)) STRICT, WITHOUT ROWID;"   \
	"INSERT INTO count_minute_sk SELECT bucket, provider, class,"          \
	" status * 4 + kind, n FROM count_minute;"                             \
	"DROP VIEW count_minute; DROP TABLE count_minute_pk;"                  \
	"CREATE VIEW count_minute AS SELECT bucket, provider, class,"          \
	" sk >> 2 AS status, sk & 3 AS kind, n FROM count_minute_sk;"

/*
 * Undoes migration 0013 (event.instance), for tests that set user_version
 * back to fake an older database: 0013 then runs again on open. event_v
 * is a stand-in (0013 makes it again).
 */
#define RAW_UNDO_0013                                                          \
	"DROP VIEW event_v; ALTER TABLE event DROP COLUMN instance;"           \
	"CREATE VIEW event_v AS SELECT 1 AS id;"

/*
 * Undoes migration 0014 (message_qid of open messages only), for tests
 * that set user_version back: 0014 then runs again on open.
 */
#define RAW_UNDO_0014                                                          \
	"DROP INDEX message_qid;"                                              \
	"CREATE INDEX message_qid ON message (queue_id);"

/*
 * Undoes migration 0015 (the roll mark), for tests that set user_version
 * back: 0015 then runs again on open (it replaces the key anyway).
 */
#define RAW_UNDO_0015 "DELETE FROM meta WHERE key = 'roll_mark';"

/* A read-write connection to the database at path (2 s busy timeout). */
static inline sqlite3 *
raw_open_path(const char *path)
{
	sqlite3 *db;

	assert_int_equal(
	    sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 2000);
	return db;
}

/* The first column of sql's first row as an integer (-1 if none). */
static inline int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* The first column of sql's first row as text into buf ("" if none). */
static inline const char *
raw_text(sqlite3 *db, const char *sql, char *buf, size_t n)
{
	sqlite3_stmt *s;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	buf[0] = '\0';
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != NULL)
		snprintf(buf, n, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	return buf;
}

/* Runs sql (one or more statements). */
static inline void
raw_exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

/*
 * Rows of query a that query b lacks and the reverse: 0 both ways; ctx
 * (a seed, "") and what name them in the failure.
 */
static inline void
raw_same_rows(sqlite3 *db, const char *a, const char *b, const char *ctx,
    const char *what)
{
	char sql[2048];
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", a, b);
	if ((n = raw_int(db, sql)) != 0)
		fail_msg("%s%s: %lld rows of the sum missing", ctx, what,
		    (long long)n);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s EXCEPT %s)", b, a);
	if ((n = raw_int(db, sql)) != 0)
		fail_msg(
		    "%s%s: %lld rows not the sum", ctx, what, (long long)n);
}

/* count_hour's key less its bucket, and the roll mark (schema 15). */
#define RAW_COUNT_KEY                                                          \
	"domain, provider, class, status, code, enhanced, kind, host"
#define RAW_ROLL_MARK                                                          \
	"(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'roll_mark')"
/* A bucket's day, floored (SQLite's % truncates toward zero: before 1970). */
#define RAW_DAY_OF "(bucket - ((bucket % 86400) + 86400) % 86400)"

/*
 * Schema 15's invariant: count_day, count_month and count_hour_class are
 * the sums of the count_hour rows before the roll mark.
 */
static inline void
raw_rollups_hold(sqlite3 *db, const char *ctx)
{
	raw_same_rows(db,
	    "SELECT " RAW_DAY_OF ", " RAW_COUNT_KEY ", sum(n) FROM count_hour"
	    " WHERE bucket < " RAW_ROLL_MARK " GROUP BY 1, " RAW_COUNT_KEY,
	    "SELECT bucket, " RAW_COUNT_KEY ", n FROM count_day", ctx,
	    "count_day");
	raw_same_rows(db,
	    "SELECT CAST(strftime('%s', bucket, 'unixepoch', 'start of month')"
	    " AS INTEGER), " RAW_COUNT_KEY ", sum(n) FROM count_hour"
	    " WHERE bucket < " RAW_ROLL_MARK " GROUP BY 1, " RAW_COUNT_KEY,
	    "SELECT bucket, " RAW_COUNT_KEY ", n FROM count_month", ctx,
	    "count_month");
	raw_same_rows(db,
	    "SELECT bucket, class, status, kind, sum(n) FROM count_hour"
	    " WHERE bucket < " RAW_ROLL_MARK
	    " GROUP BY bucket, class, status, kind",
	    "SELECT bucket, class, status, kind, n FROM count_hour_class", ctx,
	    "count_hour_class");
}

#endif
