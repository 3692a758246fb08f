/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * See detect.h for the model. Everything here is a pure function of its
 * arguments: the caller owns the series and the tracks, reads the clock
 * and the database, and decides which counts feed which kind. Tail
 * probabilities are summed in the direction in which the terms shrink, from
 * a first term computed in log space (lgamma), so that small tails (1e-7)
 * keep their precision and large counts do not overflow.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "duration.h"

static const char *const kind_names[DETECT_KIND_COUNT] = {
	[DETECT_RATE_LIMITED] = "rate_limited",
	[DETECT_BLACKLISTED] = "blacklisted",
	[DETECT_DNSBL] = "dnsbl",
	[DETECT_GREYLISTED] = "greylisted",
	[DETECT_DEFERRAL_RATE] = "deferral_rate",
	[DETECT_BOUNCE_RATE] = "bounce_rate",
	[DETECT_AUTH_FAILED] = "auth_failed",
	[DETECT_INACTIVE] = "inactive",
};

/*
 * Returns the name of kind k, or NULL when k is out of range. The names
 * are public: stored in the incidents table and printed in JSON.
 */
const char *
detect_kind_name(enum detect_kind k)
{
	if ((unsigned)k >= DETECT_KIND_COUNT)
		return NULL;
	return kind_names[k];
}

/* Parses the kind named by s (len bytes). Returns 0 and *out, or -1. */
int
detect_kind_from_name(const char *s, size_t len, enum detect_kind *out)
{
	size_t i;

	for (i = 0; i < DETECT_KIND_COUNT; i++) {
		if (strlen(kind_names[i]) == len &&
		    memcmp(kind_names[i], s, len) == 0) {
			*out = (enum detect_kind)i;
			return 0;
		}
	}
	return -1;
}

/* True when kind k is a rate (numerator over final results). */
bool
detect_kind_is_rate(enum detect_kind k)
{
	return k == DETECT_DEFERRAL_RATE || k == DETECT_BOUNCE_RATE;
}

/*
 * The defaults, and why:
 *
 * window 10 min: Postfix runs its deferred queue every 5 minutes
 * (queue_run_delay, minimal_backoff_time 300s), so a receiver that throttles
 * every retry is seen at least twice per window, and an alert is at most
 * about 10 minutes late. Shorter windows count too few replies on a small
 * server; longer ones alert late.
 *
 * baseline 7 days, median: the same window on each of the last 7 days
 * follows the daily cycle (a newsletter every morning is not a spike), and
 * the median ignores up to 3 abnormal days, so a past incident does not
 * raise the bar for the next one.
 *
 * alpha: a key is tested 1440 times a day; a tail of 1e-4 keeps openings
 * from Poisson noise alone to about one per key per week at worst, before
 * min_count and factor cut that further. Consecutive windows overlap, so
 * the real rate is far lower.
 *
 * late 7d: results that arrive for minutes the detector has already
 * passed (an import of an older log, a restart after downtime, a log
 * shipper's backlog) have their windows examined again, back to a week:
 * the span of the default baseline, beyond which counts are history
 * rather than news.
 *
 * keep 0.5: an open incident stays open while half the opening bar is
 * met; a throttle that hovers around the threshold stays one incident.
 *
 * Per kind:
 *  rate_limited  6 replies, 5x baseline (floor 0.5 per window). Few, on
 *                purpose: once a receiver refuses a session, Postfix marks
 *                the destination dead and defers the rest of its queue as
 *                suspended repeats (not counted), so a throttled host
 *                yields only a handful of real replies per queue run (at
 *                most the destination concurrency). Busy providers with
 *                some background 421s need 5x their own baseline.
 *  blacklisted   5 replies, 5x (floor 0.5, alpha 1e-3): a reputation block
 *                is never normal, but one or two may be a stale cache.
 *  dnsbl         1 reply, no baseline: a DNSBL listing naming our IP is an
 *                incident on its own, at once. Resolved after 6 quiet hours
 *                (listings last hours to days, and a receiver says so only
 *                when we try it).
 *  greylisted    20 replies, 5x (floor 2): greylisting of first contacts
 *                is routine; only a surge (e.g. after an IP change) counts.
 *  deferral_rate 10 deferred of at least 20 results, a rate of at least
 *                30% and 3x the baseline rate (floor 2%), binomial tail.
 *  bounce_rate   the same with bounces, from 20%: bounces are permanent
 *                losses, so a lower bar.
 *  auth_failed   3 refusals, 3x (floor 0.2, alpha 1e-2): our own relay
 *                refusing our credentials is a configuration fault, not a
 *                receiver's mood; three rule out a single glitch.
 * Quiet periods are 30 minutes (an hour for blacklisted): three windows
 * without the anomaly before "resolved" is mailed.
 */
void
detect_defaults(struct detect_params *p)
{
	struct detect_rule *r;

	memset(p, 0, sizeof(*p));
	p->window = 600;
	p->baseline_days = 7;
	p->keep = 0.5;
	p->late = 7 * DETECT_DAY;

	r = &p->rule[DETECT_RATE_LIMITED];
	r->min_count = 6;
	r->factor = 5;
	r->alpha = 1e-4;
	r->floor = 0.5;
	r->quiet = 1800;
	r->baseline = true;

	r = &p->rule[DETECT_BLACKLISTED];
	r->min_count = 5;
	r->factor = 5;
	r->alpha = 1e-3;
	r->floor = 0.5;
	r->quiet = 3600;
	r->baseline = true;

	r = &p->rule[DETECT_DNSBL];
	r->min_count = 1;
	r->factor = 1;
	r->alpha = 1;
	r->floor = 1;
	r->quiet = 6 * 3600;
	r->baseline = false;

	r = &p->rule[DETECT_GREYLISTED];
	r->min_count = 20;
	r->factor = 5;
	r->alpha = 1e-4;
	r->floor = 2;
	r->quiet = 1800;
	r->baseline = true;

	r = &p->rule[DETECT_DEFERRAL_RATE];
	r->min_count = 10;
	r->min_total = 20;
	r->min_rate = 0.3;
	r->factor = 3;
	r->alpha = 1e-4;
	r->floor = 0.02;
	r->quiet = 1800;
	r->baseline = true;

	r = &p->rule[DETECT_BOUNCE_RATE];
	r->min_count = 10;
	r->min_total = 20;
	r->min_rate = 0.2;
	r->factor = 3;
	r->alpha = 1e-4;
	r->floor = 0.02;
	r->quiet = 1800;
	r->baseline = true;

	r = &p->rule[DETECT_AUTH_FAILED];
	r->min_count = 3;
	r->factor = 3;
	r->alpha = 1e-2;
	r->floor = 0.2;
	r->quiet = 1800;
	r->baseline = true;

	/* Inactivity: two hours without a single delivery result, when
	 * the same two hours held at least 5 results on the median
	 * baseline day (a server that never sends at 3 am stays quiet). */
	r = &p->rule[DETECT_INACTIVE];
	r->min_count = 5;
	r->factor = 1;
	r->alpha = 1;
	r->floor = 1;
	r->quiet = 2 * 3600;
	r->baseline = true;
}

/*
 * Checks every value of *p. Returns 0, or -1 with the first problem in
 * errbuf (BS_ERRLEN bytes).
 */
int
detect_params_check(const struct detect_params *p, char *errbuf)
{
	const struct detect_rule *r;
	const char *k;
	size_t i;

	if (p->window < DETECT_STEP || p->window > DETECT_WINDOW_MAX ||
	    p->window % DETECT_STEP != 0) {
		snprintf(errbuf, BS_ERRLEN,
		    "window: %lld s: must be a whole number of minutes from "
		    "1 to %d",
		    (long long)p->window, DETECT_WINDOW_MAX / 60);
		return -1;
	}
	if (p->baseline_days < 0 || p->baseline_days > DETECT_DAYS_MAX) {
		snprintf(errbuf, BS_ERRLEN, "baseline_days: %d: must be 0..%d",
		    p->baseline_days, DETECT_DAYS_MAX);
		return -1;
	}
	if (!(p->keep > 0 && p->keep <= 1)) {
		snprintf(errbuf, BS_ERRLEN, "keep: must be in (0, 1]");
		return -1;
	}
	if (p->late < 0 || p->late > DETECT_LATE_MAX) {
		snprintf(errbuf, BS_ERRLEN, "late: must be 0 to %d days",
		    DETECT_LATE_MAX / DETECT_DAY);
		return -1;
	}
	for (i = 0; i < DETECT_KIND_COUNT; i++) {
		r = &p->rule[i];
		k = kind_names[i];
		if (r->min_count < 1 || r->min_count > 1000000) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.min_count: must be 1..1000000", k);
			return -1;
		}
		if (!(r->factor >= 1 && r->factor <= 1e6)) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.factor: must be 1..1000000", k);
			return -1;
		}
		if (!(r->alpha > 0 && r->alpha <= 1)) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.alpha: must be in (0, 1]", k);
			return -1;
		}
		if (!(r->floor > 0 && r->floor <= 1e6) ||
		    (detect_kind_is_rate((enum detect_kind)i) &&
			r->floor >= 1)) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.floor: must be above 0 (and below 1 for a rate)",
			    k);
			return -1;
		}
		if (detect_kind_is_rate((enum detect_kind)i) &&
		    (r->min_total < 1 || r->min_total > 1000000)) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.min_total: must be 1..1000000", k);
			return -1;
		}
		if (!(r->min_rate >= 0 && r->min_rate <= 1)) {
			snprintf(
			    errbuf, BS_ERRLEN, "%s.min_rate: must be 0..1", k);
			return -1;
		}
		if (r->quiet < 0 || r->quiet > 30 * DETECT_DAY) {
			snprintf(errbuf, BS_ERRLEN,
			    "%s.quiet: must be 0 to 30 days", k);
			return -1;
		}
	}
	return 0;
}

/* A duration (duration.h; a bare number is seconds) in seconds. */
static int
parse_duration(const char *s, int64_t *out)
{
	const char *why;
	int64_t ms;

	if (duration_parse(s, 1000, &ms, &why) == -1 || ms % 1000 != 0 ||
	    ms / 1000 > 100LL * DETECT_DAY)
		return -1;
	*out = ms / 1000;
	return 0;
}

static int
parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if ((*s < '0' || *s > '9') && *s != '-')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int
parse_real(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || *s == ' ')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/*
 * Sets the parameter named key from value (see detect.h). *p is left
 * unchanged on error; returns 0 or -1 with errbuf set.
 */
int
detect_params_set(
    struct detect_params *p, const char *key, const char *value, char *errbuf)
{
	struct detect_rule *r;
	enum detect_kind k;
	const char *dot, *f;
	int64_t iv;
	double dv;

	if (strcmp(key, "window") == 0) {
		if (parse_duration(value, &iv) == -1)
			goto bad;
		p->window = iv;
		return 0;
	}
	if (strcmp(key, "baseline_days") == 0) {
		if (parse_int(value, &iv) == -1 || iv < 0 ||
		    iv > DETECT_DAYS_MAX)
			goto bad;
		p->baseline_days = (int)iv;
		return 0;
	}
	if (strcmp(key, "keep") == 0) {
		if (parse_real(value, &dv) == -1)
			goto bad;
		p->keep = dv;
		return 0;
	}
	if (strcmp(key, "late") == 0) {
		if (parse_duration(value, &iv) == -1)
			goto bad;
		p->late = iv;
		return 0;
	}
	dot = strchr(key, '.');
	if (dot == NULL ||
	    detect_kind_from_name(key, (size_t)(dot - key), &k) == -1) {
		snprintf(errbuf, BS_ERRLEN,
		    "%s: unknown parameter (window, baseline_days, keep, late "
		    "or <kind>.<field>)",
		    key);
		return -1;
	}
	r = &p->rule[k];
	f = dot + 1;
	if (strcmp(f, "min_count") == 0 || strcmp(f, "min_total") == 0) {
		if (parse_int(value, &iv) == -1)
			goto bad;
		*(f[4] == 'c' ? &r->min_count : &r->min_total) = iv;
	} else if (strcmp(f, "quiet") == 0) {
		if (parse_duration(value, &iv) == -1)
			goto bad;
		r->quiet = iv;
	} else if (strcmp(f, "factor") == 0 || strcmp(f, "alpha") == 0 ||
	    strcmp(f, "floor") == 0 || strcmp(f, "min_rate") == 0) {
		if (parse_real(value, &dv) == -1)
			goto bad;
		if (f[0] == 'f' && f[1] == 'a')
			r->factor = dv;
		else if (f[0] == 'a')
			r->alpha = dv;
		else if (f[0] == 'f')
			r->floor = dv;
		else
			r->min_rate = dv;
	} else {
		snprintf(errbuf, BS_ERRLEN,
		    "%s: unknown field (min_count, factor, alpha, floor, "
		    "min_total, min_rate, quiet)",
		    key);
		return -1;
	}
	return 0;
bad:
	snprintf(errbuf, BS_ERRLEN, "%s: bad value \"%.64s\"", key, value);
	return -1;
}

/* Splits arg at its first '=' and sets that parameter. 0 or -1. */
int
detect_params_arg(struct detect_params *p, const char *arg, char *errbuf)
{
	const char *eq = strchr(arg, '=');
	char key[64];

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
		snprintf(errbuf, BS_ERRLEN, "%.64s: expected KEY=VALUE", arg);
		return -1;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	return detect_params_set(p, key, eq + 1, errbuf);
}

/*
 * Validates the order of s's points and fills their running sums.
 * Returns 0, or -1 with errbuf set.
 */
int
detect_series_prepare(struct detect_series *s, char *errbuf)
{
	int64_t cn = 0, cd = 0;
	size_t i;

	for (i = 0; i < s->npts; i++) {
		if (i > 0 && s->pts[i].t <= s->pts[i - 1].t) {
			snprintf(errbuf, BS_ERRLEN,
			    "series: point %zu: time %lld not after %lld", i,
			    (long long)s->pts[i].t, (long long)s->pts[i - 1].t);
			return -1;
		}
		if (s->pts[i].n < 0 || s->pts[i].d < 0) {
			snprintf(errbuf, BS_ERRLEN,
			    "series: point %zu: negative count", i);
			return -1;
		}
		cn += s->pts[i].n;
		cd += s->pts[i].d;
		s->pts[i].cn = cn;
		s->pts[i].cd = cd;
	}
	return 0;
}

/* Index of the first point with t >= x (npts when none). */
static size_t
lower_bound(const struct detect_series *s, int64_t x)
{
	size_t lo = 0, hi = s->npts, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->pts[mid].t < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Sums the counts of the points in [lo, hi) of a prepared series. */
void
detect_sum(const struct detect_series *s, int64_t lo, int64_t hi, int64_t *n,
    int64_t *d)
{
	size_t a, b;

	*n = 0;
	*d = 0;
	if (hi <= lo || s->npts == 0)
		return;
	a = lower_bound(s, lo);
	b = lower_bound(s, hi);
	if (b <= a)
		return;
	*n = s->pts[b - 1].cn - (a > 0 ? s->pts[a - 1].cn : 0);
	*d = s->pts[b - 1].cd - (a > 0 ? s->pts[a - 1].cd : 0);
}

/*
 * The ranges to load for window ends in (from, to]: for day = days..0,
 * [from + STEP - window - day * DAY, to - day * DAY), merged. Returns the
 * number written to out (at most DETECT_RANGES_MAX).
 */
size_t
detect_ranges(const struct detect_params *p, int64_t from, int64_t to,
    struct detect_range *out)
{
	int64_t lo, hi;
	size_t n = 0;
	int day;

	if (to <= from)
		return 0;
	for (day = p->baseline_days; day >= 0; day--) {
		lo = from + DETECT_STEP - p->window - (int64_t)day * DETECT_DAY;
		hi = to - (int64_t)day * DETECT_DAY;
		if (n > 0 && lo <= out[n - 1].hi) {
			if (hi > out[n - 1].hi)
				out[n - 1].hi = hi;
			continue;
		}
		out[n].lo = lo;
		out[n].hi = hi;
		n++;
	}
	return n;
}

/* P(X >= k), X ~ Poisson(lambda). */
double
detect_poisson_tail(int64_t k, double lambda)
{
	double term, sum;
	int64_t i;

	if (k <= 0)
		return 1;
	if (!(lambda > 0))
		return 0;
	term = exp(-lambda + (double)k * log(lambda) - lgamma((double)k + 1));
	if ((double)k > lambda) {
		/* Upper tail: terms shrink as i grows past lambda. */
		sum = term;
		for (i = k; term > sum * 1e-17 && i < k + 100000; i++) {
			term *= lambda / (double)(i + 1);
			sum += term;
		}
		return sum > 1 ? 1 : sum;
	}
	/* 1 - P(X <= k - 1): terms shrink as i falls below lambda. */
	term *= (double)k / lambda; /* P(X = k - 1) */
	sum = term;
	for (i = k - 1; i > 0 && term > sum * 1e-17; i--) {
		term *= (double)i / lambda;
		sum += term;
	}
	sum = 1 - sum;
	return sum < 0 ? 0 : sum;
}

/* P(X >= k), X ~ Binomial(n, q). */
double
detect_binomial_tail(int64_t k, int64_t n, double q)
{
	double term, sum, r;
	int64_t i;

	if (k <= 0)
		return 1;
	if (k > n || !(q > 0))
		return 0;
	if (q >= 1)
		return 1;
	term = exp(lgamma((double)n + 1) - lgamma((double)k + 1) -
	    lgamma((double)(n - k) + 1) + (double)k * log(q) +
	    (double)(n - k) * log1p(-q));
	r = q / (1 - q);
	if ((double)k > (double)n * q) {
		sum = term;
		for (i = k; i < n && term > sum * 1e-17; i++) {
			term *= (double)(n - i) / (double)(i + 1) * r;
			sum += term;
		}
		return sum > 1 ? 1 : sum;
	}
	/* 1 - P(X <= k - 1), summed downwards from k - 1. */
	term *= (double)k / (double)(n - k + 1) / r; /* P(X = k - 1) */
	sum = term;
	for (i = k - 1; i > 0 && term > sum * 1e-17; i--) {
		term *= (double)i / (double)(n - i + 1) / r;
		sum += term;
	}
	sum = 1 - sum;
	return sum < 0 ? 0 : sum;
}

static double
median(double *v, int n)
{
	int i, j;
	double x;

	if (n == 0)
		return 0;
	for (i = 1; i < n; i++) {
		x = v[i];
		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Smallest integer count that is >= x (x >= 0), at least 1. */
static int64_t
at_least(double x)
{
	double c = ceil(x);

	return c < 1 ? 1 : (int64_t)c;
}

/*
 * Where the anomaly in [lo, hi) began: the start of the suffix of minutes
 * with the largest excess over bar (a per-minute share of the opening bar;
 * for rate kinds bar is a rate and the excess of a minute is n - bar * d),
 * as in a CUSUM change-point estimate. A minute of ordinary noise before
 * the jump adds a negative excess, so it is not taken for the start; among
 * equal suffixes the latest wins. Returns 0 when no suffix has an excess.
 */
static int64_t
change_point(const struct detect_series *s, bool rate, int64_t lo, int64_t hi,
    double bar)
{
	size_t i = lower_bound(s, hi);
	double sum = 0, best = 0;
	int64_t m, start = 0, n, d;

	for (m = hi - DETECT_STEP; m >= lo; m -= DETECT_STEP) {
		n = d = 0;
		/* Points between minute slots (not on the grid) count too. */
		while (i > 0 && s->pts[i - 1].t >= m) {
			i--;
			n += s->pts[i].n;
			d += s->pts[i].d;
		}
		sum += rate ? (double)n - bar * (double)d : (double)n - bar;
		if (sum > best) {
			best = sum;
			start = m;
		}
	}
	return start;
}

/* Start of the first minute in [lo, hi) with an event, or 0. */
static int64_t
first_event(const struct detect_series *s, int64_t lo, int64_t hi)
{
	size_t i;

	for (i = lower_bound(s, lo); i < s->npts && s->pts[i].t < hi; i++)
		if (s->pts[i].n > 0)
			return s->pts[i].t;
	return 0;
}

/*
 * Judges the window [end - window, end) of s for kind against the
 * baseline days (see detect.h). Fills *out.
 */
void
detect_evaluate(const struct detect_params *p, enum detect_kind kind,
    const struct detect_series *s, int64_t end, struct detect_eval *out)
{
	const struct detect_rule *r = &p->rule[kind];
	bool rate = detect_kind_is_rate(kind);
	double vals[DETECT_DAYS_MAX], share, bar;
	int64_t n, d, lo;
	int day, k = 0;

	memset(out, 0, sizeof(*out));
	out->p = 1;
	lo = end - p->window;
	detect_sum(s, lo, end, &out->count, &out->total);
	for (day = 1; day <= p->baseline_days && day <= DETECT_DAYS_MAX;
	     day++) {
		if (lo - (int64_t)day * DETECT_DAY < s->history)
			continue; /* unknown, not zero */
		detect_sum(s, lo - (int64_t)day * DETECT_DAY,
		    end - (int64_t)day * DETECT_DAY, &n, &d);
		if (!rate)
			vals[k++] = (double)n;
		else if (d >= r->min_total && d > 0)
			vals[k++] = (double)n / (double)d;
	}
	out->days = k;
	out->baseline = median(vals, k);
	out->expected = out->baseline > r->floor ? out->baseline : r->floor;

	if (!r->baseline) {
		out->open = out->count >= r->min_count;
		out->active = out->count >= at_least(r->min_count * p->keep);
	} else if (!rate) {
		out->active = out->count >= at_least(r->min_count * p->keep) &&
		    (double)out->count >= r->factor * out->expected * p->keep;
		if (out->count >= r->min_count &&
		    (double)out->count >= r->factor * out->expected) {
			out->p = detect_poisson_tail(out->count, out->expected);
			out->open = out->p < r->alpha;
		}
	} else {
		share = out->total > 0 ? (double)out->count / (double)out->total
				       : 0;
		bar = r->factor * out->expected;
		if (bar < r->min_rate)
			bar = r->min_rate;
		out->active = out->total >= at_least(r->min_total * p->keep) &&
		    out->count >= at_least(r->min_count * p->keep) &&
		    share >= bar * p->keep;
		if (out->total >= r->min_total && out->count >= r->min_count &&
		    share >= bar) {
			out->p = detect_binomial_tail(
			    out->count, out->total, out->expected);
			out->open = out->p < r->alpha;
		}
	}
	if (out->open || out->active) {
		/*
		 * Against a baseline of about nothing every event of the
		 * window is part of the anomaly: it began with the first.
		 * Otherwise estimate where the counts rose above the bar.
		 */
		if (!r->baseline || out->baseline <= r->floor)
			out->start = first_event(s, lo, end);
		else {
			if (rate)
				bar = r->factor * out->expected > r->min_rate
				    ? r->factor * out->expected
				    : r->min_rate;
			else
				bar = r->factor * out->expected * DETECT_STEP /
				    (double)p->window;
			out->start = change_point(s, rate, lo, end, bar);
		}
	}
}

/* End of the last minute in [lo, hi) with an event, or 0. */
static int64_t
last_event(const struct detect_series *s, int64_t lo, int64_t hi)
{
	size_t i = lower_bound(s, hi);

	while (i > 0 && s->pts[i - 1].t >= lo) {
		i--;
		if (s->pts[i].n > 0)
			return s->pts[i].t + DETECT_STEP;
	}
	return 0;
}

/*
 * Advances t to the window ending at end (see detect.h). Returns
 * DETECT_NONE, DETECT_OPENED, DETECT_ONGOING or DETECT_RESOLVED.
 */
enum detect_change
detect_step(const struct detect_params *p, enum detect_kind kind,
    const struct detect_series *s, int64_t end, struct detect_track *t)
{
	struct detect_eval ev;
	int64_t n, d, seen;

	if (t->until != 0 && end <= t->until)
		return t->open ? DETECT_ONGOING : DETECT_NONE;
	if (kind == DETECT_INACTIVE)
		return DETECT_NONE; /* judged by detect_run() (inactive.c) */
	detect_evaluate(p, kind, s, end, &ev);
	if (!t->open) {
		t->until = end;
		if (!ev.open)
			return DETECT_NONE;
		memset(t, 0, sizeof(*t));
		t->open = true;
		t->start = ev.start != 0 ? ev.start : end - p->window;
		t->detected = end;
		t->until = end;
		t->peak = ev.count;
		t->peak_total = ev.total;
		t->baseline = ev.baseline;
		detect_sum(s, t->start, end, &t->total, &d);
		t->last_seen = last_event(s, t->start, end);
		return DETECT_OPENED;
	}
	/*
	 * Events while the window is inactive are held back: they join the
	 * incident if it becomes active again, and are dropped (ordinary
	 * background) if it resolves.
	 */
	detect_sum(s, t->until, end, &n, &d);
	seen = last_event(s, t->until, end);
	t->until = end;
	if (ev.active) {
		t->total += t->calm_total + n;
		if (t->calm_seen > t->last_seen)
			t->last_seen = t->calm_seen;
		if (seen > t->last_seen)
			t->last_seen = seen;
		t->calm_since = 0;
		t->calm_total = 0;
		t->calm_seen = 0;
		if (ev.count > t->peak) {
			t->peak = ev.count;
			t->peak_total = ev.total;
		}
		return DETECT_ONGOING;
	}
	t->calm_total += n;
	if (seen > t->calm_seen)
		t->calm_seen = seen;
	if (t->calm_since == 0)
		t->calm_since = end;
	if (end - t->calm_since >= p->rule[kind].quiet) {
		t->open = false;
		t->resolved = end;
		t->calm_total = 0;
		t->calm_seen = 0;
		return DETECT_RESOLVED;
	}
	return DETECT_ONGOING;
}
