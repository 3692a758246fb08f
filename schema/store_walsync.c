/* SPDX-License-Identifier: ISC */
/*
 * Copyright (c) 2026 The bouncestat authors
 *
 * Issue 14: an import's WAL written to disk while the import runs.
 *
 * A bulk store (STORE_BULK: import) appends every page it changes to the
 * WAL, tens of MiB for a large log, none of which reaches the disk
 * before SQLite's checkpoint at the last COMMIT: that checkpoint's
 * fdatasync() of the WAL then waited for all of it (0.14-0.22 s of the
 * 2M-line benchmark log's 0.25-0.42 s final COMMIT), after the last
 * line, with both import threads idle. A thread of the store's syncs the
 * WAL every STORE_WALSYNC_MS while it changes, so the checkpoint finds
 * it mostly on disk. After a COMMIT of the store (one of an import's
 * batches of 2^20 lines) the thread also copies the committed frames
 * into the database (a PASSIVE checkpoint on a connection of its own,
 * which never waits for the writer nor holds it up), so the checkpoint
 * at the last COMMIT or at close copies and syncs only what came after.
 * What SQLite commits, and when, does not change; a checkpoint only
 * moves committed pages from the WAL into the database file.
 *
 * The thread uses its own read-only descriptor of the -wal file (Linux
 * syncs the file, whichever descriptor; since 4.13 a write-back error is
 * reported to every descriptor open at the time, SQLite's too). Errors
 * here are ignored: SQLite's own syncs are the ones that count.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store_impl.h"

#define STORE_WALSYNC_MS 50 /* between two looks at the WAL */

struct store_walsync {
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;      /* under mu */
	uint64_t done;  /* fdatasync() calls made, under mu */
	int fd;         /* the -wal file, -1 until it exists */
	sqlite3 *ck;    /* own connection for checkpoints, or NULL */
	int64_t dv;     /* its PRAGMA data_version at the last checkpoint */
	uint64_t ckpts; /* checkpoints that copied frames, under mu */
	const char *db; /* the database's path (in path) */
	struct timespec mtime;
	off_t size;
	char path[]; /* the database's path + "-wal" */
};

/* Opens the WAL when it exists; true when fd is usable. */
static bool
wal_open(struct store_walsync *w)
{
	if (w->fd < 0)
		w->fd = open(w->path, O_RDONLY | O_CLOEXEC);
	return w->fd >= 0;
}

/*
 * Copies the frames committed since the last look into the database on
 * the thread's own connection (PASSIVE: never waits, never blocks the
 * writer), so that a checkpoint at COMMIT or at close has less to copy
 * and sync after the last line. Only when another connection (the
 * store's) committed since: PRAGMA data_version says so.
 */
static void
wal_checkpoint(struct store_walsync *w)
{
	sqlite3_stmt *s;
	int64_t v = -1;
	int log = 0, done = 0;

	if (w->ck == NULL &&
	    sqlite3_open_v2(w->db, &w->ck,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
		NULL) != SQLITE_OK) {
		sqlite3_close(w->ck);
		w->ck = NULL;
		return;
	}
	if (sqlite3_prepare_v2(w->ck, "PRAGMA data_version", -1, &s, NULL) !=
	    SQLITE_OK)
		return;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (v == -1 || v == w->dv)
		return;
	w->dv = v;
	if (sqlite3_wal_checkpoint_v2(w->ck, NULL, SQLITE_CHECKPOINT_PASSIVE,
		&log, &done) == SQLITE_OK &&
	    done > 0) {
		pthread_mutex_lock(&w->mu);
		w->ckpts++;
		pthread_mutex_unlock(&w->mu);
	}
}

/* Syncs the WAL if it was written since the last look. */
static void
wal_look(struct store_walsync *w)
{
	struct stat sb;

	if (!wal_open(w) || fstat(w->fd, &sb) == -1)
		return;
	if (sb.st_size == w->size && sb.st_mtim.tv_sec == w->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == w->mtime.tv_nsec)
		return;
	w->size = sb.st_size;
	w->mtime = sb.st_mtim;
	if (sb.st_size == 0)
		return;
	(void)fdatasync(w->fd);
	pthread_mutex_lock(&w->mu);
	w->done++;
	pthread_mutex_unlock(&w->mu);
}

static void *
walsync_main(void *arg)
{
	struct store_walsync *w = arg;
	struct timespec ts;

	pthread_mutex_lock(&w->mu);
	while (!w->stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += STORE_WALSYNC_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (!w->stop &&
		    pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT)
			;
		if (w->stop)
			break;
		pthread_mutex_unlock(&w->mu);
		wal_look(w);
		wal_checkpoint(w);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* See store_impl.h. */
int
store_walsync_start(struct store *st)
{
	const char *db = sqlite3_db_filename(st->db, "main");
	struct store_walsync *w;
	pthread_condattr_t ca;
	size_t n;

	if (db == NULL || *db == '\0') /* in memory, or temporary */
		return 0;
	n = strlen(db) + sizeof("-wal");
	if ((w = calloc(1, sizeof(*w) + 2 * n)) == NULL)
		return store_failx(st, "walsync: out of memory");
	snprintf(w->path, n, "%s-wal", db);
	w->db = w->path + n;
	snprintf(w->path + n, n, "%s", db);
	w->dv = -1;
	w->fd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->th, NULL, walsync_main, w) != 0) {
		/* not needed for anything but speed */
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return 0;
	}
	st->walsync = w;
	return 0;
}

/* See store_impl.h. */
void
store_walsync_stop(struct store *st)
{
	struct store_walsync *w = st->walsync;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	if (w->fd >= 0)
		close(w->fd);
	/* before the store's connection closes: its close checkpoints
	 * what is left only as the last connection */
	sqlite3_close(w->ck);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
	st->walsync = NULL;
}

/* See store.h. */
uint64_t
store_walsync_ckpts(struct store *st)
{
	struct store_walsync *w = st->walsync;
	uint64_t n;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->mu);
	n = w->ckpts;
	pthread_mutex_unlock(&w->mu);
	return n;
}

/* See store.h. */
uint64_t
store_walsync_count(struct store *st)
{
	struct store_walsync *w = st->walsync;
	uint64_t n;

	if (w == NULL)
		return 0;
	pthread_mutex_lock(&w->mu);
	n = w->done;
	pthread_mutex_unlock(&w->mu);
	return n;
}
