/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Counts (see store_impl.h): store_add() counts each record in two
 * bounded in-memory tables, keyed like count_hour (hour, domain,
 * provider, class, status, code, enhanced, kind) and like count_minute
 * (minute, provider, class, status, kind; written to count_minute_pk,
 * one row per minute with its counts packed, migration 0012); a full
 * table, and both at store_commit(), are UPSERTed sorted by key, 64 rows
 * (minutes) per statement, before COMMIT. This is the hot path of an
 * import: keys are three words, the tables open-addressed and
 * prefetched, the sort a radix or merge sort with the comparison
 * inlined. What each trick gained, measured on a 2M-line Postfix log, is
 * noted where it is done.
 *
 * Rollups (migration 0004): hour rows summed per UTC day, per UTC month
 * and per (hour, class, status, kind) are UPSERTed into count_day,
 * count_month and count_hour_class, from three more bounded tables
 * filled from the hour table (not per result): the cost is per hour row,
 * a fraction of the hour rows' own.
 *
 * The roll mark (migration 0015; invariant: the rollups hold exactly the
 * sums of the count_hour rows with bucket < M, meta 'roll_mark', written
 * in the same transaction as the counts and positions). An hour row
 * before M is rolled in memory and written; one at or after M goes to
 * count_hour only. When hours are flushed, M first moves to the newest
 * hour of the table (mark_advance()): the rows of the hours passed that
 * are in the database already are read back and rolled (fold_hours()),
 * then this flush's rows before the new M are rolled in memory. So the
 * newest hour stays open and a daemon's commits within an hour write its
 * hour rows only; an import rolls nearly everything in memory as before.
 * M is read from the database once in each write transaction (another
 * process may move it), and a rollback forgets it.
 *
 * Not here: SQL text (store_open.c prepares the statements), names (ids
 * come from store_intern.c).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"

/* Count keys and the table. */

#define CKEY_CLS(k)      ((enum bs_class)((k)->rest >> 56))
#define CKEY_STATUS(k)   ((enum bs_status)(((k)->rest >> 52) & 0xf))
#define CKEY_CODE(k)     ((int)(((k)->rest >> 36) & 0x3ff))
#define CKEY_ENHANCED(k) ((int64_t)(((k)->rest >> 4) & 0xffffffff))
#define CKEY_KIND(k)     ((int)((k)->rest & 0xf))
#define CKEY_DOMAIN(k)   ((int64_t)((k)->names >> 32))
#define CKEY_PROVIDER(k) ((int64_t)((k)->names & 0xffffffff))
/*
 * A minute key (store_count_add()) has class, status and kind in its
 * names word and the provider id in rest: sorted, a minute's keys come
 * grouped by class, then status and kind, as count_minute_pk nests them
 * (pack_minute()).
 */
#define MKEY_CLS(w)      ((enum bs_class)((w) >> 56))
#define MKEY_STATUS(w)   ((enum bs_status)(((w) >> 52) & 0xf))
#define MKEY_KIND(w)     ((int)((w)&0xf))

/*
 * The bucket word of an hour key (see struct ckey): the hour number and
 * the host id in one word, so that the host costs no fourth word (a
 * fourth made an import 2% slower: more bytes hashed, compared, sorted).
 * Times are within +-2^42 s (store_count_add()), hour numbers below 2^31.
 */
#define HKEY_HOST_BITS ((int64_t)1 << 32)

static int64_t
hkey(int64_t hour_start, int64_t host)
{
	return hour_start / 3600 * HKEY_HOST_BITS + host;
}

static int64_t
hkey_time(int64_t w)
{
	return store_floor(w, HKEY_HOST_BITS) / HKEY_HOST_BITS * 3600;
}

static int64_t
hkey_host(int64_t w)
{
	return w - store_floor(w, HKEY_HOST_BITS);
}

static uint64_t
ckey_hash(const struct ckey *k)
{
	uint64_t h;

	h = (uint64_t)k->bucket * UINT64_C(0x9e3779b97f4a7c15) ^
	    k->names * UINT64_C(0xc2b2ae3d27d4eb4f) ^
	    k->rest * UINT64_C(0x165667b19e3779f9);
	h ^= h >> 32;
	h *= UINT64_C(0xd6e8feb86659fd93);
	return h ^ (h >> 29);
}

static bool
ckey_eq(const struct ckey *a, const struct ckey *b)
{
	return a->bucket == b->bucket && a->names == b->names &&
	    a->rest == b->rest;
}

/* Key order (see struct ckey): nearly the tables' primary-key order. */
static inline bool
cslot_less(const struct cslot *a, const struct cslot *b)
{
	if (a->k.bucket != b->k.bucket)
		return a->k.bucket < b->k.bucket;
	if (a->k.names != b->k.names)
		return a->k.names < b->k.names;
	return a->k.rest < b->k.rest;
}

#define SORT_RUN 16

/*
 * Sorts a[0..n) by key, using tmp (n slots) as scratch: insertion-sorted
 * runs, then bottom-up merges. O(n log n) whatever the keys; with the
 * comparison inlined it takes 2.5 times fewer instructions than qsort()
 * (which took 3% of an import).
 */
static void
cslot_sort(struct cslot *a, struct cslot *tmp, size_t n)
{
	struct cslot *src = a, *dst = tmp, *t, x;
	size_t lo, i, j, k, mid, hi, w;

	for (lo = 0; lo < n; lo += SORT_RUN) {
		hi = lo + SORT_RUN < n ? lo + SORT_RUN : n;
		for (i = lo + 1; i < hi; i++) {
			x = a[i];
			for (j = i; j > lo && cslot_less(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
	}
	for (w = SORT_RUN; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			i = lo;
			j = mid;
			for (k = lo; k < hi; k++)
				dst[k] = j >= hi ||
					(i < mid &&
					    !cslot_less(&src[j], &src[i]))
				    ? src[i++]
				    : src[j++];
		}
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

#define RADIX_BITS   11 /* a digit's widest */
#define RADIX_DIGITS 16 /* 3 words of 64 bits in 11-bit digits: 18 */

/* A digit: bits [shift, shift + width) of key word w (0: rest, 1:
 * names, 2: bucket with its sign bit flipped, in cslot_less() order). */
struct rdigit {
	int w, shift;
	uint64_t mask;
};

/*
 * The digits of a sort, least significant first: only the key bits that
 * differ between the keys (diff[w]: the bits of word w that do), each
 * digit from the lowest such bit not yet covered, width bits wide. The
 * number of digits, or -1 when more than RADIX_DIGITS would be needed.
 */
static int
radix_digits(const uint64_t diff[3], int width, struct rdigit *dg)
{
	uint64_t m;
	int w, lo, nd = 0;

	for (w = 0; w < 3; w++)
		for (m = diff[w]; m != 0;) {
			if (nd == RADIX_DIGITS)
				return -1;
			lo = __builtin_ctzll(m);
			dg[nd].w = w;
			dg[nd].shift = lo;
			dg[nd].mask = (UINT64_C(1) << width) - 1;
			m = lo + width >= 64
			    ? 0
			    : m & ~((UINT64_C(1) << (lo + width)) - 1);
			nd++;
		}
	return nd;
}

/*
 * Scatters src[0..n) to dst by digit d, bits sh on (mask) of word (an
 * expression of src[i]); cnt[d]: where each digit value goes next.
 */
#define RADIX_SCATTER(word)                                                    \
	do {                                                                   \
		for (i = 0; i < n; i++)                                        \
			dst[cnt[d][((word) >> sh) & mask]++] = src[i];         \
	} while (0)

/*
 * Issue 14: as cslot_sort(), by a stable least-significant-digit radix
 * sort over only the key bits that differ between the keys (a table's
 * keys share most of theirs: one day's buckets, a few providers,
 * classes, statuses). Digits of 11 bits taken where bits differ (8 for
 * small tables, whose 2,048 counters would cost more than the keys),
 * and every digit counted in one pass over the keys: 3-5 scatter passes
 * instead of 5-10 byte passes each with its own count. Keys are
 * distinct, so the order is cslot_sort()'s.
 */
void
store_cslot_radix(struct cslot *a, struct cslot *tmp, size_t n)
{
	uint32_t cnt[RADIX_DIGITS][1 << RADIX_BITS]; /* the rows touched */
	struct cslot *src = a, *dst = tmp, *t;
	uint64_t diff[3] = { 0, 0, 0 };
	struct rdigit dg[RADIX_DIGITS];
	size_t i, nb;
	uint32_t sum, x;
	int d, nd, width;

	if (n < 256 || n > UINT32_MAX) {
		cslot_sort(a, tmp, n);
		return;
	}
	for (i = 1; i < n; i++) {
		diff[0] |= a[i].k.rest ^ a[0].k.rest;
		diff[1] |= a[i].k.names ^ a[0].k.names;
		diff[2] |= (uint64_t)a[i].k.bucket ^ (uint64_t)a[0].k.bucket;
	}
	width = n >= 4096 ? RADIX_BITS : 8;
	if ((nd = radix_digits(diff, width, dg)) == -1) {
		cslot_sort(a, tmp, n);
		return;
	}
	nb = (size_t)1 << width;
	for (d = 0; d < nd; d++)
		memset(cnt[d], 0, nb * sizeof(cnt[d][0]));
	for (i = 0; i < n; i++) {
		uint64_t wv[3] = { a[i].k.rest, a[i].k.names,
			(uint64_t)a[i].k.bucket ^ (UINT64_C(1) << 63) };

		for (d = 0; d < nd; d++)
			cnt[d][(wv[dg[d].w] >> dg[d].shift) & dg[d].mask]++;
	}
	for (d = 0; d < nd; d++) {
		int sh = dg[d].shift;
		uint64_t mask = dg[d].mask;

		for (sum = 0, i = 0; i < nb; i++) {
			x = cnt[d][i];
			cnt[d][i] = sum;
			sum += x;
		}
		if (dg[d].w == 0)
			RADIX_SCATTER(src[i].k.rest);
		else if (dg[d].w == 1)
			RADIX_SCATTER(src[i].k.names);
		else
			RADIX_SCATTER(
			    (uint64_t)src[i].k.bucket ^ (UINT64_C(1) << 63));
		t = src;
		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
}

static void
ctable_clear(struct ctable *t)
{
	if (t->n > 0)
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
}

/* The slot of k (hash h) in slot[cap]: its own, or the empty one. */
static struct cslot *
ctable_find(struct cslot *slot, size_t cap, const struct ckey *k, uint64_t h)
{
	size_t i;

	for (i = h & (cap - 1); slot[i].n != 0; i = (i + 1) & (cap - 1))
		if (ckey_eq(&slot[i].k, k))
			break;
	return &slot[i];
}

/*
 * Fetches the slot of a key of hash h into the cache ahead of
 * ctable_add(): the count tables (2 MiB each) miss the CPU caches, and
 * with both prefetched the two misses per delivery overlap (2M-line
 * import: ctable_find 4.5% -> 3.2% of the time).
 */
static void
ctable_prefetch(const struct ctable *t, uint64_t h)
{
	if (t->slot != NULL)
		__builtin_prefetch(&t->slot[h & (t->cap - 1)], 1);
}

/*
 * Adds n to the count of k (hash h). The table holds at most
 * STORE_COUNT_MAX keys (the caller flushes it when full), so it never
 * grows past 2 * STORE_COUNT_MAX slots. Fails only on ENOMEM.
 */
static int
ctable_add(struct ctable *t, const struct ckey *k, uint64_t h, int64_t n)
{
	struct cslot *s, *grown;
	size_t i, cap;

	if (t->slot == NULL || (t->n + 1) * 2 > t->cap) {
		cap = t->cap == 0 ? 1024 : t->cap * 2;
		if ((grown = calloc(cap, sizeof(*grown))) == NULL)
			return -1;
		for (i = 0; i < t->cap; i++)
			if (t->slot[i].n != 0)
				*ctable_find(grown, cap, &t->slot[i].k,
				    ckey_hash(&t->slot[i].k)) = t->slot[i];
		free(t->slot);
		t->slot = grown;
		t->cap = cap;
	}
	s = ctable_find(t->slot, t->cap, k, h);
	if (s->n == 0) {
		s->k = *k;
		t->n++;
	}
	s->n += n;
	return 0;
}

/* Writing counts. */

/*
 * The values last bound to each parameter of the count statements, which
 * keep them between runs (exec_bound() does not clear bindings): a
 * parameter is bound again only when its value changes. Many do not
 * (host, kind, status, class, code of the rows at the same place in the
 * next statement), and a bind costs about 75 instructions. INT64_MIN:
 * not known (never a count value), after a failure, which clears the
 * bindings (sql_fail()).
 */
#define MEMO_PARAMS (STORE_FLUSH_ROWS * CN_NPARAM + 1)

enum memo_stmt {
	MS_HOUR,
	MS_HOUR_MANY,
	MS_DAY,
	MS_DAY_MANY,
	MS_MONTH,
	MS_MONTH_MANY,
	MS_HCLASS,
	MS_HCLASS_MANY,
	MS_COUNT
};

struct count_memo {
	int64_t v[MS_COUNT][MEMO_PARAMS];
};

/* The memo of statement id, NULL when it has none (or no memory). */
static int64_t *
memo_of(struct store *st, enum stmt_id id)
{
	static const struct {
		enum stmt_id id;
		enum memo_stmt m;
	} map[] = { { S_HOUR_ADD, MS_HOUR }, { S_HOUR_ADD_MANY, MS_HOUR_MANY },
		{ S_DAY_ADD, MS_DAY }, { S_DAY_ADD_MANY, MS_DAY_MANY },
		{ S_MONTH_ADD, MS_MONTH }, { S_MONTH_ADD_MANY, MS_MONTH_MANY },
		{ S_HCLASS_ADD, MS_HCLASS },
		{ S_HCLASS_ADD_MANY, MS_HCLASS_MANY } };
	size_t i, j;

	if (st->cmemo == NULL) {
		if ((st->cmemo = malloc(sizeof(*st->cmemo))) == NULL)
			return NULL;
		for (i = 0; i < MS_COUNT; i++)
			for (j = 0; j < MEMO_PARAMS; j++)
				st->cmemo->v[i][j] = INT64_MIN;
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].id == id)
			return st->cmemo->v[map[i].m];
	return NULL;
}

/* Forgets what statement id has bound (its bindings were cleared). */
static void
memo_forget(struct store *st, enum stmt_id id)
{
	int64_t *m = memo_of(st, id);
	size_t j;

	if (m != NULL)
		for (j = 0; j < MEMO_PARAMS; j++)
			m[j] = INT64_MIN;
}

/* Binds v at parameter i of s unless memo says it is bound already. */
static inline void
bind_v(sqlite3_stmt *s, int64_t *memo, int i, int64_t v)
{
	if (memo != NULL) {
		if (memo[i] == v)
			return;
		memo[i] = v;
	}
	sqlite3_bind_int64(s, i, v);
}

/*
 * Binds count row c at parameter indexes idx[] + off (resolved and checked
 * at prepare time; binding an integer to a valid index cannot fail),
 * through memo (see struct count_memo; NULL: bind every one).
 */
static void
bind_count(struct store *st, sqlite3_stmt *s, int64_t *memo, const int *idx,
    int off, const struct cslot *c)
{
	const struct ckey *k = &c->k;

	bind_v(s, memo, idx[CN_BUCKET] + off, hkey_time(k->bucket));
	if (idx[CN_PROVIDER] != 0) /* count_hour_class has none */
		bind_v(s, memo, idx[CN_PROVIDER] + off, CKEY_PROVIDER(k));
	bind_v(s, memo, idx[CN_CLASS] + off, st->class_id[CKEY_CLS(k)]);
	bind_v(s, memo, idx[CN_STATUS] + off, st->status_id[CKEY_STATUS(k)]);
	bind_v(s, memo, idx[CN_KIND] + off, CKEY_KIND(k));
	bind_v(s, memo, idx[CN_N] + off, c->n);
	if (idx[CN_DOMAIN] == 0)
		return;
	bind_v(s, memo, idx[CN_DOMAIN] + off, CKEY_DOMAIN(k));
	bind_v(s, memo, idx[CN_CODE] + off, CKEY_CODE(k));
	bind_v(s, memo, idx[CN_ENHANCED] + off, CKEY_ENHANCED(k));
	bind_v(s, memo, idx[CN_HOST] + off, hkey_host(k->bucket));
}

/*
 * Runs q, whose every parameter bind_count() has bound: reset, bindings
 * not cleared (sqlite3_clear_bindings() walks all 640 of a 64-row
 * statement's). 0 or -1.
 */
static int
exec_bound(struct store *st, enum stmt_id id)
{
	struct sql_stmt *q = &st->stmt[id];

	if (sqlite3_step(q->s) != SQLITE_DONE) {
		memo_forget(st, id); /* sql_fail() clears the bindings */
		return sql_fail(st, q);
	}
	sqlite3_reset(q->s);
	return 0;
}

/*
 * Compacts the keys of t to slot[0..n) and sorts them by key; returns n.
 * ctable_add() keeps n <= cap / 2: the upper half is the sort's scratch.
 */
static size_t
ctable_sorted(struct ctable *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->cap; i++)
		if (t->slot[i].n != 0)
			t->slot[n++] = t->slot[i];
	store_cslot_radix(t->slot, t->slot + n, n);
	return n;
}

/*
 * Writes the next rows of rows[*done..n): STORE_FLUSH_ROWS with statement
 * many (stride parameters a row) while that many are left, else one with
 * one. The same statements in the same order as writing them all at once.
 * 0 or -1.
 */
static int
write_step(struct store *st, const struct cslot *rows, size_t n, size_t *done,
    enum stmt_id one, const int *one_idx, enum stmt_id many,
    const int *many_idx, int stride)
{
	size_t r, i = *done;

	if (n - i >= STORE_FLUSH_ROWS) {
		int64_t *mmemo = memo_of(st, many);

		if (store_prepare_many(st, many) == -1)
			return -1;
		for (r = 0; r < STORE_FLUSH_ROWS; r++)
			bind_count(st, st->stmt[many].s, mmemo, many_idx,
			    (int)r * stride, &rows[i + r]);
		*done = i + STORE_FLUSH_ROWS;
		return exec_bound(st, many);
	}
	bind_count(st, st->stmt[one].s, memo_of(st, one), one_idx, 0, &rows[i]);
	*done = i + 1;
	return exec_bound(st, one);
}

/*
 * UPSERTs the rows of t, in key order (B-tree inserts then touch
 * neighbouring pages), STORE_FLUSH_ROWS at a time with statement many
 * (stride parameters a row) and the rest one by one with one, and empties
 * t. The sort compacts the
 * slots in place, so t is cleared whatever happens.
 */
static int
flush_table(struct store *st, struct ctable *t, enum stmt_id one,
    const int *one_idx, enum stmt_id many, const int *many_idx, int stride)
{
	size_t done = 0, n;
	int rc = 0;

	if (t->n == 0)
		return 0;
	n = ctable_sorted(t);
	while (done < n && rc == 0)
		rc = write_step(st, t->slot, n, &done, one, one_idx, many,
		    many_idx, stride);
	memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
	return rc;
}

/*
 * Issue 14, migration 0012: minute rows packed, one row per minute
 * (count_minute_pk). The text of rows[i..j) (one minute's keys, sorted:
 * see MKEY_*) is appended to st->mtext at *len. 0 or -1 (out of memory).
 */
static int
pack_minute(
    struct store *st, const struct cslot *rows, size_t i, size_t j, size_t *len)
{
	size_t need = *len + STORE_MINUTE_TEXT_MAX(j - i), cap, r;
	struct store_ment *e;
	uint64_t w;
	char *grown;

	if (need > st->mtext_cap) {
		for (cap = st->mtext_cap < 4096 ? 4096 : st->mtext_cap;
		     cap < need; cap *= 2)
			;
		if ((grown = realloc(st->mtext, cap)) == NULL)
			return store_failx(st, "count table: out of memory");
		st->mtext = grown;
		st->mtext_cap = cap;
	}
	if (j - i > st->ments_cap) {
		for (cap = st->ments_cap < 256 ? 256 : st->ments_cap;
		     cap < j - i; cap *= 2)
			;
		if ((e = realloc(st->ments, cap * sizeof(*e))) == NULL)
			return store_failx(st, "count table: out of memory");
		st->ments = e;
		st->ments_cap = cap;
	}
	for (r = i, e = st->ments; r < j; r++, e++) {
		w = rows[r].k.names;
		e->k[0] = st->class_id[MKEY_CLS(w)];
		e->k[1] = st->status_id[MKEY_STATUS(w)] * 4 + MKEY_KIND(w);
		e->k[2] = (int64_t)rows[r].k.rest;
		e->n = rows[r].n;
	}
	*len = (size_t)(store_minute_text(st->mtext + *len, st->ments, j - i) -
	    st->mtext);
	return 0;
}

/*
 * Writes the next minutes of rows[*done..n) (sorted: a minute's keys are
 * contiguous): STORE_FLUSH_ROWS minutes with the multi-row UPSERT while
 * that many are left, else one. A minute that already has a row is
 * merged into it (bs_minute_merge(), store_minute.c). 0 or -1.
 */
static int
minute_step(struct store *st, const struct cslot *rows, size_t n, size_t *done)
{
	size_t end[STORE_FLUSH_ROWS], off[STORE_FLUSH_ROWS + 1], i = *done;
	size_t j = i, len = 0;
	enum stmt_id id;
	const int *idx;
	int g = 0, r, stride;
	sqlite3_stmt *s;
	int64_t b;

	while (j < n && g < STORE_FLUSH_ROWS) {
		for (b = rows[j].k.bucket; j < n && rows[j].k.bucket == b; j++)
			;
		end[g++] = j;
	}
	if (g < STORE_FLUSH_ROWS) {
		g = 1;
		id = S_MINUTE_ADD;
		idx = st->minute_idx;
		stride = 0;
	} else {
		id = S_MINUTE_ADD_MANY;
		idx = st->minute_many_idx;
		stride = st->minute_stride;
		if (store_prepare_many(st, id) == -1)
			return -1;
	}
	off[0] = 0;
	for (r = 0; r < g; r++) {
		if (pack_minute(
			st, rows, r == 0 ? i : end[r - 1], end[r], &len) == -1)
			return -1;
		off[r + 1] = len;
	}
	/* Bound after packing: st->mtext may have moved until then. */
	s = st->stmt[id].s;
	for (r = 0; r < g; r++) {
		sqlite3_bind_int64(s, idx[CN_BUCKET] + r * stride,
		    rows[r == 0 ? i : end[r - 1]].k.bucket);
		sqlite3_bind_text(s, idx[CN_N] + r * stride, st->mtext + off[r],
		    (int)(off[r + 1] - off[r]), SQLITE_STATIC);
	}
	*done = end[g - 1];
	return exec_bound(st, id);
}

/*
 * Issue 14: full tables set aside (struct cpend). Writing a full table
 * (16,384 rows, a few milliseconds of SQLite) at once held up the thread
 * that reads: its records filled the writer thread's buffers in well
 * under a millisecond, and then it waited. Now the sorted table is set
 * aside, and a fresh one takes the next records; store_work() writes the
 * set-aside rows a few statements at a time while the writer thread has
 * no records to apply. Whatever is left is written before the next table
 * of the same kind is set aside and before COMMIT, so each count table
 * gets its rows in the same order as before: the same database, the same
 * pages. Memory: one more table of each kind.
 */
enum {
	CP_MINUTES,
	CP_HOURS
};

/* One statement's rows of pending table i. 0 or -1. */
static int
pend_step(struct store *st, int i)
{
	struct cpend *p = &st->cpend[i];

	if (i == CP_MINUTES)
		return minute_step(st, p->slot, p->n, &p->done);
	return write_step(st, p->slot, p->n, &p->done, S_HOUR_ADD, st->hour_idx,
	    S_HOUR_ADD_MANY, st->hour_many_idx, st->hour_stride);
}

/* Writes what is left of pending table i. 0 or -1. */
static int
pend_drain(struct store *st, int i)
{
	struct cpend *p = &st->cpend[i];

	while (p->done < p->n)
		if (pend_step(st, i) == -1)
			return -1;
	p->n = p->done = 0;
	return 0;
}

/*
 * Sets full table t aside as pending table i (after writing what was
 * left of the one before) and gives t the other slot array, emptied.
 * sorted: the number of keys when t has been through ctable_sorted()
 * already, else 0. 0 or -1.
 */
static int
set_aside(struct store *st, struct ctable *t, int i, size_t sorted)
{
	struct cpend *p = &st->cpend[i];
	struct cslot *s = p->slot;
	size_t cap = p->cap;

	if (pend_drain(st, i) == -1)
		return -1;
	p->n = sorted != 0 ? sorted : ctable_sorted(t);
	p->done = 0;
	p->slot = t->slot;
	p->cap = t->cap;
	if (s != NULL)
		memset(s, 0, cap * sizeof(*s));
	t->slot = s;
	t->cap = cap;
	t->n = 0;
	return 0;
}

/* See store.h. */
void
store_work_enable(struct store *st, bool on)
{
	st->set_aside = on;
}

/* See store.h. */
int
store_work(struct store *st, size_t rows)
{
	size_t before;
	int i;

	if (!st->in_txn)
		return 0;
	for (i = 0; i < 2; i++) {
		struct cpend *p = &st->cpend[i];

		while (p->done < p->n) {
			if (rows == 0)
				return 1;
			before = p->done;
			if (pend_step(st, i) == -1) {
				store_count_forget(st);
				return -1;
			}
			rows -=
			    p->done - before < rows ? p->done - before : rows;
		}
		p->n = p->done = 0;
	}
	return 0;
}

/*
 * Writes the rows set aside (before anything reads or deletes counts in
 * the open transaction). 0 or -1.
 */
int
store_count_settle(struct store *st)
{
	if (pend_drain(st, CP_MINUTES) == -1 ||
	    pend_drain(st, CP_HOURS) == -1) {
		store_count_forget(st);
		return -1;
	}
	return 0;
}

static int
flush_minutes(struct store *st)
{
	struct ctable *t = &st->minutes;
	size_t done = 0, n;
	int rc = 0;

	if (t->n == 0)
		return 0;
	n = ctable_sorted(t);
	while (done < n && rc == 0)
		rc = minute_step(st, t->slot, n, &done);
	memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
	return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * The first second of the UTC calendar month that contains t (the
 * bucket of count_month).
 */
int64_t
store_month_floor(int64_t t)
{
	int64_t z, era, doe, yoe, doy, mp, m, y;

	z = store_floor(t, 86400) / 86400 + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	m = mp < 10 ? mp + 3 : mp - 9;
	return days_from_civil(y + (m <= 2), m, 1) * 86400;
}

static int
flush_roll(struct store *st, enum roll r)
{
	static const enum stmt_id one[ROLL_COUNT] = { S_DAY_ADD, S_MONTH_ADD,
		S_HCLASS_ADD };
	static const enum stmt_id many[ROLL_COUNT] = { S_DAY_ADD_MANY,
		S_MONTH_ADD_MANY, S_HCLASS_ADD_MANY };

	return flush_table(st, &st->rolls[r], one[r], st->roll_idx[r], many[r],
	    st->roll_many_idx[r], st->roll_stride[r]);
}

static int roll_from(struct store *, const struct ctable *, enum roll, int64_t,
    uint64_t, uint64_t, bool);

/* The keys rollup table r holds before it is written out. */
static size_t
roll_max(enum roll r)
{
	return r == ROLL_MONTH ? STORE_ROLL_MONTH_MAX : STORE_ROLL_MAX;
}

/*
 * Writes rollup table r out (the day table summed into the month table
 * first) when it holds roll_max(r) keys, so that it never grows past
 * twice as many slots (issue 14: filled from a whole table of hours
 * at once, a rollup table reached 4 times that, 2 MiB each, and an
 * import's peak RSS grew with its input). Sums are the same either way.
 */
static int
roll_spill(struct store *st, enum roll r)
{
	if (st->rolls[r].n < roll_max(r))
		return 0;
	if (r == ROLL_DAY &&
	    roll_from(st, &st->rolls[ROLL_DAY], ROLL_MONTH, 0, UINT64_MAX,
		UINT64_MAX, true) == -1)
		return -1;
	return flush_roll(st, r);
}

/*
 * Adds every row of t to rollup r, its key's bucket floored to unit (a
 * month when unit is 0); with names_rest_mask applied to the key's
 * names and rest words. 0, or -1 (out of memory, or writing a full
 * rollup table out failed).
 */
static int
roll_from(struct store *st, const struct ctable *t, enum roll r, int64_t unit,
    uint64_t names_mask, uint64_t rest_mask, bool host)
{
	struct ckey k;
	int64_t when;
	size_t i;

	for (i = 0; i < t->cap; i++) {
		if (t->slot[i].n == 0)
			continue;
		if (roll_spill(st, r) == -1)
			return -1;
		k = t->slot[i].k;
		when = hkey_time(k.bucket);
		k.bucket = hkey(unit != 0 ? store_floor(when, unit)
					  : store_month_floor(when),
		    host ? hkey_host(k.bucket) : 0);
		k.names &= names_mask;
		k.rest &= rest_mask;
		if (ctable_add(
			&st->rolls[r], &k, ckey_hash(&k), t->slot[i].n) == -1)
			return store_failx(st, "count table: out of memory");
	}
	return 0;
}

/*
 * Issue 14: as roll_from(), from rows[0..n) (the hour table sorted:
 * oldest hour first), into the day table (ROLL_DAY: unit 86400, every
 * key bit, host) or the hour-class table. Rolled in time order, a day's
 * keys all come before the next day's: at the first row of a new day,
 * a day table at least half full holds only days that this hour table
 * will not add to again, and it is written out then (with its month
 * rows summed first) instead of when full, mid-day, when the keys of
 * the day being rolled were written and then written again (2M-line
 * log: 55,093 day rows written for 35,700). Sums are the same either
 * way; only when rows are written changes.
 */
static int
roll_rows(struct store *st, const struct cslot *rows, size_t n, enum roll r,
    int64_t unit, uint64_t names_mask, uint64_t rest_mask, bool host)
{
	struct ctable *t = &st->rolls[r];
	int64_t when, b, last = INT64_MIN;
	struct ckey k;
	size_t i;

	for (i = 0; i < n; i++) {
		k = rows[i].k;
		when = hkey_time(k.bucket);
		b = store_floor(when, unit);
		if (r == ROLL_DAY && b != last && last != INT64_MIN &&
		    t->n >= STORE_ROLL_MAX / 2 &&
		    (roll_from(st, t, ROLL_MONTH, 0, UINT64_MAX, UINT64_MAX,
			 true) == -1 ||
			flush_roll(st, ROLL_DAY) == -1))
			return -1;
		last = b;
		if (roll_spill(st, r) == -1)
			return -1;
		k.bucket = hkey(b, host ? hkey_host(k.bucket) : 0);
		k.names &= names_mask;
		k.rest &= rest_mask;
		if (ctable_add(t, &k, ckey_hash(&k), rows[i].n) == -1)
			return store_failx(st, "count table: out of memory");
	}
	return 0;
}

/* Writes rows[0..n) (sorted), as flush_table() does, and empties t. */
static int
write_sorted(struct store *st, struct ctable *t, size_t n, enum stmt_id one,
    const int *one_idx, enum stmt_id many, const int *many_idx, int stride)
{
	size_t done = 0;
	int rc = 0;

	while (done < n && rc == 0)
		rc = write_step(st, t->slot, n, &done, one, one_idx, many,
		    many_idx, stride);
	memset(t->slot, 0, t->cap * sizeof(*t->slot));
	t->n = 0;
	return rc;
}

/* The roll mark. */

/* See store_priv.h. */
int
store_roll_mark(struct store *st, int64_t *mark)
{
	char buf[32], *end;
	int rc;

	if ((rc = store_meta_get(st, STORE_META_ROLL_MARK, buf, sizeof(buf))) ==
	    -1)
		return -1;
	*mark = INT64_MIN;
	if (rc == 0)
		return 0;
	*mark = strtoll(buf, &end, 10);
	if (end == buf || *end != '\0')
		return store_failx(
		    st, "meta %s: not a number: %s", STORE_META_ROLL_MARK, buf);
	return 0;
}

/*
 * The roll mark as committed, read once in each write transaction (never
 * kept across transactions: another process may have moved it). 0 or -1.
 */
static int
mark_load(struct store *st)
{
	if (st->mark_known)
		return 0;
	if (store_roll_mark(st, &st->roll_mark) == -1)
		return -1;
	st->mark_known = true;
	return 0;
}

/* The number of rows[0..n) (sorted) in hours before mark. */
static size_t
rows_below(const struct cslot *rows, size_t n, int64_t mark)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (hkey_time(rows[mid].k.bucket) < mark)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* count_hour_class: class, status and kind (the minute key). */
#define HCLASS_REST (UINT64_C(0xfff) << 52 | 0xf)

/* Rolls rows[0..n) (sorted) into the day and hour-class tables. */
static int
roll_hours(struct store *st, const struct cslot *rows, size_t n)
{
	if (n == 0)
		return 0;
	return roll_rows(st, rows, n, ROLL_DAY, 86400, UINT64_MAX, UINT64_MAX,
		   true) == -1 ||
		roll_rows(
		    st, rows, n, ROLL_HCLASS, 3600, 0, HCLASS_REST, false) == -1
	    ? -1
	    : 0;
}

/* The enum value whose id ids[0..n) holds, or -1. */
static int
enum_of(const int64_t *ids, int n, int64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

/*
 * A count_hour row whose class or status this program has no name for
 * (written by another version): summed into the rollups by the
 * single-row UPSERTs, bound here (rare). 0 or -1.
 */
static int
fold_odd(struct store *st, const int64_t *v)
{
	static const enum stmt_id one[ROLL_COUNT] = { S_DAY_ADD, S_MONTH_ADD,
		S_HCLASS_ADD };
	const int *idx;
	sqlite3_stmt *s;
	int r, c;

	for (r = 0; r < ROLL_COUNT; r++) {
		idx = st->roll_idx[r];
		s = st->stmt[one[r]].s;
		memo_forget(st, one[r]);
		for (c = 0; c < CN_NPARAM; c++)
			if (idx[c] != 0)
				sqlite3_bind_int64(s, idx[c],
				    c != CN_BUCKET ? v[c]
					: r == ROLL_DAY
					? store_floor(v[c], 86400)
					: r == ROLL_MONTH
					? store_month_floor(v[c])
					: v[c]);
		if (exec_bound(st, one[r]) == -1)
			return -1;
	}
	return 0;
}

#define FOLD_ROWS 1024

/*
 * Rolls the count_hour rows with lo <= bucket < hi (in the database:
 * written in earlier flushes or transactions, not rolled then) into the
 * in-memory rollup tables, FOLD_ROWS at a time, in bucket order. 0 or -1.
 */
static int
fold_hours(struct store *st, int64_t lo, int64_t hi)
{
	struct sql_stmt *q = &st->stmt[S_HOUR_FOLD];
	int64_t v[CN_NPARAM];
	struct cslot *c;
	size_t n = 0;
	int rc, cls, status, i;

	if (st->fold == NULL &&
	    (st->fold = malloc(FOLD_ROWS * sizeof(*st->fold))) == NULL)
		return store_failx(st, "count table: out of memory");
	if (sql_bind_int64(st, q, ":lo", lo) == -1 ||
	    sql_bind_int64(st, q, ":hi", hi) == -1) {
		sql_reset(q);
		return -1;
	}
	while ((rc = sql_step(st, q)) == SQL_ROW) {
		for (i = 0; i < CN_NPARAM; i++) /* HOUR_KEY order, then n */
			v[i] = sql_int64(q, i);
		cls = enum_of(st->class_id, BS_CLASS_COUNT, v[CN_CLASS]);
		status = enum_of(st->status_id, BS_STATUS_COUNT, v[CN_STATUS]);
		if (cls == -1 || status == -1 || v[CN_CODE] < 0 ||
		    v[CN_CODE] > 999 || v[CN_KIND] < 0 || v[CN_KIND] > 3 ||
		    v[CN_DOMAIN] < 0 || v[CN_DOMAIN] > UINT32_MAX ||
		    v[CN_PROVIDER] < 0 || v[CN_PROVIDER] > UINT32_MAX ||
		    v[CN_ENHANCED] < 0 || v[CN_ENHANCED] > UINT32_MAX ||
		    v[CN_HOST] < 0 || v[CN_HOST] > UINT32_MAX) {
			if (fold_odd(st, v) == -1)
				goto fail;
			continue;
		}
		if (n == FOLD_ROWS) {
			if (roll_hours(st, st->fold, n) == -1)
				goto fail;
			n = 0;
		}
		c = &st->fold[n++];
		c->k.bucket = hkey(v[CN_BUCKET], v[CN_HOST]);
		c->k.names =
		    (uint64_t)v[CN_DOMAIN] << 32 | (uint64_t)v[CN_PROVIDER];
		c->k.rest = (uint64_t)cls << 56 | (uint64_t)status << 52 |
		    (uint64_t)v[CN_CODE] << 36 | (uint64_t)v[CN_ENHANCED] << 4 |
		    (uint64_t)v[CN_KIND];
		c->n = v[CN_N];
	}
	sql_reset(q);
	if (rc == -1)
		return -1;
	return roll_hours(st, st->fold, n);
fail:
	sql_reset(q);
	return -1;
}

/*
 * Moves the roll mark to hi when that is later (migration 0015): the
 * count_hour rows of [mark, hi) already written are rolled (read back,
 * fold_hours()) and the new mark written to meta, in the open
 * transaction. Only when every unrolled hour row of this store is in the
 * database: the rows set aside are written first. The caller rolls the
 * rows in memory before hi itself, and does so after this (they are not
 * in the database yet, so nothing is summed twice). 0 or -1.
 */
static int
mark_advance(struct store *st, int64_t hi)
{
	char buf[32];

	if (hi <= st->roll_mark)
		return 0;
	if (pend_drain(st, CP_HOURS) == -1 ||
	    fold_hours(st, st->roll_mark, hi) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "%lld", (long long)hi);
	if (store_meta_set(st, STORE_META_ROLL_MARK, buf) == -1)
		return -1;
	st->roll_mark = hi;
	return 0;
}

/*
 * Writes the hour rows, after summing those before the roll mark into
 * the day and hour-class tables (migration 0015): the mark first moves
 * to the newest hour of the table (mark_advance()), so that hour stays
 * open, in count_hour only, and a daemon's commits within one hour
 * write only its hour rows, not the day's, month's and hour-class rows
 * again each time (58% of the daemon's writer thread before: 375 of 884
 * M instructions for 200,000 lines appended, 100 commits); an hour is
 * rolled once, when rows of a later hour are written. The rollup
 * tables, and the month table (summed from the day table when it is
 * written), are written when all is set (store_commit()), when they are
 * full, and the day table at a day boundary (roll_rows()): rollup keys
 * recur in every flush of hours, and writing them at each (an import
 * flushes its hours every 2^15 keys) made an import 10% slower (2M-line
 * log: 100,000 more UPSERTs). A full hour table (not all) is set aside
 * (set_aside()), its rows written later; with all, the caller has
 * written the rows set aside. All the tables written are empty
 * afterwards; all of them on failure.
 */
static int
flush_hours(struct store *st, bool all)
{
	struct ctable *day = &st->rolls[ROLL_DAY];
	size_t n;

	if (st->hours.n > 0) {
		/* sorted first: rolled in time order (roll_rows()) */
		n = ctable_sorted(&st->hours);
		if (mark_load(st) == -1 ||
		    mark_advance(
			st, hkey_time(st->hours.slot[n - 1].k.bucket)) == -1 ||
		    roll_hours(st, st->hours.slot,
			rows_below(st->hours.slot, n, st->roll_mark)) == -1 ||
		    (all || !st->set_aside
			    ? write_sorted(st, &st->hours, n, S_HOUR_ADD,
				  st->hour_idx, S_HOUR_ADD_MANY,
				  st->hour_many_idx, st->hour_stride) == -1
			    : set_aside(st, &st->hours, CP_HOURS, n) == -1))
			goto fail;
	}
	if ((all || day->n >= STORE_ROLL_MAX) &&
	    (roll_from(st, day, ROLL_MONTH, 0, UINT64_MAX, UINT64_MAX, true) ==
		    -1 ||
		flush_roll(st, ROLL_DAY) == -1))
		goto fail;
	if ((all || st->rolls[ROLL_MONTH].n >= roll_max(ROLL_MONTH)) &&
	    flush_roll(st, ROLL_MONTH) == -1)
		goto fail;
	if ((all || st->rolls[ROLL_HCLASS].n >= STORE_ROLL_MAX) &&
	    flush_roll(st, ROLL_HCLASS) == -1)
		goto fail;
	return 0;
fail:
	store_count_forget(st);
	return -1;
}

/*
 * Writes the in-memory counts, inside the open transaction (store_commit()).
 * The tables are empty afterwards, also on failure. 0 or -1.
 */
int
store_count_flush(struct store *st)
{
	if (store_count_settle(st) == -1 || flush_minutes(st) == -1 ||
	    flush_hours(st, true) == -1) {
		store_count_forget(st);
		return -1;
	}
	return 0;
}

/*
 * Counts one result in memory: per hour (bucket, domain, provider, class,
 * status, code, enhanced, kind, host) and per minute (bucket, provider, class,
 * status, kind). domain, provider and enhanced are name ids below 2^32,
 * code 0-999 (anything else counts as 0), kind a STORE_KIND_*. A table
 * that reaches STORE_COUNT_MAX keys is written out, inside the batch. 0
 * or -1.
 */
int
store_count_add(struct store *st, int64_t t, enum bs_class cls,
    enum bs_status status, int code, int64_t domain, int64_t provider,
    int64_t enhanced, int kind, int64_t host)
{
	struct ckey kh, km;
	uint64_t hh, hm, c;

	/* Hour numbers below 2^31 (hkey()); 2^42 s is 139,000 years. */
	if (t < -(INT64_C(1) << 42) || t > (INT64_C(1) << 42))
		return store_failx(st, "count: time out of range");
	if ((uint64_t)host > UINT32_MAX)
		return store_failx(st, "count: host id out of range");
	if (kind < 0 || kind > 3) /* 2 bits of sk (count_minute_pk) */
		return store_failx(st, "count: kind %d out of range", kind);
	c = code >= 0 && code <= 999 ? (uint64_t)code : 0;
	kh.bucket = hkey(store_floor(t, 3600), host);
	kh.names = (uint64_t)domain << 32 | (uint64_t)provider;
	kh.rest = (uint64_t)cls << 56 | (uint64_t)status << 52 | c << 36 |
	    (uint64_t)enhanced << 4 | (uint64_t)kind;
	km.bucket = store_floor(t, 60);
	km.names =
	    (uint64_t)cls << 56 | (uint64_t)status << 52 | (uint64_t)kind;
	km.rest = (uint64_t)provider;
	hh = ckey_hash(&kh);
	hm = ckey_hash(&km);
	ctable_prefetch(&st->hours, hh);
	ctable_prefetch(&st->minutes, hm);
	if (ctable_add(&st->hours, &kh, hh, 1) == -1 ||
	    ctable_add(&st->minutes, &km, hm, 1) == -1)
		return store_failx(st, "count table: out of memory");
	/* Bounded tables: a full one is written out, inside the batch. */
	if (st->hours.n >= STORE_COUNT_MAX && flush_hours(st, false) == -1)
		return -1;
	if (st->minutes.n >= STORE_COUNT_MAX &&
	    (st->set_aside ? set_aside(st, &st->minutes, CP_MINUTES, 0)
			   : flush_minutes(st)) == -1) {
		store_count_forget(st);
		return -1;
	}
	return 0;
}

/* Forgets the counts not yet written (a rollback). */
void
store_count_forget(struct store *st)
{
	int r;

	ctable_clear(&st->minutes);
	ctable_clear(&st->hours);
	st->cpend[CP_MINUTES].n = st->cpend[CP_MINUTES].done = 0;
	st->cpend[CP_HOURS].n = st->cpend[CP_HOURS].done = 0;
	for (r = 0; r < ROLL_COUNT; r++)
		ctable_clear(&st->rolls[r]);
	st->mark_known = false; /* read again from what is committed */
}

/* Frees the tables (store_close()). */
void
store_count_close(struct store *st)
{
	int r;

	free(st->minutes.slot);
	free(st->hours.slot);
	st->minutes.slot = st->hours.slot = NULL;
	for (r = 0; r < 2; r++) {
		free(st->cpend[r].slot);
		memset(&st->cpend[r], 0, sizeof(st->cpend[r]));
	}
	free(st->cmemo);
	st->cmemo = NULL;
	free(st->fold);
	st->fold = NULL;
	free(st->mtext);
	st->mtext = NULL;
	st->mtext_cap = 0;
	free(st->ments);
	st->ments = NULL;
	st->ments_cap = 0;
	for (r = 0; r < ROLL_COUNT; r++) {
		free(st->rolls[r].slot);
		st->rolls[r].slot = NULL;
	}
}
