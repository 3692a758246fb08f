/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Property tests of the rollups (migration 0004, schema/store_count.c,
 * schema/query.c): a database is filled through the store with random
 * results over four months (a year's end, February, written in many
 * batches), then every report query over many random ranges, and ranges
 * on and around day and month boundaries and local-time offsets (+05:30,
 * -03:30, +01:00), must give the same answer from the rollups as from the
 * hour rows alone (query_filter.finest), with and without the domain and
 * class filters. The same again after the rollups are dropped and rebuilt
 * by the migration from count_hour, as for a database of version 3.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db_fixture.h"
#include "out_test.h"
#include "query.h"
#include "store.h"
#include "store_priv.h"
#include "xorshift_test.h"

#define T0     1765497600 /* 2025-12-12 00:00:00 UTC */
#define DAYS   120        /* to 2026-04-11 */
#define DAY    86400
#define NREC   6000
#define RANGES 45

static int64_t
rnd_below(int64_t n)
{
	return (int64_t)(rnd() % (uint64_t)n);
}

static const char *const domains[] = { "qq.com", "foxmail.com", "gmail.com",
	"googlemail.com", "example.org", "example.net", "outlook.com",
	"hotmail.com", "163.com", "yahoo.com" };
static const char *const providers[] = { "qq.com", "qq.com", "google.com",
	"google.com", "", "", "microsoft.com", "microsoft.com", "netease.com",
	"yahoo.com" };
static const char *const hosts[] = { "mx1", "mx2", "" };
static const struct {
	enum bs_status status;
	enum bs_class cls;
	int code;
	const char *enhanced;
	const char *reply;
	unsigned flags;
} kinds[] = {
	{ BS_STATUS_SENT, BS_CLASS_NONE, 250, "2.0.0", "250 2.0.0 Ok", 0 },
	{ BS_STATUS_SENT, BS_CLASS_NONE, 250, "2.0.0", "250 2.0.0 Ok", 0 },
	{ BS_STATUS_SENT, BS_CLASS_NONE, 250, "", "250 Ok", 0 },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, 421, "4.7.0",
	    "421 HL:ICC from 192.0.2.1", 0 },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, 421, "4.7.0",
	    "delivery temporarily suspended: 421 HL:ICC", BS_EVENT_SUSPENDED },
	{ BS_STATUS_ATTEMPT, BS_CLASS_RATE_LIMITED, 421, "4.7.0",
	    "421 HL:ICC from 192.0.2.1", 0 },
	{ BS_STATUS_BOUNCED, BS_CLASS_USER_UNKNOWN, 550, "5.1.1",
	    "550 5.1.1 Mailbox not found", 0 },
	{ BS_STATUS_DEFERRED, BS_CLASS_GREYLISTED, 450, "4.7.1",
	    "450 4.7.1 Greylisted", 0 },
	{ BS_STATUS_EXPIRED, BS_CLASS_EXPIRED, 0, "", "", 0 },
	{ BS_STATUS_DEFERRED, BS_CLASS_UNKNOWN, 451, "", "451 weird thing", 0 },
	{ BS_STATUS_BOUNCED, BS_CLASS_BLACKLISTED, 554, "5.7.1",
	    "554 5.7.1 listed at zen.spamhaus.org", 0 },
};

static void
add_random(struct store *st, int64_t t)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr = { &ev, &cr, NULL };
	size_t d = (size_t)rnd_below(sizeof(domains) / sizeof(domains[0]));
	size_t k = (size_t)rnd_below(sizeof(kinds) / sizeof(kinds[0]));

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	sr.provider = providers[d];
	ev.time = t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = kinds[k].status;
	ev.flags = kinds[k].flags;
	ev.smtp_code = kinds[k].code;
	ev.rcpt_domain = bs_span_make(domains[d], strlen(domains[d]));
	ev.enhanced =
	    bs_span_make(kinds[k].enhanced, strlen(kinds[k].enhanced));
	ev.reply = bs_span_make(kinds[k].reply, strlen(kinds[k].reply));
	ev.queue_id = bs_span_make("4F2A81C0D2", 10);
	ev.host = bs_span_make(hosts[d % 3], strlen(hosts[d % 3]));
	cr.cls = kinds[k].cls;
	cr.rule = "r";
	assert_int_equal(store_add(st, &sr), 0);
}

static int
setup(void **state)
{
	struct db_fixture *fx;
	struct store *st;
	int i;

	if (db_fixture_setup(state, "rollup") == -1)
		return -1;
	fx = *state;
	st = fx->st;
	/* Many batches, in no time order: rollup rows are UPSERTed again. */
	for (i = 0; i < NREC; i++) {
		if (i % 397 == 0 && (i == 0 || store_commit(st) == 0) &&
		    store_begin(st) == -1)
			return -1;
		add_random(st, T0 + rnd_below((int64_t)DAYS * DAY));
	}
	if (store_commit(st) == -1)
		return -1;
	return db_fixture_readonly(fx);
}

static int
put_row(const struct query_row *r, void *arg)
{
	struct out *o = arg;

	put(o, "%s|%s|%d|%s|%s|%.*s|%lld", r->name, r->top_class, r->code,
	    r->enhanced, r->cls, (int)r->text_len, r->text, (long long)r->time);
	put_counts(o, &r->c);
	put(o, "\n");
	return 0;
}

static const char *const each_cls[] = { "none", "rate_limited", "user_unknown",
	"greylisted", "expired", "unknown", "blacklisted" };
static const char *const each_names[] = { "qq.com", "google.com",
	"microsoft.com", "", "example.org", "nowhere.example", "gmail.com" };
#define NCLS   (sizeof(each_cls) / sizeof(each_cls[0]))
#define NNAMES (sizeof(each_names) / sizeof(each_names[0]))

struct by_cls {
	struct out o[NCLS];
};

/* A query_row_fn: the row to the buffer of its class (each_cls). */
static int
put_by_cls(const struct query_row *r, void *arg)
{
	struct by_cls *b = arg;
	struct query_row x = *r;
	size_t i;

	/* As query_hourly() gives it: the class is the filter's. */
	x.cls = "";
	for (i = 0; i < NCLS; i++)
		if (strcmp(r->cls, each_cls[i]) == 0)
			return put_row(&x, &b->o[i]);
	fail_msg("hourly row of an unexpected class %s", r->cls);
	return 1;
}

/*
 * The HTML report's one-pass queries (query_hourly_classes(),
 * query_by_class_each()) with f, or with f.finest what they stand for:
 * query_hourly() per class and query_by_class() per domain filter.
 */
static void
answer_each(struct store *st, const struct query_filter *f, struct out *o)
{
	struct by_cls b;
	struct query_filter one;
	struct out names[NNAMES];
	void *args[NNAMES];
	size_t i;

	memset(&b, 0, sizeof(b));
	memset(names, 0, sizeof(names));
	for (i = 0; i < NNAMES; i++)
		args[i] = &names[i];
	if (!f->finest) {
		assert_int_equal(
		    query_hourly_classes(st, f, put_by_cls, &b), 0);
		assert_int_equal(query_by_class_each(
				     st, f, each_names, NNAMES, put_row, args),
		    0);
	}
	for (i = 0; i < NCLS; i++) {
		if (f->finest &&
		    (f->cls == NULL || strcmp(f->cls, each_cls[i]) == 0)) {
			one = *f;
			one.cls = each_cls[i];
			assert_int_equal(
			    query_hourly(st, &one, put_row, &b.o[i]), 0);
		}
		put(o, "hours of %s\n%.*s", each_cls[i], (int)b.o[i].n,
		    b.o[i].s != NULL ? b.o[i].s : "");
		free(b.o[i].s);
	}
	for (i = 0; i < NNAMES; i++) {
		if (f->finest) {
			one = *f;
			one.domain = each_names[i];
			assert_int_equal(
			    query_by_class(st, &one, put_row, &names[i]), 0);
		}
		put(o, "classes of %s\n%.*s", each_names[i], (int)names[i].n,
		    names[i].s != NULL ? names[i].s : "");
		free(names[i].s);
	}
}

/* All the report's queries over f, into o. */
static void
answer(struct store *st, const struct query_filter *f, struct out *o)
{
	o->n = 0;
	put_answers(st, f, o, put_row);
	answer_each(st, f, o);
}

/* The rollups' answer over [since, until) equals the hours'. */
static void
check_range(struct store *st, int64_t since, int64_t until)
{
	static const char *const doms[] = { NULL, "qq.com", "gmail.com",
		"example.org", "nowhere.example" };
	static const char *const clss[] = { NULL, "rate_limited",
		"user_unknown" };
	static const char *const hsts[] = { NULL, "mx1", "mx2", "", "mx9" };
	struct out a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct query_filter f;
	size_t d, c, h, i;

	/* No filter, then two random combinations. */
	for (i = 0; i < 3; i++) {
		d = i == 0 ? 0
			   : (size_t)rnd_below(sizeof(doms) / sizeof(doms[0]));
		c = i == 0 ? 0
			   : (size_t)rnd_below(sizeof(clss) / sizeof(clss[0]));
		h = i == 0 ? 0
			   : (size_t)rnd_below(sizeof(hsts) / sizeof(hsts[0]));
		{
			memset(&f, 0, sizeof(f));
			f.since = since;
			f.until = until;
			f.domain = doms[d];
			f.cls = clss[c];
			f.host = hsts[h];
			f.top = 1 + (int)rnd_below(6);
			answer(st, &f, &a);
			f.finest = true;
			answer(st, &f, &b);
			if (a.n != b.n || memcmp(a.s, b.s, a.n) != 0)
				fail_msg("range [%lld, %lld) domain %s class "
					 "%s host %s: rollups\n%s\nhours\n%s",
				    (long long)since, (long long)until,
				    doms[d] ? doms[d] : "-",
				    clss[c] ? clss[c] : "-",
				    hsts[h] ? hsts[h] : "-", a.s, b.s);
		}
	}
	free(a.s);
	free(b.s);
}

/* Ranges: random, and on and around day and month boundaries. */
static void
check_ranges(struct store *st)
{
	/* Month starts (UTC) in and around the data. */
	static const int64_t months[] = { 1764547200, 1767225600, 1769904000,
		1772323200, 1775001600 };
	/* Local-time offsets of a report's bounds (seconds east of UTC). */
	static const int64_t tz[] = { 0, 19800, -12600, 3600, -1 };
	int64_t since, until, m;
	size_t i, j, k;

	for (i = 0; i < RANGES; i++) {
		since = T0 - 3 * DAY + rnd_below((int64_t)(DAYS + 6) * DAY);
		switch (i % 3) {
		case 0: /* any length */
			until = since + 1 + rnd_below((int64_t)DAYS * DAY);
			break;
		case 1: /* under a few days */
			until = since + 1 + rnd_below(4 * DAY);
			break;
		default: /* whole local days */
			since -= since % DAY + tz[i % 4];
			until = since + (1 + rnd_below(70)) * DAY;
			break;
		}
		check_range(st, since, until);
	}
	for (j = 0; j < sizeof(months) / sizeof(months[0]); j++)
		for (k = 0; k < sizeof(months) / sizeof(months[0]); k++) {
			if (months[k] <= months[j])
				continue;
			m = tz[(j + k) % 5] == -1 ? 1 : tz[(j + k) % 5];
			check_range(st, months[j], months[k]);
			check_range(st, months[j] - m, months[k] + m);
			check_range(st, months[j] + 3600, months[k] - 3600);
			check_range(st, months[j] + DAY, months[k] - DAY);
		}
}

static void
query_rollup__random_ranges__same_as_hours(void **state)
{
	struct db_fixture *fx = *state;

	check_ranges(fx->st);
}

static int64_t
raw_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

static void
query_rollup__rollups_dropped_at_version_3__migration_rebuilds(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN];
	int64_t days, minutes, minute_sum;
	sqlite3 *db;

	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	/* the day rows of every hour (the open hour's are not rolled yet:
	 * migration 0015), which 0007 then rebuilds from count_hour */
	days = raw_int(db,
	    "SELECT count(*) FROM (SELECT DISTINCT bucket - bucket % 86400, "
	    "domain, provider, class, status, code, enhanced, kind, host "
	    "FROM count_hour)");
	assert_true(days > 0);
	minutes = raw_int(db, "SELECT count(*) FROM count_minute");
	minute_sum = raw_int(db,
	    "SELECT sum(n * (1 + bucket % 7 + provider + class * 3 + "
	    "status * 5 + kind * 11)) FROM count_minute");
	assert_true(minutes > 0);
	/* Back to version 3: count_hour without host, no rollups, none of
	 * the tables of migrations 4 to 6 (notification, messages, DNSBL)
	 * nor the index of 10 nor event.instance (13), count_minute a table
	 * with status and kind apart. */
	assert_int_equal(
	    sqlite3_exec(db,
		"DROP VIEW event_v; ALTER TABLE event DROP COLUMN instance; "
		"CREATE VIEW event_v AS SELECT 1 AS id; "
		"DROP TABLE notification; DROP VIEW message_v; "
		"DROP VIEW message_rcpt; DROP TABLE message; "
		"DROP TABLE dnsbl_state; DROP INDEX event_dnsbl; "
		"CREATE TABLE m3 AS SELECT * FROM count_minute; "
		"DROP VIEW count_minute; DROP TABLE count_minute_pk; "
		"ALTER TABLE m3 RENAME TO count_minute; "
		"DROP TABLE count_day; DROP TABLE count_month; "
		"DROP TABLE count_hour_class; DROP VIEW count_hour_v; "
		"CREATE TABLE h3 AS SELECT bucket, domain, provider, class, "
		"status, code, enhanced, kind, sum(n) AS n FROM count_hour "
		"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8; DROP TABLE count_hour; "
		"ALTER TABLE h3 RENAME TO count_hour; "
		"CREATE VIEW count_hour_v AS SELECT * FROM count_hour; "
		"PRAGMA user_version = 3",
		NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(db);
	fx->st = store_open(fx->path, 0, err);
	assert_non_null(fx->st);
	store_close(fx->st);
	fx->st = NULL;
	assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 15);
	assert_int_equal(
	    raw_int(db,
		"SELECT CAST(value AS INTEGER) = (SELECT max(bucket) "
		"+ 3600 FROM count_hour) FROM meta WHERE key = "
		"'roll_mark'"),
	    1);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_day"), days);
	/* Migration 0009: n may be NULL in every count table (no statement
	 * journal for the UPSERTs); the edited schema checks out. */
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM sqlite_schema WHERE type = "
			     "'table' AND name LIKE 'count%' AND instr(sql, "
			     "char(10) || char(9) || 'n INTEGER NOT NULL')"),
	    0);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM sqlite_schema WHERE type = "
			     "'table' AND name LIKE 'count%' AND instr(sql, "
			     "char(10) || char(9) || 'n INTEGER')"),
	    4);
	assert_int_equal(raw_int(db,
			     "SELECT (SELECT group_concat(integrity_check) "
			     "FROM pragma_integrity_check) = 'ok'"),
	    1);
	/* Migrations 0009 and 0012: the same minute rows, status and kind
	 * packed, then one row per minute. */
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM count_minute"), minutes);
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute_pk"),
	    raw_int(db, "SELECT count(DISTINCT bucket) FROM count_minute"));
	assert_int_equal(raw_int(db,
			     "SELECT sum(n * (1 + bucket % 7 + provider + "
			     "class * 3 + status * 5 + kind * 11)) FROM "
			     "count_minute"),
	    minute_sum);
	assert_int_equal(raw_int(db,
			     "SELECT (SELECT sum(n) FROM count_hour) "
			     "= (SELECT sum(n) FROM count_month)"),
	    1);
	sqlite3_close(db);
	fx->st = store_open(fx->path, STORE_READONLY, err);
	assert_non_null(fx->st);
	check_ranges(fx->st);
}

/*
 * The hours [a, b) the parts of a split cover, each times its sign, at
 * hour h, counting only hours with data ([lo, hi)): 1 inside the range,
 * 0 outside, whatever the parts are.
 */
static int64_t
split_weight(int64_t (*arm)[3], int64_t h)
{
	int64_t w = 0;
	int i;

	for (i = 0; i < QUERY_PARTS; i++)
		if (h >= arm[i][0] && h < arm[i][1])
			w += arm[i][2];
	return w;
}

static void
check_split(int64_t since, int64_t until, int64_t lo, int64_t hi)
{
	int64_t arm[QUERY_PARTS][3], h, want;
	int i;

	query_range_split(since, until, false, INT64_MAX, lo, hi, arm);
	for (i = 0; i < QUERY_PARTS; i++) {
		assert_true(arm[i][0] <= arm[i][1]);
		assert_true(arm[i][0] == arm[i][1] || arm[i][2] == 1 ||
		    arm[i][2] == -1);
		/* Each part is whole buckets of its table. */
		if (i >= QUERY_DAYS_HEAD && arm[i][0] < arm[i][1]) {
			assert_int_equal(
			    store_floor(arm[i][0], DAY), arm[i][0]);
			assert_int_equal(
			    store_floor(arm[i][1], DAY), arm[i][1]);
		}
		if (i == QUERY_MONTHS && arm[i][0] < arm[i][1]) {
			assert_int_equal(
			    store_month_floor(arm[i][0]), arm[i][0]);
			assert_int_equal(
			    store_month_floor(arm[i][1]), arm[i][1]);
		}
	}
	for (h = lo; h < hi; h += 3600) {
		want = h >= since && h < until ? 1 : 0;
		if (split_weight(arm, h) != want)
			fail_msg(
			    "split of [%lld, %lld) with data [%lld, %lld): "
			    "hour %lld weighs %lld",
			    (long long)since, (long long)until, (long long)lo,
			    (long long)hi, (long long)h,
			    (long long)split_weight(arm, h));
	}
}

/* Property: random ranges and extents, every hour with data once. */
static void
query_range_split__random_ranges_and_extents__each_hour_once(void **state)
{
	int64_t a, b, lo, hi, t;
	int i;

	(void)state;
	for (i = 0; i < 3000; i++) {
		a = T0 + (rnd_below(DAYS * 24) - 24 * 35) * 3600;
		b = a + (1 + rnd_below(24 * 80)) * 3600;
		lo = T0 + (rnd_below(DAYS * 24) - 24 * 35) * 3600;
		hi = lo + rnd_below(24 * 80) * 3600;
		if (i % 4 == 0) { /* the data around the range */
			lo = a - rnd_below(24 * 40) * 3600;
			hi = b + rnd_below(24 * 40) * 3600;
		}
		if (i % 7 == 0) { /* a report that ends at the last data */
			t = lo + rnd_below(24 * 90) * 3600;
			hi = b = t > a ? t : a + 3600;
		}
		check_split(a, b, lo, hi);
	}
}

/*
 * A report that ends now, in the middle of a month: the days after now
 * hold no data, so the month is read whole and those days subtracted
 * (they cost nothing) instead of adding its days one by one.
 */
static void
query_range_split__ends_mid_month_at_the_data__month_minus_empty_days(
    void **state)
{
	/* 2026-03-07 02:00 UTC; 30 days back: 2026-02-05 02:00. */
	int64_t until = 1772848800, since = until - 30 * DAY,
		arm[QUERY_PARTS][3];

	(void)state;
	query_range_split(since, until, false, INT64_MAX, T0, until, arm);
	/* March 1 to 7 from the month, the days from March 7 on subtracted. */
	assert_int_equal(arm[QUERY_DAYS_TAIL][0], 1772841600);
	assert_int_equal(arm[QUERY_DAYS_TAIL][1], 1775001600);
	assert_int_equal(arm[QUERY_DAYS_TAIL][2], -1);
	assert_int_equal(arm[QUERY_MONTHS][1], 1775001600);
	/* Data that goes on after the range: the days are added instead. */
	query_range_split(
	    since, until, false, INT64_MAX, T0, until + 60 * DAY, arm);
	assert_int_equal(arm[QUERY_DAYS_TAIL][0], 1772323200);
	assert_int_equal(arm[QUERY_DAYS_TAIL][1], 1772841600);
	assert_int_equal(arm[QUERY_DAYS_TAIL][2], 1);
	check_split(since, until, T0, until);
	check_split(since, until, T0, until + 60 * DAY);
}

/*
 * store_read_begin(): a commit from another connection between two
 * queries of a report is not seen until store_read_end(); without the
 * read transaction it is (so the test can tell).
 */
static void
store_read_begin__commit_elsewhere__one_snapshot(void **state)
{
	struct db_fixture *fx = *state;
	struct out a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
	struct query_filter f;
	char err[BS_ERRLEN];
	struct store *w;
	int round;

	memset(&f, 0, sizeof(f));
	f.since = T0;
	f.until = T0 + (int64_t)DAYS * DAY;
	w = store_open(fx->path, 0, err);
	assert_non_null(w);
	for (round = 0; round < 2; round++) {
		if (round == 0)
			assert_int_equal(store_read_begin(fx->st), 0);
		a.n = b.n = 0;
		assert_int_equal(query_hourly(fx->st, &f, put_row, &a), 0);
		assert_int_equal(store_begin(w), 0);
		add_random(w, T0 + 5 * DAY + 1800);
		assert_int_equal(store_commit(w), 0);
		assert_int_equal(query_hourly(fx->st, &f, put_row, &b), 0);
		if (round == 0) {
			/* One snapshot: the same rows. */
			assert_true(a.n == b.n && memcmp(a.s, b.s, a.n) == 0);
			assert_int_equal(store_read_end(fx->st), 0);
			a.n = 0;
			assert_int_equal(
			    query_hourly(fx->st, &f, put_row, &a), 0);
		}
		/* The commit is seen. */
		assert_false(a.n == b.n && memcmp(a.s, b.s, a.n) == 0);
	}
	assert_int_equal(store_read_end(fx->st), 0); /* none open: 0 */
	store_close(w);
	free(a.s);
	free(b.s);
}

/*
 * review13: another connection's commit stays noticed
 * (store_changed_elsewhere()) through this connection's own transactions
 * begun meanwhile (the daemon's detector between two batches), until
 * store_elsewhere_seen(); before, the next begin forgot it.
 */
static void
store_changed_elsewhere__own_begin_between__kept_until_seen(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN];
	struct store *st, *o; /* this connection, another */

	st = store_open(fx->path, 0, err);
	assert_non_null(st);
	o = store_open(fx->path, 0, err);
	assert_non_null(o);
	assert_int_equal(store_begin(st), 0);
	assert_int_equal(store_commit(st), 0);
	store_elsewhere_seen(st);
	assert_int_equal(store_begin(o), 0);
	add_random(o, T0 + 5 * DAY + 1800);
	assert_int_equal(store_commit(o), 0);
	/* Two begins here (the detector's, then the batch's). */
	assert_int_equal(store_begin(st), 0);
	assert_true(store_changed_elsewhere(st));
	assert_int_equal(store_commit(st), 0);
	assert_int_equal(store_begin(st), 0);
	assert_true(store_changed_elsewhere(st));
	store_elsewhere_seen(st);
	assert_int_equal(store_commit(st), 0);
	/* Seen, and nobody else committed: not again. */
	assert_int_equal(store_begin(st), 0);
	assert_false(store_changed_elsewhere(st));
	assert_int_equal(store_commit(st), 0);
	store_close(o);
	store_close(st);
}

static void
store_month_floor__dates__first_of_month(void **state)
{
	(void)state;
	/* 2026-03-01 00:00:00 UTC; a leap year's February; before 1970. */
	assert_int_equal(store_month_floor(1772323200), 1772323200);
	assert_int_equal(store_month_floor(1772323199), 1769904000);
	assert_int_equal(store_month_floor(951782400 + 86399), 949363200);
	assert_int_equal(store_month_floor(951868800), 951868800);
	assert_int_equal(store_month_floor(-1), -2678400);
	assert_int_equal(store_month_floor(0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_month_floor__dates__first_of_month),
		cmocka_unit_test(
		    query_range_split__random_ranges_and_extents__each_hour_once),
		cmocka_unit_test(
		    query_range_split__ends_mid_month_at_the_data__month_minus_empty_days),
		cmocka_unit_test_setup_teardown(
		    query_rollup__random_ranges__same_as_hours, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_rollup__rollups_dropped_at_version_3__migration_rebuilds,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    store_read_begin__commit_elsewhere__one_snapshot, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    store_changed_elsewhere__own_begin_between__kept_until_seen,
		    setup, db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
