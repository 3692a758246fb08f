/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * A temporary directory holding one SQLite database file, for the tests
 * that use the real store: made under $TMPDIR (else /tmp), and removed
 * with the database and its -wal, -shm and -journal files.
 */
#ifndef BS_TESTS_DB_FIXTURE_H
#define BS_TESTS_DB_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

#endif
