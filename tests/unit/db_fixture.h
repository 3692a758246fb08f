/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A temporary directory holding one SQLite database file, for the tests
 * that use the real store: made under $TMPDIR (else /tmp), and removed
 * with the database and its -wal, -shm and -journal files. Most tests
 * want it with a store open on it: struct db_fixture, and a cmocka
 * setup and teardown for tests that need nothing else.
 */
#ifndef BS_TESTS_DB_FIXTURE_H
#define BS_TESTS_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h" /* BS_ERRLEN */
#include "store.h"

/* Makes "<tmp>/bs_<tag>.XXXXXX" into dir and "<dir>/t.db" into path.
 * 0, or -1 when the directory cannot be made. */
static inline int
db_fixture_make(
    char *dir, size_t dirlen, char *path, size_t pathlen, const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(
	    dir, dirlen, "%s/bs_%s.XXXXXX", tmp != NULL ? tmp : "/tmp", tag);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, pathlen, "%s/t.db", dir);
	return 0;
}

/* Removes the database at path, its companions and dir. */
static inline void
db_fixture_remove(const char *dir, const char *path)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[1100];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		unlink(p);
	}
	rmdir(dir);
}

/* The directory, its database and a store open on it. */
struct db_fixture {
	char dir[256];
	char path[300];
	struct store *st;
};

/* Makes fx's directory and opens a writable store on its database. 0,
 * or -1 after saying why on standard error. */
static inline int
db_fixture_open(struct db_fixture *fx, const char *tag)
{
	char err[BS_ERRLEN];

	memset(fx, 0, sizeof(*fx));
	if (db_fixture_make(fx->dir, sizeof(fx->dir), fx->path,
		sizeof(fx->path), tag) == -1) {
		fprintf(stderr, "%s: no temporary directory\n", tag);
		return -1;
	}
	if ((fx->st = store_open(fx->path, 0, err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	return 0;
}

/* Closes fx's store and opens it again read-only (as the query commands
 * do). 0, or -1 after saying why on standard error. */
static inline int
db_fixture_readonly(struct db_fixture *fx)
{
	char err[BS_ERRLEN];

	store_close(fx->st);
	if ((fx->st = store_open(fx->path, STORE_READONLY, err)) == NULL) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	return 0;
}

/* Closes fx's store and removes its files. */
static inline void
db_fixture_close(struct db_fixture *fx)
{
	store_close(fx->st);
	fx->st = NULL;
	db_fixture_remove(fx->dir, fx->path);
}

/* cmocka setup: *state a new struct db_fixture, its store open. */
static inline int
db_fixture_setup(void **state, const char *tag)
{
	struct db_fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL || db_fixture_open(fx, tag) == -1) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

/* cmocka teardown for db_fixture_setup(). */
static inline int
db_fixture_teardown(void **state)
{
	db_fixture_close(*state);
	free(*state);
	return 0;
}

#endif
