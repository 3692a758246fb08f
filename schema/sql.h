/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Private to schema/: the one SQL helper the store, the queries and the
 * incidents speak through (in the manner of Fossil's db.c). A statement
 * carries its name; every failure leaves "name: sqlite3_errmsg (extended
 * code N)" in the store's error buffer (store_errmsg()), resets the
 * statement, and when SQLite ended the open transaction by itself
 * (SQLITE_FULL, IOERR, NOMEM) ends the store's too. Parameters are bound
 * by name: strictly (a missing name is a bug, reported) or optionally (a
 * statement without that parameter is left alone, so that one set of
 * values serves several statements). Text is copied when bound.
 *
 * Not here: SQL built from input text (only constants), logging. The
 * store's hot statements bind by parameter indexes resolved once at
 * prepare time (sql_param()), with sqlite3_bind_*() directly; its
 * multi-row ones have anonymous "?" parameters, numbered by position
 * (store_open.c).
 */
#ifndef BS_SCHEMA_SQL_H
#define BS_SCHEMA_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

struct store;

/* A statement and its name for error messages; { NULL, NULL } is none. */
struct sql_stmt {
	sqlite3_stmt *s;
	const char *name; /* a constant, not copied */
};

#define SQL_ROW  1 /* sql_step(): a result row is ready */
#define SQL_DONE 0 /* sql_step(): no more rows */

int sql_prepare(struct store *, struct sql_stmt *, const char *name,
    const char *sql, bool persistent);
void sql_finalize(struct sql_stmt *);
void sql_reset(struct sql_stmt *);
int sql_fail(struct store *, struct sql_stmt *);
int sql_param(struct store *, const struct sql_stmt *, const char *param);
bool sql_has(const struct sql_stmt *, const char *param);

int sql_bind_int64(
    struct store *, struct sql_stmt *, const char *param, int64_t v);
int sql_bind_text(struct store *, struct sql_stmt *, const char *param,
    const char *s, size_t len);
int sql_bind_opt_int64(
    struct store *, struct sql_stmt *, const char *param, int64_t v, bool null);
int sql_bind_opt_double(
    struct store *, struct sql_stmt *, const char *param, double v);
int sql_bind_opt_text(
    struct store *, struct sql_stmt *, const char *param, const char *s);

int sql_step(struct store *, struct sql_stmt *);
int sql_first_text(struct store *, struct sql_stmt *, const char *param,
    const char *s, size_t len);
int sql_first_int64(
    struct store *, struct sql_stmt *, const char *param, int64_t v);
int sql_exec(struct store *, struct sql_stmt *);
int sql_run(struct store *, const char *name, const char *sql);
int sql_first_two(
    struct store *, const char *name, const char *sql, int64_t *a, int64_t *b);
int64_t sql_last_id(struct store *);
int sql_changes(struct store *);

/* Column access on the current row (inline: the store reads rows on its
 * write path). */

static inline int64_t
sql_int64(const struct sql_stmt *q, int col)
{
	return sqlite3_column_int64(q->s, col);
}

static inline int
sql_int(const struct sql_stmt *q, int col)
{
	return sqlite3_column_int(q->s, col);
}

static inline double
sql_double(const struct sql_stmt *q, int col)
{
	return sqlite3_column_double(q->s, col);
}

static inline bool
sql_is_null(const struct sql_stmt *q, int col)
{
	return sqlite3_column_type(q->s, col) == SQLITE_NULL;
}

/*
 * Column col as text, never NULL ("" for SQL NULL); with len, its length
 * in bytes (it may hold NUL bytes). Valid until the next step, reset or
 * finalize.
 */
static inline const char *
sql_text(const struct sql_stmt *q, int col, size_t *len)
{
	const unsigned char *v = sqlite3_column_text(q->s, col);

	if (len != NULL)
		*len = v != NULL ? (size_t)sqlite3_column_bytes(q->s, col) : 0;
	return v != NULL ? (const char *)v : "";
}

/* Column col as bytes (NULL when empty), its length in *len. */
static inline const void *
sql_blob(const struct sql_stmt *q, int col, size_t *len)
{
	const void *v = sqlite3_column_blob(q->s, col);

	*len = (size_t)sqlite3_column_bytes(q->s, col);
	return v;
}

#endif
