/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Read-only queries over an open store (read-only or not) for report, and
 * later alerts and metrics. Counts are read from count_hour and its
 * rollups (count_day, count_month, count_hour_class), so a range is
 * answered in whole hours: [since, until) widens to the hours that
 * contain it (query_range()). Samples and the unclassified replies come
 * from the event rows over the same range, which exist only within the
 * event retention.
 *
 * Counting rules (SPEC): sent, deferred, bounced and expired are final
 * results, one per status= line; per-MX attempts are counted apart and
 * never in those totals; a suspended repeat is in `deferred` and also
 * counted in `suspended`.
 *
 * Rows are handed to a callback one at a time; their strings belong to
 * the query and are valid only during the call. Errors return -1 with the
 * message in store_errmsg(). Nothing here writes.
 */
#ifndef BS_SCHEMA_QUERY_H
#define BS_SCHEMA_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct query_filter {
	int64_t since;      /* inclusive, UTC epoch seconds */
	int64_t until;      /* exclusive */
	const char *domain; /* recipient domain or provider; NULL: all */
	const char *cls;    /* class name (event.h vocabulary); NULL: all */
	int top;            /* rows of ranked lists; <= 0: all */
	bool finest;        /* read count_hour only, not the rollups
			       (tests compare both) */
	const char *host;   /* logging host (syslog prefix); NULL: all */
};

struct query_counts {
	int64_t sent, deferred, bounced, expired; /* final results */
	int64_t attempts;  /* per-MX attempts: not final, not in the above */
	int64_t suspended; /* suspended repeats, included in deferred */
	int64_t local;     /* local decisions of our MTA (Exim retry time
			      not reached, queue-only, held): no result,
			      not in deferred nor in any total */
};

/* One row of a list; which fields are set depends on the query. */
struct query_row {
	const char *name;      /* by_class: class; by_domain: domain;
				  by_provider: provider ("" = unknown);
				  by_host: host */
	const char *top_class; /* by_domain/by_provider: class with most
				  failures, "" when none */
	int code;              /* by_code: SMTP code, 0 when none */
	const char *enhanced;  /* by_code: RFC 3463 status, "" when none */
	const char *cls;       /* by_code: class */
	const char *text;      /* by_code: a sample reply ("" when the
				  events were pruned); unknown: the
				  normalized reply */
	size_t text_len;
	const char *sample; /* unknown: the latest raw reply */
	size_t sample_len;
	int64_t time; /* hourly: start of the hour; unknown: last seen */
	int64_t n;    /* unknown: occurrences (attempts included) */
	struct query_counts c;
};

typedef int query_row_fn(const struct query_row *, void *arg);

/* The whole-hour range the queries read for f: [*since, *until). */
void query_range(const struct query_filter *f, int64_t *since, int64_t *until);

/*
 * The parts of a whole-hour range that the report queries read, each from
 * one count table: hours and days on each side, the whole months between.
 */
enum query_part {
	QUERY_HOURS_HEAD,
	QUERY_HOURS_TAIL,
	QUERY_DAYS_HEAD,
	QUERY_DAYS_TAIL,
	QUERY_MONTHS,
	QUERY_HOURS_LIVE, /* from the roll mark on: count_hour */
	QUERY_PARTS
};

/*
 * Splits the whole hours [since, until) into parts, arm[part] = { low,
 * high, sign } (an empty part: low == high), reading as few rows as it
 * can when the data lies in the whole hours [lo, hi) (query_extent()); the
 * sum of the parts, each times its sign, is the range's whatever lo and
 * hi are. Days and months (the rollups) are read only for time before
 * mark, the roll mark (store_roll_mark(); INT64_MIN: nothing rolled),
 * and the hours from mark on from count_hour (QUERY_HOURS_LIVE). With
 * finest, all of it from hours.
 */
void query_range_split(int64_t since, int64_t until, bool finest, int64_t mark,
    int64_t lo, int64_t hi, int64_t (*arm)[3]);

/* Final results, attempts and suspended repeats in the range. */
int query_totals(
    struct store *, const struct query_filter *, struct query_counts *);

/* Failure classes (not `none`), most failures first; top is ignored. */
int query_by_class(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/*
 * query_by_class() with each of names[0..n) in turn as the domain filter
 * (f's own replaced), rows of names[i] to fn with args[i]: one pass over
 * the range for all of them.
 */
int query_by_class_each(struct store *, const struct query_filter *,
    const char *const *names, size_t n, query_row_fn *fn, void *const *args);

/* Recipient domains, most failures first, then most sent; top rows. */
int query_by_domain(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/* The same by provider. */
int query_by_provider(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/* The same by logging host ("" = none in the line); top rows. */
int query_by_host(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/* (code, enhanced, class) of failures, most first, with a sample reply. */
int query_by_code(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/* One row per hour that has counts, oldest first (gaps are not rows). */
int query_hourly(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/*
 * The same per hour and class: one row per (hour, class) that has counts,
 * oldest hour first, its cls the class's name (for each class, the rows
 * query_hourly() gives with that class filter; one pass for all).
 */
int query_hourly_classes(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/*
 * Unclassified replies (class unknown; suspended repeats left out) grouped
 * by template_normalize() (template.h), most frequent first; top rows. Ignores
 * f->cls.
 */
int query_unknown(
    struct store *, const struct query_filter *, query_row_fn *, void *);

/*
 * Where the counts are: *first the start of the oldest hour with counts,
 * *last the end of the newest (both 0 when there are none). 0, or -1
 * (store_errmsg()). (query_extent.c)
 */
int query_extent(struct store *, int64_t *first, int64_t *last);

/* One per-minute count (count_minute), for spike detection. */
struct query_minute {
	int64_t bucket;       /* start of the minute */
	const char *provider; /* "" when not recognised */
	const char *cls;      /* class name; "none" for sent */
	const char *status;   /* sent, deferred, bounced, expired, attempt */
	int kind;             /* STORE_KIND_* (store.h) */
	int64_t n;
};

typedef int query_minute_fn(const struct query_minute *, void *arg);

/*
 * Calls fn for every per-minute count with since <= bucket < until (not
 * widened), ordered by bucket, provider, class, status, kind; provider
 * NULL for all, else only that provider. Minutes before meta
 * 'minute_floor' may have been pruned. 0, or -1 (store_errmsg()), also
 * when fn returns non-zero.
 */
int query_minutes(struct store *, int64_t since, int64_t until,
    const char *provider, query_minute_fn *fn, void *arg);

#endif
