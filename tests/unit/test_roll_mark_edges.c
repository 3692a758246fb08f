/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The roll mark (migration 0015) at its edges (review17), beside the
 * random sequences of test_roll_mark.c: times before 1970 and far ahead
 * (months and days floored below zero), a transaction whose hour table
 * spills several times across hours with the rows set aside
 * (flush_hours(false), store_work()), a commit that fails after the
 * mark moved (the mark and the rollups roll back with it; the store
 * reads the mark again), another store's advance seen by a store that
 * committed before it, and a database migrated to 15 with its newest
 * hour written to again, and rows of names this version does not know
 * (fold_odd()). After each step the invariant is checked in
 * SQL (count_day, count_month, count_hour_class are the sums of the
 * count_hour rows before the mark) and reports over ranges around the
 * mark equal the same from count_hour alone (query_filter.finest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include "query.h"
#include "store.h"
#include "store_test.h"

#define T0 INT64_C(1793232000) /* 2026-10-29 00:00 UTC */

/* One result at t, domain dom (NULL: one of a few), host. */
static void
add(struct store *st, int64_t t, const char *dom, const char *host, uint64_t *r)
{
	static const char *const doms[] = { "qq.com", "gmail.com",
		"example.org" };
	bool sent = rnd(r) % 2 == 0;

	if (dom == NULL)
		dom = doms[rnd(r) % 3];
	add_result(st, t, host, dom, sent ? BS_STATUS_SENT : BS_STATUS_DEFERRED,
	    sent ? BS_CLASS_NONE : BS_CLASS_RATE_LIMITED, sent ? 250 : 421,
	    sent ? "2.0.0" : "4.7.0", sent ? "250 ok" : "421 later");
}

#define KEY    RAW_COUNT_KEY
#define MARK   RAW_ROLL_MARK
#define DAY_OF RAW_DAY_OF

/* The invariant, and count_hour's total against the results committed. */
static void
check_invariant(sqlite3 *db, int64_t committed)
{
	raw_rollups_hold(db, "");
	assert_int_equal(
	    raw_int(db, "SELECT total(n) FROM count_hour"), committed);
}

/* What a report answers, as text. */
struct out {
	char s[1 << 16];
	size_t n;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->s + o->n, sizeof(o->s) - o->n, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && o->n + (size_t)n < sizeof(o->s));
	o->n += (size_t)n;
}

static int
put_row(const struct query_row *r, void *arg)
{
	struct out *o = arg;

	put(o, "%s|%lld|%lld/%lld/%lld\n", r->name, (long long)r->time,
	    (long long)r->c.sent, (long long)r->c.deferred,
	    (long long)r->c.attempts);
	return 0;
}

static int
put_cls(const struct query_row *r, void *arg)
{
	struct out *o = arg;

	put(o, "%lld|%s|%lld/%lld/%lld\n", (long long)r->time, r->cls,
	    (long long)r->c.sent, (long long)r->c.deferred,
	    (long long)r->c.attempts);
	return 0;
}

static int
cmp_line(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts the lines of s[0..n) in place (each ends with a newline). */
static void
sort_lines(char *s, size_t n)
{
	char *copy = malloc(n + 1), **line = NULL, *p;
	size_t k = 0, cap = 0, len, i;

	assert_non_null(copy);
	memcpy(copy, s, n);
	copy[n] = '\0';
	for (p = strtok(copy, "\n"); p != NULL; p = strtok(NULL, "\n")) {
		if (k == cap) {
			cap = cap ? cap * 2 : 64;
			line = realloc(line, cap * sizeof(*line));
			assert_non_null(line);
		}
		line[k++] = p;
	}
	if (k > 0)
		qsort(line, k, sizeof(*line), cmp_line);
	for (p = s, i = 0; i < k; i++) {
		len = strlen(line[i]);
		memcpy(p, line[i], len);
		p[len] = '\n';
		p += len + 1;
	}
	free(copy);
	free(line);
}

static void
answer(struct store *st, const struct query_filter *f, struct out *o)
{
	struct query_counts c;
	size_t cls_from;

	o->n = 0;
	assert_int_equal(store_read_begin(st), 0);
	assert_int_equal(query_totals(st, f, &c), 0);
	put(o, "totals %lld/%lld\n", (long long)c.sent, (long long)c.deferred);
	assert_int_equal(query_by_domain(st, f, put_row, o), 0);
	assert_int_equal(query_by_host(st, f, put_row, o), 0);
	assert_int_equal(query_hourly(st, f, put_row, o), 0);
	/* Classes come in the order first seen in the series (count_hour
	 * and count_hour_class differ there): sorted within each hour. */
	cls_from = o->n;
	assert_int_equal(query_hourly_classes(st, f, put_cls, o), 0);
	sort_lines(o->s + cls_from, o->n - cls_from);
	assert_int_equal(store_read_end(st), 0);
}

/* Reports over [since, until) agree with count_hour alone. */
static void
check_range(struct store *st, int64_t since, int64_t until)
{
	static struct out a, b;
	struct query_filter f;

	memset(&f, 0, sizeof(f));
	f.since = since;
	f.until = until;
	f.top = 50;
	answer(st, &f, &a);
	f.finest = true;
	answer(st, &f, &b);
	if (a.n != b.n || memcmp(a.s, b.s, a.n) != 0)
		fail_msg("range [%lld, %lld): rollups\n%.*s\nhours\n%.*s",
		    (long long)since, (long long)until, (int)a.n, a.s, (int)b.n,
		    b.s);
}

/* Ranges around t (the mark, a midnight, a month's first day). */
static void
check_around(struct store *st, int64_t t)
{
	static const int64_t d[] = { -40 * 86400, -86400 - 1800, -7200, -1, 0,
		3599, 3600, 86400 + 5, 40 * 86400 };
	size_t i, j;

	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		for (j = i + 1; j < sizeof(d) / sizeof(d[0]); j++)
			check_range(st, t + d[i], t + d[j]);
}

static int64_t
mark_of(sqlite3 *db)
{
	return raw_int(db,
	    "SELECT CAST(value AS INTEGER) FROM meta WHERE "
	    "key = 'roll_mark'");
}

/* Commits 20 results of the hour at t, a minute apart, logged by host;
 * the mark is then want and the invariant holds. */
static void
commit_hour(struct store *st, sqlite3 *db, int64_t t, const char *host,
    uint64_t *r, int64_t *committed, int64_t want)
{
	int i;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 20; i++, (*committed)++)
		add(st, t + i * 60, NULL, host, r);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(mark_of(db), want);
	check_invariant(db, *committed);
}

/* A new database in dir (named for the test), a store and a raw connection. */
static sqlite3 *
fixture_open(char *dir, size_t dlen, char *path, size_t plen, const char *name,
    struct store **st)
{
	assert_int_equal(db_fixture_make(dir, dlen, path, plen, name), 0);
	*st = open_rw(path);
	return raw_open_path(path);
}

/* Closes what fixture_open() opened and removes the database. */
static void
fixture_close(char *dir, char *path, struct store *st, sqlite3 *db)
{
	sqlite3_close(db);
	store_close(st);
	db_fixture_remove(dir, path);
}

/* Whole days, weeks before and after 1970-01-01 and across 1969's last
 * month; late rows below the mark; then year 4000's first hours. */
static void
roll_mark__times_before_1970_and_far_ahead__invariant_and_reports(void **state)
{
	char dir[256], path[300];
	struct store *st;
	sqlite3 *db;
	uint64_t r = 7;
	int64_t committed = 0, t, h;
	int i;

	(void)state;
	db = fixture_open(dir, sizeof(dir), path, sizeof(path), "rmedge", &st);
	/* 1969-12-30 00:00 to 1970-01-02: an hour a transaction */
	for (h = -2 * 24; h < 2 * 24; h += 5) {
		assert_int_equal(store_begin(st), 0);
		for (i = 0; i < 30; i++, committed++) {
			t = h * 3600 + (int64_t)(rnd(&r) % 3600);
			if (i % 7 == 0) /* late: up to a day before */
				t -= (int64_t)(rnd(&r) % 86400);
			add(st, t, NULL, i % 2 ? "mx1" : "mx2", &r);
		}
		assert_int_equal(store_commit(st), 0);
		check_invariant(db, committed);
	}
	check_around(st, mark_of(db));
	check_around(st, 0);
	check_around(st, -86400 * 2);
	/* 1969-11-30 (a month's end before 1970) after the mark: late */
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 40; i++, committed++)
		add(st, -32 * 86400 + i * 1800, NULL, "mx1", &r);
	assert_int_equal(store_commit(st), 0);
	check_invariant(db, committed);
	check_around(st, -31 * 86400);
	/* year 4000 */
	t = INT64_C(64060588800) - 3 * 86400;
	for (h = 0; h < 5 * 24; h += 11) {
		assert_int_equal(store_begin(st), 0);
		for (i = 0; i < 20; i++, committed++)
			add(st, t + h * 3600 + i * 97, NULL, "mx1", &r);
		assert_int_equal(store_commit(st), 0);
		check_invariant(db, committed);
	}
	assert_int_equal(mark_of(db) % 3600, 0);
	check_around(st, mark_of(db));
	check_around(st, INT64_C(64060588800));
	check_range(st, -40 * 86400, INT64_C(64060588800) + 86400 * 10);
	fixture_close(dir, path, st, db);
}

/*
 * One transaction whose hour table fills several times (STORE_COUNT_MAX
 * keys: 9,000 domains an hour), over six hours in time order with some
 * rows of the hours before, the full tables set aside and written a few
 * rows at a time (store_work()), or not; then the next hours.
 */
static void
spill_run(bool aside)
{
	char dir[256], path[300], dom[32];
	struct store *st;
	sqlite3 *db;
	uint64_t r = aside ? 11 : 13;
	int64_t committed = 0, t, start = T0 + 5 * 3600;
	int h, i, txn;

	db = fixture_open(dir, sizeof(dir), path, sizeof(path), "rmspill", &st);
	for (txn = 0; txn < 2; txn++) {
		assert_int_equal(store_begin(st), 0);
		store_work_enable(st, aside);
		for (h = 0; h < 6; h++) {
			for (i = 0; i < 9000; i++, committed++) {
				snprintf(dom, sizeof(dom), "d%05d.example",
				    (int)(rnd(&r) % 20000));
				t = start + (txn * 6 + h) * 3600 +
				    (int64_t)(rnd(&r) % 3600);
				if (i % 50 == 0) /* late: the hours before */
					t -= 3600 * (int64_t)(1 + rnd(&r) % 8);
				add(st, t, dom, i % 3 ? "mx1" : "mx2", &r);
				if (i % 500 == 0)
					assert_true(store_work(st, 64) >= 0);
			}
		}
		assert_int_equal(store_commit(st), 0);
		check_invariant(db, committed);
	}
	check_around(st, mark_of(db));
	check_around(st, start + 86400 - 5 * 3600);
	fixture_close(dir, path, st, db);
}

static void
roll_mark__hour_table_spills_mid_transaction__invariant_holds(void **state)
{
	(void)state;
	/* 45 s under ASan: in ctest -L property (BS_PROPERTY_RUNS set) */
	if (getenv("BS_PROPERTY_RUNS") == NULL)
		skip();
	spill_run(true);
	spill_run(false);
}

/*
 * A commit that fails after the mark moved (a trigger aborts the month
 * rollup's write): the mark, the rollups and the counts roll back, and
 * the store reads the mark again in its next transaction (kept, it
 * would roll the next hour's rows in memory with the mark still before
 * them in the database).
 */
static void
roll_mark__commit_fails_after_advance__mark_read_again(void **state)
{
	char dir[256], path[300];
	struct store *st;
	sqlite3 *db;
	uint64_t r = 17;
	int64_t committed = 0;
	int i;

	(void)state;
	db = fixture_open(dir, sizeof(dir), path, sizeof(path), "rmfail", &st);
	raw_exec(db,
	    "CREATE TABLE boom (x INTEGER);"
	    "CREATE TRIGGER boom_month BEFORE INSERT ON count_month"
	    " WHEN EXISTS (SELECT 1 FROM boom)"
	    " BEGIN SELECT RAISE(ABORT, 'boom'); END;");
	commit_hour(st, db, T0, "mx1", &r, &committed, T0);
	raw_exec(db, "INSERT INTO boom VALUES (1)");
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 20; i++)
		add(st, T0 + 2 * 3600 + i * 60, NULL, "mx1", &r);
	assert_int_equal(store_commit(st), -1);
	assert_int_equal(mark_of(db), T0);
	check_invariant(db, committed);
	raw_exec(db, "DELETE FROM boom");
	/* The hour between: the mark moves from T0 (as committed), not
	 * from T0 + 2 h (what the failed transaction had moved it to). */
	commit_hour(st, db, T0 + 3600, "mx2", &r, &committed, T0 + 3600);
	check_around(st, T0 + 3600);
	fixture_close(dir, path, st, db);
}

/*
 * Store a commits with the mark at T0; store b (another process) moves
 * it to T0 + 3 h; a's next transaction writes a late row of T0 + 1 h:
 * rolled at once (below b's mark), not folded again from T0.
 */
static void
roll_mark__other_store_advanced__late_row_rolled_once(void **state)
{
	char dir[256], path[300];
	struct store *a, *b;
	sqlite3 *db;
	uint64_t r = 19;
	int64_t committed = 0;
	int i;

	(void)state;
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "rmtwo"), 0);
	a = open_rw(path);
	b = open_rw(path);
	db = raw_open_path(path);
	assert_int_equal(store_begin(a), 0);
	for (i = 0; i < 10; i++, committed++)
		add(a, T0 + i * 60, NULL, "mx1", &r);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(store_begin(b), 0);
	for (i = 0; i < 10; i++, committed++)
		add(b, T0 + 3 * 3600 + i * 60, NULL, "mx2", &r);
	assert_int_equal(store_commit(b), 0);
	assert_int_equal(mark_of(db), T0 + 3 * 3600);
	check_invariant(db, committed);
	assert_int_equal(store_begin(a), 0);
	for (i = 0; i < 10; i++, committed++)
		add(a, T0 + 3600 + i * 60, NULL, "mx1", &r);
	assert_int_equal(store_commit(a), 0);
	assert_int_equal(mark_of(db), T0 + 3 * 3600);
	check_invariant(db, committed);
	check_around(a, T0 + 3 * 3600);
	sqlite3_close(db);
	store_close(a);
	store_close(b);
	db_fixture_remove(dir, path);
}

/*
 * A database of schema 14 (0015 undone) migrated again: the mark is the
 * hour after the newest; rows of that newest hour written afterwards are
 * late (rolled at once). An empty one gets no mark, and its first hour
 * stays open.
 */
static void
roll_mark__migrated_database__newest_hour_rolled(void **state)
{
	char dir[256], path[300];
	struct store *st;
	sqlite3 *db;
	uint64_t r = 23;
	int64_t committed = 0;
	int i;

	(void)state;
	db = fixture_open(dir, sizeof(dir), path, sizeof(path), "rmmig", &st);
	assert_int_equal(mark_of(db), -1); /* new: no mark */
	check_range(st, T0 - 86400, T0 + 86400);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 30; i++, committed++)
		add(st, T0 + i * 400, NULL, "mx1", &r);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(mark_of(db), T0 + 3 * 3600);
	check_invariant(db, committed);
	store_close(st);
	/* what 0015 found: every hour rolled (schema 14 rolled them all) */
	raw_exec(db,
	    "INSERT INTO count_day (bucket, " KEY ", n) SELECT " DAY_OF ", " KEY
	    ", n FROM count_hour WHERE bucket >= " MARK
	    " ON CONFLICT DO UPDATE SET n = n + excluded.n;"
	    "INSERT INTO count_month (bucket, " KEY ", n) SELECT CAST(strftime("
	    "'%s', bucket, 'unixepoch', 'start of month') AS INTEGER), " KEY
	    ", n FROM count_hour WHERE bucket >= " MARK
	    " ON CONFLICT DO UPDATE SET n = n + excluded.n;"
	    "INSERT INTO count_hour_class (bucket, class, status, kind, n)"
	    " SELECT bucket, class, status, kind, n FROM count_hour"
	    " WHERE bucket >= " MARK
	    " ON CONFLICT DO UPDATE SET n = n + excluded.n;" RAW_UNDO_0015
	    "PRAGMA user_version = 14;");
	st = open_rw(path);
	assert_int_equal(mark_of(db), T0 + 4 * 3600);
	check_invariant(db, committed);
	check_around(st, T0 + 4 * 3600);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 10; i++, committed++)
		add(st, T0 + 3 * 3600 + i * 60, NULL, "mx2", &r);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(mark_of(db), T0 + 4 * 3600);
	check_invariant(db, committed);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < 10; i++, committed++)
		add(st, T0 + 6 * 3600 + i * 60, NULL, "mx2", &r);
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(mark_of(db), T0 + 6 * 3600);
	check_invariant(db, committed);
	check_around(st, T0 + 4 * 3600);
	fixture_close(dir, path, st, db);
}

/*
 * Rows of the open hour this program has no names for, as another
 * version would write them (a class it does not know, a code above 999,
 * a kind past its last), are rolled by single-row UPSERTs (fold_odd())
 * when the next hour comes: the invariant holds with them.
 */
static void
roll_mark__rows_of_unknown_names__rolled_one_by_one(void **state)
{
	char dir[256], path[300];
	struct store *st;
	sqlite3 *db;
	uint64_t r = 29;
	int64_t committed = 0;

	(void)state;
	db = fixture_open(dir, sizeof(dir), path, sizeof(path), "rmodd", &st);
	commit_hour(st, db, T0, "mx1", &r, &committed, T0);
	raw_exec(db,
	    "INSERT INTO name (s) VALUES ('class_of_a_later_version');"
	    "INSERT INTO count_hour (bucket, " KEY ", n)"
	    " SELECT bucket, domain, provider, (SELECT id FROM name WHERE s ="
	    " 'class_of_a_later_version'), status, code, enhanced, kind, host,"
	    " 3 FROM count_hour LIMIT 1;"
	    "INSERT INTO count_hour (bucket, " KEY ", n)"
	    " SELECT bucket, domain, provider, class, status, 1000, enhanced,"
	    " 4, host, 5 FROM count_hour LIMIT 1;");
	committed += 3 + 5;
	assert_int_equal(
	    raw_int(db,
		"SELECT count(*) FROM count_hour WHERE n IN (3, 5) AND"
		" (code = 1000 OR class = (SELECT id FROM name WHERE"
		" s = 'class_of_a_later_version'))"),
	    2);
	check_invariant(db, committed);
	commit_hour(st, db, T0 + 3600, "mx2", &r, &committed, T0 + 3600);
	assert_int_equal(
	    raw_int(db, "SELECT total(n) FROM count_day WHERE code = 1000"), 5);
	assert_int_equal(raw_int(db,
			     "SELECT total(n) FROM count_hour_class WHERE class"
			     " = (SELECT id FROM name WHERE s ="
			     " 'class_of_a_later_version')"),
	    3);
	check_around(st, T0 + 3600);
	fixture_close(dir, path, st, db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    roll_mark__times_before_1970_and_far_ahead__invariant_and_reports),
		cmocka_unit_test(
		    roll_mark__hour_table_spills_mid_transaction__invariant_holds),
		cmocka_unit_test(
		    roll_mark__commit_fails_after_advance__mark_read_again),
		cmocka_unit_test(
		    roll_mark__other_store_advanced__late_row_rolled_once),
		cmocka_unit_test(
		    roll_mark__migrated_database__newest_hour_rolled),
		cmocka_unit_test(
		    roll_mark__rows_of_unknown_names__rolled_one_by_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
