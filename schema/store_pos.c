/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Positions and meta (see store.h): where each input stands (device,
 * inode, offset, size and fingerprints, written in the same transaction
 * as the counts they advance), and small key/value state (daemon pid,
 * the detector's resume points, reply_gen, minute_floor). Cold paths:
 * parameters bound by name, every statement reset on every path.
 */
#include <stdint.h>
#include <string.h>

#include "store_impl.h"

/* Positions. */

/*
 * Inside a transaction: stores (replaces) the position of pos->key. The
 * strings are copied. 0 or -1.
 */
int
store_put_position(struct store *st, const struct store_position *pos)
{
	struct sql_stmt *q = &st->stmt[S_POS_PUT];

	if (!st->in_txn)
		return store_failx(st, "put_position: no transaction");
	if (sql_bind_text(st, q, ":key", pos->key, strlen(pos->key)) == -1 ||
	    sql_bind_text(st, q, ":path", pos->path,
		pos->path ? strlen(pos->path) : 0) == -1 ||
	    sql_bind_int64(st, q, ":dev", pos->dev) == -1 ||
	    sql_bind_int64(st, q, ":ino", pos->ino) == -1 ||
	    sql_bind_int64(st, q, ":off", pos->offset) == -1 ||
	    sql_bind_int64(st, q, ":size", pos->size) == -1 ||
	    sql_bind_int64(st, q, ":fp_head", (int64_t)pos->fp_head) == -1 ||
	    sql_bind_int64(st, q, ":fp_head_len", pos->fp_head_len) == -1 ||
	    sql_bind_int64(st, q, ":fp_tail", (int64_t)pos->fp_tail) == -1 ||
	    sql_bind_int64(st, q, ":fp_tail_len", pos->fp_tail_len) == -1 ||
	    sql_bind_int64(st, q, ":last_event", pos->last_event) == -1 ||
	    sql_bind_int64(st, q, ":updated", pos->updated) == -1) {
		sql_reset(q);
		return -1;
	}
	return sql_exec(st, q);
}

/* Copies column col as a string into *bufp, advancing it. */
static int
copy_column(const struct sql_stmt *q, int col, char **bufp, size_t *left,
    const char **out)
{
	size_t len;
	const char *v = sql_text(q, col, &len);

	if (len + 1 > *left)
		return -1;
	if (len > 0)
		memcpy(*bufp, v, len);
	(*bufp)[len] = '\0';
	*out = *bufp;
	*bufp += len + 1;
	*left -= len + 1;
	return 0;
}

/* The row q stands on as *out (strings into buf); 1, or -1. */
static int
position_row(struct store *st, struct sql_stmt *q, struct store_position *out,
    char *buf, size_t buflen)
{
	memset(out, 0, sizeof(*out));
	if (copy_column(q, 0, &buf, &buflen, &out->key) == -1 ||
	    copy_column(q, 1, &buf, &buflen, &out->path) == -1) {
		sql_reset(q);
		return store_failx(st, "get_position: buffer too small");
	}
	out->dev = sql_int64(q, 2);
	out->ino = sql_int64(q, 3);
	out->offset = sql_int64(q, 4);
	out->size = sql_int64(q, 5);
	out->fp_head = (uint64_t)sql_int64(q, 6);
	out->fp_head_len = sql_int64(q, 7);
	out->fp_tail = (uint64_t)sql_int64(q, 8);
	out->fp_tail_len = sql_int64(q, 9);
	out->last_event = sql_int64(q, 10);
	out->updated = sql_int64(q, 11);
	sql_reset(q);
	return 1;
}

/*
 * Looks up the position of key. Returns 1 and fills *out, whose key and
 * path point into buf (buflen bytes, owned by the caller); 0 when there is
 * none; -1 on error, including a buf too small for the two strings.
 */
int
store_get_position(struct store *st, const char *key,
    struct store_position *out, char *buf, size_t buflen)
{
	struct sql_stmt *q = &st->stmt[S_POS_GET];
	int rc;

	if ((rc = sql_first_text(st, q, ":key", key, strlen(key))) != SQL_ROW)
		return rc;
	return position_row(st, q, out, buf, buflen);
}

/* See store.h. */
int
store_get_file_position(struct store *st, int64_t dev, int64_t ino,
    struct store_position *out, char *buf, size_t buflen)
{
	struct sql_stmt *q = &st->stmt[S_POS_FILE_INO];
	int rc;

	if (sql_bind_int64(st, q, ":dev", dev) == -1 ||
	    sql_bind_int64(st, q, ":ino", ino) == -1) {
		sql_reset(q);
		return -1;
	}
	if ((rc = sql_step(st, q)) != SQL_ROW) {
		sql_reset(q);
		return rc == -1 ? -1 : 0;
	}
	return position_row(st, q, out, buf, buflen);
}

/* Meta. */

/*
 * Sets key to value (both copied), in the open transaction or on its own
 * (autocommit). 0 or -1.
 */
int
store_meta_set(struct store *st, const char *key, const char *value)
{
	struct sql_stmt *q = &st->stmt[S_META_SET];

	if (st->readonly)
		return store_failx(st, "meta_set: read-only store");
	if (sql_bind_text(st, q, ":key", key, strlen(key)) == -1 ||
	    sql_bind_text(st, q, ":value", value, strlen(value)) == -1) {
		sql_reset(q);
		return -1;
	}
	return sql_exec(st, q);
}

/* Deletes key (set or not), in the open transaction or on its own. 0 or
 * -1. */
int
store_meta_del(struct store *st, const char *key)
{
	struct sql_stmt *q = &st->stmt[S_META_DEL];

	if (st->readonly)
		return store_failx(st, "meta_del: read-only store");
	if (sql_bind_text(st, q, ":key", key, strlen(key)) == -1)
		return -1;
	return sql_exec(st, q);
}

/*
 * Copies the value of key into buf (len bytes, NUL-terminated). Returns 1
 * when found, 0 when the key is not set (buf empty), -1 on error or when
 * the value does not fit.
 */
int
store_meta_get(struct store *st, const char *key, char *buf, size_t len)
{
	struct sql_stmt *q = &st->stmt[S_META_GET];
	const char *v;
	size_t n;
	int rc;

	if (len > 0)
		buf[0] = '\0';
	if ((rc = sql_first_text(st, q, ":key", key, strlen(key))) != SQL_ROW)
		return rc;
	v = sql_text(q, 0, &n);
	if (n + 1 > len) {
		sql_reset(q);
		return store_failx(st, "meta_get: %s: value too long", key);
	}
	memcpy(buf, v, n);
	buf[n] = '\0';
	sql_reset(q);
	return 1;
}
