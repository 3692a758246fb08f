/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * What the report queries answer, as text in a growing buffer, for the
 * tests that compare two ways of answering (rollups or count_hour alone).
 * Static inline, so including it costs nothing where it is unused.
 */
#ifndef BS_TESTS_UNIT_OUT_TEST_H
#define BS_TESTS_UNIT_OUT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "query.h"

struct out {
	char *s;
	size_t n, cap;
};

/* Appends printf-style text to o. */
static inline void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(o->s + o->n, o->cap - o->n, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if (o->n + (size_t)n < o->cap)
			break;
		o->cap = (o->cap + (size_t)n) * 2;
		o->s = realloc(o->s, o->cap);
		assert_non_null(o->s);
	}
	o->n += (size_t)n;
}

/* Appends c's seven counts. */
static inline void
put_counts(struct out *o, const struct query_counts *c)
{
	put(o, " %lld/%lld/%lld/%lld/%lld/%lld/%lld", (long long)c->sent,
	    (long long)c->deferred, (long long)c->bounced,
	    (long long)c->expired, (long long)c->attempts,
	    (long long)c->suspended, (long long)c->local);
}

/*
 * Appends every grouping of f's range: totals, classes, domains,
 * providers, hosts, codes and hours, each row through row (into o).
 */
static inline void
put_answers(struct store *st, const struct query_filter *f, struct out *o,
    query_row_fn *row)
{
	struct query_counts c;

	put(o, "totals");
	assert_int_equal(query_totals(st, f, &c), 0);
	put_counts(o, &c);
	put(o, "\nclasses\n");
	assert_int_equal(query_by_class(st, f, row, o), 0);
	put(o, "domains\n");
	assert_int_equal(query_by_domain(st, f, row, o), 0);
	put(o, "providers\n");
	assert_int_equal(query_by_provider(st, f, row, o), 0);
	put(o, "hosts\n");
	assert_int_equal(query_by_host(st, f, row, o), 0);
	put(o, "codes\n");
	assert_int_equal(query_by_code(st, f, row, o), 0);
	put(o, "hours\n");
	assert_int_equal(query_hourly(st, f, row, o), 0);
}

#endif
