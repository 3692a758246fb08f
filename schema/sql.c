/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * The SQL helper of schema/ (see sql.h): prepare, bind by name, step,
 * run, and the one place that turns a failing statement into an error
 * message. Every function reports through the store's error buffer and
 * returns -1 on failure; none logs or exits.
 */
#include <limits.h>

#include "sql.h"
#include "store_priv.h"

/*
 * Prepares sql, a constant text, into q under name (a constant kept for
 * error messages). persistent: a statement kept for the store's life
 * (SQLITE_PREPARE_PERSISTENT), else one prepared per call. q owns the
 * statement until sql_finalize(). 0, or -1 with store_errmsg() set and q
 * left empty.
 */
int
sql_prepare(struct store *st, struct sql_stmt *q, const char *name,
    const char *sql, bool persistent)
{
	q->name = name;
	q->s = NULL;
	if (sqlite3_prepare_v3(store_db(st), sql, -1,
		persistent ? SQLITE_PREPARE_PERSISTENT : 0, &q->s,
		NULL) != SQLITE_OK) {
		store_fail(st, name);
		sqlite3_finalize(q->s);
		q->s = NULL;
		return -1;
	}
	return 0;
}

/* Finalizes q's statement, if any, and empties q. Accepts an empty q. */
void
sql_finalize(struct sql_stmt *q)
{
	sqlite3_finalize(q->s);
	q->s = NULL;
}

/*
 * Resets q and clears its bindings: after every use, on every path, so
 * that no statement holds a read transaction or a bound value.
 */
void
sql_reset(struct sql_stmt *q)
{
	sqlite3_reset(q->s);
	sqlite3_clear_bindings(q->s);
}

/*
 * Records the failure of q ("name: message (extended code N)"), then
 * resets it. Some errors (SQLITE_FULL, IOERR, NOMEM) make SQLite roll the
 * whole transaction back by itself: then the store's transaction is over
 * too (store_txn_check()), so that later adds fail instead of
 * autocommitting one by one. Returns -1, for tail calls.
 */
int
sql_fail(struct store *st, struct sql_stmt *q)
{
	store_fail(st, q->name);
	sql_reset(q);
	store_txn_check(st);
	return -1;
}

/*
 * The index of the named parameter of q (":name"), or 0 with the error
 * "name: no parameter :x" when q has none (a bug in a constant text).
 */
int
sql_param(struct store *st, const struct sql_stmt *q, const char *param)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(q->s, param)) == 0)
		store_failx(st, "%s: no parameter %s", q->name, param);
	return i;
}

/* True when q has the named parameter. */
bool
sql_has(const struct sql_stmt *q, const char *param)
{
	return sqlite3_bind_parameter_index(q->s, param) != 0;
}

/* Binds v to the parameter param, which q must have. 0 or -1. */
int
sql_bind_int64(
    struct store *st, struct sql_stmt *q, const char *param, int64_t v)
{
	int i;

	if ((i = sql_param(st, q, param)) == 0)
		return -1;
	if (sqlite3_bind_int64(q->s, i, v) != SQLITE_OK)
		return sql_fail(st, q);
	return 0;
}

/*
 * Binds a copy of the len bytes at s (NULL: "") as text to the parameter
 * param, which q must have. 0 or -1.
 */
int
sql_bind_text(struct store *st, struct sql_stmt *q, const char *param,
    const char *s, size_t len)
{
	int i;

	if ((i = sql_param(st, q, param)) == 0)
		return -1;
	if (s == NULL)
		len = 0;
	if (len > INT_MAX)
		len = INT_MAX;
	if (sqlite3_bind_text(q->s, i, s != NULL ? s : "", (int)len,
		SQLITE_TRANSIENT) != SQLITE_OK)
		return sql_fail(st, q);
	return 0;
}

/*
 * Binds v (SQL NULL when null) to param when q has that parameter; a
 * statement without it is left alone. 0 or -1.
 */
int
sql_bind_opt_int64(struct store *st, struct sql_stmt *q, const char *param,
    int64_t v, bool null)
{
	int i, rc;

	if ((i = sqlite3_bind_parameter_index(q->s, param)) == 0)
		return 0;
	rc = null ? sqlite3_bind_null(q->s, i) : sqlite3_bind_int64(q->s, i, v);
	return rc == SQLITE_OK ? 0 : sql_fail(st, q);
}

/* As sql_bind_opt_int64(), for a floating-point value. */
int
sql_bind_opt_double(
    struct store *st, struct sql_stmt *q, const char *param, double v)
{
	int i;

	if ((i = sqlite3_bind_parameter_index(q->s, param)) == 0)
		return 0;
	if (sqlite3_bind_double(q->s, i, v) != SQLITE_OK)
		return sql_fail(st, q);
	return 0;
}

/*
 * Binds a copy of the NUL-terminated s (NULL: SQL NULL) to param when q
 * has that parameter. 0 or -1.
 */
int
sql_bind_opt_text(
    struct store *st, struct sql_stmt *q, const char *param, const char *s)
{
	int i, rc;

	if ((i = sqlite3_bind_parameter_index(q->s, param)) == 0)
		return 0;
	rc = s == NULL ? sqlite3_bind_null(q->s, i)
		       : sqlite3_bind_text(q->s, i, s, -1, SQLITE_TRANSIENT);
	return rc == SQLITE_OK ? 0 : sql_fail(st, q);
}

/*
 * Steps q: SQL_ROW when a row is ready (read it with sql_int64(),
 * sql_text(), ...), SQL_DONE at the end, -1 on error (sql_fail(): q is
 * reset). The caller resets (persistent) or finalizes q when done.
 */
int
sql_step(struct store *st, struct sql_stmt *q)
{
	switch (sqlite3_step(q->s)) {
	case SQLITE_ROW:
		return SQL_ROW;
	case SQLITE_DONE:
		return SQL_DONE;
	default:
		return sql_fail(st, q);
	}
}

/* Steps q, bound by one key (bound: the binding's result), once. */
static int
step_first(struct store *st, struct sql_stmt *q, int bound)
{
	int rc;

	if (bound == -1) {
		sql_reset(q);
		return -1;
	}
	if ((rc = sql_step(st, q)) == SQL_DONE)
		sql_reset(q);
	return rc;
}

/*
 * A lookup by one key: binds the text s (len bytes) to param and steps q
 * once. SQL_ROW: the row is ready, the caller resets q after reading it;
 * SQL_DONE: no row, q is reset; -1 on error (q reset).
 */
int
sql_first_text(struct store *st, struct sql_stmt *q, const char *param,
    const char *s, size_t len)
{
	return step_first(st, q, sql_bind_text(st, q, param, s, len));
}

/* As sql_first_text(), by an integer key. */
int
sql_first_int64(
    struct store *st, struct sql_stmt *q, const char *param, int64_t v)
{
	return step_first(st, q, sql_bind_int64(st, q, param, v));
}

/* Steps q, which returns no row, and resets it. 0 or -1. */
int
sql_exec(struct store *st, struct sql_stmt *q)
{
	if (sqlite3_step(q->s) != SQLITE_DONE)
		return sql_fail(st, q);
	sql_reset(q);
	return 0;
}

/*
 * Runs sql, a constant query of one row of two integers (such as
 * "SELECT min(x), max(x) FROM t"), under name: 1 with them in *a and *b,
 * 0 (both 0) when the first is NULL (no rows), -1 on error.
 */
int
sql_first_two(
    struct store *st, const char *name, const char *sql, int64_t *a, int64_t *b)
{
	struct sql_stmt s;
	int rc, found = 0;

	*a = *b = 0;
	if (sql_prepare(st, &s, name, sql, false) == -1)
		return -1;
	if ((rc = sql_step(st, &s)) == SQL_ROW && !sql_is_null(&s, 0)) {
		*a = sql_int64(&s, 0);
		*b = sql_int64(&s, 1);
		found = 1;
	}
	sql_finalize(&s);
	return rc == -1 ? -1 : found;
}

/*
 * Runs sql, constant text of one or more statements without parameters
 * (pragmas, migrations), under name. 0, or -1 with SQLite's message and
 * the extended code in store_errmsg().
 */
int
sql_run(struct store *st, const char *name, const char *sql)
{
	sqlite3 *db = store_db(st);
	char *msg = NULL;
	int code;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		code = sqlite3_extended_errcode(db);
		store_failx(st, "%s: %s (extended code %d)%s", name,
		    msg != NULL ? msg : sqlite3_errmsg(db), code,
		    store_code_hint(code));
		sqlite3_free(msg);
		store_txn_check(st);
		return -1;
	}
	return 0;
}

/* The rowid of the last row inserted on the store's connection. */
int64_t
sql_last_id(struct store *st)
{
	return sqlite3_last_insert_rowid(store_db(st));
}

/* The number of rows the last INSERT, UPDATE or DELETE changed. */
int
sql_changes(struct store *st)
{
	return sqlite3_changes(store_db(st));
}
