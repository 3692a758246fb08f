/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What the Prometheus endpoint (daemon/metrics/) reads from the store:
 * counts of results and attempts summed over the hourly counts (which
 * pruning never deletes, so the sums only grow, across restarts too),
 * open incidents by kind and key, the lines the daemon and import have
 * read (kept in meta, added in the transaction of the lines' counts), and
 * the stored position of a followed file. Read-only but for
 * metric_lines_add(); every statement is prepared per call and finalized
 * on every path, so a store opened STORE_READONLY in another thread can
 * serve them.
 */
#ifndef BS_SCHEMA_METRIC_H
#define BS_SCHEMA_METRIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* The results of metric_lines_add() and metric_lines(), in this order. */
enum metric_line {
	METRIC_LINE_DELIVERY, /* lines that gave a delivery event */
	METRIC_LINE_SKIPPED,  /* not delivery results */
	METRIC_LINE_BAD,      /* malformed delivery lines */
	METRIC_LINE_CUT,      /* over-long lines cut (also in one above) */
	METRIC_LINE_COUNT
};

/* The public name of a line result ("delivery", "skipped", ...). */
const char *metric_line_name(enum metric_line);

/*
 * Inside a transaction: adds n[i] to the stored count of line result i
 * (meta "lines.<name>"). 0 or -1 (store_errmsg()).
 */
int metric_lines_add(struct store *, const uint64_t n[METRIC_LINE_COUNT]);

/* The stored line counts into n (0 when never stored). 0 or -1. */
int metric_lines(struct store *, uint64_t n[METRIC_LINE_COUNT]);

/*
 * One row of summed counts: attempt (per-MX attempts, else final
 * results), the status and class names, the provider ("" unknown, "other"
 * for those beyond the top), and the count. Strings valid during the
 * call only.
 */
typedef int metric_count_fn(bool attempt, const char *status, const char *cls,
    const char *provider, int64_t n, void *arg);

/*
 * Calls fn for each (attempt, status, class, provider) sum of the hourly
 * counts, the providers outside the top `top` (by all their counts) folded
 * into "other". A nonzero return from fn stops and is returned; else 0, or
 * -1 on error.
 */
int metric_counts(struct store *, int64_t top, metric_count_fn *fn, void *arg);

/* One (kind, key) of open incidents and how many are open (several for
 * dnsbl: one per listed IP). */
typedef int metric_incident_fn(
    const char *kind, const char *key, int64_t n, void *arg);

/* Calls fn for each (kind, key) with open incidents, sorted. As above. */
int metric_incidents_open(struct store *, metric_incident_fn *fn, void *arg);

/*
 * The list of followed files the daemon last stored (meta "daemon.files",
 * newline-separated) into buf (len bytes). Returns 1, 0 when none is
 * stored, -1 on error (also when buf is too small).
 */
int metric_files(struct store *, char *buf, size_t len);

/*
 * The newest stored position of the file at path: its inode, offset and
 * when it was written. Returns 1, 0 when none, -1 on error.
 */
int metric_position(struct store *, const char *path, int64_t *ino,
    int64_t *off, int64_t *updated);

#endif
