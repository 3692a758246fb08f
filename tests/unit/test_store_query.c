/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of schema/query.c: a real database in a temporary directory
 * is filled through the store with a small, known set of Postfix-like
 * results over three hours, then every query is checked against figures
 * counted by hand. (The reply normalisers moved to parsers/template.c
 * and are tested in test_template.c.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "db_fixture.h"

#include "query.h"
#include "store.h"

#define T0 1763805600 /* 2025-11-22 10:00:00 UTC */
#define H  3600

struct rec {
	int64_t t;
	enum bs_status status;
	enum bs_class cls;
	const char *domain;
	const char *provider;
	int code;
	const char *enhanced;
	const char *reply;
	unsigned flags;
};

static void
add(struct store *st, struct rec r)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr = { &ev, &cr, r.provider };

	memset(&ev, 0, sizeof(ev));
	memset(&cr, 0, sizeof(cr));
	ev.time = r.t;
	ev.mta = BS_MTA_POSTFIX;
	ev.status = r.status;
	ev.flags = r.flags;
	ev.smtp_code = r.code;
	ev.rcpt_domain = bs_span_make(r.domain, strlen(r.domain));
	ev.enhanced = bs_span_make(r.enhanced, strlen(r.enhanced));
	ev.reply = bs_span_make(r.reply, strlen(r.reply));
	ev.queue_id = bs_span_make("4F2A81C0D2", 10);
	cr.cls = r.cls;
	cr.rule = "r";
	assert_int_equal(store_add(st, &sr), 0);
}

static void
repeat(struct store *st, int n, struct rec r)
{
	while (n-- > 0)
		add(st, r);
}

/*
 * Hour 0: qq.com 5 sent; 3 deferred + 1 suspended repeat + 2 attempts,
 *         rate_limited 421 4.7.0.
 * Hour 1: foxmail.com (provider qq.com) 2 bounced user_unknown 550 5.1.1;
 *         GMail.com (provider google.com) 4 sent, 1 greylisted 450 4.7.1.
 * Hour 2: example.org (no provider) 1 expired; 3 deferred unknown, two
 *         differing only in an id.
 */
static int
setup(void **state)
{
	struct db_fixture *fx;
	struct store *st;

	if (db_fixture_setup(state, "query") == -1)
		return -1;
	fx = *state;
	st = fx->st;
	if (store_begin(st) == -1)
		return -1;
	repeat(st, 5,
	    (struct rec){ T0 + 60, BS_STATUS_SENT, BS_CLASS_NONE, "qq.com",
		"qq.com", 250, "2.0.0", "250 2.0.0 Ok", 0 });
	repeat(st, 3,
	    (struct rec){ T0 + 120, BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED,
		"qq.com", "qq.com", 421, "4.7.0", "421 HL:ICC from 192.0.2.1",
		0 });
	repeat(st, 2,
	    (struct rec){ T0 + 100, BS_STATUS_ATTEMPT, BS_CLASS_RATE_LIMITED,
		"qq.com", "qq.com", 421, "4.7.0", "421 HL:ICC from 192.0.2.1",
		0 });
	add(st,
	    (struct rec){ T0 + 200, BS_STATUS_DEFERRED, BS_CLASS_RATE_LIMITED,
		"qq.com", "qq.com", 421, "4.7.0",
		"delivery temporarily suspended: 421 HL:ICC",
		BS_EVENT_SUSPENDED });
	repeat(st, 2,
	    (struct rec){ T0 + H + 5, BS_STATUS_BOUNCED, BS_CLASS_USER_UNKNOWN,
		"foxmail.com", "qq.com", 550, "5.1.1", "550 Mailbox not found",
		0 });
	repeat(st, 4,
	    (struct rec){ T0 + H + 10, BS_STATUS_SENT, BS_CLASS_NONE,
		"GMail.com", "google.com", 250, "2.0.0", "250 2.0.0 OK", 0 });
	add(st,
	    (struct rec){ T0 + H + 20, BS_STATUS_DEFERRED, BS_CLASS_GREYLISTED,
		"gmail.com", "google.com", 450, "4.7.1", "450 4.7.1 Greylisted",
		0 });
	add(st,
	    (struct rec){ T0 + 2 * H, BS_STATUS_EXPIRED, BS_CLASS_EXPIRED,
		"example.org", "", 0, "", "", 0 });
	add(st,
	    (struct rec){ T0 + 2 * H + 1, BS_STATUS_DEFERRED, BS_CLASS_UNKNOWN,
		"example.org", "", 451, "", "451 weird thing id 12345abcdef",
		0 });
	add(st,
	    (struct rec){ T0 + 2 * H + 2, BS_STATUS_DEFERRED, BS_CLASS_UNKNOWN,
		"example.org", "", 451, "", "451 weird  thing id 99999fedcba",
		0 });
	add(st,
	    (struct rec){ T0 + 2 * H + 3, BS_STATUS_DEFERRED, BS_CLASS_UNKNOWN,
		"example.org", "", 452, "", "452 other", 0 });
	if (store_commit(st) == -1)
		return -1;
	/* Queries run on a read-only store, as report does. */
	return db_fixture_readonly(fx);
}

static struct query_filter
range(int64_t since, int64_t until)
{
	struct query_filter f = { since, until, NULL, NULL, 10, false, NULL };

	return f;
}

static void
expect_counts(const struct query_counts *c, int64_t sent, int64_t deferred,
    int64_t bounced, int64_t expired, int64_t attempts, int64_t suspended)
{
	assert_int_equal(c->sent, sent);
	assert_int_equal(c->deferred, deferred);
	assert_int_equal(c->bounced, bounced);
	assert_int_equal(c->expired, expired);
	assert_int_equal(c->attempts, attempts);
	assert_int_equal(c->suspended, suspended);
}

/* Rows copied out of the callbacks. */
struct rows {
	int n;
	char name[8][64], top[8][32], cls[8][32], enh[8][16], text[8][128];
	int code[8];
	int64_t time[8], count[8];
	struct query_counts c[8];
};

static int
keep(const struct query_row *r, void *arg)
{
	struct rows *rs = arg;
	int i = rs->n++;

	assert_true(i < 8);
	snprintf(rs->name[i], sizeof(rs->name[i]), "%s", r->name);
	snprintf(rs->top[i], sizeof(rs->top[i]), "%s", r->top_class);
	snprintf(rs->cls[i], sizeof(rs->cls[i]), "%s", r->cls);
	snprintf(rs->enh[i], sizeof(rs->enh[i]), "%s", r->enhanced);
	snprintf(rs->text[i], sizeof(rs->text[i]), "%.*s", (int)r->text_len,
	    r->text);
	rs->code[i] = r->code;
	rs->time[i] = r->time;
	rs->count[i] = r->n;
	rs->c[i] = r->c;
	return 0;
}

static void
query_totals__whole_range__finals_attempts_and_suspended_apart(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct query_counts c;

	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 9, 8, 2, 1, 2, 1);
}

static void
query_totals__partial_hours__widened_to_whole_hours(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0 + H + 1800, T0 + H + 1801);
	struct query_counts c;
	int64_t since, until;

	query_range(&f, &since, &until);
	assert_int_equal(since, T0 + H);
	assert_int_equal(until, T0 + 2 * H);
	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 4, 1, 2, 0, 0, 0);
	f = range(T0 + H, T0 + 2 * H);
	query_range(&f, &since, &until);
	assert_int_equal(since, T0 + H);
	assert_int_equal(until, T0 + 2 * H);
}

static void
query_totals__empty_range__error(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0);
	struct query_counts c;

	assert_int_equal(query_totals(fx->st, &f, &c), -1);
	assert_true(strlen(store_errmsg(fx->st)) > 0);
}

static void
query_totals__domain_filter__matches_domain_or_provider(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct query_counts c;

	f.domain = "qq.com";
	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 5, 4, 2, 0, 2, 1);
	/* Stored lower-cased. */
	f.domain = "gmail.com";
	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 4, 1, 0, 0, 0, 0);
	f.domain = "never.example";
	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 0, 0, 0, 0, 0, 0);
}

static void
query_totals__class_filter__only_that_class(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct query_counts c;

	f.cls = "rate_limited";
	assert_int_equal(query_totals(fx->st, &f, &c), 0);
	expect_counts(&c, 0, 4, 0, 0, 2, 1);
}

static void
query_by_class__all__most_failures_first(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };

	assert_int_equal(query_by_class(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 5);
	assert_string_equal(r.name[0], "rate_limited");
	expect_counts(&r.c[0], 0, 4, 0, 0, 2, 1);
	assert_string_equal(r.name[1], "unknown");
	assert_int_equal(r.c[1].deferred, 3);
	assert_string_equal(r.name[2], "user_unknown");
	assert_int_equal(r.c[2].bounced, 2);
	assert_string_equal(r.name[3], "expired");
	assert_int_equal(r.c[3].expired, 1);
	assert_string_equal(r.name[4], "greylisted");
}

static void
query_by_domain__all__failures_then_attempts_with_top_class(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };

	assert_int_equal(query_by_domain(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.name[0], "qq.com");
	expect_counts(&r.c[0], 5, 4, 0, 0, 2, 1);
	assert_string_equal(r.top[0], "rate_limited");
	assert_string_equal(r.name[1], "example.org");
	assert_string_equal(r.top[1], "unknown");
	assert_string_equal(r.name[2], "foxmail.com");
	assert_string_equal(r.top[2], "user_unknown");
	assert_string_equal(r.name[3], "gmail.com");
	expect_counts(&r.c[3], 4, 1, 0, 0, 0, 0);

	f.top = 2;
	memset(&r, 0, sizeof(r));
	assert_int_equal(query_by_domain(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 2);
}

/*
 * Ties: domains with equal counts come in byte order of their names, and
 * the top rows are cut after the order is complete; a domain's top class
 * on a tie is the first class in the vocabulary (the lowest name id, as
 * classes are interned in that order); by_code breaks a class tie alike.
 */
static void
query_by_domain__ties__names_then_first_class(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + H);
	static const char *const doms[] = { "b.example", "ab.example",
		"a.example", "B.example" };
	char path[400], err[BS_ERRLEN];
	struct store *st;
	struct rows r = { 0 };
	size_t i;

	snprintf(path, sizeof(path), "%s/ties.db", fx->dir);
	assert_non_null(st = store_open(path, 0, err));
	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		add(st,
		    (struct rec){ T0 + 1, BS_STATUS_DEFERRED,
			BS_CLASS_GREYLISTED, doms[i], "", 450, "4.7.1",
			"450 4.7.1 later", 0 });
		add(st,
		    (struct rec){ T0 + 2, BS_STATUS_DEFERRED,
			BS_CLASS_RATE_LIMITED, doms[i], "", 450, "4.7.1",
			"450 4.7.1 later", 0 });
	}
	assert_int_equal(store_commit(st), 0);

	f.top = 2;
	assert_int_equal(query_by_domain(st, &f, keep, &r), 0);
	/* B.example is lower-cased: b.example counts twice. */
	assert_int_equal(r.n, 2);
	assert_string_equal(r.name[0], "b.example");
	expect_counts(&r.c[0], 0, 4, 0, 0, 0, 0);
	assert_string_equal(r.top[0], "rate_limited");
	assert_string_equal(r.name[1], "a.example");
	assert_string_equal(r.top[1], "rate_limited");
	f.top = 10;
	memset(&r, 0, sizeof(r));
	assert_int_equal(query_by_domain(st, &f, keep, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.name[0], "b.example");
	assert_string_equal(r.name[1], "a.example");
	assert_string_equal(r.name[2], "ab.example");

	memset(&r, 0, sizeof(r));
	assert_int_equal(query_by_code(st, &f, keep, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.cls[0], "rate_limited");
	assert_string_equal(r.cls[1], "greylisted");
	assert_string_equal(r.text[1], "450 4.7.1 later");
	store_close(st);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/ties.db%s", fx->dir,
		    i == 0       ? ""
			: i == 1 ? "-wal"
				 : "-shm");
		unlink(path);
	}
}

/*
 * A domain's top class is that of its most final failures: the local
 * decisions of our MTA (Exim's "retry time not reached", class
 * network_error, flag local) are no failure and must not win it (an
 * Exim queue runner logs more of them than the receiver's replies).
 */
static void
query_by_domain__local_decisions__not_the_top_class(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + H);
	char path[400], err[BS_ERRLEN];
	struct store *st;
	struct rows r = { 0 };
	int i;

	snprintf(path, sizeof(path), "%s/local.db", fx->dir);
	assert_non_null(st = store_open(path, 0, err));
	assert_int_equal(store_begin(st), 0);
	repeat(st, 2,
	    (struct rec){ T0 + 1, BS_STATUS_DEFERRED, BS_CLASS_GREYLISTED,
		"grey.example", "grey.example", 450, "4.7.1",
		"450 4.7.1 Greylisted", 0 });
	repeat(st, 3,
	    (struct rec){ T0 + 2, BS_STATUS_DEFERRED, BS_CLASS_NETWORK_ERROR,
		"grey.example", "grey.example", 0, "", "retry time not reached",
		BS_EVENT_LOCAL });
	assert_int_equal(store_commit(st), 0);

	assert_int_equal(query_by_domain(st, &f, keep, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.name[0], "grey.example");
	assert_string_equal(r.top[0], "greylisted");
	memset(&r, 0, sizeof(r));
	assert_int_equal(query_by_provider(st, &f, keep, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.top[0], "greylisted");
	store_close(st);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/local.db%s", fx->dir,
		    i == 0       ? ""
			: i == 1 ? "-wal"
				 : "-shm");
		unlink(path);
	}
}

static void
query_by_provider__all__grouped_by_provider(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };

	assert_int_equal(query_by_provider(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.name[0], "qq.com");
	expect_counts(&r.c[0], 5, 4, 2, 0, 2, 1);
	assert_string_equal(r.top[0], "rate_limited");
	assert_string_equal(r.name[1], "");
	assert_string_equal(r.name[2], "google.com");
}

static void
query_by_code__all__sample_is_not_a_suspended_repeat(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };

	assert_int_equal(query_by_code(fx->st, &f, keep, &r), 0);
	assert_true(r.n >= 5);
	assert_int_equal(r.code[0], 421);
	assert_string_equal(r.enh[0], "4.7.0");
	assert_string_equal(r.cls[0], "rate_limited");
	expect_counts(&r.c[0], 0, 4, 0, 0, 2, 1);
	assert_string_equal(r.text[0], "421 HL:ICC from 192.0.2.1");
	assert_int_equal(r.code[1], 451);
	assert_int_equal(r.c[1].deferred, 2);
	assert_string_equal(r.text[1], "451 weird  thing id 99999fedcba");
	assert_int_equal(r.code[2], 550);
	assert_string_equal(r.text[2], "550 Mailbox not found");
}

static void
query_by_code__events_pruned__counts_stay_sample_empty(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };
	char err[BS_ERRLEN];
	struct store *w = store_open(fx->path, 0, err);

	assert_non_null(w);
	assert_int_equal(store_prune_events(w, T0 + 3 * H), 0);
	store_close(w);
	assert_int_equal(query_by_code(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.code[0], 421);
	assert_int_equal(r.c[0].deferred, 4);
	assert_string_equal(r.text[0], "");
}

static void
query_hourly__three_hours__one_row_each_in_order(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0 - H, T0 + 5 * H);
	struct rows r = { 0 };

	assert_int_equal(query_hourly(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.time[0], T0);
	expect_counts(&r.c[0], 5, 4, 0, 0, 2, 1);
	assert_int_equal(r.time[1], T0 + H);
	expect_counts(&r.c[1], 4, 1, 2, 0, 0, 0);
	assert_int_equal(r.time[2], T0 + 2 * H);
	expect_counts(&r.c[2], 0, 3, 0, 1, 0, 0);
}

/* Stops at the second hour. */
static int
stop_second(const struct query_row *r, void *arg)
{
	int *n = arg;

	(void)r;
	return ++*n == 2;
}

static void
query_hourly__caller_stops__error_then_store_usable(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0 - H, T0 + 5 * H);
	struct rows r = { 0 };
	int n = 0;

	assert_int_equal(query_hourly(fx->st, &f, stop_second, &n), -1);
	assert_int_equal(n, 2);
	assert_non_null(strstr(store_errmsg(fx->st), "stopped by the caller"));
	assert_int_equal(query_hourly(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 3);
	expect_counts(&r.c[2], 0, 3, 0, 1, 0, 0);
}

/* What nested() asks for, from inside another query's callback. */
struct nest {
	struct store *st;
	int hours;
	struct rows unknown;
	struct query_counts totals;
};

static int
nested(const struct query_row *r, void *arg)
{
	struct nest *ns = arg;
	struct query_filter f = range(T0, T0 + 3 * H);

	(void)r;
	if (ns->hours++ > 0)
		return 0;
	if (query_unknown(ns->st, &f, keep, &ns->unknown) == -1 ||
	    query_totals(ns->st, &f, &ns->totals) == -1)
		return 1;
	return 0;
}

/*
 * A query may be run from the callback of another, whose statement is
 * still running: the SQL functions are registered once per connection
 * (re-registering one while a statement runs fails in SQLite).
 */
static void
query_unknown__in_hourly_callback__answers(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0 - H, T0 + 5 * H);
	struct rows r = { 0 };
	struct nest ns = { fx->st, 0, { 0 }, { 0 } };

	assert_int_equal(query_unknown(fx->st, &f, keep, &r), 0);
	assert_int_equal(query_hourly(fx->st, &f, nested, &ns), 0);
	assert_int_equal(ns.hours, 3);
	assert_int_equal(ns.unknown.n, 2);
	assert_string_equal(ns.unknown.text[0], "451 weird thing id #");
	expect_counts(&ns.totals, 9, 8, 2, 1, 2, 1);
}

static void
query_unknown__ids_differ__grouped_after_normalizing(void **state)
{
	struct db_fixture *fx = *state;
	struct query_filter f = range(T0, T0 + 3 * H);
	struct rows r = { 0 };

	f.cls = "rate_limited"; /* ignored */
	assert_int_equal(query_unknown(fx->st, &f, keep, &r), 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.text[0], "451 weird thing id #");
	assert_int_equal(r.count[0], 2);
	assert_int_equal(r.time[0], T0 + 2 * H + 2);
	assert_string_equal(r.text[1], "452 other");
	assert_int_equal(r.count[1], 1);
}

struct minutes {
	int n;
	int64_t sum;
	char line[16][96];
};

static int
keep_minute(const struct query_minute *m, void *arg)
{
	struct minutes *ms = arg;

	if (ms->n < 16)
		snprintf(ms->line[ms->n], sizeof(ms->line[0]),
		    "%lld %s %s %s %d %lld", (long long)(m->bucket - T0),
		    m->provider, m->cls, m->status, m->kind, (long long)m->n);
	ms->n++;
	ms->sum += m->n;
	return 0;
}

static void
query_minutes__provider__per_minute_rows_with_kinds(void **state)
{
	struct db_fixture *fx = *state;
	struct minutes m = { 0 };

	assert_int_equal(
	    query_minutes(fx->st, T0, T0 + H, "qq.com", keep_minute, &m), 0);
	assert_int_equal(m.n, 4);
	assert_string_equal(m.line[0], "60 qq.com none sent 0 5");
	assert_string_equal(m.line[1], "60 qq.com rate_limited attempt 1 2");
	assert_string_equal(m.line[2], "120 qq.com rate_limited deferred 0 3");
	assert_string_equal(m.line[3], "180 qq.com rate_limited deferred 2 1");
	memset(&m, 0, sizeof(m));
	assert_int_equal(
	    query_minutes(fx->st, T0, T0 + 3 * H, NULL, keep_minute, &m), 0);
	assert_int_equal(m.sum, 22);
	memset(&m, 0, sizeof(m));
	assert_int_equal(query_minutes(fx->st, T0, T0 + 3 * H, "nope.example",
			     keep_minute, &m),
	    0);
	assert_int_equal(m.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    query_totals__whole_range__finals_attempts_and_suspended_apart,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_totals__partial_hours__widened_to_whole_hours, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_totals__empty_range__error, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_totals__domain_filter__matches_domain_or_provider,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_totals__class_filter__only_that_class, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_class__all__most_failures_first, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_domain__local_decisions__not_the_top_class, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_domain__all__failures_then_attempts_with_top_class,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_domain__ties__names_then_first_class, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_provider__all__grouped_by_provider, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_code__all__sample_is_not_a_suspended_repeat, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_by_code__events_pruned__counts_stay_sample_empty,
		    setup, db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_hourly__three_hours__one_row_each_in_order, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_hourly__caller_stops__error_then_store_usable, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_unknown__in_hourly_callback__answers, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_unknown__ids_differ__grouped_after_normalizing, setup,
		    db_fixture_teardown),
		cmocka_unit_test_setup_teardown(
		    query_minutes__provider__per_minute_rows_with_kinds, setup,
		    db_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
