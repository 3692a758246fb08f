/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/detect/inactive.c: the median baseline, and the
 * `inactive` incident over a temporary store: none without a baseline day
 * or below inactive.min_count, one opened when the usual results stop,
 * updated while none come, resolved at the first result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "detect.h"
#include "inactive.h"
#include "incident.h"
#include "store.h"

#define DAY 86400
#define T0  1763769600 /* 2025-11-22 00:00:00 UTC */

static struct bs_span
sp(const char *s)
{
	return bs_span_make(s, strlen(s));
}

/* n sent results at t. */
static void
sent(struct store *st, int64_t t, int n)
{
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;
	int i;

	assert_int_equal(store_begin(st), 0);
	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		memset(&cr, 0, sizeof(cr));
		ev.time = t;
		ev.mta = BS_MTA_POSTFIX;
		ev.status = BS_STATUS_SENT;
		ev.host = sp("mail1");
		ev.program = sp("postfix/smtp");
		ev.queue_id = sp("732BB407C3");
		ev.rcpt = sp("someone@example.invalid");
		ev.rcpt_domain = sp("example.invalid");
		ev.relay_host = sp("mx.example.invalid");
		ev.relay_ip = sp("192.0.2.25");
		ev.smtp_code = 250;
		cr.cls = BS_CLASS_NONE;
		cr.meaning = cr.action = "";
		sr.ev = &ev;
		sr.cr = &cr;
		sr.provider = "";
		assert_int_equal(store_add(st, &sr), 0);
	}
	assert_int_equal(store_commit(st), 0);
}

struct seen {
	unsigned opened, resolved, n;
	char state[16];
	double baseline;
	int64_t start;
};

static int
take(const struct incident *inc, void *arg)
{
	struct seen *s = arg;

	s->n++;
	snprintf(
	    s->state, sizeof(s->state), "%s", inc->open ? "open" : "resolved");
	s->baseline = inc->baseline;
	s->start = inc->start;
	return 0;
}

/* Judges at `to`; fills s with the inactive incidents. */
static void
judge(struct db_fixture *fx, const struct detect_params *p, int64_t to,
    struct seen *s)
{
	struct incident_filter f;

	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(
	    inactive_judge(fx->st, p, to, NULL, NULL, &s->opened, &s->resolved),
	    0);
	assert_int_equal(store_commit(fx->st), 0);
	memset(&f, 0, sizeof(f));
	f.kind = "inactive";
	s->n = 0;
	assert_int_equal(incident_list(fx->st, &f, take, s), 0);
}

static int
setup(void **state)
{
	static struct db_fixture fx;

	if (db_fixture_open(&fx, "inactive") == -1)
		return -1;
	*state = &fx;
	return 0;
}

static int
teardown(void **state)
{
	db_fixture_close(*state);
	return 0;
}

static void
inactive_baseline__median_of_known_days(void **state)
{
	int64_t odd[] = { 9, 0, 4 }, even[] = { 10, 2, 4, 8 };

	(void)state;
	assert_true(inactive_baseline(odd, 3) == 4);
	assert_true(inactive_baseline(even, 4) == 6);
	assert_true(inactive_baseline(odd, 0) == -1);
}

static void
inactive_judge__usual_results_stop__opens_then_resolves(void **state)
{
	struct db_fixture *fx = *state;
	struct detect_params p;
	struct seen s;
	int d, h;

	detect_defaults(&p);
	/* Seven days with 6 results an hour from 08:00 to 18:00. */
	for (d = 0; d < 7; d++)
		for (h = 8; h < 18; h++)
			sent(fx->st, T0 + d * DAY + h * 3600, 6);
	/* Day 8: results until 10:00. */
	for (h = 8; h < 10; h++)
		sent(fx->st, T0 + 7 * DAY + h * 3600, 6);

	memset(&s, 0, sizeof(s));
	judge(fx, &p, T0 + 7 * DAY + 3 * 3600, &s); /* 03:00: usual 0 */
	assert_int_equal(s.n, 0);
	judge(fx, &p, T0 + 7 * DAY + 11 * 3600, &s); /* 09:00 in window */
	assert_int_equal(s.n, 0);
	p.rule[DETECT_INACTIVE].min_count = 13; /* usual: 12 in 2 h */
	judge(fx, &p, T0 + 7 * DAY + 12 * 3600, &s);
	assert_int_equal(s.n, 0);
	p.rule[DETECT_INACTIVE].min_count = 12;
	judge(fx, &p, T0 + 7 * DAY + 12 * 3600, &s);
	assert_int_equal(s.opened, 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.state, "open");
	assert_true(s.baseline == 12);
	/* The minute after the last result (09:00). */
	assert_int_equal(s.start, T0 + 7 * DAY + 9 * 3600 + 60);
	judge(fx, &p, T0 + 7 * DAY + 13 * 3600, &s); /* still nothing */
	assert_int_equal(s.opened, 1);
	assert_string_equal(s.state, "open");
	sent(fx->st, T0 + 7 * DAY + 13 * 3600 + 60, 1);
	judge(fx, &p, T0 + 7 * DAY + 13 * 3600 + 300, &s);
	assert_int_equal(s.resolved, 1);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.state, "resolved");
	/* Off: quiet 0. */
	p.rule[DETECT_INACTIVE].quiet = 0;
	judge(fx, &p, T0 + 7 * DAY + 17 * 3600, &s);
	assert_int_equal(s.opened, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(inactive_baseline__median_of_known_days),
		cmocka_unit_test_setup_teardown(
		    inactive_judge__usual_results_stop__opens_then_resolves,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
