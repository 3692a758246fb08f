/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Packed minute counts (migration 0012): the text of a count_minute_pk
 * row, {"class": {"sk": {"provider": n, ...}, ...}, ...} (JSON objects,
 * every name and value an integer), and the SQL function
 * bs_minute_merge(old, new) that the writer's UPSERT calls when a minute
 * already has a row: the counts of both, keys summed, sorted by key.
 * store_count.c writes the rows (store_minute_text()); readers go
 * through the count_minute view.
 *
 * Not here: which minutes are written when (store_count.c), SQL text
 * (store_open.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store_impl.h"

/* Appends the decimal text of v at p; returns the end. */
static char *
put_int(char *p, int64_t v)
{
	char tmp[24];
	uint64_t u = (uint64_t)v;
	size_t k = 0;

	if (v < 0) {
		*p++ = '-';
		u = (uint64_t)0 - u;
	}
	do {
		tmp[k++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	while (k > 0)
		*p++ = tmp[--k];
	return p;
}

/* Appends "v": (a JSON object's member name) at p; returns the end. */
static char *
put_key(char *p, int64_t v)
{
	*p++ = '"';
	p = put_int(p, v);
	*p++ = '"';
	*p++ = ':';
	return p;
}

/* See store_impl.h. */
char *
store_minute_text(char *p, const struct store_ment *e, size_t n)
{
	size_t i;

	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i == 0 || e[i].k[0] != e[i - 1].k[0]) {
			if (i > 0) {
				*p++ = '}';
				*p++ = '}';
				*p++ = ',';
			}
			p = put_key(p, e[i].k[0]);
			*p++ = '{';
			p = put_key(p, e[i].k[1]);
			*p++ = '{';
		} else if (e[i].k[1] != e[i - 1].k[1]) {
			*p++ = '}';
			*p++ = ',';
			p = put_key(p, e[i].k[1]);
			*p++ = '{';
		} else
			*p++ = ',';
		p = put_key(p, e[i].k[2]);
		p = put_int(p, e[i].n);
	}
	if (n > 0) {
		*p++ = '}';
		*p++ = '}';
	}
	*p++ = '}';
	return p;
}

struct mlist {
	struct store_ment *e;
	size_t n, cap;
};

static const unsigned char *
skip_ws(const unsigned char *p, const unsigned char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

/* Reads an integer at *pp; 0, or -1 when there is none or it overflows. */
static int
get_int(const unsigned char **pp, const unsigned char *end, int64_t *v)
{
	const unsigned char *p = skip_ws(*pp, end);
	uint64_t u = 0, lim;
	int neg = 0, digits = 0;

	if (p < end && *p == '-') {
		neg = 1;
		p++;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (u > (lim - (uint64_t)(*p - '0')) / 10)
			return -1;
		u = u * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0)
		return -1;
	*v = neg ? (int64_t)((uint64_t)0 - u) : (int64_t)u;
	*pp = p;
	return 0;
}

/* Expects byte c at *pp (after white space). 0 or -1. */
static int
expect(const unsigned char **pp, const unsigned char *end, unsigned char c)
{
	const unsigned char *p = skip_ws(*pp, end);

	if (p >= end || *p != c)
		return -1;
	*pp = p + 1;
	return 0;
}

typedef int ment_fn(const struct store_ment *, void *);

/*
 * Parses the object at *pp of nesting level lv (0: classes, 1: sk, 2:
 * providers and their counts), calling fn for each count, m holding the
 * keys of the levels above. 0, -1 (not packed minute counts) or fn's
 * nonzero return.
 */
static int
parse_obj(const unsigned char **pp, const unsigned char *end, int lv,
    struct store_ment *m, ment_fn *fn, void *arg)
{
	const unsigned char *p = *pp;
	int rc;

	if (expect(&p, end, '{') == -1)
		return -1;
	p = skip_ws(p, end);
	if (p < end && *p == '}') {
		*pp = p + 1;
		return 0;
	}
	for (;;) {
		/* "integer": as put_key() writes it (no white space) */
		if (expect(&p, end, '"') == -1 || p >= end ||
		    ((*p < '0' || *p > '9') && *p != '-') ||
		    get_int(&p, end, &m->k[lv]) == -1 || p >= end ||
		    *p++ != '"' || expect(&p, end, ':') == -1)
			return -1;
		if (lv < 2) {
			if ((rc = parse_obj(&p, end, lv + 1, m, fn, arg)) != 0)
				return rc;
		} else if (get_int(&p, end, &m->n) == -1)
			return -1;
		else if ((rc = fn(m, arg)) != 0)
			return rc;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p++;
			continue;
		}
		if (expect(&p, end, '}') == -1)
			return -1;
		*pp = p;
		return 0;
	}
}

/* See store_priv.h. */
int
store_minute_each(const void *text, size_t len, ment_fn *fn, void *arg)
{
	const unsigned char *p = text, *end = p + len;
	struct store_ment m;
	int rc;

	if (text == NULL)
		return 0;
	if ((rc = parse_obj(&p, end, 0, &m, fn, arg)) != 0)
		return rc;
	return skip_ws(p, end) == end ? 0 : -1;
}

/* ment_fn: appends m to the struct mlist arg. 0, or -2 (no memory). */
static int
push(const struct store_ment *m, void *arg)
{
	struct mlist *l = arg;
	struct store_ment *grown;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		if ((grown = sqlite3_realloc64(l->e, l->cap * sizeof(*l->e))) ==
		    NULL)
			return -2;
		l->e = grown;
	}
	l->e[l->n++] = *m;
	return 0;
}

static int
ment_cmp(const void *a, const void *b)
{
	const struct store_ment *x = a, *y = b;
	int i;

	for (i = 0; i < 3; i++)
		if (x->k[i] != y->k[i])
			return x->k[i] < y->k[i] ? -1 : 1;
	return 0;
}

/*
 * bs_minute_merge(old, new): the packed counts of old and new summed per
 * key, sorted by key. A NULL argument counts as no entries; text that is
 * not a packed minute is an error (the write fails, nothing is guessed).
 */
static void
merge_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct mlist l = { NULL, 0, 0 };
	const unsigned char *s;
	size_t i, o, len;
	char *out, *p;
	int a, rc;

	(void)argc;
	for (a = 0; a < 2; a++) {
		if (sqlite3_value_type(argv[a]) == SQLITE_NULL)
			continue;
		/* The pointer first, then its size (SQLite's order). */
		if ((s = sqlite3_value_text(argv[a])) == NULL) {
			sqlite3_free(l.e);
			sqlite3_result_error_nomem(ctx);
			return;
		}
		if ((rc = store_minute_each(
			 s, (size_t)sqlite3_value_bytes(argv[a]), push, &l)) !=
		    0) {
			sqlite3_free(l.e);
			if (rc == -2)
				sqlite3_result_error_nomem(ctx);
			else
				sqlite3_result_error(ctx,
				    "bs_minute_merge: not packed minute counts",
				    -1);
			return;
		}
	}
	if (l.n > 1)
		qsort(l.e, l.n, sizeof(*l.e), ment_cmp);
	for (i = 0, o = 0; i < l.n; i++) /* equal keys summed */
		if (o > 0 && ment_cmp(&l.e[o - 1], &l.e[i]) == 0)
			l.e[o - 1].n += l.e[i].n;
		else
			l.e[o++] = l.e[i];
	len = STORE_MINUTE_TEXT_MAX(o);
	if ((out = sqlite3_malloc64(len)) == NULL) {
		sqlite3_free(l.e);
		sqlite3_result_error_nomem(ctx);
		return;
	}
	p = store_minute_text(out, l.e, o);
	sqlite3_free(l.e);
	sqlite3_result_text64(
	    ctx, out, (sqlite3_uint64)(p - out), sqlite3_free, SQLITE_UTF8);
}

/* See store_impl.h. */
int
store_minute_register(struct store *st)
{
	if (sqlite3_create_function_v2(st->db, "bs_minute_merge", 2,
		SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, NULL,
		merge_fn, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "bs_minute_merge");
	return 0;
}
