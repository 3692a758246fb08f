/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Issue 14 (writecut): the rollup tables are written when full, at
 * COMMIT and, rolled from the hour rows in time order, at a day boundary
 * when the day table is at least half full (schema/store_count.c
 * roll_rows()). Whenever they are written, count_day must be the sum of
 * count_hour per UTC day, count_month the sum of count_day per UTC
 * month and count_hour_class the sum of count_hour per (hour, class,
 * status, kind); count_hour must be what was added.
 *
 * A property test: random sequences of adds (thousands of domains over
 * six days that cross a month's end, mostly in time order, some late or
 * early; enough keys to fill the hour, day and month tables, most days
 * more than half a day table), commits, rollbacks, store reopenings with
 * the transaction open
 * (a restart after kill -9) and rows set aside or not (store_work()),
 * against a model of the committed hour counts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include "store.h"
#include "store_test.h"

#define T0      INT64_C(1793232000) /* 2026-10-29 00:00 UTC */
#define HOURS   (6 * 24)            /* to 2026-11-04: a month's end */
#define DOMAINS 6000 /* 18,000 keys a month: more than its table holds */
#define COMBOS  3
#define PENDING 400000

static const struct combo {
	enum bs_status status;
	enum bs_class cls;
	int code;
	const char *enh;
} combos[COMBOS] = {
	{ BS_STATUS_SENT, BS_CLASS_NONE, 250, "2.0.0" },
	{ BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED, 421, "4.7.0" },
	{ BS_STATUS_BOUNCED, BS_CLASS_USER_UNKNOWN, 550, "5.1.1" },
};

/* Committed counts by hour, domain and combo; the adds of the open
 * transaction (indexes into c). */
struct model {
	int32_t c[HOURS][DOMAINS][COMBOS];
	int32_t p[PENDING];
	size_t np;
};

static void
add(struct store *st, int h, int d, int c)
{
	const struct combo *k = &combos[c];
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;
	char dom[32], rcpt[48];

	snprintf(dom, sizeof(dom), "d%d.example", d);
	snprintf(rcpt, sizeof(rcpt), "u@%s", dom);
	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = T0 + (int64_t)h * 3600 + (d * 7 + c) % 3600;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = k->status;
	ev.smtp_code = k->code;
	ev.host = sp("mail1");
	ev.program = sp("postfix/smtp");
	ev.queue_id = sp("732BB407C3");
	ev.rcpt = sp(rcpt);
	ev.rcpt_domain = sp(dom);
	ev.relay_host = sp("mx1.example.invalid");
	ev.relay_ip = sp("192.0.2.25");
	ev.dsn = ev.enhanced = sp(k->enh);
	ev.reply = sp(k->status == BS_STATUS_SENT ? "250 ok" : "450 later");
	ev.stage = sp(k->status == BS_STATUS_SENT ? NULL : "RCPT TO");
	cr.cls = k->cls;
	cr.rule = k->status == BS_STATUS_SENT ? NULL : "test-rule";
	cr.meaning = cr.action = "";
	sr.ev = &ev;
	sr.cr = &cr;
	sr.provider = d % 5 == 0 ? "gmail" : "";
	assert_int_equal(store_add(st, &sr), 0);
}

/* count_hour equals the model; the rollups are its sums. */
static void
check(const char *path, const struct model *m)
{
	sqlite3 *db = raw_open_path(path);
	sqlite3_stmt *s;
	int64_t rows = 0, nonzero = 0, got;
	int h, d, c;

	assert_int_equal(
	    sqlite3_prepare_v2(db,
		"SELECT h.bucket, dn.s, st.s, h.n FROM count_hour h"
		" JOIN name dn ON dn.id = h.domain"
		" JOIN name st ON st.id = h.status",
		-1, &s, NULL),
	    SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW) {
		int64_t t = sqlite3_column_int64(s, 0);
		const char *dom = (const char *)sqlite3_column_text(s, 1);
		const char *status = (const char *)sqlite3_column_text(s, 2);

		assert_int_equal((t - T0) % 3600, 0);
		h = (int)((t - T0) / 3600);
		assert_true(h >= 0 && h < HOURS);
		assert_int_equal(sscanf(dom, "d%d.example", &d), 1);
		assert_true(d >= 0 && d < DOMAINS);
		for (c = 0; c < COMBOS; c++)
			if (strcmp(bs_status_name(combos[c].status), status) ==
			    0)
				break;
		assert_true(c < COMBOS);
		got = sqlite3_column_int64(s, 3);
		if (got != m->c[h][d][c])
			fail_msg("hour %d d%d %s: %lld, want %d", h, d, status,
			    (long long)got, m->c[h][d][c]);
		rows++;
	}
	sqlite3_finalize(s);
	for (h = 0; h < HOURS; h++)
		for (d = 0; d < DOMAINS; d++)
			for (c = 0; c < COMBOS; c++)
				nonzero += m->c[h][d][c] != 0;
	assert_int_equal(rows, nonzero);
	/* Rolled: the hours before the roll mark (migration 0015). */
	raw_rollups_hold(db, "");
	/* Both months and every day were written. */
	assert_int_equal(
	    raw_int(db, "SELECT count(DISTINCT bucket) FROM count_month"), 2);
	assert_int_equal(
	    raw_int(db, "SELECT count(DISTINCT bucket) FROM count_day"), 6);
	sqlite3_close(db);
}

/* COMMIT: the open transaction's adds are committed. */
static void
commit_model(struct model *m)
{
	size_t i;

	for (i = 0; i < m->np; i++)
		(&m->c[0][0][0])[m->p[i]]++;
	m->np = 0;
}

static void
run(uint64_t seed)
{
	char dir[256], path[300];
	struct model *m = calloc(1, sizeof(*m));
	struct store *st;
	uint64_t r = seed;
	int64_t i, adds = 0, commits = 0, rollbacks = 0, reopens = 0;
	int h = 0, d, c, k, n;
	bool open = false, aside = false;

	assert_non_null(m);
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "rspill"), 0);
	st = open_rw(path);
	while (h < HOURS) {
		if (!open) {
			assert_int_equal(store_begin(st), 0);
			open = true;
		}
		/* a run of adds around hour h (now and then a long one):
		 * mostly this hour and the next, a few anywhere */
		n = 1 + (int)(rnd(&r) % (rnd(&r) % 4 == 0 ? 20000 : 1000));
		if (m->np + (size_t)n > PENDING)
			n = 0;
		for (i = 0; i < n; i++) {
			int at = h + (int)(rnd(&r) % 2);

			if (rnd(&r) % 50 == 0)
				at = (int)(rnd(&r) % HOURS);
			if (at >= HOURS)
				at = HOURS - 1;
			d = (int)(rnd(&r) % DOMAINS);
			c = (int)(rnd(&r) % COMBOS);
			add(st, at, d, c);
			m->p[m->np++] = (at * DOMAINS + d) * COMBOS + c;
			adds++;
		}
		if (rnd(&r) % 3 == 0)
			(void)store_work(st, (size_t)(rnd(&r) % 2000));
		k = (int)(rnd(&r) % 16);
		if (k < 5 || m->np > PENDING / 2) { /* commit */
			assert_int_equal(store_commit(st), 0);
			commit_model(m);
			open = false;
			commits++;
		} else if (k < 7) { /* rollback, or a restart */
			if (k == 5)
				assert_int_equal(store_rollback(st), 0);
			else {
				store_close(st); /* the transaction is lost */
				st = open_rw(path);
				aside = false;
				reopens++;
			}
			m->np = 0;
			open = false;
			rollbacks++;
		} /* else: the transaction goes on */
		if (rnd(&r) % 4 == 0) {
			aside = !aside;
			store_work_enable(st, aside);
		}
		h += (int)(rnd(&r) % 5);
	}
	if (open) {
		assert_int_equal(store_commit(st), 0);
		commit_model(m);
	}
	store_close(st);
	check(path, m);
	print_message("seed %llu: %lld adds, %lld commits, %lld rollbacks"
		      " (%lld reopens)\n",
	    (unsigned long long)seed, (long long)adds, (long long)commits,
	    (long long)rollbacks, (long long)reopens);
	db_fixture_remove(dir, path);
	free(m);
}

static void
rollups__random_batches__sums_of_the_hours(void **state)
{
	(void)state;
	run(UINT64_C(0x9e3779b97f4a7c15));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rollups__random_batches__sums_of_the_hours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
