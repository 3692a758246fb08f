/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The roll mark (migration 0015, schema/store_count.c, schema/query.c):
 * count_day, count_month and count_hour_class hold exactly the sums of
 * the count_hour rows with bucket < M, M being meta 'roll_mark', and
 * reports read the rollups before M and count_hour from M on.
 *
 * A property test: random sequences (40; 400 under ctest -L property,
 * BS_PROPERTY_RUNS) of adds at random hours
 * (mostly around a "now" that moves forward, some late rows for closed
 * hours, some early ones, several hosts and domains, over days that cross
 * a month's end), through two stores on one database (a daemon and an
 * import beside it: either may move the mark), with commits, rollbacks,
 * store reopenings with the transaction open (a restart after kill -9)
 * and rows set aside or not (store_work()). After each commit the
 * invariant is checked in SQL, count_hour's total against the adds
 * committed, and the report queries over random ranges against the
 * same from count_hour alone (query_filter.finest).
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
#include "out_test.h"
#include "query.h"
#include "store.h"
#include "store_test.h"

#define T0    INT64_C(1793232000) /* 2026-10-29 00:00 UTC */
#define HOURS (5 * 24)            /* to 2026-11-03: a month's end */
#define SEQS  40                  /* ctest -L property: BS_PROPERTY_RUNS=400 */

static const char *const hosts[] = { "mail1", "mail2", "" };
static const char *const doms[] = { "qq.com", "gmail.com", "example.org",
	"d3.example", "d4.example", "d5.example" };
static const struct combo {
	enum bs_status status;
	enum bs_class cls;
	int code;
	const char *enh;
} combos[] = {
	{ BS_STATUS_SENT, BS_CLASS_NONE, 250, "2.0.0" },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, 421, "4.7.0" },
	{ BS_STATUS_BOUNCED, BS_CLASS_USER_UNKNOWN, 550, "5.1.1" },
	{ BS_STATUS_ATTEMPT, BS_CLASS_GREYLISTED, 450, "4.7.1" },
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static void
add(struct store *st, int64_t t, uint64_t *r)
{
	const struct combo *k = &combos[rnd(r) % N(combos)];
	const char *dom = doms[rnd(r) % N(doms)];

	add_result(st, t, hosts[rnd(r) % N(hosts)], dom, k->status, k->cls,
	    k->code, k->enh,
	    k->status == BS_STATUS_SENT ? "250 ok" : "450 later");
}

/* Invariant I, and count_hour's total. */
static void
check_invariant(sqlite3 *db, int64_t committed, uint64_t seed)
{
	char ctx[32];

	snprintf(ctx, sizeof(ctx), "seed %llu: ", (unsigned long long)seed);
	raw_rollups_hold(db, ctx);
	if (raw_int(db, "SELECT total(n) FROM count_hour") != committed)
		fail_msg("seed %llu: count_hour holds %lld, %lld committed",
		    (unsigned long long)seed,
		    (long long)raw_int(db, "SELECT total(n) FROM count_hour"),
		    (long long)committed);
	/* The mark is an hour start (or not set). */
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM meta WHERE key = "
			     "'roll_mark' AND CAST(value AS INTEGER) % 3600 "
			     "<> 0"),
	    0);
}

static int
put_row(const struct query_row *r, void *arg)
{
	struct out *o = arg;

	put(o, "%s|%s|%d|%s|%lld", r->name, r->top_class, r->code, r->enhanced,
	    (long long)r->time);
	put_counts(o, &r->c);
	put(o, "\n");
	return 0;
}

static void
answer(struct store *st, const struct query_filter *f, struct out *o)
{
	o->n = 0;
	assert_int_equal(store_read_begin(st), 0);
	put_answers(st, f, o, put_row);
	assert_int_equal(store_read_end(st), 0);
}

/* Random ranges (some of the whole data, some crossing the month's end):
 * the rollups' answer equals count_hour's. */
static void
check_queries(struct store *st, uint64_t *r, uint64_t seed)
{
	struct out a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct query_filter f;
	int i;

	for (i = 0; i < 2; i++) {
		memset(&f, 0, sizeof(f));
		f.since =
		    T0 - 86400 + (int64_t)(rnd(r) % (HOURS * 3600 + 86400));
		f.until = f.since + 1 + (int64_t)(rnd(r) % (HOURS * 3600));
		if (rnd(r) % 4 == 0) {
			f.since = T0 - 40 * 86400;
			f.until = T0 + 40 * 86400;
		}
		if (rnd(r) % 4 == 0)
			f.cls = "rate_limited";
		f.top = 10;
		answer(st, &f, &a);
		f.finest = true;
		answer(st, &f, &b);
		if (a.n != b.n || memcmp(a.s, b.s, a.n) != 0)
			fail_msg("seed %llu: range [%lld, %lld): rollups\n%s\n"
				 "hours\n%s",
			    (unsigned long long)seed, (long long)f.since,
			    (long long)f.until, a.s, b.s);
	}
	free(a.s);
	free(b.s);
}

/* One sequence of transactions through two stores on one database. */
static void
run(uint64_t seed)
{
	char dir[256], path[300];
	struct store *st[2];
	sqlite3 *db;
	uint64_t r = seed;
	int64_t now = T0 + 3600 * (int64_t)(rnd(&r) % 24), committed = 0,
		pending[2] = { 0, 0 }, t;
	bool open[2] = { false, false };
	int step, w, i, n, k;

	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "rmark"), 0);
	st[0] = open_rw(path);
	st[1] = open_rw(path);
	db = raw_open_path(path);
	for (step = 0; step < 20 && now < T0 + HOURS * 3600; step++) {
		/* one writer at a time (BEGIN IMMEDIATE): the other's
		 * transaction is committed first */
		w = (int)(rnd(&r) % 5 == 0);
		if (open[!w]) {
			assert_int_equal(store_commit(st[!w]), 0);
			committed += pending[!w];
			pending[!w] = 0;
			open[!w] = false;
		}
		if (!open[w]) {
			assert_int_equal(store_begin(st[w]), 0);
			open[w] = true;
		}
		if (rnd(&r) % 4 == 0)
			store_work_enable(st[w], rnd(&r) % 2 == 0);
		n = 1 + (int)(rnd(&r) % (rnd(&r) % 8 == 0 ? 3000 : 40));
		for (i = 0; i < n; i++) {
			t = now + (int64_t)(rnd(&r) % 3600);
			if (rnd(&r) % 10 == 0) /* late, or a later hour */
				t = now - 3600 * (int64_t)(rnd(&r) % 50) +
				    (int64_t)(rnd(&r) % 7200);
			add(st[w], t, &r);
			pending[w]++;
		}
		if (rnd(&r) % 3 == 0)
			(void)store_work(st[w], (size_t)(rnd(&r) % 200));
		k = (int)(rnd(&r) % 10);
		if (k < 5) {
			assert_int_equal(store_commit(st[w]), 0);
			committed += pending[w];
			pending[w] = 0;
			open[w] = false;
			check_invariant(db, committed, seed);
			if (rnd(&r) % 3 == 0)
				check_queries(st[w], &r, seed);
		} else if (k == 5) {
			assert_int_equal(store_rollback(st[w]), 0);
			pending[w] = 0;
			open[w] = false;
		} else if (k == 6) { /* kill -9: the transaction is lost */
			store_close(st[w]);
			st[w] = open_rw(path);
			pending[w] = 0;
			open[w] = false;
		}
		/* time goes on: the same hour, the next, or a gap */
		k = (int)(rnd(&r) % 6);
		now += k < 3 ? 0
		    : k < 5  ? 3600
			     : 3600 * (int64_t)(rnd(&r) % 30);
	}
	for (w = 0; w < 2; w++)
		if (open[w]) {
			assert_int_equal(store_commit(st[w]), 0);
			committed += pending[w];
		}
	check_invariant(db, committed, seed);
	check_queries(st[0], &r, seed);
	sqlite3_close(db);
	store_close(st[0]);
	store_close(st[1]);
	db_fixture_remove(dir, path);
}

static void
roll_mark__random_sequences__rollups_are_the_hours_before_it(void **state)
{
	const char *env = getenv("BS_PROPERTY_RUNS");
	uint64_t seed, seqs = env != NULL ? strtoull(env, NULL, 10) : SEQS;

	(void)state;
	for (seed = 1; seed <= seqs; seed++)
		run(seed * UINT64_C(0x9e3779b97f4a7c15));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    roll_mark__random_sequences__rollups_are_the_hours_before_it),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
