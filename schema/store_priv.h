/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Private to schema/: what query.c needs from an open store (the SQLite
 * handle, the error buffer, name lookups). Not installed, not included
 * outside schema/, so sqlite3.h stays inside the storage layer.
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
 * last error into the store's error buffer. Returns -1 for tail calls.
 */
int store_fail(struct store *, const char *what);

/* printf-style message into the store's error buffer. Returns -1. */
int store_failx(struct store *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Looks up the id of an interned name (s of len bytes) without creating
 * it. Returns 1 and *id, 0 when the name was never stored, -1 on error.
 */
int store_name_lookup(struct store *, const char *s, size_t len, int64_t *id);

#endif
