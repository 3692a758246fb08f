/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Packed minute counts (migration 0012, schema/store_minute.c): one
 * count_minute_pk row per minute, read through the count_minute view.
 *
 *  - A property test: random sequences of adds, commits, rollbacks,
 *    prunes and store reopenings (a restart; an open transaction is
 *    rolled back, as after kill -9) over hundreds of minutes give the
 *    same count_minute rows as a plain per-row model of what each step
 *    means.
 *  - bs_minute_merge(): keys summed, sorted; text that is not packed
 *    minute counts fails the write with a clear error.
 *  - The view reads with trusted_schema off (as the program's own
 *    connections are) and its bucket condition uses the primary key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include "store.h"
#include "store_test.h"

#define T0        INT64_C(1763805600) /* a whole hour */
#define MINUTES   300
#define PROVIDERS 4
#define COMBOS    7

static const char *const providers[PROVIDERS] = { "", "gmail", "qq.com",
	"outlook" };

/* Status, class and event flags of the records: each its own minute key
 * (class, status, kind). */
static const struct combo {
	enum bs_status status;
	enum bs_class cls;
	unsigned flags;
	int kind;
} combos[COMBOS] = {
	{ BS_STATUS_SENT, BS_CLASS_NONE, 0, STORE_KIND_FINAL },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, 0, STORE_KIND_FINAL },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, BS_EVENT_SUSPENDED,
	    STORE_KIND_SUSPENDED },
	{ BS_STATUS_BOUNCED, BS_CLASS_USER_UNKNOWN, 0, STORE_KIND_FINAL },
	{ BS_STATUS_EXPIRED, BS_CLASS_UNKNOWN, 0, STORE_KIND_FINAL },
	{ BS_STATUS_ATTEMPT, BS_CLASS_GREYLISTED, 0, STORE_KIND_ATTEMPT },
	{ BS_STATUS_DEFERRED, BS_CLASS_GREYLISTED, BS_EVENT_LOCAL,
	    STORE_KIND_LOCAL },
};

/* Counts by minute, provider and combo. */
struct model {
	int64_t n[MINUTES][PROVIDERS][COMBOS];
};

static void
add(struct store *st, int m, int p, int c)
{
	const struct combo *k = &combos[c];
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = T0 + (int64_t)m * 60 + m % 60;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = k->status;
	ev.flags = k->flags;
	ev.smtp_code = k->status == BS_STATUS_SENT ? 250 : 450;
	ev.host = sp("mail1");
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("732BB407C3");
	ev.rcpt = sp("someone@example.invalid");
	ev.rcpt_domain = sp("example.invalid");
	ev.relay_host = sp("mx1.example.invalid");
	ev.relay_ip = sp("192.0.2.25");
	ev.dsn = ev.enhanced =
	    sp(k->status == BS_STATUS_SENT ? "2.0.0" : "4.7.0");
	ev.reply = sp(k->status == BS_STATUS_SENT ? "250 ok" : "450 later");
	ev.stage = sp(k->status == BS_STATUS_SENT ? NULL : "RCPT TO");
	cr.cls = k->cls;
	cr.rule = k->status == BS_STATUS_SENT ? NULL : "test-rule";
	cr.meaning = cr.action = "";
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = providers[p];
	assert_int_equal(store_add(st, &sr), 0);
}

static int
index_of(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* count_minute, read with names, equals the model row for row. */
static void
check(const char *path, const struct model *want)
{
	sqlite3 *db = raw_open_path(path);
	sqlite3_stmt *s;
	int64_t rows = 0, nonzero = 0;
	int m, p, c;

	assert_int_equal(
	    sqlite3_exec(db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "SELECT c.bucket, p.s, cl.s, st.s, c.kind, c.n "
			     "FROM count_minute c "
			     "JOIN name p ON p.id = c.provider "
			     "JOIN name cl ON cl.id = c.class "
			     "JOIN name st ON st.id = c.status",
			     -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(s, 0);
		const char *cls = (const char *)sqlite3_column_text(s, 2);
		const char *status = (const char *)sqlite3_column_text(s, 3);
		int kind = sqlite3_column_int(s, 4);

		assert_int_equal((t - T0) % 60, 0);
		m = (int)((t - T0) / 60);
		assert_true(m >= 0 && m < MINUTES);
		p = index_of(providers, PROVIDERS,
		    (const char *)sqlite3_column_text(s, 1));
		assert_true(p >= 0);
		for (c = 0; c < COMBOS; c++)
			if (strcmp(bs_status_name(combos[c].status), status) ==
				0 &&
			    strcmp(bs_class_name(combos[c].cls), cls) == 0 &&
			    combos[c].kind == kind)
				break;
		assert_true(c < COMBOS);
		assert_int_equal(sqlite3_column_int64(s, 5), want->n[m][p][c]);
		rows++;
	}
	sqlite3_finalize(s);
	for (m = 0; m < MINUTES; m++)
		for (p = 0; p < PROVIDERS; p++)
			for (c = 0; c < COMBOS; c++)
				nonzero += want->n[m][p][c] != 0;
	assert_int_equal(rows, nonzero);
	/* One count_minute_pk row per minute that has counts. */
	assert_int_equal(raw_int(db, "SELECT count(*) FROM count_minute_pk"),
	    raw_int(db, "SELECT count(DISTINCT bucket) FROM count_minute"));
	sqlite3_close(db);
}

/*
 * The model: committed counts C; in the open transaction, the rows
 * written D (C at BEGIN; a prune deletes from it) and the counts still in
 * memory P (none of the tables fills up here: all of a transaction's
 * adds stay in memory until COMMIT, and so outlive a prune in it). COMMIT:
 * C = D + P. ROLLBACK, or a reopen with the transaction open: D = C, P
 * empty. A prune to a floor at or below the recorded one does nothing.
 */
static void
run_seed(const char *path, uint64_t seed, int steps)
{
	struct model *c = calloc(1, sizeof(*c)), *d = calloc(1, sizeof(*d)),
		     *pend = calloc(1, sizeof(*pend));
	struct store *st = open_rw(path);
	int64_t floor_c = 0, floor_d = 0, x;
	int i, m, p, k, hot = 0;
	uint64_t r;

	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(pend);
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < steps; i++) {
		r = rnd(&seed) % 1000;
		if (r < 820) {
			/* mostly near a moving "now", as a daemon writes */
			if (rnd(&seed) % 4 == 0)
				m = (int)(rnd(&seed) % MINUTES);
			else
				m = hot + (int)(rnd(&seed) % 3);
			if (m >= MINUTES)
				m = MINUTES - 1;
			p = (int)(rnd(&seed) % PROVIDERS);
			k = (int)(rnd(&seed) % COMBOS);
			add(st, m, p, k);
			pend->n[m][p][k]++;
		} else if (r < 900) {
			assert_int_equal(store_commit(st), 0);
			for (m = 0; m < MINUTES; m++)
				for (p = 0; p < PROVIDERS; p++)
					for (k = 0; k < COMBOS; k++)
						c->n[m][p][k] = d->n[m][p][k] +=
						    pend->n[m][p][k];
			memset(pend, 0, sizeof(*pend));
			floor_c = floor_d;
			assert_int_equal(store_begin(st), 0);
			if (hot < MINUTES - 3)
				hot++;
		} else if (r < 950) {
			assert_int_equal(store_rollback(st), 0);
			*d = *c;
			memset(pend, 0, sizeof(*pend));
			floor_d = floor_c;
			assert_int_equal(store_begin(st), 0);
		} else if (r < 975) {
			/* prune below a minute; whole minutes go */
			m = (int)(rnd(&seed) % (hot + 1));
			x = T0 + (int64_t)m * 60 + (int64_t)(rnd(&seed) % 60);
			assert_int_equal(store_prune_minutes(st, x), 0);
			if (T0 + (int64_t)m * 60 > floor_d) {
				floor_d = T0 + (int64_t)m * 60;
				memset(d->n, 0, sizeof(d->n[0]) * (size_t)m);
			}
		} else {
			/* a restart: the open transaction is lost */
			store_close(st);
			st = open_rw(path);
			*d = *c;
			memset(pend, 0, sizeof(*pend));
			floor_d = floor_c;
			assert_int_equal(store_begin(st), 0);
		}
	}
	assert_int_equal(store_commit(st), 0);
	for (m = 0; m < MINUTES; m++)
		for (p = 0; p < PROVIDERS; p++)
			for (k = 0; k < COMBOS; k++)
				c->n[m][p][k] =
				    d->n[m][p][k] + pend->n[m][p][k];
	store_close(st);
	check(path, c);
	free(c);
	free(d);
	free(pend);
}

static void
minute_pack__random_steps__same_rows_as_row_model(void **state)
{
	struct db_fixture *fx = *state;
	static const uint64_t seeds[] = { 1, 2, 0x9e3779b97f4a7c15, 20261206 };
	size_t i;

	store_close(fx->st);
	fx->st = NULL;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		db_fixture_remove(fx->dir, fx->path);
		assert_int_equal(mkdir(fx->dir, 0700), 0);
		run_seed(fx->path, seeds[i], 3000);
	}
}

/* The ids of a name (fails the test when it is not stored). */
static int64_t
name_id(sqlite3 *db, const char *s)
{
	char sql[256];
	int64_t id;

	snprintf(sql, sizeof(sql), "SELECT id FROM name WHERE s = '%s'", s);
	id = raw_int(db, sql);
	assert_true(id >= 0);
	return id;
}

/*
 * A minute written again is merged by bs_minute_merge(): keys summed,
 * sorted by class, sk and provider (white space in the stored text
 * allowed); a text that is not packed counts fails the COMMIT, named.
 */
static void
minute_pack__merge__summed_sorted_bad_text_refused(void **state)
{
	struct db_fixture *fx = *state;
	char want[512], buf[512];
	int64_t cls, sk, prov;
	sqlite3 *db;

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, 0, 1, 1); /* gmail, deferred rate_limited */
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	cls = name_id(db, "rate_limited");
	sk = name_id(db, "deferred") * 4 + STORE_KIND_FINAL;
	prov = name_id(db, "gmail");
	snprintf(buf, sizeof(buf),
	    "INSERT INTO count_minute_pk VALUES (%lld, ' { \"100000\" : "
	    "{\"400004\":{\"100002\":2, \"100001\":1}}, \"%lld\":"
	    "{\"%lld\":{\"%lld\":5}} } ')",
	    (long long)(T0 + 600), (long long)cls, (long long)sk,
	    (long long)prov);
	raw_exec(db, buf);
	sqlite3_close(db);

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, 10, 1, 1);
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	snprintf(want, sizeof(want),
	    "{\"%lld\":{\"%lld\":{\"%lld\":6}},"
	    "\"100000\":{\"400004\":{\"100001\":1,\"100002\":2}}}",
	    (long long)cls, (long long)sk, (long long)prov);
	snprintf(buf, sizeof(buf),
	    "SELECT counts FROM count_minute_pk WHERE bucket = %lld",
	    (long long)(T0 + 600));
	assert_string_equal(raw_text(db, buf, want + 256, 256), want);
	assert_int_equal(raw_int(db,
			     "SELECT sum(n) FROM count_minute WHERE provider "
			     "= 100001 AND class = 100000 AND status = 100001 "
			     "AND kind = 0"),
	    1);

	raw_exec(db,
	    "UPDATE count_minute_pk SET counts = '[[1,2,3,4]]' "
	    "WHERE bucket = 1763805600");
	sqlite3_close(db);
	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, 0, 1, 1);
	assert_int_equal(store_commit(fx->st), -1);
	assert_non_null(
	    strstr(store_errmsg(fx->st), "not packed minute counts"));
}

/*
 * The view works with trusted_schema off (the program's connections),
 * and its bucket condition reaches count_minute_pk's primary key.
 */
static void
minute_pack__view__untrusted_schema_and_key_range(void **state)
{
	struct db_fixture *fx = *state;
	char buf[256];
	sqlite3 *db;
	sqlite3_stmt *s;
	int rowid = 0;

	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, 3, 2, 0);
	add(fx->st, 3, 2, 0);
	add(fx->st, 4, 0, 5);
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	raw_exec(db, "PRAGMA trusted_schema = OFF");
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), 3);
	assert_int_equal(raw_int(db,
			     "SELECT sum(kind) FROM count_minute "
			     "WHERE bucket >= 1763805780"),
	    1);
	assert_int_equal(sqlite3_prepare_v2(db,
			     "EXPLAIN QUERY PLAN SELECT * FROM count_minute "
			     "WHERE bucket >= 1763805600 AND bucket < "
			     "1763805700",
			     -1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(s, 3));
		rowid += strstr(buf,
			     "INTEGER PRIMARY KEY (rowid>? AND "
			     "rowid<?)") != NULL;
	}
	sqlite3_finalize(s);
	assert_int_equal(rowid, 1);
	sqlite3_close(db);
}

/*
 * A schema 11 database (count_minute_sk) migrates on its first write
 * open: the same count_minute rows, one count_minute_pk row a minute.
 */
static void
minute_pack__migration_from_11__same_rows(void **state)
{
	struct db_fixture *fx = *state;
	char err[BS_ERRLEN], before[64], after[64];
	static const char sum[] =
	    "SELECT count(*) || ':' || sum(n * (1 + bucket % 7 + provider * 3 "
	    "+ class * 5 + status * 7 + kind * 11)) FROM count_minute";
	sqlite3 *db;
	int64_t rows;
	int m;

	assert_int_equal(store_begin(fx->st), 0);
	for (m = 0; m < 200; m++)
		add(fx->st, m, m % PROVIDERS, m % COMBOS);
	for (m = 0; m < 200; m += 3)
		add(fx->st, m, (m + 1) % PROVIDERS, (m + 2) % COMBOS);
	assert_int_equal(store_commit(fx->st), 0);
	store_close(fx->st);
	fx->st = NULL;
	db = raw_open_path(fx->path);
	raw_text(db, sum, before, sizeof(before));
	rows = raw_int(db, "SELECT count(*) FROM count_minute");
	assert_true(rows > 200);
	raw_exec(db,
	    RAW_UNDO_0015 RAW_UNDO_0014 RAW_UNDO_0013 RAW_UNDO_0012
	    "PRAGMA user_version = 11");
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM count_minute_sk"), rows);
	sqlite3_close(db);

	fx->st = store_open(fx->path, 0, err);
	assert_non_null(fx->st);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "PRAGMA user_version"), 15);
	assert_int_equal(raw_int(db,
			     "SELECT count(*) FROM sqlite_schema WHERE name = "
			     "'count_minute_sk'"),
	    0);
	assert_string_equal(raw_text(db, sum, after, sizeof(after)), before);
	assert_int_equal(
	    raw_int(db, "SELECT count(*) FROM count_minute_pk"), 200);
	assert_int_equal(raw_int(db,
			     "SELECT (SELECT group_concat(integrity_check) "
			     "FROM pragma_integrity_check) = 'ok'"),
	    1);
	sqlite3_close(db);
	/* and it is written to as before */
	assert_int_equal(store_begin(fx->st), 0);
	add(fx->st, 0, 0, 0);
	assert_int_equal(store_commit(fx->st), 0);
	db = raw_open_path(fx->path);
	assert_int_equal(raw_int(db, "SELECT sum(n) FROM count_minute"), 268);
	sqlite3_close(db);
}

static int
setup(void **state)
{
	return db_fixture_setup(state, "minute_pack");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    minute_pack__random_steps__same_rows_as_row_model, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    minute_pack__merge__summed_sorted_bad_text_refused, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    minute_pack__view__untrusted_schema_and_key_range, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    minute_pack__migration_from_11__same_rows, setup,
		    db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
