/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What `report` read, as the renderers see it: rows copied out of the
 * queries (query.h), the range, the filter and the incidents. Filled by
 * cmd_report.c; printed as text there and as HTML by html.c.
 */
#ifndef BS_DAEMON_RENDER_REPORT_VIEW_H
#define BS_DAEMON_RENDER_REPORT_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incidents.h"
#include "query.h"

/* A query row copied out of the query's callback. */
struct rrow {
	char *name, *top_class, *enhanced, *cls, *text, *sample;
	size_t text_len, sample_len;
	int code;
	int64_t time, n;
	struct query_counts c;
};

struct rlist {
	struct rrow *v;
	size_t n, cap;
};

/* A query_row_fn appending a copy of the row to the struct rlist arg. */
int rlist_collect(const struct query_row *r, void *arg);

/* Frees what l holds (not l). */
void rlist_free(struct rlist *l);

struct report_view {
	const char *db;     /* database path */
	const char *host;   /* this host's name */
	const char *domain; /* filter, NULL: none */
	const char *cls;    /* filter, NULL: none */
	int64_t now;
	int64_t since, until;         /* shown: whole hours, clamped */
	int64_t req_since, req_until; /* as asked */
	bool clamped;                 /* since/until cut to the data */
	bool widened; /* an edge not clamped moved to a whole UTC hour */
	int64_t data_first, data_last; /* where the counts are; last 0: none
					  (first may be 0: the epoch) */
	const struct query_counts *totals;
	const struct query_counts *all; /* no class filter */
	const struct rlist *classes, *providers, *codes;
	const struct rlist *domains; /* top recipient domains; NULL: none */
	/* with a class filter: every domain's results of all classes (the
	   denominators of fail%); NULL without one */
	const struct rlist *domains_all;
	/* per row of classes: its hours (query_hourly with that class) */
	const struct rlist *class_hours;
	/* per row of providers: its failures by class */
	const struct rlist *provider_classes;
	const struct incident_list *incidents; /* open and recent */
	/* --host: the counts and the incidents are of this logging host
	   only (the meta line names it); NULL: of every host */
	const char *inc_host;
	/* --unknown: the unclassified replies (query_unknown()); NULL: not
	   asked */
	const struct rlist *unknowns;
};

/* The failures (deferred + bounced + expired) of c. */
int64_t view_failed(const struct query_counts *c);

/* The final results of c. */
int64_t view_finals(const struct query_counts *c);

/*
 * The start of the first chart mark of per hours that holds since: local
 * midnight (since itself for per 1), then whole marks, floored to a whole
 * UTC hour. Counts are kept per UTC hour, so in a zone half an hour or 45
 * minutes off UTC (Asia/Kolkata, Asia/Kathmandu, Australia/Adelaide,
 * America/St_Johns) a mark starts 30 or 45 minutes before local midnight
 * (23:30) and its label says so, instead of naming a midnight that its
 * hours do not start at.
 */
int64_t view_mark_origin(int64_t since, size_t per);

/*
 * The local midnight within the first hour of the mark starting at t0,
 * or -1 when none: where a chart labels a new day.
 */
int64_t view_mark_day(int64_t t0);

#endif
