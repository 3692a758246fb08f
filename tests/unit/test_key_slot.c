/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Issue 14 (importfast): the memo of a record's three key names
 * (recipient domain as logged, provider, enhanced status) is probed on
 * the reading thread (store_key_slot()) and the writer thread reads the
 * ids of the slot (store_add_slot()). The counts must be those of
 * store_add() whatever the slots: slots given to other names (FRESH),
 * names too long for the memo, rollbacks (the ids of the open
 * transaction are gone, and SQLite hands them to other names) while the
 * reading thread's memo, which knows nothing of them, goes on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "db_fixture.h"
#include "db_raw.h"
#include "store.h"
#include "store_test.h"

#define T0      INT64_C(1793232000) /* 2026-10-29 00:00 UTC */
#define DOMAINS 6000                /* three times the memo's slots */
#define HOURS   24
#define NP      4 /* providers */
#define NE      4 /* enhanced statuses */

static const char *const providers[] = { "", "gmail", "outlook",
	"a-provider-name-long-enough-to-pass-the-memo" };
static const char *const enhanced[] = { "", "2.0.0", "4.7.0", "5.1.1" };

struct rec {
	struct bs_event ev;
	struct classify_result cr;
	struct store_record sr;
	char dom[64];
};

/* A sent result at hour h for domain dom (as logged), provider p and
 * enhanced status e. */
static void
make(struct rec *r, int h, const char *dom, int p, int e)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->dom, sizeof(r->dom), "%s", dom);
	r->ev.time = T0 + (int64_t)h * 3600;
	r->ev.mta = BS_MTA_POSTFIX;
	r->ev.status = BS_STATUS_SENT;
	r->ev.smtp_code = 250;
	r->ev.host = sp("mail1");
	r->ev.queue_id = sp("732BB407C3");
	r->ev.rcpt_domain = sp(r->dom);
	r->ev.enhanced = sp(enhanced[e]);
	r->cr.cls = BS_CLASS_NONE;
	r->sr.ev = &r->ev;
	r->sr.cr = &r->cr;
	r->sr.provider = providers[p];
}

/* count_hour by names, one text. */
static char *
hours(const char *path)
{
	sqlite3 *db = raw_open_path(path);
	sqlite3_stmt *s;
	size_t cap = 1 << 20, used = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	assert_int_equal(
	    sqlite3_prepare_v2(db,
		"SELECT h.bucket, dn.s, pv.s, en.s, h.n FROM count_hour h"
		" JOIN name dn ON dn.id = h.domain"
		" JOIN name pv ON pv.id = h.provider"
		" JOIN name en ON en.id = h.enhanced"
		" ORDER BY 1, 2, 3, 4",
		-1, &s, NULL),
	    SQLITE_OK);
	out[0] = '\0';
	while (sqlite3_step(s) == SQLITE_ROW) {
		int n = snprintf(out + used, cap - used, "%lld %s %s %s %lld\n",
		    (long long)sqlite3_column_int64(s, 0),
		    (const char *)sqlite3_column_text(s, 1),
		    (const char *)sqlite3_column_text(s, 2),
		    (const char *)sqlite3_column_text(s, 3),
		    (long long)sqlite3_column_int64(s, 4));

		assert_true(n > 0 && (size_t)n < cap - used - 1);
		used += (size_t)n;
		if (cap - used < 4096) {
			cap *= 2;
			assert_non_null(out = realloc(out, cap));
		}
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

/* Committed counts and the adds of the open transaction. */
struct model {
	int32_t c[HOURS][DOMAINS][NP][NE];
	int32_t p[2000];
	size_t np;
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The model as hours() writes count_hour (lines in byte order). */
static char *
model_hours(const struct model *m)
{
	size_t cap = 1 << 20, used = 0, nl = 0, lcap = 1024, i;
	char *out = malloc(cap), **lines = malloc(lcap * sizeof(*lines));
	int h, d, p, e;

	assert_non_null(out);
	assert_non_null(lines);
	for (h = 0; h < HOURS; h++)
		for (d = 0; d < DOMAINS; d++)
			for (p = 0; p < NP; p++)
				for (e = 0; e < NE; e++) {
					char buf[256];

					if (m->c[h][d][p][e] == 0)
						continue;
					snprintf(buf, sizeof(buf),
					    "%lld d%d.example %s %s %d\n",
					    (long long)(T0 + h * 3600), d,
					    providers[p], enhanced[e],
					    m->c[h][d][p][e]);
					if (nl == lcap) {
						lcap *= 2;
						assert_non_null(
						    lines = realloc(lines,
							lcap * sizeof(*lines)));
					}
					assert_non_null(
					    lines[nl++] = strdup(buf));
				}
	qsort(lines, nl, sizeof(*lines), line_cmp);
	out[0] = '\0';
	for (i = 0; i < nl; i++) {
		size_t n = strlen(lines[i]);

		if (cap - used < n + 1) {
			cap *= 2;
			assert_non_null(out = realloc(out, cap));
		}
		memcpy(out + used, lines[i], n + 1);
		used += n;
		free(lines[i]);
	}
	free(lines);
	return out;
}

/*
 * Random adds to two stores, one through store_add(), the other through
 * a memo kept across every commit and rollback: both count_hour tables
 * are what was added and committed.
 */
static void
key_slot__random_batches__counts_of_store_add(void **state)
{
	char da[256], pa[300], db[256], pb[300];
	struct store *a, *b;
	struct store_key_memo *m = store_key_memo_new();
	uint64_t r = UINT64_C(0x243f6a8885a308d3);
	int i, batch, fresh = 0, none = 0, rollbacks = 0;
	char *ha, *hb, *want;
	struct model *mo = calloc(1, sizeof(*mo));
	size_t j;

	(void)state;
	assert_non_null(m);
	assert_non_null(mo);
	assert_int_equal(
	    db_fixture_make(da, sizeof(da), pa, sizeof(pa), "ksa"), 0);
	assert_int_equal(
	    db_fixture_make(db, sizeof(db), pb, sizeof(pb), "ksb"), 0);
	a = open_rw(pa);
	b = open_rw(pb);
	for (batch = 0; batch < 40; batch++) {
		assert_int_equal(store_begin(a), 0);
		assert_int_equal(store_begin(b), 0);
		for (i = 0; i < 2000; i++) {
			struct rec rc;
			char dom[64];
			int d = (int)(rnd(&r) % DOMAINS);
			int h = (int)(rnd(&r) % HOURS);
			int p = (int)(rnd(&r) % NP), e = (int)(rnd(&r) % NE);
			uint32_t slot;

			/* capitals now and then: the same name lower-cased */
			snprintf(dom, sizeof(dom),
			    rnd(&r) % 7 == 0 ? "D%d.Example" : "d%d.example",
			    d);
			make(&rc, h, dom, p, e);
			mo->p[mo->np++] = ((h * DOMAINS + d) * NP + p) * NE + e;
			assert_int_equal(store_add(a, &rc.sr), 0);
			slot = store_key_slot(m, &rc.sr);
			fresh += slot != STORE_KEY_NONE &&
			    (slot & STORE_KEY_FRESH) != 0;
			none += slot == STORE_KEY_NONE;
			assert_int_equal(
			    store_add_slot(b, &rc.sr, NULL, 0, slot), 0);
		}
		if (rnd(&r) % 4 == 0) {
			assert_int_equal(store_rollback(a), 0);
			assert_int_equal(store_rollback(b), 0);
			rollbacks++;
		} else {
			assert_int_equal(store_commit(a), 0);
			assert_int_equal(store_commit(b), 0);
			for (j = 0; j < mo->np; j++)
				(&mo->c[0][0][0][0])[mo->p[j]]++;
		}
		mo->np = 0;
	}
	store_close(a);
	store_close(b);
	/* slots were given to other names, some names did not fit */
	assert_true(fresh > 2048 * 2);
	assert_true(none > 0);
	assert_true(rollbacks > 0);
	ha = hours(pa);
	hb = hours(pb);
	want = model_hours(mo);
	assert_true(strlen(want) > 100000);
	assert_string_equal(ha, want);
	assert_string_equal(hb, want);
	free(ha);
	free(hb);
	free(want);
	free(mo);
	store_key_memo_free(m);
	db_fixture_remove(da, pa);
	db_fixture_remove(db, pb);
}

/*
 * A name first interned in a transaction that rolls back: its id goes
 * to the next new name; the memo still has its slot (not fresh), and
 * the store must not give it that id.
 */
static void
key_slot__rolled_back_id__not_reused(void **state)
{
	char dir[256], path[300];
	struct store *st;
	struct store_key_memo *m = store_key_memo_new();
	struct rec x, y;
	uint32_t slot;
	char *h;

	(void)state;
	assert_non_null(m);
	assert_int_equal(
	    db_fixture_make(dir, sizeof(dir), path, sizeof(path), "ksr"), 0);
	st = open_rw(path);
	make(&x, 0, "x1.example", 1, 1);
	make(&y, 0, "y1.example", 1, 1);
	assert_int_equal(store_begin(st), 0);
	slot = store_key_slot(m, &x.sr);
	assert_true((slot & STORE_KEY_FRESH) != 0);
	assert_int_equal(store_add_slot(st, &x.sr, NULL, 0, slot), 0);
	assert_int_equal(store_rollback(st), 0);

	assert_int_equal(store_begin(st), 0);
	slot = store_key_slot(m, &y.sr);
	assert_int_equal(store_add_slot(st, &y.sr, NULL, 0, slot), 0);
	slot = store_key_slot(m, &x.sr);
	assert_true((slot & STORE_KEY_FRESH) == 0);
	assert_int_equal(store_add_slot(st, &x.sr, NULL, 0, slot), 0);
	assert_int_equal(store_commit(st), 0);
	store_close(st);
	h = hours(path);
	assert_string_equal(h,
	    "1793232000 x1.example gmail 2.0.0 1\n"
	    "1793232000 y1.example gmail 2.0.0 1\n");
	free(h);
	store_key_memo_free(m);
	db_fixture_remove(dir, path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_slot__random_batches__counts_of_store_add),
		cmocka_unit_test(key_slot__rolled_back_id__not_reused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
