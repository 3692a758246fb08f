/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Unit tests of daemon/detect/detect.c on synthetic per-minute series: flat
 * traffic (with Poisson noise from a fixed-seed generator, so runs are
 * reproducible) opens nothing, a step to 20x the baseline opens one
 * incident at the step, a stray reply opens nothing, recovery resolves
 * after the quiet period, a first DNSBL listing opens at once; plus the
 * tail probabilities against known values and parameter handling.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect.h"

#define T0  1700006400 /* 2023-11-15 00:00:00 UTC */
#define DAY 86400
#define MIN 60

struct fixture {
	struct detect_point *pts;
	size_t n;
	size_t cap;
	struct detect_series s;
	uint64_t rng;
};

struct run {
	int opened;
	int resolved;
	int64_t first_open; /* window end at the first opening */
	struct detect_track at_open;
	struct detect_track at_resolve;
};

static void
fx_init(struct fixture *f, int64_t history)
{
	memset(f, 0, sizeof(*f));
	f->cap = 16 * 1440;
	f->pts = calloc(f->cap, sizeof(*f->pts));
	assert_non_null(f->pts);
	f->s.history = history;
	f->rng = 0x9e3779b97f4a7c15ULL;
}

static void
fx_free(struct fixture *f)
{
	free(f->pts);
}

/* Appends a minute; minutes with nothing are left out, as in the store. */
static void
fx_add(struct fixture *f, int64_t t, int64_t n, int64_t d)
{
	if (n == 0 && d == 0)
		return;
	assert_true(f->n < f->cap);
	f->pts[f->n].t = t;
	f->pts[f->n].n = n;
	f->pts[f->n].d = d;
	f->n++;
}

static void
fx_prepare(struct fixture *f)
{
	char err[BS_ERRLEN];

	f->s.pts = f->pts;
	f->s.npts = f->n;
	assert_int_equal(detect_series_prepare(&f->s, err), 0);
}

/* A Poisson(lambda) draw (Knuth) from a fixed-seed xorshift generator. */
static int64_t
fx_poisson(struct fixture *f, double lambda)
{
	double l = exp(-lambda), p = 1;
	int64_t k = 0;

	do {
		f->rng ^= f->rng << 13;
		f->rng ^= f->rng >> 7;
		f->rng ^= f->rng << 17;
		p *= (double)(f->rng >> 11) / 9007199254740992.0;
		k++;
	} while (p > l);
	return k - 1;
}

/* Steps a fresh track over window ends in (from, to]. */
static void
run_steps(const struct detect_params *p, enum detect_kind kind,
    const struct detect_series *s, int64_t from, int64_t to, struct run *r)
{
	struct detect_track t;
	int64_t end;

	memset(&t, 0, sizeof(t));
	memset(r, 0, sizeof(*r));
	for (end = from + MIN; end <= to; end += MIN) {
		switch (detect_step(p, kind, s, end, &t)) {
		case DETECT_OPENED:
			if (r->opened++ == 0) {
				r->first_open = end;
				r->at_open = t;
			}
			break;
		case DETECT_RESOLVED:
			if (r->resolved++ == 0)
				r->at_resolve = t;
			break;
		default:
			break;
		}
	}
}

static void
detect_step__flat_series__no_incident(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/* 8 days of about 1 throttled reply a minute (10 a window). */
	for (t = T0; t < T0 + 8 * DAY; t += MIN)
		fx_add(&f, t, fx_poisson(&f, 1.0), 0);
	fx_prepare(&f);
	run_steps(
	    &p, DETECT_RATE_LIMITED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 0);
	fx_free(&f);
}

/*
 * 8 days at 0.5 replies a minute, then from 10:40 on day 7 twenty times
 * that (10 a minute) for 30 minutes, then back to normal.
 */
static void
build_step(struct fixture *f, int64_t step, int64_t len)
{
	int64_t t;

	for (t = T0; t < T0 + 8 * DAY; t += MIN) {
		if (t >= step && t < step + len)
			fx_add(f, t, 10, 0);
		else
			fx_add(f, t, fx_poisson(f, 0.5), 0);
	}
	fx_prepare(f);
}

static void
detect_step__step_to_20x_baseline__one_incident_at_step(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t step = T0 + 7 * DAY + 10 * 3600 + 40 * MIN;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	build_step(&f, step, 30 * MIN);
	run_steps(
	    &p, DETECT_RATE_LIMITED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 1);
	/* Detected within the first window after the step... */
	assert_true(r.first_open > step);
	assert_true(r.first_open <= step + p.window);
	/* ...dated from the step itself, against a baseline of ~5. */
	assert_int_equal(r.at_open.start, step);
	assert_true(r.at_open.baseline >= 3 && r.at_open.baseline <= 8);
	assert_true(r.at_open.peak >= 10);
	fx_free(&f);
}

static void
detect_step__recovery__resolves_after_quiet(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t step = T0 + 7 * DAY + 10 * 3600 + 40 * MIN;
	int64_t stop = step + 30 * MIN;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	build_step(&f, step, 30 * MIN);
	run_steps(
	    &p, DETECT_RATE_LIMITED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 1);
	assert_int_equal(r.resolved, 1);
	/* Not before the episode ended plus the quiet period... */
	assert_true(
	    r.at_resolve.resolved >= stop + p.rule[DETECT_RATE_LIMITED].quiet);
	/* ...and not much later (the window must drain first). */
	assert_true(r.at_resolve.resolved <=
	    stop + p.window + p.rule[DETECT_RATE_LIMITED].quiet);
	assert_false(r.at_resolve.open);
	/* The episode itself: 30 minutes of 10, ended at its last minute. */
	assert_true(r.at_resolve.peak == 100);
	assert_true(r.at_resolve.total >= 300);
	assert_true(r.at_resolve.last_seen >= stop);
	assert_true(r.at_resolve.last_seen <= stop + p.window);
	fx_free(&f);
}

static void
detect_step__single_stray_reply__no_incident(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	enum detect_kind k;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	fx_add(&f, T0 + 7 * DAY + 3600, 1, 0);
	fx_prepare(&f);
	for (k = 0; k < DETECT_KIND_COUNT; k++) {
		if (k == DETECT_DNSBL || detect_kind_is_rate(k))
			continue;
		run_steps(&p, k, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
		assert_int_equal(r.opened, 0);
	}
	fx_free(&f);
}

static void
detect_step__below_min_count_at_zero_baseline__no_incident(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/* One throttled reply a minute, one short of min_count. */
	for (t = T0 + 7 * DAY; t <
	     T0 + 7 * DAY + (p.rule[DETECT_RATE_LIMITED].min_count - 1) * MIN;
	     t += MIN)
		fx_add(&f, t, 1, 0);
	fx_prepare(&f);
	run_steps(
	    &p, DETECT_RATE_LIMITED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 0);
	fx_free(&f);
}

static void
detect_step__sparse_at_zero_baseline__starts_at_first_event(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t, start = T0 + 7 * DAY + 3600;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/* One every other minute, then a burst: 5 + 5 in one window. */
	for (t = start; t < start + 10 * MIN; t += 2 * MIN)
		fx_add(&f, t, 1, 0);
	fx_add(&f, start + 10 * MIN, 5, 0);
	fx_prepare(&f);
	run_steps(&p, DETECT_BLACKLISTED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 1);
	/* Every event counted from the first: total and peak agree. */
	assert_int_equal(r.at_open.start, start);
	assert_int_equal(r.at_open.total, r.at_open.peak);
	fx_free(&f);
}

static void
detect_step__first_dnsbl_listing__opens_at_once(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t listed = T0 + 600;

	(void)state;
	detect_defaults(&p);
	/* No history at all: counting started this very minute. */
	fx_init(&f, listed);
	fx_add(&f, listed, 1, 0);
	fx_prepare(&f);
	run_steps(&p, DETECT_DNSBL, &f.s, listed, listed + DAY, &r);
	assert_int_equal(r.opened, 1);
	assert_int_equal(r.first_open, listed + MIN);
	assert_int_equal(r.at_open.start, listed);
	assert_int_equal(r.at_open.total, 1);
	/* Resolved once the quiet period has passed without a listing. */
	assert_int_equal(r.resolved, 1);
	assert_int_equal(r.at_resolve.resolved,
	    listed + p.window + MIN + p.rule[DETECT_DNSBL].quiet);
	fx_free(&f);
}

static void
detect_step__wavering_throttle__stays_one_incident(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t, start = T0 + 7 * DAY + 3600;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/*
	 * No baseline; 2 a minute for 10 minutes (20 a window: opens), then
	 * alternately 1 and 0 a minute for an hour: 5 a window, under the
	 * opening bar of 10 but at keep (0.5) x 10, so still active.
	 */
	for (t = start; t < start + 10 * MIN; t += MIN)
		fx_add(&f, t, 2, 0);
	for (; t < start + 70 * MIN; t += MIN)
		fx_add(&f, t, ((t - start) / MIN) % 2, 0);
	fx_prepare(&f);
	run_steps(
	    &p, DETECT_RATE_LIMITED, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 1);
	assert_int_equal(r.resolved, 1);
	assert_true(r.at_resolve.resolved >= start + 70 * MIN + 1800);
	assert_int_equal(r.at_resolve.total, 20 + 30);
	fx_free(&f);
}

static void
detect_step__deferral_rate_jump__opens(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t, jump = T0 + 7 * DAY + 12 * 3600;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/* 10 results a minute, 5% deferred; then 60% deferred. */
	for (t = T0; t < T0 + 8 * DAY; t += MIN) {
		if (t >= jump && t < jump + 20 * MIN)
			fx_add(&f, t, 6, 10);
		else
			fx_add(&f, t, (t / MIN) % 2 == 0 ? 1 : 0, 10);
	}
	fx_prepare(&f);
	run_steps(
	    &p, DETECT_DEFERRAL_RATE, &f.s, T0 + 7 * DAY, T0 + 8 * DAY, &r);
	assert_int_equal(r.opened, 1);
	assert_true(r.first_open > jump && r.first_open <= jump + p.window);
	assert_int_equal(r.at_open.start, jump);
	assert_true(fabs(r.at_open.baseline - 0.05) < 0.01);
	assert_int_equal(r.resolved, 1);
	fx_free(&f);
}

static void
detect_step__rate_on_few_results__no_incident(void **state)
{
	struct detect_params p;
	struct fixture f;
	struct run r;
	int64_t t, start = T0 + 7 * DAY;

	(void)state;
	detect_defaults(&p);
	fx_init(&f, T0);
	/* Everything deferred, but only 15 results a window (< 20). */
	for (t = start; t < start + 3600; t += 4 * MIN)
		fx_add(&f, t, 6, 6);
	fx_prepare(&f);
	run_steps(&p, DETECT_DEFERRAL_RATE, &f.s, start - MIN, start + DAY, &r);
	assert_int_equal(r.opened, 0);
	fx_free(&f);
}

static void
detect_evaluate__days_before_history__left_out(void **state)
{
	struct detect_params p;
	struct detect_eval ev;
	struct fixture f;
	int64_t end = T0 + 7 * DAY + 3600;

	(void)state;
	detect_defaults(&p);
	/* Counting started 2.5 days before end: 2 baseline days known. */
	fx_init(&f, end - 2 * DAY - 12 * 3600);
	fx_add(&f, end - 2 * DAY - 5 * MIN, 9, 0);
	fx_add(&f, end - DAY - 5 * MIN, 7, 0);
	fx_add(&f, end - 5 * MIN, 3, 0);
	fx_prepare(&f);
	detect_evaluate(&p, DETECT_RATE_LIMITED, &f.s, end, &ev);
	assert_int_equal(ev.days, 2);
	assert_true(fabs(ev.baseline - 8.0) < 1e-9);
	assert_int_equal(ev.count, 3);
	assert_false(ev.open);
	fx_free(&f);
}

static void
detect_poisson_tail__known_values__match(void **state)
{
	(void)state;
	assert_true(fabs(detect_poisson_tail(1, 1) - (1 - exp(-1))) < 1e-12);
	assert_true(
	    fabs(detect_poisson_tail(3, 2) - (1 - 5 * exp(-2))) < 1e-12);
	/* P(X >= 10 | 1) = 1.1142e-7 (tail summed, not 1 - 0.99999989). */
	assert_true(fabs(detect_poisson_tail(10, 1) / 1.114255e-7 - 1) < 1e-5);
	assert_true(detect_poisson_tail(0, 5) == 1);
	assert_true(detect_poisson_tail(5, 0) == 0);
	assert_true(detect_poisson_tail(1000, 10) < 1e-300 ||
	    detect_poisson_tail(1000, 10) == 0);
}

static void
detect_binomial_tail__known_values__match(void **state)
{
	(void)state;
	assert_true(fabs(detect_binomial_tail(10, 20, 0.5) - 0.5880985) < 1e-6);
	assert_true(fabs(detect_binomial_tail(3, 10, 0.1) - 0.0701908) < 1e-6);
	assert_true(fabs(detect_binomial_tail(1, 10, 0.1) -
			(1 - pow(0.9, 10))) < 1e-12);
	assert_true(detect_binomial_tail(11, 10, 0.5) == 0);
	assert_true(detect_binomial_tail(5, 10, 0) == 0);
}

static void
detect_params_set__known_and_unknown_keys__applied_or_refused(void **state)
{
	struct detect_params p, before;
	char err[BS_ERRLEN];

	(void)state;
	detect_defaults(&p);
	assert_int_equal(detect_params_check(&p, err), 0);
	assert_int_equal(detect_params_set(&p, "window", "5m", err), 0);
	assert_int_equal(p.window, 300);
	assert_int_equal(
	    detect_params_set(&p, "rate_limited.min_count", "20", err), 0);
	assert_int_equal(p.rule[DETECT_RATE_LIMITED].min_count, 20);
	assert_int_equal(detect_params_set(&p, "dnsbl.quiet", "2h", err), 0);
	assert_int_equal(p.rule[DETECT_DNSBL].quiet, 7200);
	assert_int_equal(
	    detect_params_set(&p, "bounce_rate.min_rate", "0.5", err), 0);
	assert_true(p.rule[DETECT_BOUNCE_RATE].min_rate == 0.5);
	assert_int_equal(
	    detect_params_set(&p, "greylisted.factor", "7", err), 0);
	assert_true(p.rule[DETECT_GREYLISTED].factor == 7);
	before = p;
	assert_int_equal(detect_params_set(&p, "nosuch.factor", "1", err), -1);
	assert_int_equal(detect_params_set(&p, "rate_limited.x", "1", err), -1);
	assert_int_equal(detect_params_set(&p, "window", "10x", err), -1);
	assert_int_equal(detect_params_set(&p, "keep", "", err), -1);
	assert_memory_equal(&p, &before, sizeof(p));
	assert_int_equal(
	    detect_params_arg(&p, "auth_failed.alpha=0.5", err), 0);
	assert_true(p.rule[DETECT_AUTH_FAILED].alpha == 0.5);
	assert_int_equal(detect_params_arg(&p, "window", err), -1);
	assert_int_equal(detect_params_arg(&p, "=5", err), -1);
	p.window = 90;
	assert_int_equal(detect_params_check(&p, err), -1);
	assert_non_null(strstr(err, "window"));
}

static void
detect_ranges__one_step__window_and_each_day(void **state)
{
	struct detect_range r[DETECT_RANGES_MAX];
	struct detect_params p;
	int64_t now = T0 + 10 * DAY;
	size_t n;

	(void)state;
	detect_defaults(&p);
	n = detect_ranges(&p, now - MIN, now, r);
	assert_int_equal(n, 8);
	assert_int_equal(r[0].lo, now - 7 * DAY - 600);
	assert_int_equal(r[0].hi, now - 7 * DAY);
	assert_int_equal(r[7].lo, now - 600);
	assert_int_equal(r[7].hi, now);
	/* Two days of catch-up: the ranges overlap and merge into one. */
	n = detect_ranges(&p, now - 2 * DAY, now, r);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].lo, now - 9 * DAY + MIN - 600);
	assert_int_equal(r[0].hi, now);
	assert_int_equal(detect_ranges(&p, now, now, r), 0);
}

static void
detect_series_prepare__unsorted__refused(void **state)
{
	struct detect_point pts[2] = { { 120, 1, 0, 0, 0 },
		{ 60, 1, 0, 0, 0 } };
	struct detect_series s = { pts, 2, 0 };
	char err[BS_ERRLEN];

	(void)state;
	assert_int_equal(detect_series_prepare(&s, err), -1);
	pts[1].t = 180;
	assert_int_equal(detect_series_prepare(&s, err), 0);
	assert_int_equal(pts[1].cn, 2);
}

static void
detect_kind_name__round_trip__same_kind(void **state)
{
	enum detect_kind k, back;
	const char *name;

	(void)state;
	for (k = 0; k < DETECT_KIND_COUNT; k++) {
		name = detect_kind_name(k);
		assert_non_null(name);
		assert_int_equal(
		    detect_kind_from_name(name, strlen(name), &back), 0);
		assert_int_equal(back, k);
	}
	assert_null(detect_kind_name(DETECT_KIND_COUNT));
	assert_int_equal(detect_kind_from_name("dnsb", 4, &back), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(detect_step__flat_series__no_incident),
		cmocka_unit_test(
		    detect_step__step_to_20x_baseline__one_incident_at_step),
		cmocka_unit_test(detect_step__recovery__resolves_after_quiet),
		cmocka_unit_test(detect_step__single_stray_reply__no_incident),
		cmocka_unit_test(
		    detect_step__below_min_count_at_zero_baseline__no_incident),
		cmocka_unit_test(
		    detect_step__sparse_at_zero_baseline__starts_at_first_event),
		cmocka_unit_test(
		    detect_step__first_dnsbl_listing__opens_at_once),
		cmocka_unit_test(
		    detect_step__wavering_throttle__stays_one_incident),
		cmocka_unit_test(detect_step__deferral_rate_jump__opens),
		cmocka_unit_test(detect_step__rate_on_few_results__no_incident),
		cmocka_unit_test(
		    detect_evaluate__days_before_history__left_out),
		cmocka_unit_test(detect_poisson_tail__known_values__match),
		cmocka_unit_test(detect_binomial_tail__known_values__match),
		cmocka_unit_test(
		    detect_params_set__known_and_unknown_keys__applied_or_refused),
		cmocka_unit_test(detect_ranges__one_step__window_and_each_day),
		cmocka_unit_test(detect_series_prepare__unsorted__refused),
		cmocka_unit_test(detect_kind_name__round_trip__same_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
