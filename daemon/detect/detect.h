/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Spike detection over count series: pure functions (no I/O, no clock, no
 * SQLite, no allocation), unit-tested with synthetic series. The caller
 * (detect_run() in the daemon) loads per-minute counts of one key (a
 * provider, a recipient domain, or a DNSBL and listed IP) for one incident
 * kind into a struct detect_series, then steps a struct detect_track
 * (the state of that key's incident) over window ends one minute apart.
 *
 * The test for one window [end - window, end) compares its count with the
 * key's own baseline: the same window on each of the previous
 * baseline_days days (the daily cycle of mail traffic), combined by the
 * median, so that up to half of those days may themselves have been
 * abnormal without raising the bar. Days before the series' history start
 * are unknown, not zero, and are left out. A window opens an incident when
 * all of these hold:
 *   count >= min_count          one stray reply is never an incident;
 *   count >= factor * lambda    a real jump, where lambda is the baseline
 *                               raised to at least `floor` (robust to a
 *                               baseline of zero);
 *   P(X >= count) < alpha       under Poisson(lambda): the jump is not
 *                               noise of a busy key.
 * Rate kinds (deferral_rate, bounce_rate) test numerator/denominator
 * (e.g. deferred / final results) against the median of the previous
 * days' rates (days with at least min_total results; `floor` is the least
 * baseline rate) with a binomial tail instead, and need min_total results
 * in the window and a rate of at least min_rate. Kinds without a baseline
 * (a DNSBL listing naming our IP: never normal) open at min_count.
 *
 * An open incident stays open while its window is "active" (the opening
 * bar scaled by `keep`, without the tail test: hysteresis, so a throttle
 * that wavers around the threshold is one incident, not five), and
 * resolves once it has been inactive for the kind's quiet period.
 *
 * What this module deliberately does not do: decide which counts belong
 * to a kind (suspended repeats and local decisions of our MTA must be left
 * out by the caller), know providers, or remember anything between calls
 * except through the caller's struct detect_track.
 */
#ifndef BS_DAEMON_DETECT_H
#define BS_DAEMON_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define DETECT_STEP       60    /* seconds between window ends; bucket size */
#define DETECT_DAYS_MAX   28    /* most baseline days */
#define DETECT_DAY        86400 /* a baseline day is this many seconds */
#define DETECT_WINDOW_MAX 21600 /* longest window (6 h) */
/* Ranges a series must cover for one stepping pass (detect_ranges). */
#define DETECT_RANGES_MAX (DETECT_DAYS_MAX + 1)

/* Incident kinds; detect_kind_name() gives the public (stored) names. */
enum detect_kind {
	DETECT_RATE_LIMITED = 0, /* throttling: rate_limited replies */
	DETECT_BLACKLISTED,      /* a receiver's reputation block, no DNSBL */
	DETECT_DNSBL,            /* a DNSBL listing, keyed by DNSBL + IP */
	DETECT_GREYLISTED,       /* greylisting surge */
	DETECT_DEFERRAL_RATE,    /* deferred / final results jumps */
	DETECT_BOUNCE_RATE,      /* bounced / final results jumps */
	DETECT_AUTH_FAILED,      /* our own relay credentials refused */
	/* no delivery result at all for rule.quiet seconds while the
	 * baseline (the median of the same span on the baseline days) had
	 * at least rule.min_count: judged by detect_run() at its last
	 * window end only (daemon/detect/inactive.c), never by
	 * detect_step() */
	DETECT_INACTIVE,
	DETECT_KIND_COUNT
};

/* Thresholds of one kind (see the file comment and detect_defaults()). */
struct detect_rule {
	int64_t min_count; /* events (numerator) in the window to open */
	double factor;     /* count >= factor x baseline (rate: rate) */
	double alpha;      /* tail probability below this to open */
	double floor;      /* least expected count per window (rate kinds:
			      least baseline rate) */
	int64_t min_total; /* rate kinds: least results in the window */
	double min_rate;   /* rate kinds: least rate to open */
	int64_t quiet;     /* seconds inactive before resolving */
	bool baseline;     /* false: min_count alone opens (DNSBL) */
};

struct detect_params {
	int64_t window;    /* seconds, a multiple of DETECT_STEP */
	int baseline_days; /* 0..DETECT_DAYS_MAX */
	double keep;       /* 0 < keep <= 1: fraction of the opening bar
			      that keeps an incident active */
	int64_t late;      /* seconds: how far back results that arrive
			      after the detector passed their minute have
			      their windows examined again (0..DETECT_LATE_MAX) */
	struct detect_rule rule[DETECT_KIND_COUNT];
};

/*
 * One minute of a key's counts. t is the bucket start (epoch seconds); n
 * the events of the kind; d, for rate kinds, the final results of that
 * minute (the denominator, n included), else 0. cn and cd are running sums
 * filled by detect_series_prepare().
 */
struct detect_point {
	int64_t t;
	int64_t n;
	int64_t d;
	int64_t cn;
	int64_t cd;
};

/*
 * A key's points, strictly increasing in t, owned by the caller. The
 * series need not be contiguous: it must hold every nonzero minute of the
 * ranges detect_ranges() asked for. history is the first time for which
 * counts exist at all (older baseline days are unknown and skipped).
 */
struct detect_series {
	struct detect_point *pts;
	size_t npts;
	int64_t history;
};

/* The verdict on one window. */
struct detect_eval {
	int64_t count;   /* numerator in the window */
	int64_t total;   /* rate kinds: denominator in the window */
	double baseline; /* median of the baseline days (count or rate) */
	double expected; /* baseline raised to the floor: what was tested */
	double p;        /* tail probability (1 when not computed) */
	int days;        /* baseline days that were known */
	bool open;       /* meets the bar to open */
	bool active;     /* meets the lower bar to stay open */
	int64_t start;   /* first anomalous minute of the window, or 0 */
};

/*
 * A key's incident state, persisted by the caller between calls (all
 * times epoch seconds; 0 = unset). Zero it for a key with no incident.
 */
struct detect_track {
	bool open;
	int64_t start;      /* first anomalous minute */
	int64_t detected;   /* window end at which it opened */
	int64_t last_seen;  /* end of the last minute with an event */
	int64_t calm_since; /* first inactive window end, 0 while active */
	int64_t resolved;   /* window end at which it resolved */
	int64_t until;      /* last window end stepped */
	int64_t peak;       /* largest window count while open */
	int64_t peak_total; /* rate kinds: results in that window */
	double baseline;    /* expected count (or rate) when opened */
	int64_t total;      /* events while active, from start on */
	int64_t calm_total; /* events since calm_since (held back) */
	int64_t calm_seen;  /* last event end since calm_since */
};

enum detect_change {
	DETECT_NONE = 0, /* no incident, none opened */
	DETECT_OPENED,   /* an incident opened at this window */
	DETECT_ONGOING,  /* still open (counters may have changed) */
	DETECT_RESOLVED  /* resolved at this window */
};

/* A time range [lo, hi). */
struct detect_range {
	int64_t lo;
	int64_t hi;
};

/* "rate_limited", "blacklisted", "dnsbl", ...; NULL when out of range. */
const char *detect_kind_name(enum detect_kind);

/* Parses a kind name of len bytes. Returns 0 and *out, or -1. */
int detect_kind_from_name(const char *, size_t, enum detect_kind *out);

/* True for the rate kinds (deferral_rate, bounce_rate). */
bool detect_kind_is_rate(enum detect_kind);

/* Fills *p with the documented defaults (see detect.c for the reasons). */
void detect_defaults(struct detect_params *p);

/*
 * Checks *p for values the detector cannot use. Returns 0, or -1 with a
 * message in errbuf (BS_ERRLEN bytes).
 */
int detect_params_check(const struct detect_params *p, char *errbuf);

/*
 * Sets one parameter from text: "window" (seconds, or a duration such as
 * "10m"), "baseline_days", "keep", or "<kind>.<field>" with field one of
 * min_count, factor, alpha, floor, min_total, min_rate, quiet (a
 * duration). Returns 0, or -1 with errbuf set; *p is unchanged on error.
 * The result is not cross-checked: call detect_params_check() after the
 * last change.
 */
int detect_params_set(
    struct detect_params *p, const char *key, const char *value, char *errbuf);

/* Applies "key=value" with detect_params_set(). 0, or -1 with errbuf. */
int detect_params_arg(struct detect_params *p, const char *arg, char *errbuf);

/*
 * Checks that the points of s are in strictly increasing t with
 * non-negative counts and fills their running sums. Returns 0, or -1 with
 * errbuf set.
 */
int detect_series_prepare(struct detect_series *s, char *errbuf);

/* Sums n and d of the points of s with lo <= t < hi (prepared series). */
void detect_sum(const struct detect_series *s, int64_t lo, int64_t hi,
    int64_t *n, int64_t *d);

/*
 * The ranges a series must cover so that detect_step() may be called for
 * every window end e with from < e <= to (both multiples of DETECT_STEP):
 * the windows themselves and the same windows on each baseline day,
 * merged and sorted. Writes at most DETECT_RANGES_MAX ranges to out and
 * returns how many.
 */
size_t detect_ranges(const struct detect_params *p, int64_t from, int64_t to,
    struct detect_range *out);

/* P(X >= k) for X ~ Poisson(lambda). */
double detect_poisson_tail(int64_t k, double lambda);

/* P(X >= k) for X ~ Binomial(n, q). */
double detect_binomial_tail(int64_t k, int64_t n, double q);

/* Judges the window [end - window, end) of a prepared series. */
void detect_evaluate(const struct detect_params *p, enum detect_kind kind,
    const struct detect_series *s, int64_t end, struct detect_eval *out);

/*
 * Advances the track of one key to the window ending at end (which must
 * be after t->until when t->until is set): opens an incident, updates an
 * open one (last_seen, peak, total: these follow only active windows, so
 * ordinary background after the episode does not extend it) or resolves
 * it after the quiet period. A resolved track keeps its fields (for the caller
 * to store) until the next opening overwrites them. Returns what happened.
 */
enum detect_change detect_step(const struct detect_params *p,
    enum detect_kind kind, const struct detect_series *s, int64_t end,
    struct detect_track *t);

/*
 * Running the detector over the store: daemon/detect_run.c, which is not
 * pure (SQLite through schema/incident.h) and is not part of the pure
 * object.
 */
#define DETECT_CATCHUP_MAX (35 * DETECT_DAY)  /* oldest window end caught up */
#define DETECT_LATE_MAX    DETECT_CATCHUP_MAX /* most `late` */
#define DETECT_CHUNK       DETECT_DAY         /* window ends per transaction */

struct store;
struct classifier;
struct incident;
struct incident_source_spec;

/*
 * Which counts feed kind (see detect_run.c): fills *src for
 * incident_series() and incident_history().
 */
void detect_source(enum detect_kind kind, struct incident_source_spec *src);

struct detect_run_stats {
	int64_t from; /* window ends evaluated: (from, to] */
	int64_t to;
	unsigned opened;
	unsigned resolved;
	unsigned open;      /* open after the run */
	unsigned chunks;    /* transactions (passes over a chunk) */
	int64_t late_from;  /* late results: first window end examined
			       again, 0 when none */
	int64_t late_older; /* late results older than the `late` bound:
			       the oldest, not examined again; 0 when none */
};

/*
 * Called for each incident that opens (DETECT_OPENED) or resolves
 * (DETECT_RESOLVED) during a run; inc and its strings are valid only
 * during the call.
 */
typedef void detect_change_fn(
    enum detect_change what, const struct incident *inc, void *arg);

struct detect_run_opts {
	int64_t now;         /* window ends up to now, rounded down to a
				minute, are evaluated */
	int64_t chunk;       /* seconds of window ends per transaction, a
				multiple of DETECT_STEP; 0: DETECT_CHUNK */
	unsigned max_chunks; /* 0: until up to date; else at most this many
				transactions, then return 1 */
	detect_change_fn *on_change; /* may be NULL */
	void *arg;
};

/*
 * Brings the incidents of store st up to date, as of o->now. Evaluates
 * every window end from the last one evaluated (meta
 * STORE_META_DETECT_UNTIL; on the first run the oldest data, at most
 * DETECT_CATCHUP_MAX back) to now, for every kind and key, and opens,
 * updates and resolves incident rows, committing once per chunk of
 * window ends together with the new resume point.
 *
 * Late results (store_commit() records the oldest result committed for a
 * minute already passed, meta STORE_META_DETECT_LATE) are examined first:
 * their windows, back to p->late, are stepped again for every key that
 * had no incident then (a key is never stepped over a minute its latest
 * incident already covers), so an incident that should have opened opens
 * once, with its true start.
 *
 * cl (may be NULL) supplies the suggested action of a sample's rule.
 * Must be called outside a transaction. Returns 0 when up to date, 1 when
 * o->max_chunks stopped it first (call again), -1 with errbuf set (the
 * chunk in progress is rolled back; a later call resumes there). stats
 * may be NULL.
 */
int detect_run(struct store *st, const struct detect_params *p,
    struct classifier *cl, const struct detect_run_opts *o,
    struct detect_run_stats *stats, char *errbuf);

/* Called for each incident a replay ends with (see detect_replay()). */
typedef int detect_incident_fn(const struct incident *inc, void *arg);

/*
 * Replays the detector over stored history as if it had run live, minute
 * by minute: every window end in (from, o->now] (from no earlier than the
 * oldest data), starting with no incident, writing nothing (st may be
 * read-only). o->on_change sees each opening and resolution (in time
 * order for each kind; the kinds one after another per chunk); then each(inc,
 * each_arg) is called for every incident of the replay, open ones first, then
 * newest first (ids are the replay's own, from 1). Returns 0, or -1 with errbuf
 * set.
 */
int detect_replay(struct store *st, const struct detect_params *p,
    struct classifier *cl, int64_t from, const struct detect_run_opts *o,
    detect_incident_fn *each, void *each_arg, struct detect_run_stats *stats,
    char *errbuf);

#endif
