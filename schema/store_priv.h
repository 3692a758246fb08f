/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Private to schema/: what the SQL helper (sql.c), the queries (query.c)
 * and the incidents (incident.c) need from an open store: the SQLite
 * handle, the error buffer, the transaction state, name lookups. Not
 * installed, not included outside schema/, so sqlite3.h stays inside the
 * storage layer. The store's own parts share store_impl.h.
 */
#ifndef BS_SCHEMA_STORE_PRIV_H
#define BS_SCHEMA_STORE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

/* The connection of an open store; owned by the store. */
sqlite3 *store_db(struct store *);

/*
 * Formats "what: sqlite3_errmsg (extended code N)" from the connection's
 * last error into the store's error buffer, followed by
 * store_code_hint(N). Returns -1 for tail calls.
 */
int store_fail(struct store *, const char *what);

/*
 * The way out after an error of (extended) code: for a corrupt database
 * " (a corrupt database is rebuilt ... by 'bouncestat rebuild')", for a
 * file that is not one the same after a word on the path; else "".
 * Whether the damage is met at open or in the middle of a query, every
 * command then says the same (trial11).
 */
const char *store_code_hint(int code);

/* printf-style message into the store's error buffer. Returns -1. */
int store_failx(struct store *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * After a failed statement: when SQLite rolled the open transaction back
 * by itself (SQLITE_FULL, IOERR, NOMEM), ends the store's transaction
 * too and forgets what it held.
 */
void store_txn_check(struct store *);

/*
 * Looks up the id of an interned name (s of len bytes) without creating
 * it. Returns 1 and *id, 0 when the name was never stored, -1 on error.
 */
int store_name_lookup(struct store *, const char *s, size_t len, int64_t *id);

/*
 * The id of the NUL-terminated name (NULL: ""), or -1 in *id when the
 * database never stored it, which matches nothing in SQL. 0 or -1.
 */
int store_name_id(struct store *, const char *name, int64_t *id);

/* t rounded down to a multiple of unit (> 0), also for t < 0. */
static inline int64_t
store_floor(int64_t t, int64_t unit)
{
	int64_t r = t % unit;

	return r < 0 ? t - r - unit : t - r;
}

/*
 * The first second of the UTC calendar month that contains t: the bucket
 * of count_month (store_count.c).
 */
int64_t store_month_floor(int64_t t);

/*
 * Migration 0015: the roll mark M, an hour start (meta key
 * STORE_META_ROLL_MARK). count_day, count_month and count_hour_class
 * hold exactly the sums of the count_hour rows with bucket < M; hours
 * at or after M are in count_hour only (store_count.c writes them so,
 * query.c reads them so). store_roll_mark() reads it into *mark,
 * INT64_MIN when not set (nothing rolled: an empty database). Read it
 * in the same transaction as the counts it qualifies. 0 or -1.
 */
#define STORE_META_ROLL_MARK "roll_mark"
int store_roll_mark(struct store *, int64_t *mark);

/*
 * Packed minute counts (count_minute_pk.counts, migration 0012; see
 * store_minute.c): k = class id, sk (status id * 4 + kind), provider id.
 */
struct store_ment {
	int64_t k[3];
	int64_t n;
};

/*
 * Calls fn for each count of the packed text[0..len) (NULL: none). 0,
 * fn's nonzero return, or -1 when the text is not packed minute counts.
 */
int store_minute_each(const void *text, size_t len,
    int (*fn)(const struct store_ment *, void *), void *arg);

/*
 * query.c's memo of the last range it read (struct query_cache), owned by
 * the store: the slot, and the destructor store_close() calls.
 */
struct query_cache;
struct query_cache **store_query_cache(struct store *);
void query_cache_free(struct query_cache *);

#endif
