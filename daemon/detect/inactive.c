/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The `inactive` incident: no delivery result at all (sent, deferred,
 * bounced, expired: count_minute's final results, every provider) for
 * rule[DETECT_INACTIVE].quiet seconds, when the same span of the day held
 * at least rule.min_count results on the median of the baseline days
 * whose data is known (days before the oldest count are left out, as in
 * detect.c). So a server that never sends at 3 am raises nothing at 3 am,
 * and a new database (no baseline day yet) raises nothing at all. The
 * incident resolves at the first window end that sees a result again.
 * Its start is the minute after the last result.
 *
 * Judged once per detect_run() at its last window end (now), inside its
 * transaction; never during a replay (the question is "is mail flowing
 * now"). One key: "all". quiet 0 turns it off.
 */
#include <stdlib.h>
#include <string.h>

#include "activity.h"
#include "detect.h"
#include "incident.h"
#include "inactive.h"
#include "store.h"

#define INACTIVE_KEY "all"

struct sum {
	struct detect_range r[DETECT_DAYS_MAX + 1];
	int64_t n[DETECT_DAYS_MAX + 1];
	int nr;
	int64_t last; /* latest minute with a result, 0 none */
};

static int
add_point(int64_t t, int64_t d, void *arg)
{
	struct sum *s = arg;
	int i;

	if (d > 0 && t > s->last)
		s->last = t;
	for (i = 0; i < s->nr; i++)
		if (t >= s->r[i].lo && t < s->r[i].hi)
			s->n[i] += d;
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* See inactive.h. */
double
inactive_baseline(const int64_t *days, int n)
{
	int64_t v[DETECT_DAYS_MAX];
	int i;

	if (n <= 0)
		return -1;
	if (n > DETECT_DAYS_MAX)
		n = DETECT_DAYS_MAX;
	for (i = 0; i < n; i++)
		v[i] = days[i];
	qsort(v, (size_t)n, sizeof(v[0]), cmp_i64);
	return n % 2 ? (double)v[n / 2]
		     : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
}

struct found {
	struct incident inc;
	char key[64];
	bool have;
};

static int
take_open(const struct incident *inc, void *arg)
{
	struct found *f = arg;

	if (f->have)
		return 0;
	f->inc = *inc;
	f->have = true;
	/* strings of inc are the query's: only the id and times are used */
	f->inc.kind = f->inc.key = f->inc.listed_ip = f->inc.providers = "";
	f->inc.sample = f->inc.rule = f->inc.action = "";
	return 0;
}

/* See inactive.h. */
int
inactive_judge(struct store *st, const struct detect_params *p, int64_t to,
    detect_change_fn *on_change, void *arg, unsigned *opened,
    unsigned *resolved)
{
	const struct detect_rule *r = &p->rule[DETECT_INACTIVE];
	struct incident_filter f;
	struct found fo;
	struct incident inc;
	struct sum s;
	int64_t after = r->quiet, hist, lo, days[DETECT_DAYS_MAX];
	double base;
	int i, nd = 0, rc;

	if (after <= 0)
		return 0;
	after -= after % DETECT_STEP;
	if (after < DETECT_STEP)
		after = DETECT_STEP;
	if ((rc = activity_first(st, &hist)) == -1)
		return -1;
	if (rc == 0)
		hist = to;
	memset(&s, 0, sizeof(s));
	s.r[0].lo = to - after;
	s.r[0].hi = to;
	s.nr = 1;
	for (i = 1; i <= p->baseline_days; i++) {
		lo = to - (int64_t)i * DETECT_DAY - after;
		if (lo < hist)
			break; /* unknown, not zero */
		s.r[s.nr].lo = lo;
		s.r[s.nr].hi = lo + after;
		s.nr++;
	}
	lo = s.r[s.nr - 1].lo;
	if (activity_minutes(st, lo, to, add_point, &s) == -1)
		return -1;
	for (i = 1; i < s.nr; i++)
		days[nd++] = s.n[i];
	base = inactive_baseline(days, nd);
	memset(&fo, 0, sizeof(fo));
	memset(&f, 0, sizeof(f));
	f.open_only = true;
	f.kind = detect_kind_name(DETECT_INACTIVE);
	f.no_hosts = true;
	if (incident_list(st, &f, take_open, &fo) == -1)
		return -1;
	if (fo.have && to <= fo.inc.until)
		return 0; /* this window end is judged already */
	if (fo.have) {
		inc = fo.inc;
		inc.kind = detect_kind_name(DETECT_INACTIVE);
		inc.key = INACTIVE_KEY;
		inc.listed_ip = inc.providers = inc.sample = inc.rule =
		    inc.action = "";
		inc.until = to;
		if (s.n[0] == 0) {
			inc.last_seen = to;
			return incident_update(st, &inc);
		}
		inc.open = false;
		inc.resolved = to;
		inc.last_seen = s.last > inc.start ? s.last : to;
		if (incident_update(st, &inc) == -1)
			return -1;
		(*resolved)++;
		if (on_change != NULL)
			on_change(DETECT_RESOLVED, &inc, arg);
		return 0;
	}
	if (s.n[0] != 0 || base < (double)r->min_count)
		return 0;
	/* --now in the past: never open before a later incident's end. */
	memset(&f, 0, sizeof(f));
	f.kind = detect_kind_name(DETECT_INACTIVE);
	f.since = to;
	f.no_hosts = true;
	if (incident_list(st, &f, take_open, &fo) == -1)
		return -1;
	if (fo.have)
		return 0;
	memset(&inc, 0, sizeof(inc));
	inc.kind = detect_kind_name(DETECT_INACTIVE);
	inc.key = INACTIVE_KEY;
	inc.listed_ip = inc.providers = inc.rule = inc.action = "";
	inc.sample = "";
	inc.open = true;
	/* Since the minute after the last result (no later than the span). */
	if ((rc = activity_last(st, to, &lo)) == -1)
		return -1;
	inc.start = rc == 1 && lo + DETECT_STEP < to - after ? lo + DETECT_STEP
							     : to - after;
	inc.detected = to;
	inc.last_seen = to;
	inc.until = to;
	inc.window = after;
	inc.peak = 0;
	inc.baseline = base;
	if (incident_insert(st, &inc, &inc.id) == -1)
		return -1;
	(*opened)++;
	if (on_change != NULL)
		on_change(DETECT_OPENED, &inc, arg);
	return 0;
}
